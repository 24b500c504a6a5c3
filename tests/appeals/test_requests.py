"""Handlers' requests and the centre's decisions: return (退单), objection (派单异议), extension (延期)
and deferral (挂账 → 复核 → 销账), driven through the real verbs."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from lianxin.appeals.choices import RequestKind, RequestState, UnitRole
from lianxin.appeals.models import AppealEvent, AppealRequest
from lianxin.appeals.requests import (
    clear_deferral,
    decide_extension,
    decide_return,
    defer_appeal,
    request_extension,
    request_return,
    review_deferral,
)
from lianxin.appeals.service import dispatch_appeal, sign_appeal
from lianxin.appeals.status import AppealStatus, IllegalTransition
from lianxin.errors import Conflict, InvalidInput, PermissionDenied
from lianxin.notify import Notification
from tests.factories import new_appeal

FIRST_DUE = datetime.fromisoformat("2026-03-09T18:00:00+08:00")  # 5 working days after Mon 2026-03-02 09:30
REASON = "该路段路灯属于市政路灯所管辖，不属于街道职责"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def dispatched(db, city, unit="street", **kw):
    appeal = new_appeal(db, city, **kw)
    dispatch_appeal(db, appeal, city.units[unit], actor=city.users["dispatcher"], co_units=[city.units["community"]])
    return appeal


def in_progress(db, city, **kw):
    appeal = dispatched(db, city, **kw)
    sign_appeal(db, appeal, actor=city.users["street_handler"])
    return appeal


def events(db, appeal) -> list[AppealEvent]:
    return list(db.scalars(select(AppealEvent).where(AppealEvent.appeal_id == appeal.id).order_by(AppealEvent.id)))


def kinds(db, appeal) -> list[str]:
    return [e.kind for e in events(db, appeal)]


def last_event(db, appeal) -> AppealEvent:
    return events(db, appeal)[-1]


def outbox(db, appeal, audience: str | None = None) -> list[Notification]:
    stmt = select(Notification).where(Notification.appeal_id == appeal.id).order_by(Notification.id)
    if audience:
        stmt = stmt.where(Notification.audience == audience)
    return list(db.scalars(stmt))


def requests_of(db, appeal) -> list[AppealRequest]:
    return list(
        db.scalars(select(AppealRequest).where(AppealRequest.appeal_id == appeal.id).order_by(AppealRequest.id))
    )


# --- 退单 / 派单异议: asking ----------------------------------------------------------------------


@pytest.mark.parametrize("who", ["street2_handler", "urban_handler", "dispatcher", "leader", "operator"])
def test_only_the_lead_units_handler_may_ask_to_return_an_appeal(db, city, clock, who):
    appeal = dispatched(db, city)
    with pytest.raises(PermissionDenied):
        request_return(db, appeal, actor=city.users[who], reason=REASON)
    assert requests_of(db, appeal) == []
    assert "return_requested" not in kinds(db, appeal)


def test_a_co_units_handler_cannot_return_the_lead_units_appeal(db, city, clock):
    appeal = dispatched(db, city, unit="street2")  # community (under street) is the co-unit here
    with pytest.raises(PermissionDenied):
        request_return(db, appeal, actor=city.users["street_handler"], reason=REASON)


@pytest.mark.parametrize("reason", ["", "   ", "不归我管"])
def test_a_return_needs_a_reason_of_at_least_five_characters(db, city, clock, reason):
    appeal = dispatched(db, city)
    with pytest.raises(InvalidInput) as err:
        request_return(db, appeal, actor=city.users["street_handler"], reason=reason)
    assert err.value.field == "reason"
    assert requests_of(db, appeal) == []


def test_the_lead_handler_asks_to_return_and_a_pending_request_is_recorded_without_changing_status(db, city, clock):
    appeal = dispatched(db, city)
    request = request_return(
        db, appeal, actor=city.users["street_handler"], reason=REASON, suggested_unit=city.units["urban"]
    )
    assert request.state == RequestState.PENDING
    assert request.kind == RequestKind.RETURN
    assert request.unit_id == city.units["street"].id
    assert request.requested_by_id == city.users["street_handler"].id
    assert request.suggested_unit_id == city.units["urban"].id
    assert appeal.status == AppealStatus.DISPATCHED
    event = last_event(db, appeal)
    assert event.kind == "return_requested"
    assert event.public is False
    assert event.note == REASON
    assert event.payload == {"kind": "return", "suggested_unit": "区城市管理委员会"}


def test_an_objection_is_recorded_as_its_own_kind(db, city, clock):
    appeal = in_progress(db, city)
    request = request_return(db, appeal, actor=city.users["street_handler"], reason=REASON, kind="objection")
    assert request.kind == RequestKind.OBJECTION
    assert last_event(db, appeal).payload["kind"] == "objection"
    assert appeal.status == AppealStatus.IN_PROGRESS


def test_an_extension_cannot_be_asked_through_the_return_door(db, city, clock):
    appeal = dispatched(db, city)
    with pytest.raises(InvalidInput):
        request_return(db, appeal, actor=city.users["street_handler"], reason=REASON, kind=RequestKind.EXTENSION)


def test_only_one_return_or_objection_may_be_pending_at_a_time(db, city, clock):
    appeal = dispatched(db, city)
    request_return(db, appeal, actor=city.users["street_handler"], reason=REASON)
    with pytest.raises(Conflict):
        request_return(db, appeal, actor=city.users["street_handler"], reason=REASON)
    with pytest.raises(Conflict):
        request_return(db, appeal, actor=city.users["street_handler"], reason=REASON, kind="objection")
    assert len(requests_of(db, appeal)) == 1


def test_a_received_appeal_cannot_be_returned_because_no_unit_holds_it(db, city, clock):
    appeal = new_appeal(db, city)
    with pytest.raises(InvalidInput):
        request_return(db, appeal, actor=city.users["street_handler"], reason=REASON)


# --- 退单 / 派单异议: deciding --------------------------------------------------------------------


def test_a_rejected_return_designates_the_unit_and_a_second_return_is_refused_with_a_clear_conflict(db, city, clock):
    appeal = dispatched(db, city)
    request = request_return(db, appeal, actor=city.users["street_handler"], reason=REASON)
    decide_return(db, request, actor=city.users["dispatcher"], approve=False, note="路灯维护属街道职责，请继续办理")
    assert request.state == RequestState.REJECTED
    assert request.decided_by_id == city.users["dispatcher"].id
    assert request.decision_note == "路灯维护属街道职责，请继续办理"
    assert appeal.designated is True
    assert appeal.status == AppealStatus.DISPATCHED
    assert appeal.lead_unit_id == city.units["street"].id
    assert appeal.due_at == FIRST_DUE
    event = last_event(db, appeal)
    assert (event.kind, event.public) == ("return_rejected", False)
    rejected = [n for n in outbox(db, appeal, "unit") if n.kind == "return_rejected"]
    assert [n.recipient for n in rejected] == [str(city.units["street"].id)]
    assert "请继续办理" in rejected[0].message

    for kind in ("return", "objection"):
        with pytest.raises(Conflict) as err:
            request_return(db, appeal, actor=city.users["street_handler"], reason=REASON, kind=kind)
        assert "指定" in err.value.message_zh
        assert "designated" in err.value.message_en
    assert len(requests_of(db, appeal)) == 1


def test_rejecting_a_return_needs_a_reason_and_a_missing_one_leaves_the_request_pending(db, city, clock):
    appeal = dispatched(db, city)
    request = request_return(db, appeal, actor=city.users["street_handler"], reason=REASON)
    with pytest.raises(InvalidInput):
        decide_return(db, request, actor=city.users["dispatcher"], approve=False, note="")
    assert request.state == RequestState.PENDING
    assert request.decided_at is None
    assert appeal.designated is False
    decide_return(db, request, actor=city.users["dispatcher"], approve=False, note="属于街道职责")
    assert request.state == RequestState.REJECTED


def test_approving_a_return_alone_sends_the_appeal_back_to_the_dispatch_queue(db, city, clock):
    appeal = in_progress(db, city)
    request = request_return(db, appeal, actor=city.users["street_handler"], reason=REASON)
    clock.shift(timedelta(hours=1))
    decide_return(db, request, actor=city.users["dispatcher"], approve=True, note="同意退回")
    assert request.state == RequestState.APPROVED
    assert appeal.status == AppealStatus.RECEIVED
    assert appeal.lead_unit_id is None and appeal.lead_unit is None
    assert appeal.dispatched_at is None and appeal.signed_at is None
    assert (appeal.sign_due_at, appeal.contact_due_at, appeal.due_at, appeal.overdue_at) == (None, None, None, None)
    assert appeal.units and all(not row.active for row in appeal.units)
    assert appeal.designated is False
    event = last_event(db, appeal)
    assert (event.kind, event.public, event.from_status, event.to_status) == (
        "return_approved",
        True,
        "in_progress",
        "received",
    )
    approved = [n for n in outbox(db, appeal, "unit") if n.kind == "return_approved"]
    assert [n.recipient for n in approved] == [str(city.units["street"].id)]

    # back in the queue, the centre dispatches it afresh to the right unit
    dispatch_appeal(db, appeal, city.units["street2"], actor=city.users["dispatcher"])
    assert appeal.status == AppealStatus.DISPATCHED
    assert [(r.unit_id, r.role) for r in appeal.units if r.active] == [(city.units["street2"].id, UnitRole.LEAD)]
    assert appeal.due_at == datetime.fromisoformat("2026-03-09T18:00:00+08:00")


def test_approving_a_return_with_a_new_unit_redispatches_there_and_designates_it(db, city, clock):
    appeal = in_progress(db, city)
    request = request_return(db, appeal, actor=city.users["street_handler"], reason=REASON)
    clock.move_to(at("2026-03-03T10:00:00+08:00"))
    decide_return(db, request, actor=city.users["dispatcher"], approve=True, new_lead_unit=city.units["street2"])
    assert request.state == RequestState.APPROVED
    assert appeal.status == AppealStatus.DISPATCHED
    assert appeal.lead_unit_id == city.units["street2"].id
    assert appeal.designated is True
    assert appeal.signed_at is None
    assert appeal.due_at == at("2026-03-10T18:00:00+08:00")  # the clock restarts at the redispatch
    active = [(r.unit_id, r.role) for r in appeal.units if r.active]
    assert active == [(city.units["street2"].id, UnitRole.LEAD)]
    assert kinds(db, appeal)[-2:] == ["return_requested", "redispatched"]
    units_told = [(n.kind, n.recipient) for n in outbox(db, appeal, "unit")]
    assert ("dispatched", str(city.units["street2"].id)) in units_told
    assert ("return_approved", str(city.units["street"].id)) in units_told

    # the new unit was designated by the centre: it cannot return the appeal in turn
    with pytest.raises(Conflict):
        request_return(db, appeal, actor=city.users["street2_handler"], reason=REASON)
    # and the old unit no longer holds it
    with pytest.raises(PermissionDenied):
        sign_appeal(db, appeal, actor=city.users["street_handler"])


def test_an_objection_approved_with_a_new_unit_redispatches_like_a_return(db, city, clock):
    appeal = dispatched(db, city)
    request = request_return(db, appeal, actor=city.users["street_handler"], reason=REASON, kind="objection")
    decide_return(db, request, actor=city.users["dispatcher"], approve=True, new_lead_unit=city.units["urban"])
    assert appeal.lead_unit_id == city.units["urban"].id
    assert appeal.designated is True
    assert "同意派单异议" in last_event(db, appeal).note


@pytest.mark.parametrize("first", [True, False])
def test_a_return_request_cannot_be_decided_twice(db, city, clock, first):
    appeal = dispatched(db, city)
    request = request_return(db, appeal, actor=city.users["street_handler"], reason=REASON)
    decide_return(db, request, actor=city.users["dispatcher"], approve=first, note="已审核处理")
    before = kinds(db, appeal)
    for second in (True, False):
        with pytest.raises(Conflict):
            decide_return(db, request, actor=city.users["dispatcher"], approve=second, note="再次审核")
    assert kinds(db, appeal) == before


@pytest.mark.parametrize("who", ["street_handler", "district_leader", "operator", "visitor"])
def test_a_non_dispatcher_cannot_decide_a_return(db, city, clock, who):
    appeal = dispatched(db, city)
    request = request_return(db, appeal, actor=city.users["street_handler"], reason=REASON)
    with pytest.raises(PermissionDenied):
        decide_return(db, request, actor=city.users[who], approve=True)
    assert request.state == RequestState.PENDING
    assert appeal.status == AppealStatus.DISPATCHED


def test_deciding_an_extension_through_the_return_door_is_refused(db, city, clock):
    appeal = in_progress(db, city)
    request = request_extension(
        db,
        appeal,
        actor=city.users["street_handler"],
        reason="需要协调多个部门施工",
        new_due_at=at("2026-03-13T18:00:00+08:00"),
    )
    with pytest.raises(InvalidInput):
        decide_return(db, request, actor=city.users["dispatcher"], approve=True)
    with pytest.raises(InvalidInput):
        decide_extension(
            db,
            request_return(db, appeal, actor=city.users["street_handler"], reason=REASON),
            actor=city.users["dispatcher"],
            approve=True,
        )


# --- 延期 ----------------------------------------------------------------------------------------

NEW_DUE = at("2026-03-13T18:00:00+08:00")
WHY = "需更换整条线路，等待供电部门停电配合"


def test_an_extension_can_only_be_asked_before_the_deadline(db, city, clock):
    appeal = in_progress(db, city)
    clock.move_to(FIRST_DUE + timedelta(minutes=1))
    with pytest.raises(Conflict) as err:
        request_extension(db, appeal, actor=city.users["street_handler"], reason=WHY, new_due_at=NEW_DUE)
    assert "超过办理时限" in err.value.message_zh
    assert requests_of(db, appeal) == []


def test_an_extension_can_be_asked_right_up_to_the_deadline(db, city, clock):
    appeal = in_progress(db, city)
    clock.move_to(FIRST_DUE - timedelta(minutes=1))
    request = request_extension(db, appeal, actor=city.users["street_handler"], reason=WHY, new_due_at=NEW_DUE)
    assert request.requested_due_at == NEW_DUE


@pytest.mark.parametrize("new_due", [FIRST_DUE, FIRST_DUE - timedelta(days=1), NEW_DUE.replace(tzinfo=None)])
def test_the_new_deadline_must_be_a_later_aware_moment(db, city, clock, new_due):
    appeal = in_progress(db, city)
    with pytest.raises(InvalidInput) as err:
        request_extension(db, appeal, actor=city.users["street_handler"], reason=WHY, new_due_at=new_due)
    assert err.value.field == "new_due_at"


def test_an_extension_needs_a_reason(db, city, clock):
    appeal = in_progress(db, city)
    with pytest.raises(InvalidInput):
        request_extension(db, appeal, actor=city.users["street_handler"], reason="", new_due_at=NEW_DUE)


def test_only_one_extension_may_be_pending(db, city, clock):
    appeal = in_progress(db, city)
    request_extension(db, appeal, actor=city.users["street_handler"], reason=WHY, new_due_at=NEW_DUE)
    with pytest.raises(Conflict):
        request_extension(
            db, appeal, actor=city.users["street_handler"], reason=WHY, new_due_at=NEW_DUE + timedelta(days=1)
        )


def test_an_extension_is_asked_by_the_lead_handler_of_a_signed_appeal_only(db, city, clock):
    appeal = dispatched(db, city)
    with pytest.raises(IllegalTransition):  # not signed yet
        request_extension(db, appeal, actor=city.users["street_handler"], reason=WHY, new_due_at=NEW_DUE)
    sign_appeal(db, appeal, actor=city.users["street_handler"])
    with pytest.raises(PermissionDenied):
        request_extension(db, appeal, actor=city.users["street2_handler"], reason=WHY, new_due_at=NEW_DUE)


def test_an_approved_extension_moves_the_deadline_and_tells_the_resident_and_the_unit(db, city, clock):
    appeal = in_progress(db, city)
    request = request_extension(db, appeal, actor=city.users["street_handler"], reason=WHY, new_due_at=NEW_DUE)
    assert (last_event(db, appeal).kind, last_event(db, appeal).public) == ("extension_requested", False)
    assert appeal.due_at == FIRST_DUE
    decide_extension(db, request, actor=city.users["dispatcher"], approve=True, note="同意")
    assert request.state == RequestState.APPROVED
    assert appeal.due_at == NEW_DUE
    assert appeal.extension_count == 1
    event = last_event(db, appeal)
    assert (event.kind, event.public) == ("extension_approved", True)
    assert datetime.fromisoformat(event.payload["from"]) == FIRST_DUE
    assert datetime.fromisoformat(event.payload["to"]) == NEW_DUE

    told = [n for n in outbox(db, appeal, "appellant") if n.kind == "extension_approved"]
    assert len(told) == 1
    assert told[0].recipient == "13800138000"
    assert "2026-03-13 18:00" in told[0].message and WHY in told[0].message
    unit = [n for n in outbox(db, appeal, "unit") if n.kind == "extension_approved"]
    assert [n.recipient for n in unit] == [str(city.units["street"].id)]
    assert "2026-03-13 18:00" in unit[0].message


def test_a_second_extension_after_the_first_counts_twice(db, city, clock):
    appeal = in_progress(db, city)
    first = request_extension(db, appeal, actor=city.users["street_handler"], reason=WHY, new_due_at=NEW_DUE)
    decide_extension(db, first, actor=city.users["dispatcher"], approve=True)
    later = NEW_DUE + timedelta(days=7)
    second = request_extension(db, appeal, actor=city.users["street_handler"], reason=WHY, new_due_at=later)
    decide_extension(db, second, actor=city.users["dispatcher"], approve=True)
    assert (appeal.due_at, appeal.extension_count) == (later, 2)


def test_the_centre_may_approve_a_different_later_date_but_not_an_earlier_one(db, city, clock):
    appeal = in_progress(db, city)
    request = request_extension(db, appeal, actor=city.users["street_handler"], reason=WHY, new_due_at=NEW_DUE)
    with pytest.raises(InvalidInput):
        decide_extension(db, request, actor=city.users["dispatcher"], approve=True, new_due_at=FIRST_DUE)
    assert request.state == RequestState.PENDING
    shorter = at("2026-03-11T18:00:00+08:00")
    decide_extension(db, request, actor=city.users["dispatcher"], approve=True, new_due_at=shorter)
    assert appeal.due_at == shorter


def test_a_refused_extension_needs_a_reason_and_leaves_the_deadline(db, city, clock):
    appeal = in_progress(db, city)
    request = request_extension(db, appeal, actor=city.users["street_handler"], reason=WHY, new_due_at=NEW_DUE)
    with pytest.raises(InvalidInput):
        decide_extension(db, request, actor=city.users["dispatcher"], approve=False)
    assert request.state == RequestState.PENDING
    decide_extension(db, request, actor=city.users["dispatcher"], approve=False, note="时限内可以完成")
    assert request.state == RequestState.REJECTED
    assert (appeal.due_at, appeal.extension_count) == (FIRST_DUE, 0)
    event = last_event(db, appeal)
    assert (event.kind, event.public, event.note) == ("extension_rejected", False, "时限内可以完成")
    assert [n.kind for n in outbox(db, appeal, "appellant")] == ["submitted"]
    assert [n.kind for n in outbox(db, appeal, "unit")][-1] == "extension_rejected"


def test_an_extension_cannot_be_decided_twice_or_by_a_handler(db, city, clock):
    appeal = in_progress(db, city)
    request = request_extension(db, appeal, actor=city.users["street_handler"], reason=WHY, new_due_at=NEW_DUE)
    with pytest.raises(PermissionDenied):
        decide_extension(db, request, actor=city.users["street_handler"], approve=True)
    decide_extension(db, request, actor=city.users["dispatcher"], approve=True)
    with pytest.raises(Conflict):
        decide_extension(
            db, request, actor=city.users["dispatcher"], approve=True, new_due_at=NEW_DUE + timedelta(days=3)
        )
    assert (appeal.due_at, appeal.extension_count) == (NEW_DUE, 1)


def test_an_extension_decided_after_the_old_deadline_clears_the_overdue_flag(db, city, clock, settings):
    from lianxin.jobs import flag_overdue

    appeal = in_progress(db, city)
    request = request_extension(db, appeal, actor=city.users["street_handler"], reason=WHY, new_due_at=NEW_DUE)
    clock.move_to(FIRST_DUE + timedelta(hours=1))
    flag_overdue(db, settings, FIRST_DUE + timedelta(hours=1))
    assert appeal.overdue_at is not None
    decide_extension(db, request, actor=city.users["dispatcher"], approve=True)
    assert appeal.overdue_at is None
    assert appeal.due_at == NEW_DUE


# --- 挂账 ----------------------------------------------------------------------------------------

PLAN = "纳入今年老旧小区改造计划，整体更换路灯线路"


def test_deferring_needs_a_plan_a_reason_and_a_future_target_date(db, city, clock):
    appeal = in_progress(db, city)
    handler = city.users["street_handler"]
    with pytest.raises(InvalidInput) as err:
        defer_appeal(db, appeal, actor=handler, plan="", target_date=date(2026, 6, 30), reason="需专项资金")
    assert err.value.field == "plan"
    with pytest.raises(InvalidInput) as err:
        defer_appeal(db, appeal, actor=handler, plan=PLAN, target_date=date(2026, 6, 30), reason="")
    assert err.value.field == "reason"
    for day in (date(2026, 3, 2), date(2026, 3, 1)):  # today and yesterday (Beijing)
        with pytest.raises(InvalidInput) as err:
            defer_appeal(db, appeal, actor=handler, plan=PLAN, target_date=day, reason="需专项资金")
        assert err.value.field == "target_date"
    assert appeal.status == AppealStatus.IN_PROGRESS


def test_only_the_lead_handler_may_defer(db, city, clock):
    appeal = in_progress(db, city)
    with pytest.raises(PermissionDenied):
        defer_appeal(
            db,
            appeal,
            actor=city.users["street2_handler"],
            plan=PLAN,
            target_date=date(2026, 6, 30),
            reason="需专项资金",
        )


def test_a_deferred_appeal_tells_the_resident_the_plan_and_date_and_schedules_a_review(db, city, clock):
    appeal = in_progress(db, city)
    extension = request_extension(db, appeal, actor=city.users["street_handler"], reason=WHY, new_due_at=NEW_DUE)
    defer_appeal(
        db, appeal, actor=city.users["street_handler"], plan=PLAN, target_date=date(2026, 6, 30), reason="需专项资金"
    )
    assert appeal.status == AppealStatus.DEFERRED
    assert (appeal.defer_plan, appeal.defer_target_date) == (PLAN, date(2026, 6, 30))
    assert appeal.defer_review_at == at("2026-04-01T09:30:00+08:00")  # 30 days on, before the target date
    assert extension.state == RequestState.WITHDRAWN
    event = last_event(db, appeal)
    assert (event.kind, event.public) == ("deferred", True)
    assert event.payload == {"plan": PLAN, "target_date": "2026-06-30"}
    told = outbox(db, appeal, "appellant")[-1]
    assert told.kind == "deferred"
    assert PLAN in told.message and "2026-06-30" in told.message


def test_a_near_target_date_brings_the_first_review_forward_to_that_day(db, city, clock):
    appeal = in_progress(db, city)
    defer_appeal(
        db, appeal, actor=city.users["street_handler"], plan=PLAN, target_date=date(2026, 3, 10), reason="需专项资金"
    )
    assert appeal.defer_review_at == at("2026-03-10T23:59:59+08:00")


def test_reviewing_a_deferral_schedules_the_next_review_and_can_move_the_target_date(db, city, clock):
    appeal = in_progress(db, city)
    defer_appeal(
        db, appeal, actor=city.users["street_handler"], plan=PLAN, target_date=date(2026, 6, 30), reason="需专项资金"
    )
    clock.move_to(at("2026-04-01T10:00:00+08:00"))
    review_deferral(db, appeal, actor=city.users["street_handler"], note="资金已到位，施工队进场")
    assert appeal.status == AppealStatus.DEFERRED
    assert appeal.defer_review_at == at("2026-05-01T10:00:00+08:00")
    event = last_event(db, appeal)
    assert (event.kind, event.public, event.payload) == ("deferral_reviewed", False, {"target_date": "2026-06-30"})

    review_deferral(
        db, appeal, actor=city.users["dispatcher"], note="施工延误，调整计划", new_target_date=date(2026, 4, 15)
    )
    assert appeal.defer_target_date == date(2026, 4, 15)
    assert appeal.defer_review_at == at("2026-04-15T23:59:59+08:00")
    assert last_event(db, appeal).payload == {"target_date": "2026-04-15"}

    with pytest.raises(InvalidInput):
        review_deferral(
            db, appeal, actor=city.users["street_handler"], note="调整计划", new_target_date=date(2026, 3, 31)
        )
    with pytest.raises(PermissionDenied):
        review_deferral(db, appeal, actor=city.users["street2_handler"], note="无关单位复核")


def test_clearing_a_deferral_replies_to_the_resident(db, city, clock):
    appeal = in_progress(db, city)
    defer_appeal(
        db, appeal, actor=city.users["street_handler"], plan=PLAN, target_date=date(2026, 6, 30), reason="需专项资金"
    )
    clock.move_to(at("2026-05-20T15:00:00+08:00"))
    clear_deferral(db, appeal, actor=city.users["street_handler"], reply="线路已整体更换，路灯全部恢复照明。")
    assert appeal.status == AppealStatus.REPLIED
    assert appeal.reply_text == "线路已整体更换，路灯全部恢复照明。"
    assert appeal.replied_at == at("2026-05-20T15:00:00+08:00")
    assert appeal.defer_review_at is None
    event = last_event(db, appeal)
    assert (event.kind, event.public, event.from_status, event.to_status) == (
        "deferral_cleared",
        True,
        "deferred",
        "replied",
    )
    told = outbox(db, appeal, "appellant")[-1]
    assert told.kind == "replied" and "线路已整体更换" in told.message


def test_clearing_needs_reply_text_and_a_deferred_appeal(db, city, clock):
    appeal = in_progress(db, city)
    with pytest.raises(IllegalTransition):
        clear_deferral(db, appeal, actor=city.users["street_handler"], reply="线路已整体更换。")
    defer_appeal(
        db, appeal, actor=city.users["street_handler"], plan=PLAN, target_date=date(2026, 6, 30), reason="需专项资金"
    )
    with pytest.raises(InvalidInput):
        clear_deferral(db, appeal, actor=city.users["street_handler"], reply="好")
    assert appeal.status == AppealStatus.DEFERRED


# --- events and their public flags ------------------------------------------------------------


def test_the_resident_sees_decisions_about_their_appeal_but_not_internal_requests(db, city, clock):
    """Every request verb's event, with whether the resident's timeline shows it."""
    seen: dict[str, bool] = {}

    appeal = in_progress(db, city)
    r = request_return(db, appeal, actor=city.users["street_handler"], reason=REASON)
    decide_return(db, r, actor=city.users["dispatcher"], approve=False, note="属于街道职责")
    x = request_extension(db, appeal, actor=city.users["street_handler"], reason=WHY, new_due_at=NEW_DUE)
    decide_extension(db, x, actor=city.users["dispatcher"], approve=False, note="时限内可以完成")
    x = request_extension(db, appeal, actor=city.users["street_handler"], reason=WHY, new_due_at=NEW_DUE)
    decide_extension(db, x, actor=city.users["dispatcher"], approve=True)
    defer_appeal(
        db, appeal, actor=city.users["street_handler"], plan=PLAN, target_date=date(2026, 6, 30), reason="需专项资金"
    )
    review_deferral(db, appeal, actor=city.users["street_handler"], note="按计划推进")
    clear_deferral(db, appeal, actor=city.users["street_handler"], reply="线路已整体更换，路灯全部恢复照明。")
    other = dispatched(db, city)
    r = request_return(db, other, actor=city.users["street_handler"], reason=REASON)
    decide_return(db, r, actor=city.users["dispatcher"], approve=True)
    for e in events(db, appeal) + events(db, other):
        seen.setdefault(e.kind, e.public)

    assert seen == {
        "submitted": True,
        "dispatched": True,
        "signed": True,
        "return_requested": False,
        "return_rejected": False,
        "return_approved": True,
        "extension_requested": False,
        "extension_rejected": False,
        "extension_approved": True,
        "deferred": True,
        "deferral_reviewed": False,
        "deferral_cleared": True,
    }
