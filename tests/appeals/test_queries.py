"""Read-side queries: the resident's timeline, finding an appeal by number + phone, masking."""

from __future__ import annotations

import pytest

from lianxin.appeals.privacy import mask_name, mask_phone
from lianxin.appeals.queries import count_by_status, find_by_token, find_for_resident, timeline
from lianxin.appeals.requests import decide_return, request_return
from lianxin.appeals.service import (
    add_note,
    dispatch_appeal,
    merge_appeal,
    not_accept,
    record_contact,
    reply_to_appeal,
    sign_appeal,
)
from lianxin.appeals.status import AppealStatus
from lianxin.appeals.supervision import urge_appeal
from tests.factories import new_appeal

INTERNAL = [
    "内部备注：诉求人曾多次来电",
    "催办：请今日内联系",
    "退单理由：不属于本街道职责",
    "驳回：属地管理，继续办理",
]
CONTACT_NOTE = "联系情况：诉求人住3单元501，手机尾号8000"
REPLY = "已更换灯泡，路灯恢复照明。"


@pytest.fixture
def handled(db, city, clock):
    """An appeal with public steps, internal steps and a reply."""
    h, d = city.users["street_handler"], city.users["dispatcher"]
    appeal = new_appeal(db, city)
    dispatch_appeal(db, appeal, city.units["street"], actor=d)
    sign_appeal(db, appeal, actor=h)
    add_note(db, appeal, actor=d, note=INTERNAL[0])
    urge_appeal(db, appeal, actor=d, note=INTERNAL[1])
    request = request_return(db, appeal, actor=h, reason=INTERNAL[2])
    decide_return(db, request, actor=d, approve=False, note=INTERNAL[3])
    record_contact(db, appeal, actor=h, note=CONTACT_NOTE)
    reply_to_appeal(db, appeal, actor=h, text=REPLY)
    return appeal


def test_the_public_timeline_hides_internal_events_and_notes_but_shows_the_reply(db, city, handled):
    steps = timeline(db, handled, public_only=True)
    assert [s.kind for s in steps] == ["submitted", "dispatched", "signed", "contacted", "replied"]
    assert [s.label for s in steps] == ["受理", "派单", "签收", "联系诉求人", "答复"]
    assert steps[-1].note == REPLY
    assert [s.note for s in steps[:-1]] == [None, None, None, None]  # the contact note is for staff only
    shown = " ".join(str(s) for s in steps)
    for text in INTERNAL + [CONTACT_NOTE]:
        assert text not in shown
    assert steps[1].unit == "和平街道"


def test_the_staff_timeline_shows_every_event_with_its_note(db, city, handled):
    steps = timeline(db, handled, public_only=False)
    assert [s.kind for s in steps] == [
        "submitted",
        "dispatched",
        "signed",
        "noted",
        "urged",
        "return_requested",
        "return_rejected",
        "contacted",
        "replied",
    ]
    notes = [s.note for s in steps]
    for text in INTERNAL + [CONTACT_NOTE, REPLY]:
        assert text in notes
    assert [s.at for s in steps] == sorted(s.at for s in steps)


def test_a_merged_appeals_timeline_shows_the_main_reply_but_not_the_merge_note_on_the_main(db, city, clock):
    h = city.users["street_handler"]
    main = new_appeal(db, city)
    follower = new_appeal(db, city, appellant_phone="13922223333")
    merge_appeal(db, follower, main, actor=city.users["dispatcher"], note="同一路灯，内部合并说明")
    dispatch_appeal(db, main, city.units["street"], actor=city.users["dispatcher"])
    sign_appeal(db, main, actor=h)
    record_contact(db, main, actor=h, note="已联系")
    reply_to_appeal(db, main, actor=h, text=REPLY)
    follower_steps = timeline(db, follower, public_only=True)
    assert [(s.kind, s.label) for s in follower_steps] == [
        ("submitted", "受理"),
        ("merged", "并单"),
        ("main_replied", "主工单已答复"),
    ]
    assert follower_steps[1].note is None and follower_steps[2].note == REPLY
    main_kinds = [s.kind for s in timeline(db, main, public_only=True)]
    assert "noted" not in main_kinds and main_kinds[0] == "submitted"


def test_the_reason_for_not_accepting_is_shown_to_the_resident(db, city, clock):
    appeal = new_appeal(db, city)
    not_accept(db, appeal, actor=city.users["operator"], reason="legal_channel", note="请通过劳动仲裁途径解决")
    steps = timeline(db, appeal, public_only=True)
    assert [(s.kind, s.note) for s in steps] == [("submitted", None), ("not_accepted", "请通过劳动仲裁途径解决")]


def test_a_resident_finds_an_appeal_only_with_its_number_and_the_right_phone(db, city, clock):
    appeal = new_appeal(db, city, appellant_phone="13800138000")
    assert find_for_resident(db, appeal.order_no, "13800138000") is appeal
    assert find_for_resident(db, f" {appeal.order_no} ", "138 0013 8000") is appeal
    assert find_for_resident(db, appeal.order_no, "13800138001") is None
    assert find_for_resident(db, appeal.order_no, "") is None
    assert find_for_resident(db, appeal.order_no, "8000") is None
    assert find_for_resident(db, "20260302999999", "13800138000") is None


def test_an_anonymous_appeal_cannot_be_found_by_phone(db, city, clock):
    appeal = new_appeal(db, city, anonymous=True, appellant_phone="13800138000")
    assert find_for_resident(db, appeal.order_no, "13800138000") is None
    assert find_for_resident(db, appeal.order_no, "") is None


def test_a_tracking_token_finds_its_appeal(db, city, clock):
    appeal = new_appeal(db, city)
    assert find_by_token(db, appeal.tracking_token) is appeal
    assert find_by_token(db, appeal.tracking_token + "x") is None


def test_count_by_status_lists_every_status_for_the_jurisdiction(db, city, clock):
    new_appeal(db, city)
    dispatch_appeal(db, new_appeal(db, city), city.units["street"], actor=city.users["dispatcher"])
    counts = count_by_status(db, city.jid)
    assert set(counts) == set(AppealStatus)
    assert counts[AppealStatus.RECEIVED] == 1 and counts[AppealStatus.DISPATCHED] == 1
    assert sum(counts.values()) == 2


@pytest.mark.parametrize(
    ("phone", "masked"),
    [("13800138000", "138****8000"), ("010-12345678", "010****5678"), ("12345", "12***45"), (None, ""), ("", "")],
)
def test_mask_phone_keeps_only_the_ends(phone, masked):
    assert mask_phone(phone) == masked


@pytest.mark.parametrize(
    ("name", "masked"), [("张三", "张*"), ("欧阳娜娜", "欧***"), ("李", "李*"), (None, ""), ("", "")]
)
def test_mask_name_keeps_only_the_family_name_character(name, masked):
    assert mask_name(name) == masked
