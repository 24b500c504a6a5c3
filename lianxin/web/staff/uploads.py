"""Photos attached by staff (proof of handling, patrol reports): checked by content, stored under
``settings.upload_dir``, described as the dicts ``appeals.service`` saves as Attachment rows."""

from __future__ import annotations

import uuid
from pathlib import Path

from starlette.datastructures import UploadFile

from lianxin.clock import utcnow
from lianxin.errors import InvalidInput

MAX_PHOTOS, MAX_BYTES = 9, 10 * 1024 * 1024
SIGNATURES = {b"\xff\xd8\xff": ("jpg", "image/jpeg"), b"\x89PNG\r\n\x1a\n": ("png", "image/png")}


def _kind(head: bytes) -> tuple[str, str] | None:
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp", "image/webp"
    return next((kind for sig, kind in SIGNATURES.items() if head.startswith(sig)), None)


async def read_photos(files: list[UploadFile], field: str = "photos") -> list[tuple[bytes, str, str, str]]:
    """(content, filename, extension, content type) of each non-empty upload; InvalidInput on a bad one."""
    chosen = [f for f in files if isinstance(f, UploadFile) and f.filename]
    if len(chosen) > MAX_PHOTOS:
        raise InvalidInput(f"照片最多 {MAX_PHOTOS} 张", f"at most {MAX_PHOTOS} photos", field=field)
    photos = []
    for upload in chosen:
        content = await upload.read(MAX_BYTES + 1)
        if len(content) > MAX_BYTES:
            raise InvalidInput(f"照片「{upload.filename}」超过 10 MB", f"{upload.filename} exceeds 10 MB", field=field)
        kind = _kind(content[:16])
        if kind is None:
            raise InvalidInput(f"「{upload.filename}」不是 JPEG/PNG/WebP 图片", f"{upload.filename} is not a JPEG/PNG/WebP image",
                               field=field)
        photos.append((content, upload.filename[-200:], *kind))
    return photos


def plan_photos(photos: list[tuple[bytes, str, str, str]]) -> list[tuple[dict, bytes]]:
    """A storage key and the Attachment fields of each photo; nothing is written yet."""
    folder = utcnow().strftime("%Y/%m")
    return [({"filename": filename, "content_type": content_type, "size": len(content),
              "storage_key": f"{folder}/{uuid.uuid4().hex}.{ext}"}, content)
            for content, filename, ext, content_type in photos]


def write_photos(upload_dir: Path, planned: list[tuple[dict, bytes]]) -> None:
    """Write the photos once the action that saves their rows has succeeded."""
    for item, content in planned:
        path = Path(upload_dir) / item["storage_key"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
