"""The exclusion workflow: the lead handler asks with a reason code, the centre decides; both are events."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lianxin.appeals.models import AppealEvent
from lianxin.appeals.queries import timeline
from lianxin.assessment.choices import ExclusionState
from lianxin.assessment.exclusions import decide_exclusion, pending_exclusions, request_exclusion
from lianxin.errors import Conflict, InvalidInput, PermissionDenied
from tests.assessment.scenario import handle
from tests.factories import new_appeal


def events(db, appeal):
    return list(db.scalars(select(AppealEvent).where(AppealEvent.appeal_id == appeal.id).order_by(AppealEvent.id)))


def test_request_and_approval_are_internal_events_with_the_reason(db, city, clock):
    appeal = handle(db, city, clock, visit=(True, False, "dissatisfied"), unreasonable=True)
    version = appeal.version
    request = request_exclusion(
        db, appeal, actor=city.users["street_handler"], reason="恶意诉求", explanation="诉求人反复提出与事实不符的要求"
    )
    assert request.reason == "malicious" and request.state == ExclusionState.PENDING
    assert appeal.version == version + 1
    assert pending_exclusions(db, city.jid) == [request]
    decide_exclusion(db, request, actor=city.users["dispatcher"], approve=True)
    assert request.state == ExclusionState.APPROVED and request.decided_by_id == city.users["dispatcher"].id
    last_two = events(db, appeal)[-2:]
    assert [e.kind for e in last_two] == ["exclusion_requested", "exclusion_approved"]
    assert all(not e.public for e in last_two) and last_two[0].payload["reason"] == "malicious"
    public = [step.kind for step in timeline(db, appeal, public_only=True)]
    assert "exclusion_requested" not in public and "exclusion_approved" not in public
    assert pending_exclusions(db, city.jid) == []


def test_refusal_needs_a_reason_and_then_a_new_request_is_possible(db, city, clock):
    appeal = handle(db, city, clock, visit=(True, True, "satisfied"))
    request = request_exclusion(
        db, appeal, actor=city.users["street_handler"], reason="beyond_duty", explanation="属于市级部门职责范围"
    )
    with pytest.raises(InvalidInput):
        decide_exclusion(db, request, actor=city.users["dispatcher"], approve=False, note="")
    assert request.state == ExclusionState.PENDING
    with pytest.raises(Conflict):
        request_exclusion(db, appeal, actor=city.users["street_handler"], reason="repeat", explanation="重复的诉求啊啊")
    decide_exclusion(db, request, actor=city.users["dispatcher"], approve=False, note="属于街道职责")
    assert request.state == ExclusionState.REJECTED
    assert events(db, appeal)[-1].kind == "exclusion_rejected"
    with pytest.raises(Conflict):
        decide_exclusion(db, request, actor=city.users["dispatcher"], approve=True)
    again = request_exclusion(
        db, appeal, actor=city.users["street_handler"], reason="repeat", explanation="与已办结工单重复"
    )
    decide_exclusion(db, again, actor=city.users["admin"], approve=True)
    with pytest.raises(Conflict):
        request_exclusion(
            db, appeal, actor=city.users["street_handler"], reason="repeat", explanation="再次申请剔除看看"
        )


def test_only_the_lead_handler_may_ask_and_only_the_centre_may_decide(db, city, clock):
    appeal = handle(db, city, clock)
    with pytest.raises(PermissionDenied):
        request_exclusion(
            db, appeal, actor=city.users["street2_handler"], reason="repeat", explanation="不是我们的工单"
        )
    request = request_exclusion(
        db, appeal, actor=city.users["street_handler"], reason="repeat", explanation="与前一工单重复"
    )
    for key in ("street_handler", "leader", "visitor"):
        with pytest.raises(PermissionDenied):
            decide_exclusion(db, request, actor=city.users[key], approve=True)
    assert request.state == ExclusionState.PENDING


def test_bad_reason_codes_and_unassessed_appeals_are_refused(db, city, clock):
    appeal = handle(db, city, clock)
    with pytest.raises(InvalidInput) as caught:
        request_exclusion(db, appeal, actor=city.users["street_handler"], reason="lazy", explanation="不想办理此工单")
    assert "unreasonable" in caught.value.message_zh
    with pytest.raises(InvalidInput):
        request_exclusion(db, appeal, actor=city.users["street_handler"], reason="repeat", explanation="短")
    fresh = new_appeal(db, city)
    with pytest.raises(InvalidInput):  # never dispatched: no lead unit
        request_exclusion(db, fresh, actor=city.users["street_handler"], reason="repeat", explanation="与前一工单重复")
    assert events(db, appeal)[-1].kind != "exclusion_requested"
