"""志愿服务 pages. Volunteers (phone width; a resident signed in with the phone, or a staff login, who is a
registered volunteer): ``/volunteer`` activities, sign-up, 我的服务 and certificates,
``/volunteer/checkin/{code}`` what the QR code at the place opens. Anyone: ``/volunteer/verify`` checks a
certificate number. The organisers' pages are in ``organiser_views``, the 爱心超市 in ``market_views``. Each POST
parses the form, runs one service verb inside a savepoint and redirects; a LianxinError shows the page
again with the message (nothing changed)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from lianxin.appeals.privacy import mask_name
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
    Enrollment,
    ServicePoint,
    ServiceRecord,
)
from lianxin.volunteers.status import STATUS_LABELS, EnrollmentStatus
from lianxin.web.deps import current_user, get_session, public_jurisdiction
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
