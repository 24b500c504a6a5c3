"""Photos sent with an appeal (随拍随发): checked on the server, re-encoded without metadata, stored
under ``settings.upload_dir`` with random names, and served only through access-checked routes.

Checks: at most ``MAX_PHOTOS`` files, each at most ``MAX_PHOTO_BYTES``; the type is sniffed from the
file's first bytes (JPEG, PNG, WebP), never taken from the name or the browser's claim; the image
must decode. Re-encoding drops EXIF (a phone photo's GPS position and camera serial) after applying
its orientation, which protects confidential reporters (举报人保护).
"""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass
from pathlib import Path

from fastapi import UploadFile
from PIL import Image, ImageOps, UnidentifiedImageError

from lianxin.clock import utcnow
from lianxin.errors import InvalidInput

MAX_PHOTOS = 9
MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000  # refuse decompression bombs
MAX_SIDE = 2560  # longer side after re-encoding
SIGNATURES = (  # (offset, bytes, content type, pillow format, extension)
    (0, b"\xff\xd8\xff", "image/jpeg", "JPEG", "jpg"),
    (0, b"\x89PNG\r\n\x1a\n", "image/png", "PNG", "png"),
    (8, b"WEBP", "image/webp", "WEBP", "webp"),
)


@dataclass(frozen=True)
class Photo:
    filename: str
    content_type: str
    extension: str
    data: bytes


def sniff(head: bytes) -> tuple[str, str, str] | None:
    """(content type, pillow format, extension) from the magic bytes, or None."""
    for offset, magic, content_type, fmt, ext in SIGNATURES:
        if head[offset : offset + len(magic)] == magic and (ext != "webp" or head[:4] == b"RIFF"):
            return content_type, fmt, ext
    return None


def reencode(data: bytes, fmt: str) -> bytes:
    """Decode and encode again: orientation applied, metadata dropped, size capped."""
    with Image.open(io.BytesIO(data)) as image:
        if image.width * image.height > MAX_PIXELS:
            raise ValueError("too many pixels")
        image = ImageOps.exif_transpose(image)
        image.thumbnail((MAX_SIDE, MAX_SIDE))
        if fmt == "JPEG" and image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        out = io.BytesIO()
        image.save(out, format=fmt, **({"quality": 85} if fmt in ("JPEG", "WEBP") else {"optimize": True}))
        return out.getvalue()


def _bad(name: str, zh: str, en: str) -> InvalidInput:
    return InvalidInput(f"照片「{name}」{zh}", f"photo {name!r}: {en}", field="photos")


def read_photos(files: list[UploadFile]) -> list[Photo]:
    """Validate the uploaded photos (empty file inputs are ignored); raise InvalidInput(field="photos")."""
    chosen = [f for f in files if f.filename or (f.size or 0) > 0]
    if len(chosen) > MAX_PHOTOS:
        raise InvalidInput(
            f"最多上传 {MAX_PHOTOS} 张照片（您选择了 {len(chosen)} 张）",
            f"at most {MAX_PHOTOS} photos ({len(chosen)} chosen)",
            field="photos",
        )
    photos = []
    for upload in chosen:
        name = Path(upload.filename or "photo").name[:100] or "photo"
        data = upload.file.read(MAX_PHOTO_BYTES + 1)
        photos.append(clean_photo(name, data))
    return photos


def clean_photo(name: str, data: bytes) -> Photo:
    """One photo's bytes checked (size, type sniffed, must decode fully, pixel limit) and re-encoded without
    metadata; raise InvalidInput(field="photos"). Every interface that accepts photos goes through here."""
    if len(data) > MAX_PHOTO_BYTES:
        raise _bad(
            name, f"超过 {MAX_PHOTO_BYTES // 1024 // 1024} MB", f"larger than {MAX_PHOTO_BYTES // 1024 // 1024} MB"
        )
    kind = sniff(data[:16])
    if kind is None:
        raise _bad(name, "不是 JPEG、PNG 或 WebP 图片", "is not a JPEG, PNG or WebP image")
    content_type, fmt, ext = kind
    try:
        clean = reencode(data, fmt)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise _bad(name, "已损坏或无法识别", "is damaged or cannot be read") from None
    return Photo(name, content_type, ext, clean)


def store_photos(upload_dir: Path, photos: list[Photo]) -> list[dict]:
    """Write the photos under random names; returns the rows for ``submit_appeal(attachments=...)``."""
    now = utcnow()
    rows = []
    for photo in photos:
        key = f"appeals/{now:%Y/%m}/{secrets.token_urlsafe(18)}.{photo.extension}"
        path = upload_dir / key
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".part")
        tmp.write_bytes(photo.data)
        tmp.replace(path)
        rows.append(
            {
                "filename": photo.filename,
                "content_type": photo.content_type,
                "size": len(photo.data),
                "storage_key": key,
            }
        )
    return rows


def discard(upload_dir: Path, rows: list[dict]) -> None:
    """Remove stored files that ended up unused (a failed or duplicate submission)."""
    for row in rows:
        (upload_dir / row["storage_key"]).unlink(missing_ok=True)


def stored_path(upload_dir: Path, storage_key: str) -> Path:
    """The file for a storage key, refusing anything that would leave the upload directory."""
    root = upload_dir.resolve()
    path = (root / storage_key).resolve()
    if root not in path.parents:
        raise InvalidInput("附件路径无效", "invalid attachment path")
    return path
