"""Milestone documents (PDF and Office files: the approval, the acceptance report, the tender notice) and what
the public item page needs to offer following it. Documents are checked by their first bytes, never trusted by
name or declared type, stored under random names, and always served as downloads."""

from __future__ import annotations

import re
import secrets
import zipfile
from io import BytesIO
from pathlib import Path

from fastapi import Request
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from lianxin.clock import utcnow
from lianxin.errors import InvalidInput

MAX_DOCUMENTS = 5
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
# the part an Office file of each kind must contain
OFFICE_PARTS = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml", "pptx": "ppt/presentation.xml"}


def _bad(name: str, zh: str, en: str) -> InvalidInput:
    return InvalidInput(f"文件「{name}」{zh}", f"document {name!r}: {en}", field="documents")


def check_document(name: str, data: bytes) -> tuple[str, str]:
    """(extension, content type) of a PDF or Office document, or InvalidInput."""
    ext = Path(name).suffix.lower().lstrip(".")
    if len(data) > MAX_DOCUMENT_BYTES:
        raise _bad(name, "超过 10 MB", "larger than 10 MB")
    if ext not in TYPES:
        raise _bad(name, "不是 PDF、Word、Excel 或 PowerPoint 文件", "is not a PDF, Word, Excel or PowerPoint file")
    if ext == "pdf":
        if not data.startswith(b"%PDF-"):
            raise _bad(name, "不是有效的 PDF", "is not a valid PDF")
        return ext, TYPES[ext]
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            names = set(archive.namelist())
    except zipfile.BadZipFile:
        names = set()
    if OFFICE_PARTS[ext] not in names:
        raise _bad(name, "已损坏或与扩展名不符", "is damaged or not what its name says")
    return ext, TYPES[ext]


def store_documents(upload_dir: Path, files: list) -> list[dict]:
    """Check and store the uploaded documents (empty inputs ignored); the rows for ``add_milestone``."""
    chosen = [f for f in files if isinstance(f, UploadFile) and (f.filename or (f.size or 0) > 0)]
    if len(chosen) > MAX_DOCUMENTS:
        raise InvalidInput(f"最多上传 {MAX_DOCUMENTS} 个文件", f"at most {MAX_DOCUMENTS} documents", field="documents")
    checked = []
    for upload in chosen:
        name = re.sub(r"[\\/\x00-\x1f]", "_", Path(upload.filename or "document").name)[:100] or "document"
        data = upload.file.read(MAX_DOCUMENT_BYTES + 1)
        ext, content_type = check_document(name, data)
        checked.append((name, ext, content_type, data))
    rows = []
    for name, ext, content_type, data in checked:
        key = f"pledges/docs/{utcnow():%Y/%m}/{secrets.token_urlsafe(18)}.{ext}"
        path = upload_dir / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        rows.append({"key": key, "name": name, "type": content_type, "size": len(data)})
    return rows


def follow_context(request: Request, session: Session, item) -> dict:
    """Whether a resident is signed in and follows the item (the public item page's follow button)."""
    from lianxin.pledges.follow import follows
    from lianxin.residents.views import current_resident

    resident = current_resident(request, session)
    return {"resident": resident, "following": follows(session, item, resident)}
