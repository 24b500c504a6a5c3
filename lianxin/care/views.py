"""Care pages for grid workers, community and street staff and leaders: the live alarm board (timers, the
ladder rung, the actions and the visit record, with the leaders' figures above it), the household register
(search, tags, new household, Excel import with its row report) and the household page (people masked, a logged
unmasked view, contacts, devices, quiet period, one timeline). Each POST runs one verb in a savepoint and
redirects; a LianxinError shows the page again with the message (nothing changed)."""

from __future__ import annotations

import secrets
from datetime import datetime, time, timedelta

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from lianxin.care import alarms as al
from lianxin.care import reports
from lianxin.care import service as svc
from lianxin.care.excel import import_rows
from lianxin.care.models import DEVICE_LABELS, TAG_LABELS, Alarm, DeviceKind, Household
from lianxin.care.status import (
    ACTION_LABELS,
    CATEGORY_LABELS,
    OUTCOME_LABELS,
    RULE_LABELS,
    STATUS_LABELS,
    AlarmCategory,
    Outcome,
)
from lianxin.clock import local_zone, utcnow
from lianxin.errors import InvalidInput, LianxinError
from lianxin.orgs.models import Role, Unit, UnitKind, User
from lianxin.web.deps import get_session, require_roles
from lianxin.web.forms import posted_form
from lianxin.web.i18n import pick_lang
from lianxin.web.templating import render
from lianxin.web.uploads import read_photos

router = APIRouter()
STAFF = require_roles(Role.GRID_WORKER, Role.HANDLER, Role.LEADER)
PAGE = 50
LABELS = {
    "status": STATUS_LABELS,
    "rule": RULE_LABELS,
    "category": CATEGORY_LABELS,
    "outcome": OUTCOME_LABELS,
    "tag": TAG_LABELS,
    "device": DEVICE_LABELS,
    "action": ACTION_LABELS,
}


def _message(request: Request, exc: LianxinError) -> str:
    return exc.message_en if pick_lang(request) == "en" else exc.message_zh


def _get(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _int(value: str, field: str, optional: bool = False) -> int | None:
    if optional and not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise InvalidInput("请选择一项", "choose one of the options", field=field) from None


# --- the alarm board -----------------------------------------------------------------------------------------


def _store_photo(request: Request, posted: FormData) -> str | None:
    """The visit record's photo (one), checked and re-encoded without metadata, stored under ``care/``."""
    photos = read_photos([f for f in posted.getlist("photo") if isinstance(f, UploadFile)])
    if not photos:
        return None
    if len(photos) > 1:
        raise InvalidInput("只能上传一张照片", "one photo only", field="photo")
    key = f"care/{utcnow():%Y/%m}/{secrets.token_urlsafe(18)}.{photos[0].extension}"
    path = request.app.state.settings.upload_dir / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(photos[0].data)
    return key


def _board(request: Request, session: Session, user: User, *, error: str | None = None, status_code: int = 200):
    now = utcnow()
    rows = session.scalars(al.alarms(session, user).limit(200)).all()
    closed = session.scalars(
        al.alarms(session, user, open_only=False).where(Alarm.closed_at.is_not(None)).limit(20)
    ).all()
    board = [
        {
            "alarm": a,
            "age_min": int((now - a.raised_at).total_seconds() // 60),
            "due_min": int((a.visit_due_at - now).total_seconds() // 60),
            "rung": reports.rung_label(a),
        }
        for a in rows
    ]
    figures = reports.stats(session, user, since=now - timedelta(days=30))
    outcomes = {
        AlarmCategory.WELFARE: [o for o in Outcome if o != Outcome.REPAIRED],
        AlarmCategory.MAINTENANCE: [Outcome.REPAIRED],
    }
    context = {"board": board, "closed": closed, "figures": figures, "labels": LABELS, "outcomes": outcomes}
    return render(request, "care/alarms.html", context | {"error": error}, status_code=status_code)


@router.get("/care/alarms")
def alarm_board(request: Request, session: Session = Depends(get_session), user: User = Depends(STAFF)) -> Response:
    return _board(request, session, user)


@router.post("/care/alarms/{alarm_id}/{action}")
def alarm_action(
    alarm_id: int,
    action: str,
    request: Request,
    posted: FormData = Depends(posted_form(max_files=2)),
    session: Session = Depends(get_session),
    user: User = Depends(STAFF),
) -> Response:
    try:
        with session.begin_nested():
            alarm = al.get_alarm(session, user, alarm_id)
            version = _int(_get(posted, "version"), "version", optional=True)
            if action == "acknowledge":
                al.acknowledge(session, alarm, actor=user, note=_get(posted, "note") or None, expected_version=version)
            elif action == "visit":
                al.start_visit(session, alarm, actor=user, note=_get(posted, "note") or None, expected_version=version)
            elif action == "record":
                al.record_visit(
                    session,
                    alarm,
                    actor=user,
                    outcome=_get(posted, "outcome"),
                    note=_get(posted, "note"),
                    photo_key=_store_photo(request, posted),
                    expected_version=version,
                )
            else:
                raise InvalidInput("未知操作", "unknown action", field="action")
    except LianxinError as exc:
        return _board(request, session, user, error=_message(request, exc), status_code=exc.http_status)
    return RedirectResponse(f"/care/alarms#alarm-{alarm_id}", status_code=303)


# --- the register --------------------------------------------------------------------------------------------


def _communities(session: Session, user: User) -> tuple[list[Unit], list[Unit]]:
    units = svc.scope_ids(session, user)
    stmt = select(Unit).where(Unit.jurisdiction_id == user.jurisdiction_id, Unit.active.is_(True))
    if units is not None:
        stmt = stmt.where(Unit.id.in_(units))
    rows = session.scalars(stmt.where(Unit.kind.in_([UnitKind.COMMUNITY, UnitKind.GRID])).order_by(Unit.name)).all()
    return [u for u in rows if u.kind == UnitKind.COMMUNITY], [u for u in rows if u.kind == UnitKind.GRID]


def _register(
    request: Request,
    session: Session,
    user: User,
    *,
    q: str = "",
    tag: str = "",
    flagged: bool = False,
    page: int = 1,
    error: str | None = None,
    report=None,
    status_code: int = 200,
) -> Response:
    try:
        stmt = svc.households(session, user, q=q, tag=tag, flagged=flagged)
    except LianxinError as exc:
        error, stmt = _message(request, exc), svc.households(session, user, q=q)
    total = session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = session.scalars(stmt.offset((max(page, 1) - 1) * PAGE).limit(PAGE)).all()
    open_counts = dict(
        session.execute(
            al.alarms(session, user).with_only_columns(Household.id, func.count()).group_by(Household.id).order_by(None)
        ).all()
    )
    communities, grids = _communities(session, user)
    context = {
        "rows": rows,
        "total": total,
        "page": page,
        "pages": max(1, (total + PAGE - 1) // PAGE),
        "q": q,
        "tag": tag,
        "flagged": flagged,
        "open_counts": open_counts,
        "labels": LABELS,
        "masked": svc.masked_person,
        "communities": communities,
        "grids": grids,
        "error": error,
        "report": report,
    }
    return render(request, "care/households.html", context, status_code=status_code)


@router.get("/care/households")
def register(
    request: Request,
    q: str = "",
    tag: str = "",
    flagged: bool = False,
    page: int = 1,
    session: Session = Depends(get_session),
    user: User = Depends(STAFF),
) -> Response:
    return _register(request, session, user, q=q[:50], tag=tag, flagged=flagged, page=min(max(page, 1), 10_000))


@router.post("/care/households")
def new_household(
    request: Request,
    posted: FormData = Depends(posted_form()),
    session: Session = Depends(get_session),
    user: User = Depends(STAFF),
) -> Response:
    try:
        with session.begin_nested():
            household = svc.create_household(
                session,
                actor=user,
                jurisdiction_id=user.jurisdiction_id,
                community_id=_int(_get(posted, "community_id"), "community_id"),
                grid_id=_int(_get(posted, "grid_id"), "grid_id", optional=True),
                address=_get(posted, "address"),
                building=_get(posted, "building"),
                unit_no=_get(posted, "unit_no"),
                room=_get(posted, "room"),
            )
    except LianxinError as exc:
        return _register(request, session, user, error=_message(request, exc), status_code=exc.http_status)
    return RedirectResponse(f"/care/households/{household.id}", status_code=303)


@router.post("/care/households/import")
def import_register(
    request: Request,
    posted: FormData = Depends(posted_form(max_files=1)),
    session: Session = Depends(get_session),
    user: User = Depends(STAFF),
) -> Response:
    upload = posted.get("file")
    try:
        if not isinstance(upload, UploadFile):
            raise InvalidInput("请选择 .xlsx 文件", "choose an .xlsx file", field="file")
        data = upload.file.read(10 * 1024 * 1024 + 1)
        if len(data) > 10 * 1024 * 1024:
            raise InvalidInput("文件不能超过 10 MB", "the file must be at most 10 MB", field="file")
        report = import_rows(session, user, user.jurisdiction_id, data)
    except LianxinError as exc:
        return _register(request, session, user, error=_message(request, exc), status_code=exc.http_status)
    return _register(request, session, user, report=report)


# --- the household page --------------------------------------------------------------------------------------


def _household(
    request: Request,
    session: Session,
    user: User,
    household_id: int,
    *,
    unmask: bool = False,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    household = svc.get_household(session, user, household_id)
    clear = svc.reveal(session, user, household, "web") if unmask else None
    context = {
        "h": household,
        "people": [svc.masked_person(p) for p in household.people],
        "clear": clear,
        "rules": sorted(svc.rules_for(session, household).values(), key=lambda r: (r.device_kind.value, r.kind.value)),
        "timeline": reports.timeline(session, household),
        "open_alarms": session.scalars(al.alarms(session, user, household_id=household.id)).all(),
        "quiet": al.quiet(household, utcnow()),
        "labels": LABELS,
        "device_kinds": list(DeviceKind),
        "error": error,
    }
    return render(request, "care/household.html", context, status_code=status_code)


@router.get("/care/households/{household_id}")
def household_page(
    household_id: int,
    request: Request,
    unmask: bool = False,
    session: Session = Depends(get_session),
    user: User = Depends(STAFF),
) -> Response:
    return _household(request, session, user, household_id, unmask=unmask)


def _quiet_until(value: str) -> datetime | None:
    if not value:
        return None
    try:
        day = datetime.fromisoformat(value).date()
    except ValueError:
        raise InvalidInput("日期格式应为 YYYY-MM-DD", "dates look like 2026-03-20", field="until") from None
    return datetime.combine(day, time(23, 59), tzinfo=local_zone())


@router.post("/care/households/{household_id}/{what}")
def household_change(
    household_id: int,
    what: str,
    request: Request,
    posted: FormData = Depends(posted_form()),
    session: Session = Depends(get_session),
    user: User = Depends(STAFF),
) -> Response:
    household = svc.get_household(session, user, household_id)
    try:
        with session.begin_nested():
            if what == "people":
                svc.add_person(
                    session,
                    household,
                    actor=user,
                    name=_get(posted, "name"),
                    id_number=_get(posted, "id_number"),
                    phone=_get(posted, "phone"),
                    relation=_get(posted, "relation") or "户主",
                    tags=[t for t in posted.getlist("tags") if isinstance(t, str)],
                )
            elif what == "contacts":
                svc.add_contact(
                    session,
                    household,
                    actor=user,
                    name=_get(posted, "contact_name"),
                    phone=_get(posted, "contact_phone"),
                    relation=_get(posted, "relation") or "子女",
                )
            elif what == "devices":
                svc.register_device(
                    session, household, actor=user, kind=_get(posted, "kind"), external_id=_get(posted, "external_id")
                )
            elif what == "quiet":
                svc.set_quiet(
                    session,
                    household,
                    actor=user,
                    until=_quiet_until(_get(posted, "until")),
                    reason=_get(posted, "reason"),
                )
            else:
                raise InvalidInput("未知操作", "unknown action", field="what")
    except LianxinError as exc:
        return _household(
            request, session, user, household_id, error=_message(request, exc), status_code=exc.http_status
        )
    return RedirectResponse(f"/care/households/{household_id}", status_code=303)
