"""政务服务 pages: the public catalogue and printable guides, the resident's applications, authorisations,
bookings and ratings (mobile first, signed in with the resident account), the department's queue and the
centre's day of bookings (staff, 1280 px tables), and the leaders' 好差评 page. Each POST parses the form,
runs one verb and redirects; a refusal shows the error page or the form again (nothing changed)."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from lianxin.errors import InvalidInput, LianxinError, NotFound
from lianxin.orgs.models import Role, User
from lianxin.orgs.service import has_role
from lianxin.residents.models import ResidentAccount
from lianxin.residents.views import current_resident
from lianxin.services import appointments as ap
from lianxin.services import catalogue, ratings
from lianxin.services import service as svc
from lianxin.services.models import Application, ApplicationEvent, Booking, Evaluation, ServiceLocation, Slot
from lianxin.services.status import (
    ACTION_LABELS,
    APP_DONE,
    APP_LABELS,
    BOOKING_LABELS,
    CHANNEL_LABELS,
    CLOCK_LABELS,
    EVAL_ACTION_LABELS,
    EVAL_LABELS,
    ITEM_STATUS_LABELS,
    KIND_LABELS,
    LEVEL_LABELS,
    OFFLINE_INDICATORS,
    ONLINE_INDICATORS,
    RELATIONSHIP_LABELS,
    AppStatus,
    EvalStatus,
    allowed_app_actions,
)
from lianxin.services.windows import windows_of
from lianxin.web.deps import get_session, public_jurisdiction, require_roles
from lianxin.web.forms import FormErrors, posted_form
from lianxin.web.i18n import pick_lang
from lianxin.web.templating import render
from lianxin.web.uploads import discard, read_photos, store_photos, stored_path

router = APIRouter()
LABELS = {
    "app": APP_LABELS,
    "action": ACTION_LABELS,
    "booking": BOOKING_LABELS,
    "channel": CHANNEL_LABELS,
    "clock": CLOCK_LABELS,
    "eval": EVAL_LABELS,
    "eval_action": EVAL_ACTION_LABELS,
    "item_status": ITEM_STATUS_LABELS,
    "kind": KIND_LABELS,
    "level": LEVEL_LABELS,
    "online": ONLINE_INDICATORS,
    "offline": OFFLINE_INDICATORS,
    "relationship": RELATIONSHIP_LABELS,
}
STAFF = (Role.HANDLER, Role.OPERATOR)


def _ctx(**extra) -> dict:
    return {"labels": LABELS, "mask_phone": svc.mask_phone, "mask_name": svc.mask_name, **extra}


def _get(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _int(value: str, field: str) -> int:
    if not value.isdigit() or len(value) > 9:
        raise InvalidInput("请选择一项", "choose one of the options", field=field)
    return int(value)


def _date(value: str, field: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput("日期格式应为 YYYY-MM-DD", "dates look like 2026-03-20", field=field) from None


def _scans(request: Request, form: FormData) -> list[dict]:
    """The uploaded scans or photos of documents (``scans``): type-checked, re-encoded without metadata, stored."""
    photos = read_photos([f for f in form.getlist("scans") if isinstance(f, UploadFile)])
    return store_photos(request.app.state.settings.upload_dir, photos)


def _file(request: Request, app: Application, n: int) -> FileResponse:
    if not 0 <= n < len(app.attachments):
        raise NotFound("文件不存在", "no such file")
    row = app.attachments[n]
    path = stored_path(request.app.state.settings.upload_dir, row["storage_key"])
    return FileResponse(path, media_type=row["content_type"], headers={"Cache-Control": "private, no-store"})


def _signin() -> Response:
    return RedirectResponse("/me/login", status_code=303)


# --- the public catalogue -------------------------------------------------------------------------------


@router.get("/services")
def index(request: Request, q: str = "", session: Session = Depends(get_session)) -> Response:
    jurisdiction = public_jurisdiction(request, session)
    q = q.strip()[:100]
    return render(
        request,
        "services/index.html",
        _ctx(
            q=q,
            items=catalogue.search_items(session, jurisdiction.id, q),
            bundles=catalogue.bundles(session, jurisdiction.id),
        ),
    )


@router.get("/services/items/{code}")
def guide(code: str, request: Request, session: Session = Depends(get_session)) -> Response:
    """一次告知: everything a resident needs to know before coming, on one printable page."""
    item = catalogue.item_by_code(session, public_jurisdiction(request, session).id, code)
    windows = [w for w in windows_of(session, item.location) if w.handles(item.id)] if item.location else []
    return render(request, "services/item.html", _ctx(item=item, windows=windows))


@router.get("/services/bundles/{code}")
def bundle_guide(code: str, request: Request, session: Session = Depends(get_session)) -> Response:
    bundle = catalogue.bundle_by_code(session, public_jurisdiction(request, session).id, code)
    return render(request, "services/bundle.html", _ctx(bundle=bundle))


# --- applying -------------------------------------------------------------------------------------------


def _target(session: Session, jid: int, kind: str, code: str):
    if kind == "items":
        return catalogue.item_by_code(session, jid, code), None
    if kind == "bundles":
        return None, catalogue.bundle_by_code(session, jid, code)
    raise NotFound("页面不存在", "not found")


def _apply_page(request, session, resident, item, bundle, values, errors, status_code=200) -> Response:
    proxies = [
        p
        for p in svc.proxies_of(session, resident)
        if p.revoked_at is None and p.valid_to >= svc.today() and (item is None or item.id in p.scope)
    ]
    return render(
        request,
        "services/apply.html",
        _ctx(item=item, bundle=bundle, values=values, errors=errors, proxies=proxies, resident=resident),
        status_code=status_code,
    )


@router.get("/services/{kind}/{code}/apply")
def apply_form(
    kind: str,
    code: str,
    request: Request,
    session: Session = Depends(get_session),
    resident: ResidentAccount | None = Depends(current_resident),
) -> Response:
    if resident is None:
        return _signin()
    item, bundle = _target(session, resident.jurisdiction_id, kind, code)
    values = {"applicant_name": resident.real_name or "", "proxy_id": request.query_params.get("proxy", "")}
    return _apply_page(request, session, resident, item, bundle, values, FormErrors(pick_lang(request)))


@router.post("/services/{kind}/{code}/apply")
def apply_post(
    kind: str,
    code: str,
    request: Request,
    form: FormData = Depends(posted_form()),
    session: Session = Depends(get_session),
    resident: ResidentAccount | None = Depends(current_resident),
) -> Response:
    if resident is None:
        return _signin()
    item, bundle = _target(session, resident.jurisdiction_id, kind, code)
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    errors = FormErrors(pick_lang(request))
    scans: list[dict] = []
    try:
        scans = _scans(request, form)
        with session.begin_nested():
            proxy = _get(form, "proxy_id")
            if _get(form, "home_visit") == "1" and not _get(form, "visit_address"):
                raise InvalidInput("请填写上门地址", "enter the address to visit", field="visit_address")
            app = svc.apply(
                session,
                item=item,
                bundle=bundle,
                form=values,
                documents=[d for d in form.getlist("documents") if isinstance(d, str)],
                attachments=scans,
                account=resident,
                proxy_id=_int(proxy, "proxy_id") if proxy else None,
                applicant_name=_get(form, "applicant_name"),
                visit_address=_get(form, "visit_address") if _get(form, "home_visit") == "1" else "",
            )
    except LianxinError as exc:
        discard(request.app.state.settings.upload_dir, scans)
        errors.add_exception(exc)
        return _apply_page(request, session, resident, item, bundle, values, errors, exc.http_status)
    return RedirectResponse(f"/services/applications/{app.number}?new=1", status_code=303)


# --- the resident's own pages ------------------------------------------------------------------------------


@router.get("/services/mine")
def mine(
    request: Request,
    session: Session = Depends(get_session),
    resident: ResidentAccount | None = Depends(current_resident),
) -> Response:
    if resident is None:
        return _signin()
    apps = svc.applications_of(session, resident)
    return render(
        request,
        "services/mine.html",
        _ctx(
            resident=resident,
            apps=apps,
            clocks={a.id: svc.clock(session, a) for a in apps},
            bookings=ap.bookings_of(session, resident),
            proxies=svc.proxies_of(session, resident),
            today=svc.today(),
        ),
    )


def _own_application(session: Session, resident: ResidentAccount, number: str) -> Application:
    app = svc.application_by_number(session, resident.jurisdiction_id, number)
    svc.require_owner(app, resident)
    return app


@router.get("/services/applications/{number}")
def my_application(
    number: str,
    request: Request,
    session: Session = Depends(get_session),
    resident: ResidentAccount | None = Depends(current_resident),
) -> Response:
    if resident is None:
        return _signin()
    app = _own_application(session, resident, number)
    rating = session.scalar(select(Evaluation).where(Evaluation.application_id == app.id))
    rows = [app, *app.parts]
    events = session.scalars(
        select(ApplicationEvent)
        .where(ApplicationEvent.application_id.in_([r.id for r in rows]), ApplicationEvent.kind != "contact_viewed")
        .order_by(ApplicationEvent.id)
    ).all()
    return render(
        request,
        "services/application.html",
        _ctx(
            app=app,
            clock=svc.clock(session, app),
            part_clocks={p.id: svc.clock(session, p) for p in app.parts},
            events=events,
            rating=rating,
            can_rate=rating is None and app.status in APP_DONE,
            need_more=[r for r in rows if r.status == AppStatus.NEED_MORE],
            new=request.query_params.get("new") == "1",
        ),
    )


@router.get("/services/applications/{number}/files/{n}")
def my_file(
    number: str,
    n: int,
    request: Request,
    session: Session = Depends(get_session),
    resident: ResidentAccount | None = Depends(current_resident),
) -> Response:
    if resident is None:
        return _signin()
    return _file(request, _own_application(session, resident, number), n)


@router.post("/services/applications/{number}/{action}")
def my_application_action(
    number: str,
    action: str,
    request: Request,
    form: FormData = Depends(posted_form()),
    session: Session = Depends(get_session),
    resident: ResidentAccount | None = Depends(current_resident),
) -> Response:
    if resident is None:
        return _signin()
    app = _own_application(session, resident, number)
    if action == "resubmit":
        svc.resubmit(
            session,
            app,
            account=resident,
            documents=[d for d in form.getlist("documents") if isinstance(d, str)],
            attachments=_scans(request, form),
            note=_get(form, "note"),
        )
    elif action == "rate":
        ratings.rate_application(
            session,
            app,
            account=resident,
            level=_get(form, "level"),
            scores={k: _get(form, f"score_{k}") for k in ONLINE_INDICATORS},
            text=_get(form, "text"),
        )
    else:
        raise NotFound("页面不存在", "not found")
    return RedirectResponse(f"/services/applications/{number}", status_code=303)


# --- 亲友代办 --------------------------------------------------------------------------------------------


def _proxy_page(request, session, resident, values, errors, status_code=200) -> Response:
    return render(
        request,
        "services/proxy.html",
        _ctx(
            values=values,
            errors=errors,
            items=catalogue.search_items(session, resident.jurisdiction_id, "", limit=500),
            today=svc.today(),
        ),
        status_code=status_code,
    )


@router.get("/services/proxies/new")
def proxy_form(
    request: Request,
    session: Session = Depends(get_session),
    resident: ResidentAccount | None = Depends(current_resident),
) -> Response:
    if resident is None:
        return _signin()
    values = {
        "agent_name": resident.real_name or "",
        "valid_from": str(svc.today()),
        "valid_to": str(svc.today() + timedelta(180)),
    }
    return _proxy_page(request, session, resident, values, FormErrors(pick_lang(request)))


@router.post("/services/proxies")
def proxy_post(
    request: Request,
    form: FormData = Depends(posted_form()),
    session: Session = Depends(get_session),
    resident: ResidentAccount | None = Depends(current_resident),
) -> Response:
    if resident is None:
        return _signin()
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    errors = FormErrors(pick_lang(request))
    try:
        with session.begin_nested():
            codes = [c for c in form.getlist("scope") if isinstance(c, str)]
            items = [catalogue.item_by_code(session, resident.jurisdiction_id, c) for c in codes]
            svc.authorize_proxy(
                session,
                agent=resident,
                agent_name=_get(form, "agent_name"),
                principal_name=_get(form, "principal_name"),
                principal_phone=_get(form, "principal_phone"),
                relationship=_get(form, "relationship"),
                items=items,
                valid_from=_date(_get(form, "valid_from"), "valid_from"),
                valid_to=_date(_get(form, "valid_to"), "valid_to"),
                evidence=_get(form, "evidence"),
                consent=_get(form, "consent"),
            )
    except LianxinError as exc:
        errors.add_exception(exc)
        return _proxy_page(request, session, resident, values, errors, exc.http_status)
    return RedirectResponse("/services/mine#proxies", status_code=303)


@router.post("/services/proxies/{proxy_id}/revoke")
def proxy_revoke(
    proxy_id: int,
    session: Session = Depends(get_session),
    resident: ResidentAccount | None = Depends(current_resident),
) -> Response:
    if resident is None:
        return _signin()
    proxy = next((p for p in svc.proxies_of(session, resident) if p.id == proxy_id), None)
    if proxy is None:
        raise NotFound("授权不存在", "no such authorisation")
    svc.revoke_proxy(session, proxy, agent=resident)
    return RedirectResponse("/services/mine#proxies", status_code=303)


# --- appointments ------------------------------------------------------------------------------------------


def _locations(session: Session, jid: int) -> list[ServiceLocation]:
    return list(
        session.scalars(
            select(ServiceLocation).where(ServiceLocation.jurisdiction_id == jid).order_by(ServiceLocation.code)
        )
    )


@router.get("/services/book")
def book_page(
    request: Request,
    location: str = "",
    item: str = "",
    day: str = "",
    session: Session = Depends(get_session),
    resident: ResidentAccount | None = Depends(current_resident),
) -> Response:
    """预约: choose a centre, an item and a day (the next 14 days that are open, holidays included when the
    centre opens then), then a slot with places left."""
    jid = public_jurisdiction(request, session).id
    locations = _locations(session, jid)
    chosen = next((loc for loc in locations if loc.code == location), locations[0] if locations else None)
    start = svc.today()
    days = ap.open_days(session, chosen, start) if chosen else []
    the_day = _date(day, "day") if day else (days[0] if days else None)
    if the_day is not None and the_day not in days:
        raise InvalidInput("这一天不开放预约", "the centre does not open that day", field="day")
    slots = ap.ensure_slots(session, chosen, the_day) if the_day else []
    items = [
        i
        for i in catalogue.search_items(session, jid, "", limit=500)
        if i.location_id in (None, chosen.id if chosen else None) and i.status == "active"
    ]
    chosen_item = next((i for i in items if i.code == item), items[0] if items else None)
    return render(
        request,
        "services/book.html",
        _ctx(
            resident=resident,
            locations=locations,
            location=chosen,
            days=days,
            day=the_day,
            times=ap.times_for(slots, chosen_item),
            windows=any(s.window_id for s in slots),
            items=items,
            item_code=chosen_item.code if chosen_item else "",
            chosen_item=chosen_item,
            now=svc.utcnow(),
            holidays={d for d in days if not svc.get_calendar(session, jid).is_workday(d)},
        ),
    )


@router.post("/services/book")
def book_post(
    form: FormData = Depends(posted_form()),
    session: Session = Depends(get_session),
    resident: ResidentAccount | None = Depends(current_resident),
) -> Response:
    if resident is None:
        return _signin()
    slot = session.get(Slot, _int(_get(form, "slot_id"), "slot"))
    if slot is None:
        raise NotFound("时段不存在", "no such slot")
    item = catalogue.item_by_code(session, resident.jurisdiction_id, _get(form, "item"))
    booking = ap.book(session, slot=slot, item=item, account=resident)
    return RedirectResponse(f"/services/mine?booked={booking.id}#bookings", status_code=303)


def _own_booking(session: Session, resident: ResidentAccount, booking_id: int) -> Booking:
    booking = session.get(Booking, booking_id)
    if booking is None or booking.account_id != resident.id:
        raise NotFound("预约不存在", "no such booking")
    return booking


@router.post("/services/bookings/{booking_id}/{action}")
def booking_action(
    booking_id: int,
    action: str,
    form: FormData = Depends(posted_form()),
    session: Session = Depends(get_session),
    resident: ResidentAccount | None = Depends(current_resident),
) -> Response:
    if resident is None:
        return _signin()
    booking = _own_booking(session, resident, booking_id)
    if action == "rate":
        ratings.rate_visit(
            session,
            booking,
            account=resident,
            level=_get(form, "level"),
            scores={k: _get(form, f"score_{k}") for k in OFFLINE_INDICATORS},
            text=_get(form, "text"),
        )
    elif action in ("cancel", "check_in"):
        ap.change(session, booking, action, account=resident)
    else:
        raise NotFound("页面不存在", "not found")
    return RedirectResponse("/services/mine#bookings", status_code=303)


# --- departments and the centre ------------------------------------------------------------------------------


@router.get("/staff/services")
def staff_queue(
    request: Request,
    all: int = 0,
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(*STAFF)),
) -> Response:
    apps = svc.staff_queue(session, user, open_only=not all)
    units = {g.unit_id for g in user.grants}
    bad = [
        e
        for e in ratings.bad_ratings(session, user.jurisdiction_id)
        if has_role(session, user, STAFF, unit_id=e.department_id)
        and e.status in (EvalStatus.VERIFYING, EvalStatus.RECTIFYING)
    ]
    return render(
        request,
        "services/staff.html",
        _ctx(
            apps=apps,
            clocks={a.id: svc.clock(session, a) for a in apps},
            show_all=bool(all),
            bad=bad,
            units=units,
            items=catalogue.search_items(session, user.jurisdiction_id, "", limit=500),
            locations=_locations(session, user.jurisdiction_id),
        ),
    )


def _staff_application(session: Session, user: User, number: str) -> Application:
    app = svc.application_by_number(session, user.jurisdiction_id, number)
    if not svc.can_handle(session, user, app) and not (
        app.parts and any(svc.can_handle(session, user, p) for p in app.parts)
    ):
        raise NotFound("办件不存在", "no such application")
    return app


@router.get("/staff/services/applications/{number}")
def staff_application(
    number: str,
    request: Request,
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(*STAFF)),
) -> Response:
    app = _staff_application(session, user, number)
    return render(
        request,
        "services/staff_application.html",
        _ctx(
            app=app,
            clock=svc.clock(session, app),
            actions=[a for a in allowed_app_actions(app.status) if a != "resubmit"] if app.item_id else [],
            contact=request.query_params.get("contact") == "1" and _reveal(session, app, user),
        ),
    )


def _reveal(session: Session, app: Application, user: User) -> bool:
    """Showing the applicant's full phone is logged as an event on the application."""
    session.add(
        ApplicationEvent(
            jurisdiction_id=app.jurisdiction_id,
            application_id=app.id,
            kind="contact_viewed",
            to_status=str(app.status),
            actor_id=user.id,
            actor_label=user.display_name,
            note="查看申请人联系方式",
        )
    )
    session.flush()
    return True


@router.get("/staff/services/applications/{number}/files/{n}")
def staff_file(
    number: str,
    n: int,
    request: Request,
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(*STAFF)),
) -> Response:
    return _file(request, _staff_application(session, user, number), n)


@router.post("/staff/services/applications/{number}/{action}")
def staff_act(
    number: str,
    action: str,
    form: FormData = Depends(posted_form()),
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(*STAFF)),
) -> Response:
    app = _staff_application(session, user, number)
    version = _get(form, "version")
    svc.act(
        session,
        app,
        action,
        actor=user,
        note=_get(form, "note"),
        expected_version=int(version) if version.isdigit() else None,
    )
    return RedirectResponse(f"/staff/services/applications/{number}", status_code=303)


@router.get("/staff/services/window")
def window_form(
    request: Request,
    item: str = "",
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(*STAFF)),
) -> Response:
    chosen = catalogue.item_by_code(session, user.jurisdiction_id, item)
    return render(request, "services/window.html", _ctx(item=chosen, values={}, errors=FormErrors(pick_lang(request))))


@router.post("/staff/services/window")
def window_post(
    request: Request,
    form: FormData = Depends(posted_form()),
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(*STAFF)),
) -> Response:
    """窗口受理: the window records the application for the person in front of it."""
    item = catalogue.item_by_code(session, user.jurisdiction_id, _get(form, "item"))
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    errors = FormErrors(pick_lang(request))
    try:
        with session.begin_nested():
            app = svc.apply(
                session,
                item=item,
                form=values,
                documents=[d for d in form.getlist("documents") if isinstance(d, str)],
                applicant_name=_get(form, "applicant_name"),
                applicant_phone=_get(form, "applicant_phone"),
                actor=user,
            )
    except LianxinError as exc:
        errors.add_exception(exc)
        return render(
            request, "services/window.html", _ctx(item=item, values=values, errors=errors), status_code=exc.http_status
        )
    return RedirectResponse(f"/staff/services/applications/{app.number}", status_code=303)


@router.get("/staff/services/appointments")
def day_page(
    request: Request,
    location: str = "",
    day: str = "",
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(*STAFF)),
) -> Response:
    """今日预约: the centre's bookings for a day, in slot order, with 取号, served and no-show."""
    locations = _locations(session, user.jurisdiction_id)
    chosen = next((loc for loc in locations if loc.code == location), locations[0] if locations else None)
    the_day = _date(day, "day") if day else svc.today()
    return render(
        request,
        "services/staff_day.html",
        _ctx(
            locations=locations,
            location=chosen,
            day=the_day,
            bookings=ap.day_queue(session, chosen, the_day) if chosen else [],
        ),
    )


@router.post("/staff/services/bookings/{booking_id}/{action}")
def staff_booking(
    booking_id: int,
    action: str,
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(*STAFF)),
) -> Response:
    booking = session.get(Booking, booking_id)
    if booking is None or booking.jurisdiction_id != user.jurisdiction_id:
        raise NotFound("预约不存在", "no such booking")
    if action not in ("check_in", "serve", "no_show"):
        raise NotFound("页面不存在", "not found")
    ap.change(session, booking, action, actor=user)
    return RedirectResponse(
        f"/staff/services/appointments?location={booking.slot.location.code}&day={booking.slot.day}", status_code=303
    )


# --- 好差评 for leaders and the centre -------------------------------------------------------------------------


@router.get("/leader/services")
def leader_page(
    request: Request,
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(Role.LEADER, Role.DISPATCHER)),
) -> Response:
    return render(
        request,
        "services/leader.html",
        _ctx(
            stats=ratings.statistics(session, user.jurisdiction_id),
            bad=ratings.bad_ratings(session, user.jurisdiction_id),
            dispatcher=has_role(session, user, (Role.DISPATCHER,)),
            now=svc.utcnow(),
        ),
    )


@router.post("/leader/services/ratings/{evaluation_id}/{action}")
def rating_action(
    evaluation_id: int,
    action: str,
    request: Request,
    form: FormData = Depends(posted_form()),
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(Role.DISPATCHER, Role.HANDLER, Role.OPERATOR)),
) -> Response:
    evaluation = ratings.evaluation_by_id(session, user.jurisdiction_id, evaluation_id)
    ratings.act_on_rating(session, evaluation, action, actor=user, note=_get(form, "note"))
    back = "/leader/services" if has_role(session, user, (Role.DISPATCHER,)) else "/staff/services"
    return RedirectResponse(f"{back}#rating-{evaluation.id}", status_code=303)
