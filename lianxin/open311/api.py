"""The GeoReport v2 endpoints under ``/open311/v2``: every path in ``.xml`` and ``.json``; reads are
public, ``POST requests`` needs an ``api_key``; errors are the spec's list of ``{code, description}``."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from lianxin.api.keys import authenticate, touch
from lianxin.app import get_session
from lianxin.appeals.queries import timelines
from lianxin.clock import local_zone, utcnow
from lianxin.errors import InvalidInput, NotFound, PermissionDenied
from lianxin.open311 import service
from lianxin.open311.render import FORMATS, dt, respond
from lianxin.open311.service import BadRequest, NewRequest, RequestQuery
from lianxin.web import throttle
from lianxin.web.uploads import MAX_PHOTO_BYTES, Photo, clean_photo, discard, store_photos

router = APIRouter()
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = datetime(2026, 11, 21, 16, tzinfo=UTC)  # 2026-11-22 00:00 Beijing time
MAX_MEDIA_BYTES, MAX_MEDIA_FILES = MAX_PHOTO_BYTES, 5

SessionDep = Annotated[Session, Depends(get_session)]
JurisdictionParam = Annotated[str | None, Query(max_length=32)]


def _fmt(fmt: str) -> str:
    if fmt not in FORMATS:
        raise NotFound(f"不支持的格式 .{fmt}", f"unknown format .{fmt}; use .xml or .json")
    return fmt


def _blank(value: str | None) -> str | None:
    """An empty parameter means the same as no parameter."""
    return value.strip() if value and value.strip() else None


def _when(value: str | None, name: str) -> datetime | None:
    value = _blank(value)
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(f"{name} 不是有效的日期时间", f"{name} must be a W3C datetime", field=name) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=local_zone())


def _int(value: str | None, name: str, default: int, maximum: int) -> int:
    value = _blank(value)
    if value is None:
        return default
    if not value.isdigit() or not 1 <= int(value) <= maximum:
        raise BadRequest(
            f"{name} 应为 1–{maximum} 的整数", f"{name} must be an integer from 1 to {maximum}", field=name
        )
    return int(value)


def _float(value: str | None, name: str, limit: float) -> float | None:
    value = _blank(value)
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        raise BadRequest(f"{name} 应为数字", f"{name} must be a number", field=name) from None
    if not -limit <= number <= limit:
        raise BadRequest(f"{name} 超出范围", f"{name} is out of range", field=name)
    return number


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


@router.get("/discovery.{fmt}")
def discovery(fmt: str, request: Request):
    settings = request.app.state.settings
    url = str(request.url.replace(query="")).rsplit("/discovery.", 1)[0]
    return respond(
        _fmt(fmt),
        "discovery",
        {
            "changeset": dt(CHANGESET),
            "contact": f"{settings.hotline_number} 热线中心 / hotline centre",
            "key_service": "向平台管理员申请 API 密钥（lianxin apikey create）/ ask the platform's administrators for an api_key",
            "endpoints": [
                {
                    "specification": SPECIFICATION,
                    "url": url,
                    "changeset": dt(CHANGESET),
                    "type": "production",
                    "formats": list(f.split(";")[0] for f in FORMATS.values()),
                }
            ],
        },
    )


@router.get("/services.{fmt}")
def services(fmt: str, session: SessionDep, jurisdiction_id: JurisdictionParam = None):
    fmt = _fmt(fmt)
    jurisdiction = service.resolve_jurisdiction(session, _blank(jurisdiction_id))
    return respond(fmt, "services", service.list_services(session, jurisdiction.id))


@router.get("/services/{service_code}.{fmt}")
def service_definition(service_code: str, fmt: str, session: SessionDep, jurisdiction_id: JurisdictionParam = None):
    fmt = _fmt(fmt)
    jurisdiction = service.resolve_jurisdiction(session, _blank(jurisdiction_id))
    category = service.get_service(session, jurisdiction.id, service_code)
    return respond(fmt, "service_definition", service.service_definition(session, category))


def _attributes(form) -> dict[str, list[str]]:
    answers: dict[str, list[str]] = {}
    for name, value in form.multi_items():
        if name.startswith("attribute[") and isinstance(value, str):
            code = name[len("attribute[") :].removesuffix("[]").removesuffix("]")
            answers.setdefault(code, []).append(value)
    return answers


async def _uploads(form) -> list[tuple[str, bytes]]:
    """(filename, bytes) of the multipart ``media`` files (v2.1 draft), read without blocking the event loop."""
    files = [f for name in ("media", "media[]") for f in form.getlist(name) if isinstance(f, UploadFile)]
    if len(files) > MAX_MEDIA_FILES:
        raise BadRequest(f"最多上传 {MAX_MEDIA_FILES} 个文件", f"at most {MAX_MEDIA_FILES} files", field="media")
    return [(upload.filename or "", await upload.read(MAX_MEDIA_BYTES + 1)) for upload in files]


def _media(uploads: list[tuple[str, bytes]]) -> list[Photo]:
    """The web form's checks, shared (decode, size and pixel limits, re-encoded without metadata); nothing written."""
    photos = []
    for filename, data in uploads:
        try:
            photos.append(clean_photo(Path(filename or "media").name[:100] or "media", data))
        except InvalidInput as exc:
            raise BadRequest(exc.message_zh, exc.message_en, field="media") from None
    return photos


def _store_after_checks(upload_dir: Path, photos: list[Photo], submit):
    """``submit(store)`` runs the request's checks and calls ``store()`` only once they pass; files of a
    refused request, or of a retry answered with the first request, are removed again."""
    rows: list[dict] = []

    def store() -> list[dict]:
        rows.extend(store_photos(upload_dir, photos))
        return rows

    try:
        appeal = submit(store)
    except BaseException:
        discard(upload_dir, rows)
        raise
    if rows and not any(a.storage_key == rows[0]["storage_key"] for a in appeal.attachments):
        discard(upload_dir, rows)
    return appeal


def _media_url(value: str | None) -> str | None:
    value = _blank(value)
    if value and (len(value) > 500 or not value.startswith(("http://", "https://"))):
        raise BadRequest("media_url 须为 http(s) 网址", "media_url must be an http(s) URL", field="media_url")
    return value


@router.post("/requests.{fmt}")
async def create_request(fmt: str, request: Request, session: SessionDep):
    """Reads the body here; the database work runs in the thread pool, never on the event loop."""
    fmt = _fmt(fmt)
    form = await request.form()
    uploads = await _uploads(form)
    return await run_in_threadpool(_create_request, fmt, request, session, form, uploads)


def _create_request(fmt: str, request: Request, session: Session, form, uploads: list[tuple[str, bytes]]):
    field = lambda name: _blank(v) if isinstance(v := form.get(name) or request.query_params.get(name), str) else None  # noqa: E731
    throttle.limit(request, session, "open311_per_address", "open311:address")  # 429 past the limit
    key = authenticate(session, field("api_key") or "")
    if key is None:
        raise PermissionDenied(
            "api_key 无效或缺失", "invalid or missing api_key -- cannot create a request", field="api_key"
        )
    throttle.limit(request, session, "open311_per_key", "open311:key", str(key.id))
    jurisdiction = service.resolve_jurisdiction(session, field("jurisdiction_id"))
    code = field("service_code")
    if code is None:
        raise BadRequest("缺少 service_code", "service_code is required", field="service_code")
    texts = {
        name: field(name)
        for name in (
            "address_string",
            "address_id",
            "email",
            "device_id",
            "account_id",
            "first_name",
            "last_name",
            "phone",
        )
    }
    too_long = next((n for n, v in texts.items() if v and len(v) > 300), None)
    if too_long:
        raise BadRequest(f"{too_long} 过长", f"{too_long} is too long", field=too_long)
    data = NewRequest(
        service_code=code,
        description=field("description") or "",
        lat=_float(field("lat"), "lat", 90),
        long=_float(field("long"), "long", 180),
        media_url=_media_url(field("media_url")),
        attributes=_attributes(form),
        **texts,
    )
    idempotency = _blank(request.headers.get("idempotency-key"))
    if idempotency and len(idempotency) > 80:
        raise BadRequest("Idempotency-Key 过长", "Idempotency-Key is limited to 80 characters", field="Idempotency-Key")
    photos = _media(uploads)
    appeal = _store_after_checks(
        Path(request.app.state.settings.upload_dir),
        photos,
        lambda store: service.create_request(
            session,
            jurisdiction,
            key,
            data,
            store_media=store,
            idempotency_key=f"o311:{key.prefix}:{idempotency}" if idempotency else None,
        ),
    )
    touch(key)
    return respond(
        fmt,
        "service_requests",
        [
            {
                "service_request_id": appeal.order_no,
                "account_id": data.account_id,
                "service_notice": f"已受理，工单号 {appeal.order_no}，将按接诉即办时限派单办理 / received, it will be dispatched "
                "and handled within the service's time limit",
            }
        ],
    )


@router.get("/requests.{fmt}")
def list_requests(
    fmt: str,
    request: Request,
    session: SessionDep,
    jurisdiction_id: JurisdictionParam = None,
    extensions: Annotated[str | None, Query()] = None,
):
    fmt = _fmt(fmt)
    jurisdiction = service.resolve_jurisdiction(session, _blank(jurisdiction_id))
    params = request.query_params
    statuses = _split(params.get("status"))
    if not set(statuses) <= {"open", "closed"}:
        raise BadRequest("status 只能是 open 或 closed", "status must be open and/or closed", field="status")
    query = RequestQuery(
        service_request_ids=_split(params.get("service_request_id")),
        service_codes=_split(params.get("service_code")),
        start_date=_when(params.get("start_date"), "start_date"),
        end_date=_when(params.get("end_date"), "end_date"),
        statuses=statuses,
        updated_after=_when(params.get("updated_after"), "updated_after"),
        updated_before=_when(params.get("updated_before"), "updated_before"),
        page=_int(params.get("page"), "page", 1, 100_000),
        page_size=_int(params.get("page_size"), "page_size", service.MAX_REQUESTS, service.MAX_REQUESTS),
    )
    appeals = service.query_requests(session, jurisdiction.id, query, now=utcnow())
    return _requests(fmt, session, appeals, extensions)


def _requests(fmt: str, session: Session, appeals, extensions: str | None):
    extras = service.extras_for(session, appeals)
    wanted = (extensions or "").strip().lower() == "true"
    steps = timelines(session, appeals, public_only=True) if wanted else {}
    zone = local_zone()
    return respond(
        fmt,
        "service_requests",
        [
            service.request_dict(session, a, extras.get(a.id), extensions=wanted, steps=steps.get(a.id), zone=zone)
            for a in appeals
        ],
        cleaned=True,
    )


@router.get("/requests/{service_request_id}.{fmt}")
@router.get("/request/{service_request_id}.{fmt}", include_in_schema=False)  # the official Swagger file's spelling
def get_request(
    service_request_id: str,
    fmt: str,
    session: SessionDep,
    jurisdiction_id: JurisdictionParam = None,
    extensions: Annotated[str | None, Query()] = None,
):
    fmt = _fmt(fmt)
    jurisdiction = service.resolve_jurisdiction(session, _blank(jurisdiction_id))
    return _requests(fmt, session, [service.get_request(session, jurisdiction.id, service_request_id)], extensions)


@router.get("/tokens/{token}.{fmt}")
def token(token: str, fmt: str, session: SessionDep, jurisdiction_id: JurisdictionParam = None):
    fmt = _fmt(fmt)
    jurisdiction = service.resolve_jurisdiction(session, _blank(jurisdiction_id))
    appeal = service.find_token(session, jurisdiction.id, token)
    return respond(fmt, "service_requests", [{"service_request_id": appeal.order_no, "token": token}])
