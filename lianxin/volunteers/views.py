"""志愿服务 pages. Volunteers (phone width; a resident signed in with the phone, or a staff login, who is a
registered volunteer): ``/volunteer`` activities, sign-up, 我的服务 and certificates,
``/volunteer/checkin/{code}`` what the QR code at the place opens. Anyone: ``/volunteer/verify`` checks a
certificate number. Organisers (community staff): ``/volunteer/staff`` service points and activities,
``/volunteer/staff/activities/{id}`` sign-ups, the QR codes, times, confirmation and absences. Each POST
parses the form, runs one service verb inside a savepoint and redirects; a LianxinError shows the page
again with the message (nothing changed)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from lianxin.appeals.privacy import mask_name, mask_phone
from lianxin.clock import local_zone
from lianxin.errors import InvalidInput, LianxinError, NotFound, PermissionDenied
from lianxin.orgs.models import Role, Unit, UnitKind, User
from lianxin.points import service as points
from lianxin.residents.models import ResidentAccount
from lianxin.residents.views import current_resident
from lianxin.volunteers import qr
from lianxin.volunteers import service as svc
from lianxin.volunteers.certificate import certificate_pdf
from lianxin.volunteers.models import (
    ACTIVITY_STATUS_LABELS,
    ROLE_LABELS,
    Activity,
    ActivityStatus,
    Enrollment,
    ServicePoint,
    ServiceRecord,
    VolunteerRole,
)
from lianxin.volunteers.status import STATUS_LABELS, EnrollmentStatus
from lianxin.web.deps import current_user, get_session, public_jurisdiction, require_roles
from lianxin.web.forms import posted_form
from lianxin.web.i18n import pick_lang
from lianxin.web.templating import render
from lianxin.wishes.models import Member
from lianxin.wishes.people import member_for_resident, member_for_user
from lianxin.wishes.service import is_staff

router = APIRouter()
STAFF = (Role.GRID_WORKER, Role.HANDLER, Role.LEADER)
E = EnrollmentStatus
LABELS = {"status": STATUS_LABELS, "activity": ACTIVITY_STATUS_LABELS, "role": ROLE_LABELS}


def message(request: Request, exc: LianxinError) -> str:
    return exc.message_en if pick_lang(request) == "en" else exc.message_zh


def field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def number(value: str, name: str, *, optional: bool = False, low: int = 0, high: int = 100000) -> int | None:
    if optional and not value:
        return None
    try:
        n = int(value)
    except ValueError:
        raise InvalidInput("请填写整数", "a whole number is required", field=name) from None
    if not low <= n <= high:
        raise InvalidInput(f"数值应在 {low}–{high} 之间", f"the value lies between {low} and {high}", field=name)
    return n


def local_dt(value: str, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput("时间格式应为 2026-03-20T09:00", "times look like 2026-03-20T09:00", field=name) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=local_zone())


def clock_time(value: str, name: str, default: time) -> time:
    try:
        return time.fromisoformat(value) if value else default
    except ValueError:
        raise InvalidInput("时间格式应为 09:00", "times look like 09:00", field=name) from None


def staff_communities(session: Session, user: User) -> list[Unit]:
    units = session.scalars(
        select(Unit)
        .where(Unit.jurisdiction_id == user.jurisdiction_id, Unit.kind == UnitKind.COMMUNITY, Unit.active.is_(True))
        .order_by(Unit.name)
    ).all()
    return [u for u in units if is_staff(session, user, u.id)]


def member_by_phone(session: Session, jid: int, phone: str) -> Member:
    member = session.scalar(select(Member).where(Member.jurisdiction_id == jid, Member.phone == phone.replace(" ", "")))
    if member is None:
        raise NotFound("没有登记这个手机号的志愿者", "no volunteer with this phone number", field="phone")
    return member


# --- volunteers ---------------------------------------------------------------------------------------------


@dataclass
class Volunteer:
    """Who is at the volunteer pages: a staff login or a resident signed in with the phone, and the member or
    volunteer that person is (None: not registered)."""

    user: User | None
    resident: ResidentAccount | None
    jurisdiction_id: int
    member: Member | None


def volunteer(
    session: Session = Depends(get_session),
    user: User | None = Depends(current_user),
    resident: ResidentAccount | None = Depends(current_resident),
) -> Volunteer | None:
    if user is not None:
        return Volunteer(user, None, user.jurisdiction_id, member_for_user(session, user))
    if resident is not None:
        return Volunteer(None, resident, resident.jurisdiction_id, member_for_resident(session, resident))
    return None


def _sign_in_first(request: Request) -> Response:
    """Volunteers are residents first: the phone-and-code sign-in, back to this page afterwards."""
    path = request.url.path if request.method == "GET" else "/volunteer"
    return RedirectResponse(f"/me/login?next={quote(path)}", status_code=303)


def _home(request: Request, session: Session, who: Volunteer | None, error: str | None = None, status_code: int = 200):
    jid = who.jurisdiction_id if who else public_jurisdiction(request, session).id
    member = who.member if who else None
    activities = svc.upcoming(session, jid)
    mine = svc.my_enrollments(session, member) if member else []
    live = {r.activity_id: r for r in mine if r.status != E.CANCELLED}
    records = svc.records_of(session, member) if member else []
    points_ = session.scalars(
        select(ServicePoint)
        .where(ServicePoint.jurisdiction_id == jid, ServicePoint.active.is_(True))
        .order_by(ServicePoint.id)
    ).all()
    today = svc.local(svc.utcnow()).date()
    return render(
        request,
        "volunteers/home.html",
        {
            "labels": LABELS,
            "who": who,
            "member": member,
            "activities": activities,
            "taken": {a.id: svc.taken(session, a) for a in activities},
            "mine": mine,
            "live": live,
            "records": records,
            "hours": round(sum(r.minutes for r in records) / 60, 1),
            "balance": points.member_account(session, member).balance if member else None,
            "service_points": [(p, svc.opening_days(session, p, today, 7)) for p in points_],
            "error": error,
            "E": E,
        },
        status_code=status_code,
    )


@router.get("/volunteer")
def home(
    request: Request, session: Session = Depends(get_session), who: Volunteer | None = Depends(volunteer)
) -> Response:
    return _home(request, session, who)


def _member(who: Volunteer) -> Member:
    if who.member is None:
        raise InvalidInput(
            "您还不是登记的志愿者，请联系社区登记", "you are not registered as a volunteer; ask your community"
        )
    return who.member


@router.post("/volunteer/activities/{activity_id}/signup")
def sign_up(
    activity_id: int,
    request: Request,
    form: FormData = Depends(posted_form()),
    session: Session = Depends(get_session),
    who: Volunteer | None = Depends(volunteer),
) -> Response:
    if who is None:
        return _sign_in_first(request)
    try:
        with session.begin_nested():
            activity = svc.get_activity(session, activity_id, jurisdiction_id=who.jurisdiction_id)
            svc.sign_up(session, activity, _member(who), actor=who.user)
    except LianxinError as exc:
        return _home(request, session, who, error=message(request, exc), status_code=exc.http_status)
    return RedirectResponse("/volunteer#mine", status_code=303)


@router.post("/volunteer/enrollments/{enrollment_id}/cancel")
def cancel(
    enrollment_id: int,
    request: Request,
    form: FormData = Depends(posted_form()),
    session: Session = Depends(get_session),
    who: Volunteer | None = Depends(volunteer),
) -> Response:
    if who is None:
        return _sign_in_first(request)
    try:
        with session.begin_nested():
            row = svc.get_enrollment(session, enrollment_id, jurisdiction_id=who.jurisdiction_id)
            if who.user is None and (who.member is None or row.member_id != who.member.id):
                raise PermissionDenied("只能取消自己的报名", "you may only cancel your own sign-up")
            svc.cancel(session, row, actor=who.user, note=field(form, "note"))
    except LianxinError as exc:
        return _home(request, session, who, error=message(request, exc), status_code=exc.http_status)
    return RedirectResponse("/volunteer#mine", status_code=303)


def _checkin_page(request: Request, session: Session, who: Volunteer, code: str, **extra) -> Response:
    status_code = extra.pop("status_code", 200)
    activity, kind, row = None, None, None
    try:
        activity_id, kind = qr.read_code(request.app.state.settings, code)
        activity = svc.get_activity(session, activity_id, jurisdiction_id=who.jurisdiction_id)
        member = who.member
        row = (
            session.scalar(
                select(Enrollment).where(
                    Enrollment.activity_id == activity.id,
                    Enrollment.member_id == member.id,
                    Enrollment.status != E.CANCELLED,
                )
            )
            if member
            else None
        )
    except LianxinError as exc:
        extra.setdefault("error", message(request, exc))
        status_code = exc.http_status if status_code == 200 else status_code
    return render(
        request,
        "volunteers/checkin.html",
        {"activity": activity, "kind": kind, "row": row, "code": code, "labels": LABELS, **extra},
        status_code=status_code,
    )


@router.get("/volunteer/checkin/{code}")
def checkin_page(
    code: str, request: Request, session: Session = Depends(get_session), who: Volunteer | None = Depends(volunteer)
) -> Response:
    """What the QR code at the place opens on the volunteer's phone (after signing in): one button."""
    if who is None:
        return _sign_in_first(request)
    return _checkin_page(request, session, who, code)


@router.post("/volunteer/checkin/{code}")
def checkin(
    code: str,
    request: Request,
    form: FormData = Depends(posted_form()),
    session: Session = Depends(get_session),
    who: Volunteer | None = Depends(volunteer),
) -> Response:
    if who is None:
        return _sign_in_first(request)
    try:
        with session.begin_nested():
            activity_id, kind = qr.read_code(request.app.state.settings, code)
            activity = svc.get_activity(session, activity_id, jurisdiction_id=who.jurisdiction_id)
            row = svc.scan(session, activity, _member(who), kind, actor=who.user)
    except LianxinError as exc:
        return _checkin_page(request, session, who, code, error=message(request, exc), status_code=exc.http_status)
    return _checkin_page(request, session, who, code, done=row)


@router.get("/volunteer/records/{record_id}/certificate.pdf")
def certificate(
    record_id: int,
    request: Request,
    session: Session = Depends(get_session),
    who: Volunteer | None = Depends(volunteer),
) -> Response:
    """The volunteer's own certificate, or any for the community's staff."""
    if who is None:
        return _sign_in_first(request)
    record = session.get(ServiceRecord, record_id)
    if record is None or record.jurisdiction_id != who.jurisdiction_id:
        raise NotFound(f"服务记录 {record_id} 不存在", f"no service record {record_id}")
    own = who.member is not None and record.member_id == who.member.id
    if not own and not is_staff(session, who.user, record.activity.community_id):
        raise PermissionDenied("只能下载自己的志愿服务证明", "you may only download your own certificate")
    url = str(request.base_url).rstrip("/") + f"/volunteer/verify?no={record.certificate_no}"
    return Response(
        certificate_pdf(record, verify_url=url),
        media_type="application/pdf",
        headers={"Content-Disposition": f"inline; filename={record.certificate_no}.pdf"},
    )


@router.get("/volunteer/verify")
def verify(request: Request, no: str = "", session: Session = Depends(get_session)) -> Response:
    """核验: anyone with a certificate number sees the masked name, the date, hours, content and issuer."""
    record, error = None, None
    if no:
        try:
            record = svc.record_by_number(session, no[:32])
        except LianxinError as exc:
            error = message(request, exc)
    return render(
        request,
        "volunteers/verify.html",
        {"record": record, "no": no[:32], "error": error, "masked": mask_name(record.member.name) if record else ""},
        status_code=404 if error else 200,
    )


# --- organisers --------------------------------------------------------------------------------------------


def _desk(request: Request, session: Session, user: User, error: str | None = None, status_code: int = 200):
    communities = staff_communities(session, user)
    ids = [c.id for c in communities]
    activities = session.scalars(
        select(Activity)
        .where(Activity.community_id.in_(ids), Activity.starts_at > svc.utcnow() - timedelta(days=60))
        .order_by(Activity.starts_at.desc())
        .limit(200)
    ).all()
    service_points = session.scalars(
        select(ServicePoint).where(ServicePoint.community_id.in_(ids)).order_by(ServicePoint.id)
    ).all()
    return render(
        request,
        "volunteers/desk.html",
        {
            "labels": LABELS,
            "communities": communities,
            "activities": activities,
            "taken": {a.id: svc.taken(session, a) for a in activities},
            "service_points": service_points,
            "error": error,
        },
        status_code=status_code,
    )


@router.get("/volunteer/staff")
def desk(
    request: Request, session: Session = Depends(get_session), user: User = Depends(require_roles(*STAFF))
) -> Response:
    return _desk(request, session, user)


@router.post("/volunteer/staff/activities")
def create_activity(
    request: Request,
    form: FormData = Depends(posted_form()),
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(*STAFF)),
) -> Response:
    try:
        with session.begin_nested():
            point_id = number(field(form, "point_id"), "point_id", optional=True, high=2**31 - 1)
            point = session.get(ServicePoint, point_id) if point_id else None
            activity = svc.create_activity(
                session,
                jurisdiction_id=user.jurisdiction_id,
                community_id=number(field(form, "community_id"), "community_id", high=2**31 - 1),
                title=field(form, "title"),
                content=field(form, "content"),
                place=field(form, "place") or (point.name if point else ""),
                point=point,
                starts_at=local_dt(field(form, "starts_at"), "starts_at"),
                ends_at=local_dt(field(form, "ends_at"), "ends_at"),
                slots=number(field(form, "slots"), "slots", low=1, high=1000),
                min_age=number(field(form, "min_age"), "min_age", optional=True, high=120),
                max_age=number(field(form, "max_age"), "max_age", optional=True, high=120),
                training=field(form, "training") or None,
                actor=user,
            )
    except LianxinError as exc:
        return _desk(request, session, user, error=message(request, exc), status_code=exc.http_status)
    return RedirectResponse(f"/volunteer/staff/activities/{activity.id}", status_code=303)


@router.post("/volunteer/staff/points")
def create_point(
    request: Request,
    form: FormData = Depends(posted_form()),
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(*STAFF)),
) -> Response:
    try:
        with session.begin_nested():
            svc.create_point(
                session,
                jurisdiction_id=user.jurisdiction_id,
                community_id=number(field(form, "community_id"), "community_id", high=2**31 - 1),
                name=field(form, "name"),
                address=field(form, "address"),
                opens_at=clock_time(field(form, "opens_at"), "opens_at", time(9)),
                closes_at=clock_time(field(form, "closes_at"), "closes_at", time(17)),
                open_on_rest_days=bool(field(form, "open_on_rest_days")),
                items=field(form, "items").replace("，", ",").split(","),
                actor=user,
            )
    except LianxinError as exc:
        return _desk(request, session, user, error=message(request, exc), status_code=exc.http_status)
    return RedirectResponse("/volunteer/staff", status_code=303)


def _activity_page(
    request: Request, session: Session, user: User, activity_id: int, error: str | None = None, status_code: int = 200
):
    activity = svc.get_activity(session, activity_id, jurisdiction_id=user.jurisdiction_id)
    svc.require_organiser(session, user, activity.community_id)
    settings = request.app.state.settings
    base = str(request.base_url).rstrip("/")
    codes = {}
    for kind in ("in", "out"):
        url = f"{base}/volunteer/checkin/{qr.make_code(settings, activity.id, kind)}"
        codes[kind] = (url, qr.qr_svg(url))
    return render(
        request,
        "volunteers/activity.html",
        {
            "labels": LABELS,
            "activity": activity,
            "rows": svc.enrollments(session, activity),
            "taken": svc.taken(session, activity),
            "codes": codes,
            "ttl_minutes": qr.CODE_TTL // 60,
            "mask_phone": mask_phone,
            "roles": list(VolunteerRole),
            "error": error,
            "E": E,
            "open": activity.status == ActivityStatus.OPEN,
        },
        status_code=status_code,
    )


@router.get("/volunteer/staff/activities/{activity_id}")
def activity_page(
    activity_id: int,
    request: Request,
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(*STAFF)),
) -> Response:
    return _activity_page(request, session, user, activity_id)


@router.get("/volunteer/staff/activities/{activity_id}/qr/{kind}")
def qr_screen(
    activity_id: int,
    kind: str,
    request: Request,
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(*STAFF)),
) -> Response:
    """A full-screen code for a tablet or phone propped up at the place; it renews itself every 5 minutes."""
    if kind not in ("in", "out"):
        raise NotFound("没有这种二维码", "no such code")
    activity = svc.get_activity(session, activity_id, jurisdiction_id=user.jurisdiction_id)
    svc.require_organiser(session, user, activity.community_id)
    url = f"{str(request.base_url).rstrip('/')}/volunteer/checkin/{qr.make_code(request.app.state.settings, activity.id, kind)}"
    return render(
        request,
        "volunteers/qr_screen.html",
        {"activity": activity, "kind": kind, "url": url, "svg": qr.qr_svg(url), "renew": qr.CODE_TTL // 2},
    )


@router.post("/volunteer/staff/activities/{activity_id}/{action}")
def activity_action(
    activity_id: int,
    action: str,
    request: Request,
    form: FormData = Depends(posted_form()),
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(*STAFF)),
) -> Response:
    """signup (for someone, by phone), close, cancel."""
    try:
        with session.begin_nested():
            activity = svc.get_activity(session, activity_id, jurisdiction_id=user.jurisdiction_id)
            if action == "signup":
                member = member_by_phone(session, user.jurisdiction_id, field(form, "phone"))
                svc.sign_up(session, activity, member, actor=user, proxy=True, role=field(form, "role") or "volunteer")
            elif action == "close":
                svc.close_activity(session, activity, actor=user)
            elif action == "cancel":
                svc.cancel_activity(session, activity, actor=user, reason=field(form, "reason"))
            else:
                raise NotFound("操作不存在", "no such action")
    except LianxinError as exc:
        return _activity_page(
            request, session, user, activity_id, error=message(request, exc), status_code=exc.http_status
        )
    return RedirectResponse(f"/volunteer/staff/activities/{activity_id}", status_code=303)


@router.post("/volunteer/staff/enrollments/{enrollment_id}/{action}")
def enrollment_action(
    enrollment_id: int,
    action: str,
    request: Request,
    form: FormData = Depends(posted_form()),
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(*STAFF)),
) -> Response:
    """confirm (with evaluation and training), record (both times), absent, cancel."""
    row = session.get(Enrollment, enrollment_id)
    if row is None or row.jurisdiction_id != user.jurisdiction_id:
        raise NotFound(f"报名 {enrollment_id} 不存在", f"no sign-up {enrollment_id}")
    activity_id = row.activity_id
    try:
        with session.begin_nested():
            if action == "confirm":
                svc.confirm_attendance(
                    session, row, actor=user, evaluation=field(form, "evaluation"), training=field(form, "training")
                )
            elif action == "record":
                svc.record_attendance(
                    session,
                    row,
                    actor=user,
                    checked_in_at=local_dt(field(form, "checked_in_at"), "checked_in_at"),
                    checked_out_at=local_dt(field(form, "checked_out_at"), "checked_out_at"),
                )
            elif action == "absent":
                svc.mark_absent(session, row, actor=user, note=field(form, "note"))
            elif action == "cancel":
                svc.cancel(session, row, actor=user, note=field(form, "note"))
            else:
                raise NotFound("操作不存在", "no such action")
    except LianxinError as exc:
        return _activity_page(
            request, session, user, activity_id, error=message(request, exc), status_code=exc.http_status
        )
    return RedirectResponse(f"/volunteer/staff/activities/{activity_id}#e{enrollment_id}", status_code=303)


# --- leaders ----------------------------------------------------------------------------------------------


@router.get("/volunteer/stats")
def stats(
    request: Request,
    year: int | None = None,
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(Role.LEADER)),
) -> Response:
    """志愿服务统计: confirmed hours, people and records by community, the most active volunteers, the shops."""
    from sqlalchemy import func

    from lianxin.volunteers.models import Redemption

    year = year if year and 2000 <= year <= 2100 else svc.local(svc.utcnow()).year
    jid = user.jurisdiction_id
    in_year = (
        ServiceRecord.jurisdiction_id == jid,
        ServiceRecord.served_on >= datetime(year, 1, 1).date(),
        ServiceRecord.served_on < datetime(year + 1, 1, 1).date(),
    )
    by_community = session.execute(
        select(
            Unit.name,
            func.count(ServiceRecord.id),
            func.count(func.distinct(ServiceRecord.member_id)),
            func.coalesce(func.sum(ServiceRecord.minutes), 0),
        )
        .join(Activity, Activity.id == ServiceRecord.activity_id)
        .join(Unit, Unit.id == Activity.community_id)
        .where(*in_year)
        .group_by(Unit.name)
        .order_by(func.sum(ServiceRecord.minutes).desc())
    ).all()
    top = session.execute(
        select(Member.name, func.coalesce(func.sum(ServiceRecord.minutes), 0).label("m"))
        .join(Member, Member.id == ServiceRecord.member_id)
        .where(*in_year)
        .group_by(Member.id, Member.name)
        .order_by(func.sum(ServiceRecord.minutes).desc(), Member.name)
        .limit(10)
    ).all()
    absences = session.scalar(
        select(func.count(Enrollment.id)).where(Enrollment.jurisdiction_id == jid, Enrollment.status == E.ABSENT)
    )
    exchanges = session.execute(
        select(func.count(Redemption.id), func.coalesce(func.sum(Redemption.points), 0)).where(
            Redemption.jurisdiction_id == jid
        )
    ).one()
    return render(
        request,
        "volunteers/stats.html",
        {
            "year": year,
            "rows": [(n, c, p, round(m / 60, 1)) for n, c, p, m in by_community],
            "top": [(n, round(m / 60, 1)) for n, m in top],
            "absences": absences,
            "exchanges": exchanges,
        },
    )
