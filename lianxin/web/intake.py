"""The resident's appeal form (mobile-first; grid workers use it too, as patrol reports).

One submission = one appeal: the form carries a one-time key (``form_key``) that becomes the
appeal's idempotency key, so a resubmitted or double-clicked form returns the first appeal; and a
form sent again after the browser's back button (which may fetch a new key) with the same phone and
text within ``RESEND_WINDOW`` returns the first appeal too.
Everything is validated before anything is stored; on error the form comes back with the
message next to each field and nothing is saved.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import asdict
from datetime import timedelta

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased
from starlette.datastructures import FormData, UploadFile

from lianxin.appeals.choices import AppealType, Channel
from lianxin.appeals.models import Appeal, Appellant
from lianxin.appeals.schemas import AppealCreate
from lianxin.appeals.service import submit_appeal
from lianxin.clock import utcnow
from lianxin.errors import LianxinError
from lianxin.memo import remember
from lianxin.modules import first_hook
from lianxin.orgs.models import Role, Unit, UnitKind, User
from lianxin.orgs.service import has_role
from lianxin.web import throttle
from lianxin.web.deps import current_user, get_session, public_jurisdiction
from lianxin.web.forms import FormErrors, posted_form
from lianxin.web.i18n import pick_lang
from lianxin.web.public_stats import community_map, community_points
from lianxin.web.templating import render
from lianxin.web.uploads import MAX_PHOTOS, discard, read_photos, store_photos

router = APIRouter()

RESIDENT_TYPES = (
    AppealType.CONSULT,
    AppealType.HELP,
    AppealType.COMPLAINT,
    AppealType.REPORT,
    AppealType.SUGGESTION,
    AppealType.PRAISE,
)
FORM_KEY_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
RESEND_WINDOW = timedelta(minutes=30)
TEXT_FIELDS = ("appeal_type", "content", "address", "lat", "lng", "community_id", "appellant_name", "appellant_phone")


def is_grid_worker(session: Session, user: User | None) -> bool:
    return user is not None and has_role(session, user, (Role.GRID_WORKER,))


def community_choices(session: Session, jurisdiction_id: int) -> list[tuple[int, str]]:
    """(id, "街道 · 社区") for the optional community picker."""
    street = aliased(Unit)
    rows = session.execute(
        select(Unit.id, Unit.name, street.name)
        .outerjoin(street, Unit.parent_id == street.id)
        .where(Unit.jurisdiction_id == jurisdiction_id, Unit.kind == UnitKind.COMMUNITY, Unit.active.is_(True))
        .order_by(street.name, Unit.name)
    ).all()
    return [(uid, f"{parent} · {name}" if parent else name) for uid, name, parent in rows]


def form_page(
    request: Request,
    session: Session,
    *,
    values: dict,
    errors: FormErrors,
    status_code: int = 200,
    user: User | None = None,
) -> Response:
    jurisdiction = public_jurisdiction(request, session)
    points = remember(
        session,
        ("form points", jurisdiction.id),
        request.app.state.settings.public_stats_cache_seconds,
        lambda s: community_points(s, jurisdiction.id),
    )
    shown = community_map(session, jurisdiction.id, points, shaded=False)
    return render(
        request,
        "resident/submit.html",
        {
            "values": values,
            "errors": errors,
            "types": RESIDENT_TYPES,
            "max_photos": MAX_PHOTOS,
            "communities": community_choices(session, jurisdiction.id),
            "grid_patrol": is_grid_worker(session, user),
            "points": [asdict(p) for p in shown.points],
            "areas": shown.areas,
        },
        status_code=status_code,
    )


@router.get("/appeal")
def submit_form(
    request: Request, session: Session = Depends(get_session), user: User | None = Depends(current_user)
) -> Response:
    values = {"form_key": secrets.token_urlsafe(18), "appeal_type": AppealType.HELP.value}
    if is_grid_worker(session, user):
        values |= {"appellant_name": user.display_name, "appellant_phone": user.phone or ""}
    return form_page(request, session, values=values, errors=FormErrors(pick_lang(request)), user=user)


def parse_appeal(form: FormData, jurisdiction_id: int, channel: Channel, errors: FormErrors) -> AppealCreate | None:
    values = {name: (form.get(name) or "").strip() or None for name in TEXT_FIELDS}
    if values["appeal_type"] not in {t.value for t in RESIDENT_TYPES}:
        errors.add_key("appeal_type", "field.choice")
    if not values["appellant_phone"]:
        errors.add_key("appellant_phone", "field.required")
    if not values["content"]:
        errors.add_key("content", "field.required")
    try:
        return AppealCreate(
            jurisdiction_id=jurisdiction_id, channel=channel, confidential=form.get("confidential") == "1", **values
        )
    except ValidationError as exc:
        errors.add_validation(exc)
        return None


def resent_appeal(session: Session, data: AppealCreate) -> Appeal | None:
    """The same person's appeal with the same text, received within the resend window."""
    appellant_id = session.scalar(
        select(Appellant.id).where(
            Appellant.jurisdiction_id == data.jurisdiction_id, Appellant.phone == data.appellant_phone
        )
    )
    if appellant_id is None:
        return None
    return session.scalars(
        select(Appeal)
        .where(
            Appeal.appellant_id == appellant_id,
            Appeal.content == data.content,
            Appeal.received_at >= utcnow() - RESEND_WINDOW,
        )
        .order_by(Appeal.id)
        .limit(1)
    ).first()


@router.post("/appeal")
def submit(
    request: Request,
    form: FormData = Depends(posted_form(MAX_PHOTOS + 20)),
    session: Session = Depends(get_session),
    user: User | None = Depends(current_user),
) -> Response:
    throttle.intake(request, session, user.id if user else None)  # 429 past the limit, before anything is stored
    form_key = str(form.get("form_key") or "")
    key = f"web:{form_key}" if FORM_KEY_RE.match(form_key) else None
    if key and (existing := session.scalar(select(Appeal).where(Appeal.idempotency_key == key))) is not None:
        return RedirectResponse(f"/t/{existing.tracking_token}?new=1", status_code=303)
    jurisdiction = public_jurisdiction(request, session)
    grid_patrol = is_grid_worker(session, user)
    errors = FormErrors(pick_lang(request))
    data = parse_appeal(form, jurisdiction.id, Channel.GRID_PATROL if grid_patrol else Channel.WEB, errors)
    photos = []
    try:
        photos = read_photos([f for f in form.getlist("photos") if isinstance(f, UploadFile)])
    except LianxinError as exc:
        errors.add_exception(exc)
    values = {name: form.get(name) or "" for name in (*TEXT_FIELDS, "confidential")} | {
        "form_key": form_key if key else secrets.token_urlsafe(18)
    }
    if errors or data is None:
        return form_page(request, session, values=values, errors=errors, status_code=422, user=user)
    if (resent := resent_appeal(session, data)) is not None:
        return RedirectResponse(f"/t/{resent.tracking_token}?new=1", status_code=303)
    settings = request.app.state.settings
    rows = store_photos(settings.upload_dir, photos)
    try:
        appeal = submit_appeal(
            session, data, actor=user if grid_patrol else None, idempotency_key=key, attachments=rows
        )
    except LianxinError as exc:
        discard(settings.upload_dir, rows)
        errors.add_exception(exc)
        return form_page(request, session, values=values, errors=errors, status_code=exc.http_status, user=user)
    if rows and not any(a.storage_key == rows[0]["storage_key"] for a in appeal.attachments):
        discard(settings.upload_dir, rows)  # a concurrent duplicate won: keep the first appeal's photos only
    return RedirectResponse(f"/t/{appeal.tracking_token}?new=1", status_code=303)


def _coordinate(value: str | None, bound: float) -> float | None:
    try:
        number = float(value or "")
    except ValueError:
        return None
    return number if -bound <= number <= bound else None


@router.get("/appeal/locate")
def locate_on_map(
    request: Request, lat: str | None = None, lng: str | None = None, session: Session = Depends(get_session)
) -> Response:
    """The pick map's click: ``{"inside": true, "community_id", "name"}`` for a point in the jurisdiction
    (``community_id`` null between communities or when no boundaries are known: ``inside`` null), 422 with
    a bilingual message outside it or for a bad point. Counted per address like the other public look-ups."""
    throttle.limit(request, session, "locate_per_address", "locate:address")
    jurisdiction = public_jurisdiction(request, session)
    point = (_coordinate(lat, 90), _coordinate(lng, 180))
    if None in point:
        return JSONResponse(
            {
                "code": "invalid",
                "message": "请提供有效的纬度和经度",
                "message_en": "give a valid latitude (lat) and longitude (lng)",
                "field": "lat" if point[0] is None else "lng",
            },
            status_code=422,
        )
    answer = first_hook("locate_point", session, jurisdiction.id, *point)
    if answer is None:
        return JSONResponse({"inside": None, "community_id": None, "name": None})
    if not answer["inside"]:
        return JSONResponse(
            {
                "inside": False,
                "code": "invalid",
                "message": answer["message_zh"],
                "message_en": answer["message_en"],
                "field": "lat",
            },
            status_code=422,
        )
    return JSONResponse({"inside": True, "community_id": answer["community_id"], "name": answer["name"]})
