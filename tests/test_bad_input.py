"""Bad input gets a clear 4xx and changes nothing, on every interface (issue 10 §3).

One table of malformed requests against the web forms, the JSON API and Open311: each must answer a 4xx
(never a 500) with a bilingual message in the interface's own error shape, and afterwards every table's
row count and the upload directory are exactly what they were. Runs on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import io
import re
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import func, select

from lianxin.api.keys import create_api_key
from lianxin.app import create_app, get_session
from lianxin.appeals.models import Appeal, Attachment
from lianxin.db import Base
from lianxin.defaults import category_by_path
from lianxin.web.guard import MAX_BODY_BYTES, MAX_FIELD_BYTES, MAX_FIELDS, MAX_UPLOAD_BODY_BYTES
from tests.factories import PASSWORD
from tests.helpers import CSRF_RE, login
from tests.web.staff.helpers import intake_key

LAMP = "城乡建设/市政设施/路灯故障"
ROAD = "路面坑洼，车辆经过时很危险，请尽快修补。".encode()
BAD_UTF8 = ROAD[:3] + b"\xff" + ROAD[4:]  # one bad byte: the old code stored mojibake
BIG = "字" * (MAX_FIELD_BYTES // 3 + 10)  # over 1 MB of UTF-8


# --- images ----------------------------------------------------------------------------------------


def _png(size=(12, 8)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (0, 128, 255)).save(out, format="PNG")
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


@cache
def png_bomb() -> bytes:
    """A real 30000×30000 one-bit PNG of zeros: about 100 KB that decodes to 900 million pixels."""
    side = 30000
    row = b"\x00" * (1 + side // 8)
    deflate = zlib.compressobj(9)
    block = row * 256
    data = b"".join(deflate.compress(block) for _ in range(side // 256))
    data += deflate.compress(row * (side % 256)) + deflate.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", data) + _chunk(b"IEND", b"")


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (39.0, 54.0, 20.0), 3: "E", 4: (116.0, 23.0, 29.0)}
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


BAD_IMAGES = {
    "jpeg_header_then_html": ("photo.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00<html><script>alert(1)</script></html>"),
    "gif_header_then_script": ("photo.gif", b"GIF89a\x01\x00\x01\x00<script>alert(document.cookie)</script>"),
    "png_decompression_bomb": ("bomb.png", None),
    "truncated_png": ("cut.png", None),
}


def bad_image(name: str) -> tuple[str, bytes]:
    filename, data = BAD_IMAGES[name]
    if name == "png_decompression_bomb":
        data = png_bomb()
    elif name == "truncated_png":
        data = _png((300, 200))
        data = data[: len(data) // 2]
    return filename, data


# --- raw bodies ------------------------------------------------------------------------------------


def multipart(fields: list[tuple[bytes, bytes]], files: list[tuple[bytes, bytes, bytes]] = ()) -> tuple[bytes, dict]:
    """A multipart body built byte by byte (so it can carry bytes no client library would send)."""
    boundary = b"lianxinBoundary7MA4YWxk"
    parts = [
        b"--" + boundary + b'\r\nContent-Disposition: form-data; name="' + name + b'"\r\n\r\n' + value + b"\r\n"
        for name, value in fields
    ]
    parts += [
        b"--"
        + boundary
        + b'\r\nContent-Disposition: form-data; name="'
        + name
        + b'"; filename="'
        + filename
        + b'"\r\nContent-Type: application/octet-stream\r\n\r\n'
        + data
        + b"\r\n"
        for name, filename, data in files
    ]
    return b"".join(parts) + b"--" + boundary + b"--\r\n", {
        "content-type": f"multipart/form-data; boundary={boundary.decode()}"
    }


def urlencoded(fields: list[tuple[bytes, bytes]]) -> tuple[bytes, dict]:
    """Raw ``name=value`` pairs joined as they are (values may hold raw non-UTF-8 bytes)."""
    return b"&".join(n + b"=" + v for n, v in fields), {"content-type": "application/x-www-form-urlencoded"}


def enc(fields: dict[str, str]) -> list[tuple[bytes, bytes]]:
    from urllib.parse import quote_plus

    return [(quote_plus(k).encode(), quote_plus(v).encode()) for k, v in fields.items()]


def raw(fields: dict[str, str]) -> list[tuple[bytes, bytes]]:
    return [(k.encode(), v.encode()) for k, v in fields.items()]


# --- the context every case gets ---------------------------------------------------------------------


@dataclass
class Ctx:
    client: TestClient
    hidden: dict  # csrf_token + form_key of a fresh /appeal form
    api: dict  # headers of an operator's API key
    o311: dict  # a valid Open311 POST form
    operator: str  # the city's operator's username

    def appeal_form(self, **overrides) -> dict:
        return (
            self.hidden
            | {
                "appeal_type": "complaint",
                "content": ROAD.decode(),
                "address": "和平里小区东门",
                "appellant_name": "王五",
                "appellant_phone": "13700001111",
            }
            | overrides
        )

    def api_body(self, **overrides) -> dict:
        return {"appeal_type": "help", "content": ROAD.decode(), "appellant_phone": "13900004444"} | overrides


@dataclass(frozen=True)
class Case:
    id: str
    send: Callable[[Ctx], object]
    status: int | None = None  # the exact status expected, when one is


CASES: list[Case] = []


def case(id: str, status: int | None = None):
    def register(send):
        CASES.append(Case(id, send, status))
        return send

    return register


def web_post(ctx: Ctx, path: str, body_headers: tuple[bytes, dict], **headers):
    body, content_headers = body_headers
    return ctx.client.post(path, content=body, headers=content_headers | headers, follow_redirects=False)


# --- web forms: /appeal, /track, /login ----------------------------------------------------------------

for _path in ("/appeal", "/track"):
    case(f"web{_path}-multipart-field-over-1MB", 413)(
        lambda ctx, p=_path: web_post(ctx, p, multipart(raw(ctx.appeal_form(content=BIG))))
    )
    case(f"web{_path}-urlencoded-field-over-1MB", 413)(
        lambda ctx, p=_path: web_post(ctx, p, urlencoded(enc(ctx.appeal_form(content=BIG))))
    )
    case(f"web{_path}-urlencoded-over-1000-fields", 413)(
        lambda ctx, p=_path: web_post(ctx, p, urlencoded(enc(ctx.appeal_form()) + [(b"x", b"1")] * (MAX_FIELDS + 1)))
    )
    case(f"web{_path}-multipart-over-1000-fields", 413)(
        lambda ctx, p=_path: web_post(ctx, p, multipart(raw(ctx.appeal_form()) + [(b"x", b"1")] * (MAX_FIELDS + 1)))
    )
    case(f"web{_path}-multipart-without-boundary", 422)(
        lambda ctx, p=_path: ctx.client.post(
            p, content=multipart(raw(ctx.appeal_form()))[0], headers={"content-type": "multipart/form-data"}
        )
    )
    case(f"web{_path}-multipart-garbage", 422)(
        lambda ctx, p=_path: ctx.client.post(
            p, content=b"--x\r\nnot a part at all", headers={"content-type": "multipart/form-data; boundary=x"}
        )
    )
    case(f"web{_path}-urlencoded-body-over-limit", 413)(
        lambda ctx, p=_path: web_post(ctx, p, urlencoded([(b"x", b"a" * 1000)] * (MAX_BODY_BYTES // 1000 + 10)))
    )

case("web/appeal-multipart-body-over-limit", 413)(
    lambda ctx: web_post(
        ctx,
        "/appeal",
        multipart(raw(ctx.appeal_form()), [(b"photos", b"big.jpg", b"\xff" * (MAX_UPLOAD_BODY_BYTES + 1))]),
    )
)

for _field in ("content", "address", "appellant_name", "appellant_phone", "appeal_type", "form_key"):
    case(f"web/appeal-NUL-in-{_field}-urlencoded", 422)(
        lambda ctx, f=_field: ctx.client.post(
            "/appeal", data=ctx.appeal_form(**{f: ctx.appeal_form()[f] + "\x00"}), follow_redirects=False
        )
    )
    case(f"web/appeal-NUL-in-{_field}-multipart", 422)(
        lambda ctx, f=_field: web_post(
            ctx, "/appeal", multipart(raw(ctx.appeal_form(**{f: ctx.appeal_form()[f] + "\x00"})))
        )
    )

case("web/appeal-NUL-in-content-json-client", 422)(
    lambda ctx: ctx.client.post(
        "/appeal", data=ctx.appeal_form(content=ROAD.decode() + "\x00"), headers={"accept": "application/json"}
    )
)
case("web/appeal-invalid-utf8-content-urlencoded-raw", 422)(
    lambda ctx: web_post(ctx, "/appeal", urlencoded(enc(ctx.appeal_form(content="")) + [(b"content", BAD_UTF8)]))
)
case("web/appeal-invalid-utf8-content-percent-encoded", 422)(
    lambda ctx: web_post(
        ctx,
        "/appeal",
        urlencoded(enc(ctx.appeal_form(content="")) + [(b"content", "".join(f"%{b:02X}" for b in BAD_UTF8).encode())]),
    )
)
case("web/appeal-invalid-utf8-content-multipart", 422)(
    lambda ctx: web_post(ctx, "/appeal", multipart(raw(ctx.appeal_form(content="")) + [(b"content", BAD_UTF8)]))
)
case("web/appeal-invalid-utf8-name-multipart", 422)(
    lambda ctx: web_post(
        ctx, "/appeal", multipart(raw(ctx.appeal_form(appellant_name="")) + [(b"appellant_name", b"\xe7\x8e")])
    )
)
case("web/appeal-NUL-in-photo-filename", 422)(
    lambda ctx: web_post(ctx, "/appeal", multipart(raw(ctx.appeal_form()), [(b"photos", b"a\x00.png", _png())]))
)
case("web/appeal-invalid-utf8-photo-filename", 422)(
    lambda ctx: web_post(ctx, "/appeal", multipart(raw(ctx.appeal_form()), [(b"photos", b"\xff\xfe.png", _png())]))
)
for _name in BAD_IMAGES:
    case(f"web/appeal-photo-{_name}", 422)(
        lambda ctx, n=_name: ctx.client.post(
            "/appeal", data=ctx.appeal_form(), files=[("photos", (*bad_image(n), "image/png"))], follow_redirects=False
        )
    )
for _field in ("order_no", "phone"):
    case(f"web/track-NUL-in-{_field}", 422)(
        lambda ctx, f=_field: ctx.client.post(
            "/track",
            data={"csrf_token": ctx.hidden["csrf_token"], "order_no": "20260302000001", "phone": "13700001111"}
            | {f: "2026\x00"},
        )
    )
case("web/track-invalid-utf8-order_no", 422)(
    lambda ctx: web_post(
        ctx,
        "/track",
        urlencoded(enc({"csrf_token": ctx.hidden["csrf_token"], "phone": "1"}) + [(b"order_no", b"\xc0\xaf")]),
    )
)
case("web/login-NUL-in-username", 422)(
    lambda ctx: ctx.client.post(
        "/login", data={"csrf_token": ctx.hidden["csrf_token"], "username": "admin\x00", "password": "x"}
    )
)


def staff_intake(ctx: Ctx, build) -> object:
    """Signed in as the city's operator, the staff intake form with ``build(fields)`` as its body."""
    login(ctx.client, ctx.operator, PASSWORD)
    page = ctx.client.get("/staff/intake").text
    fields = {
        "csrf_token": CSRF_RE.search(page).group(1),
        "intake_key": intake_key(ctx.client),
        "appellant_phone": "13912345678",
        "appellant_name": "李四",
        "appeal_type": "help",
        "content": ROAD.decode(),
        "address": "安定门外大街1号",
        "channel": "hotline",
        "urgency": "normal",
        "disposition": "dispatch",
    }
    return web_post(ctx, "/staff/intake", build(fields))


case("web/staff-intake-NUL-in-content", 422)(
    lambda ctx: staff_intake(ctx, lambda f: urlencoded(enc(f | {"content": f["content"] + "\x00"})))
)
case("web/staff-intake-invalid-utf8-content-multipart", 422)(
    lambda ctx: staff_intake(ctx, lambda f: multipart(raw(f | {"content": ""}) + [(b"content", BAD_UTF8)]))
)
case("web/staff-intake-field-over-1MB", 413)(
    lambda ctx: staff_intake(ctx, lambda f: urlencoded(enc(f | {"content": BIG})))
)
case("web/track-NUL-in-query", 422)(lambda ctx: ctx.client.get("/track?order_no=%00"))
case("web/t-NUL-in-path", 422)(lambda ctx: ctx.client.get("/t/abc%00def"))
case("web/stats-invalid-utf8-in-query", 422)(lambda ctx: ctx.client.get("/stats?district=%E8%B7"))

# --- JSON API -----------------------------------------------------------------------------------------

for _field in ("content", "title", "address", "appellant_name", "appellant_phone", "appeal_type"):
    case(f"api-NUL-in-{_field}", 422)(
        lambda ctx, f=_field: ctx.client.post(
            "/api/v1/appeals", headers=ctx.api, json=ctx.api_body(**{f: ctx.api_body().get(f, "标题") + "\x00"})
        )
    )
    case(f"api-lone-surrogate-in-{_field}", 422)(
        lambda ctx, f=_field: ctx.client.post(
            "/api/v1/appeals",
            headers=ctx.api | {"content-type": "application/json"},
            content=b'{"appeal_type": "help", "appellant_phone": "13900004444", "content": "'
            + ROAD
            + b'", "'
            + f.encode()
            + b'": "\\ud800abc"}',
        )
    )
case("api-invalid-utf8-body", 422)(
    lambda ctx: ctx.client.post(
        "/api/v1/appeals",
        headers=ctx.api | {"content-type": "application/json"},
        content=b'{"appeal_type": "help", "appellant_phone": "13900004444", "content": "' + BAD_UTF8 + b'"}',
    )
)
case("api-NUL-in-json-key", 422)(
    lambda ctx: ctx.client.post("/api/v1/appeals", headers=ctx.api, json=ctx.api_body() | {"x\x00": 1})
)
case("api-body-over-limit", 413)(
    lambda ctx: ctx.client.post(
        "/api/v1/appeals", headers=ctx.api, json=ctx.api_body(content="a" * (MAX_BODY_BYTES + 1))
    )
)
case("api-NUL-in-query", 422)(lambda ctx: ctx.client.get("/api/v1/appeals?q=%00", headers=ctx.api))
case("api-invalid-utf8-in-query", 422)(lambda ctx: ctx.client.get("/api/v1/appeals?q=%E8%B7", headers=ctx.api))
case("api-NUL-in-path", 422)(lambda ctx: ctx.client.get("/api/v1/appeals/2026%000001", headers=ctx.api))

# --- Open311 ------------------------------------------------------------------------------------------

O311_FIELDS = (
    "description",
    "address_string",
    "first_name",
    "last_name",
    "phone",
    "email",
    "device_id",
    "account_id",
    "address_id",
    "service_code",
    "jurisdiction_id",
    "api_key",
    "lat",
    "media_url",
    "attribute[pole]",
)


def o311_post(ctx: Ctx, form: dict | None = None, *, files=None, fmt="json", **kwargs):
    if form is None and files is None and not kwargs:
        form = ctx.o311
    return ctx.client.post(f"/open311/v2/requests.{fmt}", data=form, files=files, **kwargs)


for _field in O311_FIELDS:
    case(f"open311-NUL-in-{_field}", 400)(
        lambda ctx, f=_field: o311_post(ctx, ctx.o311 | {f: ctx.o311.get(f, "x") + "\x00"})
    )
    case(f"open311-NUL-in-{_field}-multipart", 400)(
        lambda ctx, f=_field: o311_post(
            ctx,
            None,
            content=multipart(raw(ctx.o311 | {f: ctx.o311.get(f, "x") + "\x00"}))[0],
            headers=multipart([])[1],
        )
    )
case("open311-NUL-in-description-xml", 400)(
    lambda ctx: o311_post(ctx, ctx.o311 | {"description": "路灯\x00坏了一周了"}, fmt="xml")
)
case("open311-invalid-utf8-description-urlencoded", 400)(
    lambda ctx: o311_post(
        ctx,
        None,
        content=urlencoded(enc(ctx.o311 | {"description": ""}) + [(b"description", BAD_UTF8)])[0],
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
)
case("open311-invalid-utf8-description-percent-encoded", 400)(
    lambda ctx: o311_post(
        ctx,
        None,
        content=urlencoded(
            enc(ctx.o311 | {"description": ""}) + [(b"description", "".join(f"%{b:02X}" for b in BAD_UTF8).encode())]
        )[0],
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
)
case("open311-invalid-utf8-description-multipart", 400)(
    lambda ctx: o311_post(
        ctx,
        None,
        content=multipart(raw(ctx.o311 | {"description": ""}) + [(b"description", BAD_UTF8)])[0],
        headers=multipart([])[1],
    )
)
case("open311-multipart-without-boundary", 400)(
    lambda ctx: o311_post(
        ctx, None, content=multipart(raw(ctx.o311))[0], headers={"content-type": "multipart/form-data"}
    )
)
case("open311-field-over-1MB", 413)(lambda ctx: o311_post(ctx, ctx.o311 | {"description": BIG}))
case("open311-over-1000-fields", 413)(
    lambda ctx: o311_post(
        ctx,
        None,
        content=urlencoded(enc(ctx.o311) + [(b"x", b"1")] * (MAX_FIELDS + 1))[0],
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
)
case("open311-body-over-limit", 413)(
    lambda ctx: o311_post(
        ctx,
        None,
        content=multipart(raw(ctx.o311), [(b"media", b"big.png", b"\x89" * (MAX_UPLOAD_BODY_BYTES + 1))])[0],
        headers=multipart([])[1],
    )
)
for _name in BAD_IMAGES:
    case(f"open311-media-{_name}", 400)(
        lambda ctx, n=_name: o311_post(ctx, ctx.o311, files=[("media", (*bad_image(n), "image/png"))])
    )
case("open311-valid-media-but-unknown-service", 404)(
    lambda ctx: o311_post(
        ctx, ctx.o311 | {"service_code": "no-such-service"}, files=[("media", ("a.png", _png(), "image/png"))]
    )
)
case("open311-valid-media-but-no-location", 400)(
    lambda ctx: o311_post(
        ctx,
        {k: v for k, v in ctx.o311.items() if k not in ("lat", "long", "address_string")},
        files=[("media", ("a.png", _png(), "image/png"))],
    )
)
case("open311-valid-media-but-bad-key", 403)(
    lambda ctx: o311_post(ctx, ctx.o311 | {"api_key": "wrong"}, files=[("media", ("a.png", _png(), "image/png"))])
)
for _path in (
    "services.json?jurisdiction_id=%00",
    "requests.json?service_code=%00",
    "requests.json?status=open%00",
    "requests.json?start_date=2026-03-01%00",
    "requests.json?service_request_id=%00",
    "requests.xml?page=1%00",
    "services/%00.json",
    "requests/2026%00.json",
    "tokens/%00.json",
    "requests.json?service_code=%E8%B7",
    "services/%FF.json",
    "discovery.json?x=%00",
):
    case(f"open311-GET-{_path}", 400)(lambda ctx, p=_path: ctx.client.get(f"/open311/v2/{p}"))


# --- the test -----------------------------------------------------------------------------------------


@pytest.fixture
def ctx(db, settings, city):
    app = create_app(settings.model_copy(update={"public_jurisdiction": city.jurisdiction.code}))
    app.dependency_overrides[get_session] = lambda: db
    _, operator = create_api_key(
        db, jurisdiction_id=city.jid, name="operator client", channel="api", grants=[("operator", city.units["centre"])]
    )
    _, intake = create_api_key(db, jurisdiction_id=city.jid, name="市民App", channel="mobile")
    lamp = category_by_path(db, city.jid, LAMP)
    o311 = {
        "jurisdiction_id": city.jurisdiction.code,
        "api_key": intake,
        "service_code": lamp.code,
        "lat": "39.9042",
        "long": "116.4074",
        "address_string": "和平里小区3号楼",
        "description": "3号楼门口的路灯坏了一周，晚上很黑。",
        "phone": "13900005555",
        "first_name": "四",
        "last_name": "李",
    }
    db.flush()
    with TestClient(app) as client:
        page = client.get("/appeal")
        hidden = {
            "csrf_token": CSRF_RE.search(page.text).group(1),
            "form_key": re.search(r'name="form_key" value="([^"]+)"', page.text).group(1),
        }
        yield Ctx(client, hidden, {"Authorization": f"Bearer {operator}"}, o311, city.users["operator"].username)


def snapshot(db, settings) -> tuple[dict, set]:
    # The rate limiter counts every attempt, refused ones too (that is how it stops abuse): not data a request changes.
    counts = {
        table.name: db.scalar(select(func.count()).select_from(table))
        for table in Base.metadata.sorted_tables
        if not table.name.startswith("rate_")
    }
    return counts, {p for p in settings.upload_dir.rglob("*") if p.is_file()}


def assert_bilingual(case: Case, response) -> None:
    if case.id.startswith("open311"):
        [error] = response.json() if response.headers["content-type"].startswith("application/json") else [None]
        if error is not None:
            assert error["code"] == response.status_code and " / " in error["description"]
        else:
            assert response.content.startswith(b"<?xml") and b"<errors>" in response.content
    elif case.id.startswith("api"):
        body = response.json()
        assert body["message"] and body["message_en"] and body["message"] != body["message_en"], body
    elif response.headers["content-type"].startswith("application/json"):
        body = response.json()
        assert body["message_zh"] and body["message_en"] and body["message_zh"] != body["message_en"], body
    else:
        assert response.headers["content-type"].startswith("text/html") and 'role="alert"' in response.text


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_malformed_input_gets_a_clear_4xx_and_changes_nothing(case, ctx, db, settings):
    before = snapshot(db, settings)
    response = case.send(ctx)
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
    if case.status is not None:
        assert response.status_code == case.status, (response.status_code, response.text[:300])
    assert_bilingual(case, response)
    assert snapshot(db, settings) == before


def test_open311_photos_pass_the_web_forms_checks_and_lose_their_gps_position(ctx, db, settings):
    response = o311_post(ctx, ctx.o311, files=[("media", ("IMG_0001.JPG", jpeg_with_gps(), "image/jpeg"))])
    assert response.status_code == 200, response.text
    appeal = db.scalar(select(Appeal).where(Appeal.order_no == response.json()[0]["service_request_id"]))
    [attachment] = db.scalars(select(Attachment).where(Attachment.appeal_id == appeal.id)).all()
    stored = (settings.upload_dir / attachment.storage_key).read_bytes()
    assert attachment.content_type == "image/jpeg" and attachment.size == len(stored)
    with Image.open(io.BytesIO(stored)) as image:
        exif = image.getexif()
        assert image.size == (64, 48) and 0x8825 not in exif and 0x010F not in exif


def test_a_web_form_at_the_limits_still_goes_through(ctx, db):
    """The limits refuse abuse, not residents: 1,000 fields and a field just under 1 MB are fine."""
    form = ctx.appeal_form(content=ROAD.decode() * 10)
    fields = enc(form) + [(b"x", b"1")] * (MAX_FIELDS - len(form))
    response = web_post(ctx, "/appeal", urlencoded(fields))
    assert response.status_code == 303, response.text[:300]
    response = ctx.client.post(
        "/track", data={"csrf_token": ctx.hidden["csrf_token"], "order_no": "x" * (MAX_FIELD_BYTES - 100), "phone": "1"}
    )
    assert response.status_code == 404 and 'name="order_no"' in response.text  # the page's own answer, not the guard's
