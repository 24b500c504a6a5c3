"""The verbs: what the switch reports (state machine, idempotency, refusals), merged hotlines pre-classify,
the desk's current call, linking an intake, expert routing by category, by marking and by hand-over, utility
transfers; the admin's tables."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lianxin.calls.choices import CallStatus, ExpertReason, ExpertState
from lianxin.calls.models import CallEvent, ExpertItem
from lianxin.calls.service import (
    current_call,
    events_of,
    expert_queue,
    hand_to_expert,
    link_desk_intake,
    record_switch_event,
    take_expert_item,
    transfer_to_utility,
)
from lianxin.calls.tables import save_hotline, set_operator_skills
from lianxin.defaults import category_by_path
from lianxin.errors import Conflict, InvalidInput, PermissionDenied
from tests.factories import new_appeal


def ring(db, city, call_id="c1", caller="13800138000", seat="8001", dialled="12345", until="ended"):
    call, _ = record_switch_event(
        db, city.jid, call_id=call_id, event="ringing", caller=caller, seat=seat, dialled=dialled
    )
    if until in ("answered", "ended"):
        record_switch_event(db, city.jid, call_id=call_id, event="answered")
    if until == "ended":
        record_switch_event(db, city.jid, call_id=call_id, event="ended", recording_ref=f"rec/{call_id}.wav")
    return call


def test_a_call_rings_is_answered_and_ends_with_its_history(db, phones):
    call, applied = record_switch_event(
        db, phones.jid, call_id="c1", event="ringing", caller="+86 138 0013 8000", seat="8001", dialled="12345"
    )
    assert applied and call.status == CallStatus.RINGING and call.caller == "13800138000"
    assert call.operator_id == phones.users["operator"].id and call.hotline_number is None
    record_switch_event(db, phones.jid, call_id="c1", event="answered")
    call, _ = record_switch_event(db, phones.jid, call_id="c1", event="ended", recording_ref="rec/c1.wav")
    assert call.status == CallStatus.ENDED and call.recording_ref == "rec/c1.wav" and call.answered_at and call.ended_at
    assert [e.kind.value for e in events_of(db, call)] == ["ringing", "answered", "ended"]


def test_a_repeated_event_changes_nothing_and_an_unanswered_call_is_missed(db, phones):
    ring(db, phones, "c2", until="ringing")
    call, applied = record_switch_event(db, phones.jid, call_id="c2", event="ringing", caller="13900000000")
    assert not applied and call.caller == "13800138000" and len(events_of(db, call)) == 1
    call, _ = record_switch_event(db, phones.jid, call_id="c2", event="ended")
    assert call.status == CallStatus.MISSED


def test_the_state_machine_refuses_events_out_of_order_and_bad_input(db, phones):
    with pytest.raises(Conflict, match="尚未振铃"):
        record_switch_event(db, phones.jid, call_id="nope", event="answered")
    ring(db, phones, "c3", until="ringing")
    record_switch_event(db, phones.jid, call_id="c3", event="ended")
    with pytest.raises(Conflict, match="未接"):
        record_switch_event(db, phones.jid, call_id="c3", event="answered")
    with pytest.raises(InvalidInput, match="未知的来电事件"):
        record_switch_event(db, phones.jid, call_id="c4", event="exploded", caller="13800138000")
    with pytest.raises(InvalidInput, match="来电号码"):
        record_switch_event(db, phones.jid, call_id="c4", event="ringing")
    with pytest.raises(InvalidInput, match="通话编号"):
        record_switch_event(db, phones.jid, call_id="bad id!", event="ringing", caller="13800138000")


def test_a_call_to_a_merged_hotline_arrives_pre_classified(db, phones):
    call = ring(db, phones, "c5", dialled="12333", until="ringing")
    assert call.hotline_number == "12333"
    utility = ring(db, phones, "c6", dialled="96116", until="ringing")
    assert utility.hotline_number is None  # a utility's number is a transfer target, not a merged line


def test_the_desk_shows_the_live_call_then_the_ended_one_until_an_intake_is_linked(db, phones):
    operator = phones.users["operator"]
    assert current_call(db, operator) is None
    call = ring(db, phones, "c7", until="answered")
    assert current_call(db, operator) is call
    record_switch_event(db, phones.jid, call_id="c7", event="ended", recording_ref="rec/c7.wav")
    assert current_call(db, operator) is call
    appeal = new_appeal(db, phones)
    link_desk_intake(db, appeal, actor=operator, values={"call_id": "c7"})
    assert call.appeal_id == appeal.id and current_call(db, operator) is None
    assert current_call(db, phones.users["expert"]) is None  # another seat's call never shows
    link_desk_intake(db, appeal, actor=operator, values={"call_id": "c7"})  # the same link twice: one event
    assert [e.kind.value for e in events_of(db, call)].count("linked") == 1


def test_linking_refuses_an_unknown_call_and_another_seats_call(db, phones):
    appeal = new_appeal(db, phones)
    with pytest.raises(Exception, match="来电不存在"):
        link_desk_intake(db, appeal, actor=phones.users["operator"], values={"call_id": "ghost"})
    ring(db, phones, "c8", seat="8002", until="answered")
    with pytest.raises(PermissionDenied):
        link_desk_intake(db, appeal, actor=phones.users["operator"], values={"call_id": "c8"})


def test_an_intake_of_a_category_configured_for_experts_goes_to_their_queue(db, phones):
    medical = category_by_path(db, phones.jid, "劳动和社会保障/社会保险/医疗保险")
    call = ring(db, phones, "c9", until="answered")
    appeal = new_appeal(db, phones, category="劳动和社会保障/社会保险/医疗保险")
    assert appeal.category_id == medical.id
    link_desk_intake(db, appeal, actor=phones.users["operator"], values={"call_id": "c9"})
    [item] = expert_queue(db, phones.users["expert"])
    assert (item.skill, item.reason, item.appeal_id, item.call_id) == (
        "medical",
        ExpertReason.CATEGORY,
        appeal.id,
        "c9",
    )
    assert call.expert_skill == "medical" and expert_queue(db, phones.users["operator"]) == []
    plain = new_appeal(db, phones, appellant_phone="13900000001")
    link_desk_intake(db, plain, actor=phones.users["operator"], values={})
    assert len(expert_queue(db, phones.users["expert"])) == 1  # a street-light intake goes nowhere


def test_an_intake_marked_for_an_expert_and_a_hand_over_are_queued_and_taken_once(db, phones):
    appeal = new_appeal(db, phones)
    link_desk_intake(db, appeal, actor=phones.users["operator"], values={"expert_skill": "hrss"})
    call = ring(db, phones, "c10", until="answered")
    item = hand_to_expert(db, call, "medical", actor=phones.users["operator"])
    assert hand_to_expert(db, call, "medical", actor=phones.users["operator"]) is item  # one click, once
    assert [e.kind.value for e in events_of(db, call)][-1] == "expert"
    queue = expert_queue(db, phones.users["expert"])
    assert {(i.skill, i.reason) for i in queue} == {("hrss", ExpertReason.MARKED), ("medical", ExpertReason.HANDOVER)}
    with pytest.raises(PermissionDenied):
        take_expert_item(db, phones.jid, item.id, actor=phones.users["operator"])
    taken = take_expert_item(db, phones.jid, item.id, actor=phones.users["expert"])
    assert taken.state == ExpertState.TAKEN and taken.taken_by_id == phones.users["expert"].id
    with pytest.raises(Conflict):
        take_expert_item(db, phones.jid, item.id, actor=phones.users["expert"])
    with pytest.raises(InvalidInput, match="未知的专家领域"):
        hand_to_expert(db, call, "astrology", actor=phones.users["operator"])
    with pytest.raises(PermissionDenied):
        hand_to_expert(db, call, "medical", actor=phones.users["street_handler"])
    other_seat = ring(db, phones, "c12", seat="8002", until="answered")
    with pytest.raises(PermissionDenied, match="座席"):
        hand_to_expert(db, other_seat, "hrss", actor=phones.users["operator"])
    assert hand_to_expert(db, other_seat, "hrss", actor=phones.users["dispatcher"]).reason == ExpertReason.HANDOVER


def test_a_transfer_to_a_utility_hotline_is_recorded_on_the_call(db, phones):
    call = ring(db, phones, "c11", until="answered")
    event = transfer_to_utility(db, call, "96116", actor=phones.users["operator"])
    assert event.payload == {"number": "96116", "name": "自来水服务热线"} and call.transferred_to == "96116"
    with pytest.raises(InvalidInput, match="公共服务企业热线"):
        transfer_to_utility(db, call, "12333", actor=phones.users["operator"])  # a merged line, not a utility
    record_switch_event(db, phones.jid, call_id="c11", event="ended")
    with pytest.raises(Conflict, match="通话中"):
        transfer_to_utility(db, call, "96777", actor=phones.users["operator"])
    kinds = db.scalars(
        select(CallEvent.kind).where(CallEvent.call_id == "c11", CallEvent.jurisdiction_id == phones.jid)
    )
    assert [k.value for k in kinds] == ["ringing", "answered", "transfer", "ended"]


def test_the_admins_tables_refuse_bad_input(db, phones):
    line = save_hotline(db, phones.jid, number="12358", kind="merged", name_zh="价格举报热线", category_code=None)
    assert line.kind.value == "merged" and line.name_en == "价格举报热线"
    with pytest.raises(InvalidInput):
        save_hotline(db, phones.jid, number="abc", kind="merged", name_zh="x")
    with pytest.raises(InvalidInput):
        save_hotline(db, phones.jid, number="12358", kind="merged", name_zh="x", category_code="NOPE")
    with pytest.raises(InvalidInput):
        set_operator_skills(db, phones.users["street_handler"], ["medical"])
    assert set_operator_skills(db, phones.users["expert"], ["tax"]) == ["tax"]
    assert db.scalar(select(ExpertItem).where(ExpertItem.jurisdiction_id == phones.jid)) is None
