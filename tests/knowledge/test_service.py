"""Knowledge base: editing with permissions, validity, BM25 search kept current, answering from an entry."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from lianxin.appeals.models import AppealEvent
from lianxin.appeals.status import AppealStatus
from lianxin.errors import InvalidInput, PermissionDenied
from lianxin.knowledge.seed import load_entries, parse_entries
from lianxin.knowledge.service import (
    answer_from_entry,
    create_entry,
    list_entries,
    search_entries,
    update_entry,
)
from tests.factories import build_city, new_appeal

ENTRIES = [
    ("社保卡丢了怎么补办？", "请携带身份证到社保卡合作银行网点补办，一般即时制卡。", "housing", ["社保卡", "补办"]),
    (
        "小区停水了什么时候来水？",
        "计划停水会提前张贴通知，超过公告时间仍未来水请拨打自来水集团热线报修。",
        "water",
        ["停水", "供水"],
    ),
    ("暖气不热应该找谁？", "供暖期内室温低于18度的，可拨打热力集团服务热线报修。", "water", ["供热"]),
]


@pytest.fixture
def kb(db, city):
    return [
        create_entry(
            db, actor=None, jurisdiction_id=city.jid, question=q, answer=a, owner_unit_id=city.units[k].id, tags=t
        )
        for q, a, k, t in ENTRIES
    ]


def test_search_ranks_the_entry_that_answers_the_question_first(db, city, kb):
    hits = search_entries(db, city.jid, "我家停水了，请问什么时候能来水")
    assert hits[0].entry == kb[1] and hits[0].score > 0
    assert all(hits[i].score >= hits[i + 1].score for i in range(len(hits) - 1))
    assert search_entries(db, city.jid, "社保卡丢失")[0].entry == kb[0]
    assert search_entries(db, city.jid, "的了吗") == []


def test_search_sees_edits_at_once(db, city, kb):
    assert search_entries(db, city.jid, "燃气泄漏") == []
    update_entry(
        db,
        kb[2],
        actor=None,
        question="闻到燃气泄漏的气味怎么办？",
        answer="立即关闭燃气总阀并开窗通风，到室外拨打抢修电话。",
    )
    assert search_entries(db, city.jid, "燃气泄漏")[0].entry == kb[2]
    update_entry(db, kb[2], actor=None, active=False)
    assert search_entries(db, city.jid, "燃气泄漏") == []


def test_only_entries_valid_today_are_found(db, city, kb):
    update_entry(db, kb[0], actor=None, valid_from=date(2026, 1, 1), valid_to=date(2026, 6, 30))
    assert search_entries(db, city.jid, "社保卡补办", today=date(2026, 3, 1))[0].entry == kb[0]
    assert kb[0] not in [h.entry for h in search_entries(db, city.jid, "社保卡补办", today=date(2026, 7, 1))]
    assert kb[0] not in [h.entry for h in search_entries(db, city.jid, "社保卡补办", today=date(2025, 12, 31))]


def test_search_is_scoped_to_the_jurisdiction(db, city, kb):
    other = build_city(db)
    assert search_entries(db, other.jid, "社保卡丢了") == []


def test_owner_unit_handlers_and_admins_edit_others_may_not(db, city, kb):
    users = city.users
    update_entry(db, kb[1], actor=users["water_handler"], answer="停水信息请关注自来水集团公众号，超时未来水请报修。")
    assert kb[1].updated_by_id == users["water_handler"].id
    for key in ("street_handler", "operator", "dispatcher"):
        with pytest.raises(PermissionDenied):
            update_entry(db, kb[1], actor=users[key], answer="随便改一改答案内容")
    with pytest.raises(PermissionDenied):  # a handler cannot hand an entry to a unit it does not handle
        update_entry(db, kb[1], actor=users["water_handler"], owner_unit_id=city.units["housing"].id)
    with pytest.raises(PermissionDenied):
        create_entry(
            db,
            actor=users["water_handler"],
            jurisdiction_id=city.jid,
            question="住房公积金怎么提取？",
            answer="租房购房均可提取公积金。",
            owner_unit_id=city.units["housing"].id,
        )
    update_entry(db, kb[1], actor=users["admin"], owner_unit_id=city.units["housing"].id)
    assert kb[1].owner_unit_id == city.units["housing"].id


def test_validation_is_bilingual_and_changes_nothing(db, city, kb):
    unit = city.units["water"].id
    cases = [
        ({"question": "短"}, "question"),
        ({"answer": "太短"}, "answer"),
        ({"owner_unit_id": 10**9}, "owner_unit_id"),
        ({"valid_from": date(2026, 5, 1), "valid_to": date(2026, 4, 1)}, "valid_to"),
        ({"valid_from": "soon"}, "valid_from"),
        ({"tags": ["x" * 30]}, "tags"),
    ]
    for change, field in cases:
        with pytest.raises(InvalidInput) as refused:
            update_entry(db, kb[1], actor=None, **change)
        assert refused.value.field == field and refused.value.message_zh != refused.value.message_en
    assert kb[1].question == ENTRIES[1][0] and kb[1].owner_unit_id == unit
    with pytest.raises(InvalidInput):
        create_entry(
            db,
            actor=None,
            jurisdiction_id=city.jid,
            question="有效的问题吗？",
            answer="有效的答案内容。",
            owner_unit_id=unit,
            colour="red",
        )


def test_list_entries_by_owner_and_activity(db, city, kb):
    update_entry(db, kb[2], actor=None, active=False)
    assert set(list_entries(db, city.jid)) == {kb[0], kb[1]}
    assert list_entries(db, city.jid, owner_unit_id=city.units["water"].id) == [kb[1]]
    assert len(list_entries(db, city.jid, include_inactive=True)) == 3


def test_answering_a_consultation_from_an_entry_records_the_entry(db, city, kb, clock):
    appeal = new_appeal(db, city, appeal_type="consult", content="请问社保卡丢了怎么补办？")
    answer_from_entry(db, appeal, kb[0], actor=city.users["operator"])
    assert appeal.status == AppealStatus.REPLIED and appeal.reply_text == kb[0].answer
    event = db.scalar(select(AppealEvent).where(AppealEvent.appeal_id == appeal.id, AppealEvent.kind == "answered"))
    assert event.payload["kb_entry_id"] == kb[0].id
    assert kb[0].use_count == 1


def test_answering_from_an_outdated_or_foreign_entry_is_refused(db, city, kb, clock):
    appeal = new_appeal(db, city, appeal_type="consult", content="请问社保卡丢了怎么补办？")
    update_entry(db, kb[0], actor=None, valid_to=date(2026, 1, 31))  # the clock stands at 2026-03-02
    with pytest.raises(InvalidInput):
        answer_from_entry(db, appeal, kb[0], actor=city.users["operator"])
    other = build_city(db)
    foreign = create_entry(
        db,
        actor=None,
        jurisdiction_id=other.jid,
        question="社保卡丢了怎么补办？",
        answer="请到银行网点补办社保卡。",
        owner_unit_id=other.units["housing"].id,
    )
    with pytest.raises(InvalidInput):
        answer_from_entry(db, appeal, foreign, actor=city.users["operator"])
    with pytest.raises(PermissionDenied):
        answer_from_entry(db, appeal, kb[1], actor=city.users["street_handler"])
    assert appeal.status == AppealStatus.RECEIVED and kb[1].use_count == 0


def test_the_shipped_entries_parse_and_load(db, city):
    from importlib.resources import files

    text = files("lianxin.data").joinpath("knowledge.txt").read_text(encoding="utf-8")
    rows = parse_entries(text)
    assert len(rows) >= 30 and all(r["question"] and len(r["answer"]) > 20 and r["tags"] for r in rows)
    assert load_entries(db, city.jid, {"WATER": city.units["water"]}, city.units["centre"]) == len(rows)
    hits = search_entries(db, city.jid, "燃气泄漏了怎么办")
    assert "燃气" in hits[0].entry.question
