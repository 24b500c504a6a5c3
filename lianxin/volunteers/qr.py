"""Signed, expiring check-in codes: the organiser's page shows a QR code (segno, SVG) for a URL that
carries ``activity id + in/out`` signed with the app's secret; it expires after ``CODE_TTL`` seconds and
the page renews it. No extra hardware: the volunteer's phone camera opens the URL."""

from __future__ import annotations

import io

import segno
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from lianxin.config import Settings
from lianxin.errors import InvalidInput

CODE_TTL = 600  # seconds a shown code stays valid
SALT = "lianxin.volunteers.checkin"


def _serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret_key, salt=SALT)


def make_code(settings: Settings, activity_id: int, kind: str) -> str:
    if kind not in ("in", "out"):
        raise ValueError(kind)
    return _serializer(settings).dumps({"a": activity_id, "k": kind})


def read_code(settings: Settings, code: str, ttl: int = CODE_TTL) -> tuple[int, str]:
    """(activity id, "in" | "out"), or InvalidInput when the code is forged or too old."""
    try:
        data = _serializer(settings).loads(code, max_age=ttl)
    except SignatureExpired:
        raise InvalidInput(
            "二维码已过期，请扫描现场最新的二维码", "the code has expired; scan the current one", field="code"
        ) from None
    except BadSignature:
        raise InvalidInput("二维码无效", "this is not a valid check-in code", field="code") from None
    return int(data["a"]), str(data["k"])


def qr_svg(url: str) -> str:
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=6, border=2, xmldecl=False, svgns=True)
    return buffer.getvalue().decode()
