"""Return visits (回访): tasks for replied appeals, the visitor's record, and the resident's own rating.

The outcome moves the appeal through ``appeals.service``: satisfied (or dissatisfaction judged
unreasonable) closes it; dissatisfied reopens it (重办); not reached leaves it replied for another try.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lianxin.appeals.choices import Satisfaction
from lianxin.appeals.models import Appeal
from lianxin.appeals.service import close_appeal, flush, note_visit_result, reopen_appeal, transition
from lianxin.appeals.status import Action, AppealStatus
from lianxin.clock import utcnow
from lianxin.db import insert_or_ignore
from lianxin.errors import Conflict, InvalidInput, PermissionDenied
from lianxin.orgs.models import Role, User
from lianxin.orgs.service import require_role
from lianxin.sla.service import get_calendar
from lianxin.visits.models import ReturnVisit, VisitState


def ensure_visit_task(session: Session, appeal: Appeal, *, now: datetime, within_working_days: int = 2) -> int | None:
    """Create the pending visit for the appeal's current round; None if it already exists (idempotent)."""
    due = get_calendar(session, appeal.jurisdiction_id).add_working_days(appeal.replied_at or now, within_working_days)
    values = dict(
        jurisdiction_id=appeal.jurisdiction_id,
        appeal_id=appeal.id,
        round=appeal.reopen_count,
        state=VisitState.PENDING.value,
        created_at=now,
        due_at=due,
        attempts=0,
        unreasonable=False,
    )
    return insert_or_ignore(session, ReturnVisit.__table__, values, ["appeal_id", "round"])


def _current_visit(session: Session, appeal: Appeal, now: datetime) -> ReturnVisit:
    visit = session.scalar(
        select(ReturnVisit).where(ReturnVisit.appeal_id == appeal.id, ReturnVisit.round == appeal.reopen_count)
    )
    if visit is None:
        ensure_visit_task(session, appeal, now=now)
        visit = session.scalar(
            select(ReturnVisit).where(ReturnVisit.appeal_id == appeal.id, ReturnVisit.round == appeal.reopen_count)
        )
    if visit.state == VisitState.DONE:
        raise Conflict("本轮回访已完成", "this round's return visit is already recorded")
    return visit


def record_return_visit(
    session: Session,
    appeal: Appeal,
    *,
    actor: User | None,
    contacted: bool,
    solved: bool | None = None,
    satisfaction: Satisfaction | str | None = None,
    unreasonable: bool = False,
    comment: str | None = None,
    channel: str = "phone",
    expected_version: int | None = None,
    actor_label: str | None = None,
) -> Appeal:
    """回访: contacted? solved? 满意/基本满意/不满意. 不满意 reopens unless judged unreasonable."""
    if actor is not None:
        require_role(session, actor, (Role.VISITOR, Role.DISPATCHER))
    if AppealStatus(appeal.status) != AppealStatus.REPLIED:
        raise Conflict(
            f"工单状态为「{AppealStatus(appeal.status).label_zh}」，只能回访已答复的工单",
            "only replied appeals can be visited",
        )
    if contacted:
        if solved is None or satisfaction is None:
            raise InvalidInput(
                "已联系上诉求人时，须填写是否解决和满意度", "solved and satisfaction are required", field="satisfaction"
            )
        try:
            satisfaction = Satisfaction.parse(str(satisfaction))
        except ValueError as exc:
            raise InvalidInput(str(exc), field="satisfaction") from None
        if unreasonable and satisfaction != Satisfaction.DISSATISFIED:
            raise InvalidInput(
                "只有「不满意」才能认定为不合理",
                "only a dissatisfied answer can be judged unreasonable",
                field="unreasonable",
            )
        if unreasonable and not (comment or "").strip():
            raise InvalidInput(
                "认定不满意理由不成立时，请在回访记录中写明理由",
                "say in the comment why the dissatisfaction is unreasonable",
                field="comment",
            )
    else:
        solved = satisfaction = None
        unreasonable = False
    now = utcnow()
    visit = _current_visit(session, appeal, now)
    visit.attempts += 1
    visit.channel, visit.comment = channel, comment
    result = {
        "contacted": contacted,
        "solved": solved,
        "satisfaction": satisfaction and satisfaction.value,
        "unreasonable": unreasonable,
        "round": appeal.reopen_count,
        "channel": channel,
    }
    transition(
        session,
        appeal,
        Action.RECORD_VISIT,
        actor=actor,
        note=comment,
        payload=result,
        actor_label=actor_label,
        expected_version=expected_version,
        now=now,
    )
    if not contacted:
        flush(session)
        return appeal
    visit.state, visit.done_at, visit.visitor_id = VisitState.DONE, now, actor.id if actor else None
    visit.contacted, visit.solved, visit.satisfaction, visit.unreasonable = True, solved, satisfaction, unreasonable
    note_visit_result(appeal, solved=solved, satisfaction=satisfaction)
    if satisfaction == Satisfaction.DISSATISFIED and not unreasonable:
        reopen_appeal(session, appeal, actor=actor, reason=comment or "回访不满意")
    else:
        close_appeal(session, appeal, actor=actor, note=f"回访：{satisfaction.label_zh}")
    return appeal


def rate_appeal(
    session: Session,
    appeal: Appeal,
    *,
    phone: str,
    solved: bool,
    satisfaction: Satisfaction | str,
    comment: str | None = None,
) -> Appeal:
    """The resident rates the result through the tracking page: their phone must match the appeal's."""
    if not appeal.appellant_phone or phone.replace(" ", "") != appeal.appellant_phone:
        raise PermissionDenied("手机号与工单不符", "the phone number does not match this appeal", field="phone")
    return record_return_visit(
        session,
        appeal,
        actor=None,
        contacted=True,
        solved=solved,
        satisfaction=satisfaction,
        comment=comment,
        channel="online",
        actor_label="诉求人",
    )
