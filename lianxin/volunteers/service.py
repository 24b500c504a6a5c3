"""The only door through which service points, activities, sign-ups, attendance and service records
change. Each verb checks the actor and the transition (``status.py``), sets fields, appends an
``EnrollmentEvent``, queues notifications and flushes; it never commits (the edge does).

Nothing counts until the organiser confirms: ``confirm_attendance`` writes the service record (the
办法's fields, a certificate number) and credits the points (``lianxin.points``) in the same transaction."""

from __future__ import annotations

import secrets
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lianxin.clock import local_zone, utcnow
from lianxin.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from lianxin.notify import queue_notification
from lianxin.orgs.models import Unit, User
from lianxin.points import service as points
from lianxin.points.models import EntryReason
from lianxin.sla.service import get_calendar
from lianxin.volunteers.models import (
    Activity,
    ActivityStatus,
    Enrollment,
    EnrollmentEvent,
    ServicePoint,
    ServiceRecord,
    VolunteerProfile,
    VolunteerRole,
)
from lianxin.volunteers.status import (
    HOLDING,
    EnrollmentAction,
    EnrollmentStatus,
    IllegalTransition,
    next_status,
)
from lianxin.wishes.models import Member
from lianxin.wishes.service import _community, _text, is_staff

E, X = EnrollmentStatus, EnrollmentAction
MAX_MINUTES = 16 * 60  # one sign-up counts at most 16 hours
CHECKIN_EARLY = timedelta(hours=1)  # the code is accepted from an hour before the start …
CHECKOUT_LATE = timedelta(hours=6)  # … until six hours after the end


def local(moment: datetime) -> datetime:
    return moment.astimezone(local_zone())


def require_organiser(session: Session, actor: User | None, community_id: int) -> None:
    """Community staff (grid worker, handler, leader covering it; admins). None is the system."""
    if actor is not None and not is_staff(session, actor, community_id):
        raise PermissionDenied("只有本社区的工作人员可以组织志愿活动", "only the community's staff may organise this")


# --- service points ----------------------------------------------------------------------------------


def create_point(
    session: Session,
    *,
    jurisdiction_id: int,
    community_id: int,
    name: str,
    address: str = "",
    opens_at: time = time(9, 0),
    closes_at: time = time(17, 0),
    open_on_rest_days: bool = False,
    items: list[str] | None = None,
    actor: User | None = None,
) -> ServicePoint:
    community = _community(session, jurisdiction_id, community_id)
    require_organiser(session, actor, community.id)
    if closes_at <= opens_at:
        raise InvalidInput("关门时间应晚于开门时间", "closing time must be after opening time", field="closes_at")
    items = [i.strip()[:40] for i in (items or []) if i and i.strip()]
    point = ServicePoint(
        jurisdiction_id=jurisdiction_id,
        community_id=community.id,
        name=_text(name, "name", "站点名称", "the name", maximum=100),
        address=(address or "").strip()[:200],
        opens_at=opens_at,
        closes_at=closes_at,
        open_on_rest_days=open_on_rest_days,
        items=items,
    )
    session.add(point)
    session.flush()
    return point


def is_open(session: Session, point: ServicePoint, moment: datetime) -> bool:
    """Open at ``moment``: within the hours, on a working day of the jurisdiction's calendar (调休 included)
    unless the point also opens on rest days."""
    when = local(moment)
    if not point.active or not point.opens_at <= when.time() < point.closes_at:
        return False
    return point.open_on_rest_days or get_calendar(session, point.jurisdiction_id).is_workday(when.date())


def opening_days(session: Session, point: ServicePoint, start: date, days: int = 7) -> list[tuple[date, bool]]:
    calendar = get_calendar(session, point.jurisdiction_id)
    return [
        (d, point.active and (point.open_on_rest_days or calendar.is_workday(d)))
        for d in (start + timedelta(days=n) for n in range(days))
    ]


# --- activities --------------------------------------------------------------------------------------


def create_activity(
    session: Session,
    *,
    jurisdiction_id: int,
    community_id: int,
    title: str,
    place: str,
    starts_at: datetime,
    ends_at: datetime,
    slots: int,
    content: str = "",
    point: ServicePoint | None = None,
    min_age: int | None = None,
    max_age: int | None = None,
    training: str | None = None,
    actor: User | None = None,
) -> Activity:
    community = _community(session, jurisdiction_id, community_id)
    require_organiser(session, actor, community.id)
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise InvalidInput("时间须带时区", "times must be timezone-aware", field="starts_at")
    if ends_at <= starts_at:
        raise InvalidInput("结束时间应晚于开始时间", "the end must be after the start", field="ends_at")
    if ends_at - starts_at > timedelta(hours=16):
        raise InvalidInput("一次活动不超过 16 小时", "an activity lasts at most 16 hours", field="ends_at")
    if not isinstance(slots, int) or not 1 <= slots <= 1000:
        raise InvalidInput("名额应为 1–1000", "slots must be between 1 and 1000", field="slots")
    for value, field in ((min_age, "min_age"), (max_age, "max_age")):
        if value is not None and not 0 <= value <= 120:
            raise InvalidInput("年龄应为 0–120", "ages lie between 0 and 120", field=field)
    if min_age is not None and max_age is not None and min_age > max_age:
        raise InvalidInput("最低年龄不能大于最高年龄", "the minimum age exceeds the maximum", field="min_age")
    if point is not None and point.community_id != community.id:
        raise InvalidInput("站点不在该社区", "the service point is in another community", field="point_id")
    activity = Activity(
        jurisdiction_id=jurisdiction_id,
        community_id=community.id,
        point_id=point.id if point else None,
        title=_text(title, "title", "活动名称", "the title", maximum=100),
        content=(content or "").strip()[:2000],
        place=_text(place, "place", "地点", "the place", maximum=200),
        starts_at=starts_at,
        ends_at=ends_at,
        slots=slots,
        min_age=min_age,
        max_age=max_age,
        training=(training or "").strip()[:32] or None,
        organiser_id=actor.id if actor else None,
    )
    session.add(activity)
    session.flush()
    return activity


def get_activity(session: Session, activity_id: int, *, jurisdiction_id: int) -> Activity:
    activity = session.get(Activity, activity_id)
    if activity is None or activity.jurisdiction_id != jurisdiction_id:
        raise NotFound(f"活动 {activity_id} 不存在", f"no activity {activity_id}")
    return activity


def get_enrollment(session: Session, enrollment_id: int, *, jurisdiction_id: int) -> Enrollment:
    row = session.get(Enrollment, enrollment_id)
    if row is None or row.jurisdiction_id != jurisdiction_id:
        raise NotFound(f"报名 {enrollment_id} 不存在", f"no sign-up {enrollment_id}")
    return row


def taken(session: Session, activity: Activity) -> int:
    return session.scalar(
        select(func.count(Enrollment.id)).where(
            Enrollment.activity_id == activity.id, Enrollment.status.in_(list(HOLDING))
        )
    )


def enrollments(session: Session, activity: Activity) -> list[Enrollment]:
    return list(
        session.scalars(select(Enrollment).where(Enrollment.activity_id == activity.id).order_by(Enrollment.id))
    )


def _event(session: Session, row: Enrollment, kind: str, frm, to, actor: User | None, note: str = "") -> None:
    session.add(
        EnrollmentEvent(
            jurisdiction_id=row.jurisdiction_id,
            enrollment_id=row.id,
            kind=kind,
            from_status=str(frm) if frm else None,
            to_status=str(to) if to else None,
            actor_user_id=actor.id if actor else None,
            note=(note or "")[:500],
        )
    )


def _move(session: Session, row: Enrollment, action: EnrollmentAction, actor: User | None, note: str = "") -> None:
    try:
        new = next_status(row.status, action)
    except IllegalTransition:
        raise Conflict(
            f"当前状态（{row.status}）不能执行此操作", f"cannot {action.value} a sign-up that is {row.status.value}"
        ) from None
    _event(session, row, action.value, row.status, new, actor, note)
    row.status = new


def _tell(session: Session, member: Member, kind: str, message: str, dedupe_key: str | None = None) -> None:
    queue_notification(
        session,
        jurisdiction_id=member.jurisdiction_id,
        kind=kind,
        audience="member",
        recipient=member.phone,
        message=message,
        dedupe_key=dedupe_key,
    )


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def check_eligible(session: Session, activity: Activity, member: Member) -> None:
    """Age and training (Hengde: eligibility checks); a refusal names what is missing."""
    profile = session.scalar(select(VolunteerProfile).where(VolunteerProfile.member_id == member.id))
    day = local(activity.starts_at).date()
    if activity.min_age is not None or activity.max_age is not None:
        if profile is None or profile.birth_date is None:
            raise InvalidInput(
                "该活动有年龄要求，请先登记出生日期", "this activity has an age limit: record a birth date first"
            )
        age = age_on(profile.birth_date, day)
        if activity.min_age is not None and age < activity.min_age:
            raise InvalidInput(f"该活动要求年满 {activity.min_age} 岁", f"this activity needs age {activity.min_age}+")
        if activity.max_age is not None and age > activity.max_age:
            raise InvalidInput(
                f"该活动要求不超过 {activity.max_age} 岁", f"this activity needs age {activity.max_age} or under"
            )
    if activity.training and (profile is None or activity.training not in (profile.training or [])):
        raise InvalidInput(
            f"该活动要求完成培训：{activity.training}", f"this activity needs the training {activity.training}"
        )


def set_profile(
    session: Session, member: Member, *, birth_date: date | None = None, training: list[str] | None = None
) -> VolunteerProfile:
    profile = session.scalar(select(VolunteerProfile).where(VolunteerProfile.member_id == member.id))
    if profile is None:
        profile = VolunteerProfile(jurisdiction_id=member.jurisdiction_id, member_id=member.id, training=[])
        session.add(profile)
    if birth_date is not None:
        profile.birth_date = birth_date
    if training is not None:
        profile.training = sorted({t.strip() for t in training if t.strip()})
    session.flush()
    return profile


def _lock(session: Session, activity: Activity) -> Activity:
    """Serialise sign-ups of one activity (FOR UPDATE on the bare row on PostgreSQL; SQLite serialises
    writers) and re-read its status under the lock."""
    status = session.scalar(select(Activity.status).where(Activity.id == activity.id).with_for_update())
    if status != activity.status:
        session.refresh(activity, ["status"])
    return activity


def sign_up(
    session: Session,
    activity: Activity,
    member: Member,
    *,
    actor: User | None,
    role: VolunteerRole | str = VolunteerRole.VOLUNTEER,
    proxy: bool = False,
) -> Enrollment:
    """报名: by the member (``actor`` is their login) or by an organiser for them (``proxy``). When the
    slots are taken the sign-up joins the waiting list."""
    if proxy:
        require_organiser(session, actor, activity.community_id)
    elif actor is not None and member.user_id != actor.id:
        raise PermissionDenied("只能为自己报名", "you may only sign yourself up")
    if member.jurisdiction_id != activity.jurisdiction_id or not member.active:
        raise InvalidInput("该志愿者不在本辖区或已停用", "the volunteer is not active here", field="member")
    activity = _lock(session, activity)
    if activity.status != ActivityStatus.OPEN:
        raise Conflict("活动已结束或已取消", "the activity is closed or cancelled")
    if utcnow() >= activity.ends_at:
        raise Conflict("活动已结束", "the activity is over")
    try:
        role = VolunteerRole(role)
    except ValueError:
        raise InvalidInput("请选择角色", "choose a role", field="role") from None
    check_eligible(session, activity, member)
    live = session.scalar(
        select(Enrollment).where(
            Enrollment.activity_id == activity.id,
            Enrollment.member_id == member.id,
            Enrollment.status != E.CANCELLED,
        )
    )
    if live is not None:
        raise Conflict("已经报过名了", "already signed up", field="member")
    status = E.ENROLLED if taken(session, activity) < activity.slots else E.WAITLISTED
    row = Enrollment(
        jurisdiction_id=activity.jurisdiction_id,
        activity_id=activity.id,
        member_id=member.id,
        status=status,
        role=role,
        proxy_by_id=actor.id if proxy and actor else None,
    )
    session.add(row)
    session.flush()
    _event(session, row, "proxy_sign_up" if proxy else "sign_up", None, status, actor)
    when = f"{local(activity.starts_at):%m月%d日 %H:%M}"
    if status == E.ENROLLED:
        _tell(session, member, "vol_enrolled", f"您已报名志愿活动“{activity.title}”（{when}，{activity.place}）。")
    else:
        _tell(session, member, "vol_waitlisted", f"志愿活动“{activity.title}”名额已满，您已进入候补名单。")
    session.flush()
    return row


def cancel(session: Session, row: Enrollment, *, actor: User | None, note: str = "") -> Enrollment:
    """取消报名 (the member, or an organiser); the first on the waiting list takes the free place."""
    activity = row.activity
    if actor is not None and row.member.user_id != actor.id:
        require_organiser(session, actor, activity.community_id)
    held = row.status in HOLDING
    _move(session, row, X.CANCEL, actor, note)
    session.flush()
    if held:
        _promote(session, activity)
    return row


def _promote(session: Session, activity: Activity) -> None:
    activity = _lock(session, activity)
    while taken(session, activity) < activity.slots:
        first = session.scalar(
            select(Enrollment)
            .where(Enrollment.activity_id == activity.id, Enrollment.status == E.WAITLISTED)
            .order_by(Enrollment.id)
            .limit(1)
        )
        if first is None:
            return
        _move(session, first, X.PROMOTE, None)
        _tell(session, first.member, "vol_promoted", f"志愿活动“{activity.title}”有了空位，您已从候补转为正式报名。")
        session.flush()


def cancel_activity(session: Session, activity: Activity, *, actor: User | None, reason: str) -> Activity:
    require_organiser(session, actor, activity.community_id)
    if activity.status != ActivityStatus.OPEN:
        raise Conflict("活动已结束或已取消", "the activity is closed or cancelled")
    reason = _text(reason, "reason", "取消原因", "the reason", maximum=200)
    activity.status = ActivityStatus.CANCELLED
    for row in enrollments(session, activity):
        if row.status in (E.ENROLLED, E.WAITLISTED):
            _move(session, row, X.CANCEL, actor, reason)
            _tell(session, row.member, "vol_activity_cancelled", f"志愿活动“{activity.title}”已取消：{reason}")
    session.flush()
    return activity


# --- attendance ----------------------------------------------------------------------------------------


def _live_enrollment(session: Session, activity: Activity, member: Member) -> Enrollment:
    row = session.scalar(
        select(Enrollment).where(
            Enrollment.activity_id == activity.id,
            Enrollment.member_id == member.id,
            Enrollment.status != E.CANCELLED,
        )
    )
    if row is None:
        raise Conflict("您没有报名这个活动", "you have not signed up for this activity")
    return row


def scan(session: Session, activity: Activity, member: Member, kind: str, *, actor: User | None) -> Enrollment:
    """The volunteer scanned the code shown at the place (already verified): check in or out now."""
    now = utcnow()
    if not activity.starts_at - CHECKIN_EARLY <= now <= activity.ends_at + CHECKOUT_LATE:
        raise Conflict("不在活动签到时间内", "this is not the activity's check-in time")
    row = _live_enrollment(session, activity, member)
    if kind == "in":
        _move(session, row, X.CHECK_IN, actor, "扫码签到")
        row.checked_in_at = now
    else:
        _move(session, row, X.CHECK_OUT, actor, "扫码签退")
        row.checked_out_at = now
        row.minutes = _minutes(row.checked_in_at, now)
    session.flush()
    return row


def _minutes(start: datetime, end: datetime) -> int:
    return max(0, min(MAX_MINUTES, int((end - start).total_seconds() // 60)))


def record_attendance(
    session: Session,
    row: Enrollment,
    *,
    actor: User | None,
    checked_in_at: datetime,
    checked_out_at: datetime,
    note: str = "",
) -> Enrollment:
    """The organiser records (or corrects) both times, e.g. for a volunteer without a phone."""
    require_organiser(session, actor, row.activity.community_id)
    if checked_out_at <= checked_in_at:
        raise InvalidInput("签退时间应晚于签到时间", "check-out must be after check-in", field="checked_out_at")
    if checked_out_at - checked_in_at > timedelta(minutes=MAX_MINUTES):
        raise InvalidInput("一次服务不超过 16 小时", "one service lasts at most 16 hours", field="checked_out_at")
    _move(session, row, X.RECORD, actor, note or "组织者登记")
    row.checked_in_at, row.checked_out_at = checked_in_at, checked_out_at
    row.minutes = _minutes(checked_in_at, checked_out_at)
    session.flush()
    return row


def mark_absent(session: Session, row: Enrollment, *, actor: User | None, note: str = "") -> Enrollment:
    """缺席: recorded by the organiser after the start; the penalty rule applies (capped at the balance)."""
    require_organiser(session, actor, row.activity.community_id)
    if utcnow() < row.activity.starts_at:
        raise Conflict("活动尚未开始", "the activity has not started yet")
    _move(session, row, X.MARK_ABSENT, actor, note)
    points.earn(
        session,
        member=row.member,
        code=EntryReason.PENALTY,
        ref_type="enrollment",
        ref_id=row.id,
        community=row.activity.community,
        memo=f"缺席：{row.activity.title}",
        actor=actor,
    )
    session.flush()
    return row


def _certificate_no(session: Session, served_on: date) -> str:
    while True:
        number = f"ZY{served_on:%Y%m%d}{secrets.token_hex(3).upper()}"
        if session.scalar(select(ServiceRecord.id).where(ServiceRecord.certificate_no == number)) is None:
            return number


def confirm_attendance(
    session: Session,
    row: Enrollment,
    *,
    actor: User | None,
    evaluation: str = "",
    training: str = "",
    content: str | None = None,
) -> ServiceRecord:
    """确认: the organiser confirms the minutes; the service record is written and the points are credited
    (rule ``hours`` × the role's multiplier), all in the caller's transaction."""
    activity = row.activity
    require_organiser(session, actor, activity.community_id)
    _move(session, row, X.CONFIRM, actor, evaluation)
    recorder = session.get(Unit, activity.community_id)
    record = ServiceRecord(
        jurisdiction_id=row.jurisdiction_id,
        enrollment_id=row.id,
        member_id=row.member_id,
        activity_id=activity.id,
        served_on=local(row.checked_in_at or activity.starts_at).date(),
        minutes=row.minutes or 0,
        content=(content or "").strip()[:2000] or f"{activity.title}：{activity.content}".strip("："),
        training=(training or "").strip()[:200],
        evaluation=(evaluation or "").strip()[:200] or "合格",
        recorded_by_id=actor.id if actor else None,
        recorder_unit=recorder.name,
    )
    record.certificate_no = _certificate_no(session, record.served_on)
    session.add(record)
    session.flush()
    entry = None
    if record.minutes > 0:
        entry = points.earn(
            session,
            member=row.member,
            code=EntryReason.HOURS,
            quantity=record.minutes / 60,
            role=row.role.value,
            ref_type="enrollment",
            ref_id=row.id,
            community=activity.community,
            memo=activity.title,
            actor=actor,
        )
    earned = f"，获得 {entry.amount} 积分" if entry else ""
    _tell(
        session,
        row.member,
        "vol_confirmed",
        f"您在“{activity.title}”的志愿服务 {record.hours} 小时已确认{earned}。证明编号 {record.certificate_no}。",
    )
    session.flush()
    return record


def close_activity(session: Session, activity: Activity, *, actor: User | None) -> Activity:
    require_organiser(session, actor, activity.community_id)
    if activity.status != ActivityStatus.OPEN:
        raise Conflict("活动已结束或已取消", "the activity is closed or cancelled")
    activity.status = ActivityStatus.CLOSED
    for row in enrollments(session, activity):
        if row.status == E.WAITLISTED:
            _move(session, row, X.CANCEL, actor, "活动结束")
    session.flush()
    return activity


# --- reading --------------------------------------------------------------------------------------------


def upcoming(session: Session, jid: int, *, community_id: int | None = None, limit: int = 50) -> list[Activity]:
    stmt = select(Activity).where(
        Activity.jurisdiction_id == jid, Activity.status == ActivityStatus.OPEN, Activity.ends_at > utcnow()
    )
    if community_id:
        stmt = stmt.where(Activity.community_id == community_id)
    return list(session.scalars(stmt.order_by(Activity.starts_at).limit(limit)))


def my_enrollments(session: Session, member: Member, limit: int = 100) -> list[Enrollment]:
    return list(
        session.scalars(
            select(Enrollment).where(Enrollment.member_id == member.id).order_by(Enrollment.id.desc()).limit(limit)
        )
    )


def records_of(session: Session, member: Member) -> list[ServiceRecord]:
    return list(
        session.scalars(
            select(ServiceRecord).where(ServiceRecord.member_id == member.id).order_by(ServiceRecord.served_on.desc())
        )
    )


def record_by_number(session: Session, number: str) -> ServiceRecord:
    number = (number or "").strip().upper()
    record = session.scalar(select(ServiceRecord).where(ServiceRecord.certificate_no == number)) if number else None
    if record is None:
        raise NotFound("没有这个证明编号", "no certificate with this number", field="no")
    return record


def total_minutes(session: Session, member: Member) -> int:
    return int(
        session.scalar(
            select(func.coalesce(func.sum(ServiceRecord.minutes), 0)).where(ServiceRecord.member_id == member.id)
        )
    )
