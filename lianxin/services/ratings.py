"""好差评: one rating per application (一事一评) and per window visit (一次一评), five levels and the national
indicators. A 差评 (不满意 / 非常不满意) opens a work order in the appeal core at once, with a rectification
deadline in working days (the item's ``rectify_days``, 15 by default); the centre sends it to the item's
department through the core's dispatch, the core's return visit closes it, and a department may ask the
centre for a 申诉复核 of a mistaken or malicious rating, which the centre upholds or voids."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lianxin.appeals.models import Appeal
from lianxin.appeals.schemas import AppealCreate
from lianxin.appeals.service import dispatch_appeal, submit_appeal, terminate_appeal
from lianxin.appeals.status import AppealStatus
from lianxin.clock import utcnow
from lianxin.errors import Conflict, InvalidInput, NotFound
from lianxin.orgs.models import Role, User
from lianxin.orgs.service import require_role
from lianxin.residents.models import ResidentAccount
from lianxin.services.models import Application, Booking, Evaluation, ServiceItem, Ticket
from lianxin.services.service import STAFF_ROLES, on_time, require_owner
from lianxin.services.status import (
    APP_DONE,
    BAD_LEVELS,
    LEVEL_LABELS,
    OFFLINE_INDICATORS,
    ONLINE_INDICATORS,
    BookingStatus,
    EvalAction,
    EvalStatus,
    next_eval_status,
    satisfaction,
)
from lianxin.sla.service import get_calendar


def _scores(raw: Mapping[str, object], indicators: Mapping[str, tuple[str, str]]) -> dict[str, int]:
    out = {}
    for key in indicators:
        value = raw.get(key)
        if value in (None, ""):
            continue
        try:
            number = int(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            number = 0
        if not 1 <= number <= 5:
            raise InvalidInput("指标评分应为 1–5", "indicator scores are 1–5", field=key)
        out[key] = number
    return out


def _level(level: object) -> int:
    try:
        value = int(level)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        value = 0
    if value not in LEVEL_LABELS:
        raise InvalidInput("请选择评价等级", "choose a rating level", field="level")
    return value


def _save(session: Session, evaluation: Evaluation) -> Evaluation:
    try:
        with session.begin_nested():
            session.add(evaluation)
            session.flush()
    except IntegrityError:
        raise Conflict("已经评价过了（一事一评）", "already rated: one rating per application", field="level") from None
    return evaluation


def rate_application(
    session: Session,
    app: Application,
    *,
    account: ResidentAccount,
    level: object,
    scores: Mapping[str, object] | None = None,
    text: str = "",
    now: datetime | None = None,
) -> Evaluation:
    """一事一评 online, once the application is decided; a 差评 opens its rectification work order."""
    now = now or utcnow()
    require_owner(app, account)
    if app.parent_id is not None:
        raise InvalidInput("请对整件一件事评价", "rate the whole bundle", field="level")
    if app.status not in APP_DONE:
        raise InvalidInput("办结后才能评价", "rate once the application is decided", field="level")
    value = _level(level)
    if value in BAD_LEVELS and len(text.strip()) < 4:
        raise InvalidInput("差评请写明不满意的原因", "say what went wrong", field="text")
    evaluation = Evaluation(
        jurisdiction_id=app.jurisdiction_id,
        application_id=app.id,
        item_id=app.item_id,
        bundle_id=app.bundle_id,
        department_id=app.department_id,
        account_id=account.id,
        channel="online",
        level=value,
        scores=_scores(scores or {}, ONLINE_INDICATORS),
        text=text.strip()[:1000],
        created_at=now,
    )
    _save(session, evaluation)
    if value in BAD_LEVELS:
        _open_work_order(session, evaluation, app.applicant_name, app.applicant_phone, now)
    return evaluation


def rate_visit(
    session: Session,
    booking: Booking,
    *,
    account: ResidentAccount,
    level: object,
    scores: Mapping[str, object] | None = None,
    text: str = "",
    now: datetime | None = None,
) -> Evaluation:
    """一次一评 for a window visit that was served."""
    now = now or utcnow()
    if booking.account_id != account.id:
        raise NotFound("预约不存在", "no such booking")
    if booking.status != BookingStatus.SERVED:
        raise InvalidInput("办理完成后才能评价", "rate once you were served", field="level")
    value = _level(level)
    if value in BAD_LEVELS and len(text.strip()) < 4:
        raise InvalidInput("差评请写明不满意的原因", "say what went wrong", field="text")
    ticket = session.scalar(select(Ticket).where(Ticket.booking_id == booking.id))
    evaluation = Evaluation(
        jurisdiction_id=booking.jurisdiction_id,
        booking_id=booking.id,
        ticket_id=ticket.id if ticket else None,
        window_id=ticket.window_id if ticket and ticket.window_id else booking.slot.window_id,
        item_id=booking.item_id,
        department_id=booking.item.department_id,
        account_id=account.id,
        channel="window",
        level=value,
        scores=_scores(scores or {}, OFFLINE_INDICATORS),
        text=text.strip()[:1000],
        created_at=now,
    )
    _save(session, evaluation)
    if value in BAD_LEVELS:
        _open_work_order(session, evaluation, account.real_name or "办事群众", account.phone, now)
    return evaluation


def subject(evaluation: Evaluation) -> str:
    if evaluation.item is not None:
        return evaluation.item.name
    return evaluation.bundle.name if evaluation.bundle else "政务服务"


def _open_work_order(session: Session, evaluation: Evaluation, name: str, phone: str, now: datetime) -> None:
    level = LEVEL_LABELS[evaluation.level][0]
    appeal = submit_appeal(
        session,
        AppealCreate(
            jurisdiction_id=evaluation.jurisdiction_id,
            channel="web",
            appeal_type="complaint",
            title=f"好差评差评整改：{subject(evaluation)}"[:200],
            content=(
                f"政务服务好差评收到{level}（{evaluation.department.name}，{subject(evaluation)}）。"
                f"评价内容：{evaluation.text}"
            ),
            appellant_name=name if phone else None,
            appellant_phone=phone or None,
            anonymous=not phone,  # a walk-in who left no number: rectified all the same, no return call
        ),
        actor=None,
        idempotency_key=f"svc-eval:{evaluation.id}",
    )
    evaluation.appeal_id = appeal.id
    evaluation.status = EvalStatus.VERIFYING
    evaluation.rectify_due_at = get_calendar(session, evaluation.jurisdiction_id).add_working_days(
        now, evaluation.item.rectify_days if evaluation.item else 15
    )
    session.flush()


def _appeal(session: Session, evaluation: Evaluation) -> Appeal:
    return session.get(Appeal, evaluation.appeal_id)


def act_on_rating(
    session: Session, evaluation: Evaluation, action: EvalAction | str, *, actor: User | None, note: str = ""
) -> Evaluation:
    """The centre sends a 差评 for rectification (the core's dispatch to the item's department) or decides a
    review (uphold: rectification goes on; void: the work order is terminated); the department asks for a
    review with its reason."""
    action = EvalAction(action)
    if action == EvalAction.REVISIT:
        raise InvalidInput("回访由工单的回访完成", "the work order's return visit closes it", field="action")
    new = next_eval_status(evaluation.status, action)
    appeal = _appeal(session, evaluation)
    note = note.strip()
    if action == EvalAction.APPEAL:
        require_role(session, actor, STAFF_ROLES, unit_id=evaluation.department_id)
        if len(note) < 4:
            raise InvalidInput("请说明申诉理由", "give the reason for the review", field="note")
        evaluation.review_note = note[:1000]
    else:
        require_role(session, actor, (Role.DISPATCHER,))
    if action == EvalAction.VOID:
        if len(note) < 4:
            raise InvalidInput("请写明复核结论", "give the review's conclusion", field="note")
        if appeal.status not in {AppealStatus.CLOSED, AppealStatus.TERMINATED}:
            terminate_appeal(session, appeal, actor=actor, reason=f"差评复核作废：{note}")
        evaluation.closed_at = utcnow()
        evaluation.review_note = f"{evaluation.review_note}\n复核结论：{note}".strip()
    if action in (EvalAction.DISPATCH, EvalAction.UPHOLD) and appeal.status == AppealStatus.RECEIVED:
        dispatch_appeal(
            session,
            appeal,
            evaluation.department_id,
            actor=actor,
            note=f"差评整改，须在 {evaluation.rectify_due_at:%Y-%m-%d} 前整改并回访"
            if evaluation.rectify_due_at
            else None,
        )
    evaluation.status = new
    session.flush()
    return evaluation


def sync_ratings(session: Session, jurisdiction_id: int | None = None, now: datetime | None = None) -> int:
    """A 差评 under rectification whose work order the core has closed (after its return visit) is revisited."""
    stmt = (
        select(Evaluation)
        .join(Appeal, Appeal.id == Evaluation.appeal_id)
        .where(Evaluation.status == EvalStatus.RECTIFYING, Appeal.status == AppealStatus.CLOSED)
    )
    if jurisdiction_id is not None:
        stmt = stmt.where(Evaluation.jurisdiction_id == jurisdiction_id)
    rows = session.scalars(stmt.with_for_update(skip_locked=True, of=Evaluation).limit(1000)).all()
    for evaluation in rows:
        evaluation.status = next_eval_status(evaluation.status, EvalAction.REVISIT)
        evaluation.closed_at = now or utcnow()
    session.flush()
    return len(rows)


def sync_ratings_job(session: Session, settings, now: datetime) -> int:
    return sync_ratings(session, now=now)


def evaluation_by_id(session: Session, jurisdiction_id: int, evaluation_id: int) -> Evaluation:
    evaluation = session.get(Evaluation, evaluation_id)
    if evaluation is None or evaluation.jurisdiction_id != jurisdiction_id:
        raise NotFound("评价不存在", "no such rating")
    return evaluation


def bad_ratings(session: Session, jurisdiction_id: int) -> list[Evaluation]:
    return list(
        session.scalars(
            select(Evaluation)
            .where(Evaluation.jurisdiction_id == jurisdiction_id, Evaluation.level.in_(BAD_LEVELS))
            .order_by(Evaluation.id.desc())
            .limit(200)
        )
    )


def _rank(groups: Mapping[str, list[int]]) -> list[dict]:
    rows = [
        {
            "name": name,
            "count": len(levels),
            "satisfaction": satisfaction(levels),
            "bad": sum(1 for v in levels if v in BAD_LEVELS),
        }
        for name, levels in groups.items()
    ]
    return sorted(rows, key=lambda r: (-(r["satisfaction"] or 0), -r["count"], r["name"]))


def statistics(session: Session, jurisdiction_id: int) -> dict:
    """网办率, 按时办结率, ratings by level, and satisfaction ranked by item, department, channel and window."""
    apps = session.execute(
        select(Application.channel, Application.status, Application.decided_at, Application.due_at).where(
            Application.jurisdiction_id == jurisdiction_id,
            Application.parent_id.is_(None),
            Application.submitted_at.is_not(None),
        )
    ).all()
    decided = [a for a in apps if a.decided_at is not None]
    parts_decided = session.execute(
        select(Application.decided_at, Application.due_at).where(
            Application.jurisdiction_id == jurisdiction_id,
            Application.item_id.is_not(None),
            Application.decided_at.is_not(None),
        )
    ).all()
    timely = [on_time(Application(decided_at=d, due_at=u)) for d, u in parts_decided]
    evaluations = session.execute(
        select(Evaluation, ServiceItem.name)
        .outerjoin(ServiceItem, ServiceItem.id == Evaluation.item_id)
        .where(Evaluation.jurisdiction_id == jurisdiction_id, Evaluation.status != EvalStatus.VOIDED)
    ).all()
    by_item: dict[str, list[int]] = defaultdict(list)
    by_dept: dict[str, list[int]] = defaultdict(list)
    by_channel: dict[str, list[int]] = defaultdict(list)
    by_window: dict[str, list[int]] = defaultdict(list)
    levels: dict[int, int] = dict.fromkeys(LEVEL_LABELS, 0)
    indicator_scores: dict[str, list[int]] = defaultdict(list)
    for evaluation, item_name in evaluations:
        for key, value in evaluation.scores.items():
            indicator_scores[f"{evaluation.channel}:{key}"].append(value)
        by_item[item_name or subject(evaluation)].append(evaluation.level)
        by_dept[evaluation.department.name].append(evaluation.level)
        by_channel[evaluation.channel].append(evaluation.level)
        if evaluation.window is not None:
            by_window[f"{evaluation.window.location.name} {evaluation.window.name}"].append(evaluation.level)
        levels[evaluation.level] += 1
    overdue = session.scalar(
        select(func.count())
        .select_from(Evaluation)
        .where(
            Evaluation.jurisdiction_id == jurisdiction_id,
            Evaluation.status.in_([EvalStatus.VERIFYING, EvalStatus.RECTIFYING]),
            Evaluation.rectify_due_at < utcnow(),
        )
    )
    return {
        "applications": len(apps),
        "online_share": round(100 * sum(1 for a in apps if a.channel == "online") / len(apps), 1) if apps else None,
        "decided": len(decided),
        "on_time_rate": round(100 * sum(1 for t in timely if t) / len(timely), 1) if timely else None,
        "ratings": len(evaluations),
        "levels": levels,
        "satisfaction": satisfaction(e.level for e, _ in evaluations),
        "bad": sum(1 for e, _ in evaluations if e.level in BAD_LEVELS),
        "rectify_overdue": overdue or 0,
        "by_item": _rank(by_item),
        "by_department": _rank(by_dept),
        "by_channel": _rank(by_channel),
        "by_window": _rank(by_window),
        "indicators": {k: round(sum(v) / len(v), 2) for k, v in sorted(indicator_scores.items())},
    }
