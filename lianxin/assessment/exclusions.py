"""Exclusion from assessment (考评剔除): the lead unit's handler asks, the centre decides; both are
internal appeal events. An approved exclusion takes the appeal out of every rate (see stats.fold)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from lianxin.appeals.models import Appeal
from lianxin.appeals.service import (
    CENTRE,
    check_version,
    flush,
    notify_unit,
    record_event,
    require_lead_handler,
    require_text,
    touch,
)
from lianxin.appeals.status import EXCLUSION_APPROVED, EXCLUSION_REJECTED, EXCLUSION_REQUESTED, AppealStatus
from lianxin.assessment.choices import ExclusionReason, ExclusionState
from lianxin.assessment.models import AssessmentExclusion
from lianxin.clock import utcnow
from lianxin.errors import Conflict, InvalidInput, NotFound
from lianxin.orgs.models import User
from lianxin.orgs.service import require_role

# An appeal that never reached a unit is not assessed anyway.
NOT_ASSESSED = frozenset(
    {AppealStatus.RECEIVED, AppealStatus.NOT_ACCEPTED, AppealStatus.MERGED, AppealStatus.TERMINATED}
)


def exclusions_of(session: Session, appeal: Appeal) -> list[AssessmentExclusion]:
    return list(
        session.scalars(
            select(AssessmentExclusion)
            .where(AssessmentExclusion.appeal_id == appeal.id)
            .order_by(AssessmentExclusion.id)
        )
    )


def _touch(session: Session, appeal: Appeal, expected_version: int | None, now) -> None:
    """Bump the appeal's version like every transition does, so concurrent decisions cannot both pass."""
    check_version(appeal, expected_version)
    touch(session, appeal, now)


def request_exclusion(
    session: Session,
    appeal: Appeal,
    *,
    actor: User | None,
    reason: ExclusionReason | str,
    explanation: str,
    expected_version: int | None = None,
) -> AssessmentExclusion:
    """申请考评剔除 by the lead unit's handler, with a reason code and an explanation."""
    unit_id = require_lead_handler(session, appeal, actor)
    if AppealStatus(appeal.status) in NOT_ASSESSED:
        raise Conflict("该工单不参与考评，无需申请剔除", "this appeal is not assessed")
    try:
        reason = ExclusionReason.parse(str(reason))
    except ValueError as exc:
        raise InvalidInput(str(exc), field="reason") from None
    explanation = require_text(explanation, "explanation", "剔除理由说明", "explanation", minimum=5)
    states = {e.state for e in exclusions_of(session, appeal)}
    if ExclusionState.PENDING in states:
        raise Conflict("已有待审核的考评剔除申请", "an exclusion request is already pending")
    if ExclusionState.APPROVED in states:
        raise Conflict("该工单已剔除出考评", "this appeal is already excluded from assessment")
    now = utcnow()
    _touch(session, appeal, expected_version, now)
    exclusion = AssessmentExclusion(
        jurisdiction_id=appeal.jurisdiction_id,
        appeal_id=appeal.id,
        unit_id=unit_id,
        reason=reason,
        explanation=explanation,
        requested_by_id=actor.id if actor else None,
        requested_at=now,
    )
    session.add(exclusion)
    flush(session)
    record_event(
        session,
        appeal,
        EXCLUSION_REQUESTED,
        actor=actor,
        unit_id=unit_id,
        note=explanation,
        payload={"exclusion_id": exclusion.id, "reason": reason.value},
        now=now,
    )
    flush(session)
    return exclusion


def decide_exclusion(
    session: Session,
    exclusion: AssessmentExclusion,
    *,
    actor: User | None,
    approve: bool,
    note: str | None = None,
    expected_version: int | None = None,
) -> AssessmentExclusion:
    """The centre (dispatcher or admin) approves or refuses; a refusal needs a reason."""
    require_role(session, actor, CENTRE)
    if exclusion.state != ExclusionState.PENDING:
        raise Conflict(f"该申请已处理（{ExclusionState(exclusion.state).label_zh}）", "the request was already decided")
    if not approve:
        note = require_text(note, "note", "驳回理由", "reason for refusal")
    appeal = exclusion.appeal
    now = utcnow()
    _touch(session, appeal, expected_version, now)
    exclusion.state = ExclusionState.APPROVED if approve else ExclusionState.REJECTED
    exclusion.decided_by_id, exclusion.decided_at, exclusion.decision_note = (actor.id if actor else None), now, note
    kind = EXCLUSION_APPROVED if approve else EXCLUSION_REJECTED
    record_event(
        session,
        appeal,
        kind,
        actor=actor,
        unit_id=exclusion.unit_id,
        note=note,
        payload={"exclusion_id": exclusion.id, "reason": ExclusionReason(exclusion.reason).value},
        now=now,
    )
    verdict = "已同意，该工单不计入考评" if approve else f"被驳回：{note}"
    notify_unit(session, appeal, exclusion.unit_id, kind, f"考评剔除申请{verdict}")
    flush(session)
    return exclusion


def get_exclusion(session: Session, exclusion_id: int) -> AssessmentExclusion:
    exclusion = session.get(AssessmentExclusion, exclusion_id)
    if exclusion is None:
        raise NotFound(f"考评剔除申请 {exclusion_id} 不存在", f"exclusion request {exclusion_id} not found")
    return exclusion


def pending_exclusions(session: Session, jurisdiction_id: int) -> list[AssessmentExclusion]:
    return list(
        session.scalars(
            select(AssessmentExclusion)
            .where(
                AssessmentExclusion.jurisdiction_id == jurisdiction_id,
                AssessmentExclusion.state == ExclusionState.PENDING,
            )
            .order_by(AssessmentExclusion.requested_at)
        )
    )
