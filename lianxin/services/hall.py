"""政务服务大厅 pages: the window staff's queue (call the next number, serve, skip; issue a walk-in's number and
print its slip), the hall's display board, the resident's rating page reached from the slip or the SMS
(``/services/rate/{token}``, no account), and the admins' windows page. Each POST runs one verb and
redirects; a refusal shows the error page (nothing changed)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from lianxin.clock import local_zone
from lianxin.errors import InvalidInput, LianxinError, NotFound
from lianxin.orgs.models import Role, User
from lianxin.services import catalogue
from lianxin.services import service as svc
from lianxin.services import windows as win
from lianxin.services.models import ServiceLocation, ServiceWindow
from lianxin.services.status import TICKET_LABELS, TicketStatus, wait_ahead
from lianxin.services.views import LABELS, STAFF, _ctx, _get, _int
from lianxin.web.deps import get_session, public_jurisdiction, require_roles
from lianxin.web.forms import FormErrors, posted_form
from lianxin.web.i18n import pick_lang
from lianxin.web.templating import render

router = APIRouter()
HALL_LABELS = {**LABELS, "ticket": TICKET_LABELS}


def _hall(**extra) -> dict:
    return _ctx(**extra) | {"labels": HALL_LABELS}


def _locations(session: Session, jid: int) -> list[ServiceLocation]:
    return list(
        session.scalars(
            select(ServiceLocation).where(ServiceLocation.jurisdiction_id == jid).order_by(ServiceLocation.code)
        )
    )


def _location(session: Session, jid: int, code: str) -> ServiceLocation | None:
    found = _locations(session, jid)
    return next((loc for loc in found if loc.code == code), found[0] if found else None)


# --- the window staff's queue -------------------------------------------------------------------------------


@router.get("/staff/services/queue")
def queue_page(
    request: Request,
    location: str = "",
    window: str = "",
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(*STAFF)),
) -> Response:
    """叫号: today's tickets at a centre; the staff member picks their window and calls the next number."""
    chosen = _location(session, user.jurisdiction_id, location)
    windows = win.windows_of(session, chosen) if chosen else []
    mine = next((w for w in windows if str(w.id) == window), windows[0] if windows else None)
    tickets = win.queue(session, chosen, svc.today()) if chosen else []
    order = [(t.id, t.status) for t in tickets]
    return render(
        request,
        "services/queue.html",
        _hall(
            locations=_locations(session, user.jurisdiction_id),
            location=chosen,
            windows=windows,
            window=mine,
            tickets=tickets,
            ahead={t.id: wait_ahead(order, t.id) for t in tickets},
            items=[
                i
                for i in catalogue.search_items(session, user.jurisdiction_id, "", limit=500)
                if chosen and i.location_id in (None, chosen.id) and "window" in i.channels
            ],
            S=TicketStatus,
        ),
    )


def _back(ticket_or_location, window_id: int | None = None) -> RedirectResponse:
    code = ticket_or_location.location.code if hasattr(ticket_or_location, "location") else ticket_or_location.code
    suffix = f"&window={window_id}" if window_id else ""
    return RedirectResponse(f"/staff/services/queue?location={code}{suffix}", status_code=303)


@router.post("/staff/services/queue/tickets")
def take_ticket(
    form: FormData = Depends(posted_form()),
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(*STAFF)),
) -> Response:
    """现场取号 at the front desk; the slip is printed next."""
    location = _location(session, user.jurisdiction_id, _get(form, "location"))
    if location is None or location.code != _get(form, "location"):
        raise NotFound("大厅不存在", "no such centre")
    item = catalogue.item_by_code(session, user.jurisdiction_id, _get(form, "item"))
    ticket = win.take_ticket(session, location=location, item=item, phone=_get(form, "phone"), actor=user)
    return RedirectResponse(f"/staff/services/tickets/{ticket.id}/slip", status_code=303)


@router.get("/staff/services/tickets/{ticket_id}/slip")
def slip(
    ticket_id: int,
    request: Request,
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(*STAFF)),
) -> Response:
    """取号单, printable: the number, the item, how many wait ahead, and the code to rate the visit afterwards."""
    ticket = win.ticket_by_id(session, user.jurisdiction_id, ticket_id)
    tickets = win.queue(session, ticket.location, ticket.day)
    rate_url = f"{str(request.base_url).rstrip('/')}/services/rate/{ticket.rate_token}"
    return render(
        request,
        "services/slip.html",
        _hall(
            ticket=ticket,
            ahead=wait_ahead([(t.id, t.status) for t in tickets], ticket.id),
            rate_url=rate_url,
            qr=win.qr_svg(rate_url),
        ),
    )


@router.post("/staff/services/windows/{window_id}/call-next")
def call_next(
    window_id: int,
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(*STAFF)),
) -> Response:
    window = win.window_by_id(session, user.jurisdiction_id, window_id)
    win.call_next(session, window, actor=user)
    return _back(window, window.id)


@router.post("/staff/services/tickets/{ticket_id}/{action}")
def ticket_action(
    ticket_id: int,
    action: str,
    form: FormData = Depends(posted_form()),
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(*STAFF)),
) -> Response:
    if action not in ("call", "serve", "skip", "recall"):
        raise NotFound("页面不存在", "not found")
    ticket = win.ticket_by_id(session, user.jurisdiction_id, ticket_id)
    chosen = _get(form, "window")
    window = win.window_by_id(session, user.jurisdiction_id, _int(chosen, "window")) if chosen else ticket.window
    win.act_on_ticket(session, ticket, action, window=window, actor=user)
    return _back(ticket, window.id if window else None)


# --- the hall's display and the resident's rating ---------------------------------------------------------------


@router.get("/services/queue/{code}")
def display(code: str, request: Request, n: str = "", session: Session = Depends(get_session)) -> Response:
    """The hall's screen (and a resident's phone): the number each window calls, how many wait; with ``n`` (a
    number of today) how many are ahead of it."""
    jid = public_jurisdiction(request, session).id
    location = _location(session, jid, code)
    if location is None or location.code != code:
        raise NotFound("大厅不存在", "no such centre")
    shown = win.board(session, location)
    mine = None
    if n:
        tickets = win.queue(session, location, svc.today())
        found = next((t for t in tickets if t.number == n.strip().upper()[:16]), None)
        if found is not None:
            mine = (found, wait_ahead([(t.id, t.status) for t in tickets], found.id))
    return render(request, "services/display.html", _hall(location=location, board=shown, mine=mine, n=n[:16]))


def _rate_page(request, session, ticket, values, errors, status_code=200) -> Response:
    return render(
        request,
        "services/rate.html",
        _hall(ticket=ticket, rating=win.rating_of(session, ticket), values=values, errors=errors),
        status_code=status_code,
    )


@router.get("/services/rate/{token}")
def rate_form(token: str, request: Request, session: Session = Depends(get_session)) -> Response:
    ticket = win.ticket_by_token(session, token)
    return _rate_page(request, session, ticket, {}, FormErrors(pick_lang(request)))


@router.post("/services/rate/{token}")
def rate_post(
    token: str,
    request: Request,
    form: FormData = Depends(posted_form()),
    session: Session = Depends(get_session),
) -> Response:
    ticket = win.ticket_by_token(session, token)
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    errors = FormErrors(pick_lang(request))
    try:
        with session.begin_nested():
            win.rate_ticket(
                session,
                ticket,
                level=_get(form, "level"),
                scores={k: _get(form, f"score_{k}") for k in LABELS["offline"]},
                text=_get(form, "text"),
                phone=_get(form, "phone"),
            )
    except LianxinError as exc:
        errors.add_exception(exc)
        return _rate_page(request, session, ticket, values, errors, exc.http_status)
    return RedirectResponse(f"/services/rate/{token}", status_code=303)


# --- 上门办: the department's home visits ------------------------------------------------------------------------


@router.get("/staff/services/visits")
def visits_page(
    request: Request,
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(*STAFF)),
) -> Response:
    """上门服务: home-visit applications of the user's departments, those without an agreed time first."""
    apps = svc.home_visits(session, user)
    return render(request, "services/visits.html", _hall(apps=apps, clocks={a.id: svc.clock(session, a) for a in apps}))


@router.post("/staff/services/visits/{number}")
def visit_post(
    number: str,
    form: FormData = Depends(posted_form()),
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(*STAFF)),
) -> Response:
    app = svc.application_by_number(session, user.jurisdiction_id, number)
    if not svc.can_handle(session, user, app):
        raise NotFound("办件不存在", "no such application")
    raw = _get(form, "visit_at")
    try:
        at = datetime.fromisoformat(raw).replace(tzinfo=local_zone())
    except ValueError:
        raise InvalidInput("请选择上门时间", "choose the time of the visit", field="visit_at") from None
    svc.schedule_visit(session, app, at=at, actor=user, note=_get(form, "note"))
    return RedirectResponse(f"/staff/services/applications/{number}", status_code=303)


# --- admins: the windows of each centre ---------------------------------------------------------------------------


@router.get("/admin/services/windows")
def windows_page(
    request: Request,
    location: str = "",
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(Role.ADMIN)),
) -> Response:
    chosen = _location(session, user.jurisdiction_id, location)
    return render(
        request,
        "services/windows_admin.html",
        _hall(
            locations=_locations(session, user.jurisdiction_id),
            location=chosen,
            windows=win.windows_of(session, chosen, active_only=False) if chosen else [],
            items=[
                i
                for i in catalogue.search_items(session, user.jurisdiction_id, "", limit=500)
                if chosen and i.location_id in (None, chosen.id)
            ],
        ),
    )


@router.post("/admin/services/windows")
def windows_save(
    form: FormData = Depends(posted_form()),
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(Role.ADMIN)),
) -> Response:
    location = _location(session, user.jurisdiction_id, _get(form, "location"))
    if location is None or location.code != _get(form, "location"):
        raise NotFound("大厅不存在", "no such centre")
    codes = [c for c in form.getlist("items") if isinstance(c, str)]
    capacity = _get(form, "slot_capacity") or "1"
    if not capacity.isdigit():
        raise InvalidInput("每个时段可约人数应为数字", "residents per slot is a number", field="slot_capacity")
    window: ServiceWindow = win.save_window(
        session,
        location=location,
        code=_get(form, "code"),
        name=_get(form, "name"),
        items=[catalogue.item_by_code(session, user.jurisdiction_id, c) for c in codes],
        slot_capacity=int(capacity),
        active=_get(form, "active") != "0",
        actor=user,
    )
    return RedirectResponse(f"/admin/services/windows?location={location.code}#window-{window.id}", status_code=303)
