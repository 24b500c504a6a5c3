"""志愿服务 pages for organisers (community staff) and leaders: ``/volunteer/staff`` service points and activities,
``/volunteer/staff/activities/{id}`` sign-ups, the QR codes (and the full-screen code), times, confirmation and
absences; ``/volunteer/stats`` confirmed hours by community, top volunteers, absences and exchanges."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from lianxin.appeals.privacy import mask_phone
from lianxin.errors import LianxinError, NotFound
from lianxin.orgs.models import Role, Unit, User
from lianxin.volunteers import qr
from lianxin.volunteers import service as svc
from lianxin.volunteers.models import (
    Activity,
    ActivityStatus,
    Enrollment,
    ServicePoint,
    ServiceRecord,
    VolunteerRole,
)
from lianxin.volunteers.views import (
    LABELS,
    STAFF,
    E,
    clock_time,
    field,
    local_dt,
    member_by_phone,
    message,
    number,
    staff_communities,
)
from lianxin.web.deps import get_session, require_roles
from lianxin.web.forms import posted_form
from lianxin.web.templating import render
from lianxin.wishes.models import Member

router = APIRouter()


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
