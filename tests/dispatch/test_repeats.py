"""Repeat lookup (重复件) through the keyword index, and 并单 followers getting the main appeal's reply."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from lianxin.appeals import service
from lianxin.appeals.models import AppealEvent
from lianxin.appeals.status import AppealStatus
from lianxin.dispatch import repeats
from lianxin.dispatch.models import AppealTerm
from lianxin.dispatch.repeats import appeal_text, find_repeats, index_pending, repeats_of, terms_of
from lianxin.errors import InvalidInput
from lianxin.notify import Notification
from lianxin.orgs.models import UnitKind
from lianxin.orgs.service import create_unit
from tests.factories import build_city, new_appeal

LAMP = "和平里小区3号楼门口的路灯已经坏了一周，晚上很黑，老人出行不便。"
LAMP_AGAIN = "和平里小区3号楼门口路灯坏了好几天了，晚上太黑，老人走路不安全。"
NOISE = "楼下商户每天深夜播放音乐，噪音很大，影响休息，希望有关部门管一管。"


def _terms(db, appeal) -> list[AppealTerm]:
    return db.scalars(select(AppealTerm).where(AppealTerm.appeal_id == appeal.id)).all()


def test_intake_marks_the_appeal_and_the_job_writes_its_keywords_into_the_index(db, city):
    appeal = new_appeal(db, city)
    db.flush()
    assert appeal.terms_pending and _terms(db, appeal) == []  # the intake itself segments no words
    assert index_pending(db, jurisdiction_id=city.jid) == 1
    db.refresh(appeal)
    rows = _terms(db, appeal)
    assert {r.term for r in rows} == set(terms_of(appeal_text(appeal)))
    assert "路灯" in {r.term for r in rows}
    assert all(r.community_id == appeal.community_id and r.received_at == appeal.received_at for r in rows)
    assert not appeal.terms_pending
    assert index_pending(db, jurisdiction_id=city.jid) == 0 and len(_terms(db, appeal)) == len(
        rows
    )  # a second run: nothing to do


def test_the_job_works_off_a_backlog_in_batches(db, city, monkeypatch):
    monkeypatch.setattr(repeats, "INDEX_BATCH", 2)
    monkeypatch.setattr(repeats, "INDEX_BATCHES_PER_RUN", 2)
    appeals = [new_appeal(db, city, appellant_phone=f"1380000000{i}") for i in range(5)]
    db.flush()
    assert [
        index_pending(db, jurisdiction_id=city.jid),
        index_pending(db, jurisdiction_id=city.jid),
        index_pending(db, jurisdiction_id=city.jid),
    ] == [4, 1, 0]
    assert all(_terms(db, appeal) for appeal in appeals)


def test_a_lookup_finds_the_same_repeats_before_and_after_the_job_indexes_them(db, city, clock):
    """Until the job runs, the lookup reads the pending appeals' texts itself: the same candidates, the same
    scores and reasons as from the index."""
    community = city.units["community"].id
    lamp = new_appeal(db, city, content=LAMP, appellant_phone="13800000001")
    new_appeal(db, city, content=NOISE, appellant_phone="13800000002")
    clock.shift(timedelta(days=3))
    again = new_appeal(db, city, content=LAMP_AGAIN, appellant_phone="13800000003")
    db.flush()

    def lookups():
        return [
            [(c.appeal.id, c.score, c.reasons) for c in found]
            for found in (
                find_repeats(db, city.jid, text=LAMP_AGAIN, community_id=community, phone="13800000009"),
                find_repeats(db, city.jid, text=NOISE),
                repeats_of(db, again),
            )
        ]

    pending = lookups()
    assert [ids for ids, *_ in pending[0]] and pending[0][0][0] in (lamp.id, again.id)
    assert [c[0] for c in pending[2]] == [lamp.id]
    assert index_pending(db, jurisdiction_id=city.jid) == 3
    assert lookups() == pending


def test_similar_text_about_the_same_place_ranks_above_other_appeals(db, city, clock):
    first = new_appeal(db, city, content=LAMP, appellant_phone="13800000001")
    new_appeal(db, city, content=NOISE, appellant_phone="13800000002")
    db.flush()
    found = find_repeats(db, city.jid, text=LAMP_AGAIN, community_id=city.units["community"].id, phone="13800000009")
    assert [c.appeal.id for c in found] == [first.id]
    assert 0 < found[0].score <= 1
    assert any("相似" in r for r in found[0].reasons) and any("同一社区" in r for r in found[0].reasons)


def test_a_different_community_is_not_the_same_place(db, city, clock):
    other = create_unit(
        db,
        jurisdiction_id=city.jid,
        kind=UnitKind.COMMUNITY,
        code=f"{city.jid}-c9",
        name="安定社区",
        parent=city.units["street2"],
    )
    new_appeal(db, city, content=LAMP, community_id=other.id)
    db.flush()
    assert find_repeats(db, city.jid, text=LAMP_AGAIN, community_id=city.units["community"].id) == []
    unplaced = find_repeats(db, city.jid, text=LAMP_AGAIN)  # place unknown: the whole jurisdiction
    assert len(unplaced) == 1


def test_the_same_phone_recently_is_a_likely_repeat_even_with_other_words(db, city, clock):
    earlier = new_appeal(db, city, content=NOISE, appellant_phone="13811112222")
    db.flush()
    found = find_repeats(db, city.jid, phone="13811112222", text="另外一件完全不同的事情需要反映")
    assert [c.appeal.id for c in found] == [earlier.id]
    assert any("同一来电号码" in r for r in found[0].reasons)
    both = find_repeats(db, city.jid, phone="13811112222", text=NOISE, community_id=city.units["community"].id)
    assert both[0].score > found[0].score


def test_the_window_excludes_old_appeals_and_newer_ones_score_higher(db, city, clock):
    old = new_appeal(db, city, content=LAMP, appellant_phone="13800000001")
    clock.shift(timedelta(days=20))
    recent = new_appeal(db, city, content=LAMP, appellant_phone="13800000002")
    clock.shift(timedelta(days=15))
    db.flush()
    kwargs = dict(text=LAMP_AGAIN, community_id=city.units["community"].id)
    assert [c.appeal.id for c in find_repeats(db, city.jid, **kwargs)] == [recent.id]
    both = find_repeats(db, city.jid, window_days=60, **kwargs)
    assert [c.appeal.id for c in both] == [recent.id, old.id] and both[0].score > both[1].score


def test_exclusions_merged_appeals_other_jurisdictions_and_the_appeal_itself(db, city, clock):
    main = new_appeal(db, city, content=LAMP, appellant_phone="13800000001")
    follower = new_appeal(db, city, content=LAMP, appellant_phone="13800000002")
    service.merge_appeal(db, follower, main, actor=city.users["dispatcher"])
    other_city = build_city(db)
    new_appeal(db, other_city, content=LAMP)
    db.flush()
    found = repeats_of(db, main)
    assert found == []  # the follower is merged and the other city is another jurisdiction
    third = new_appeal(db, city, content=LAMP_AGAIN, appellant_phone="13800000003")
    assert [c.appeal.id for c in repeats_of(db, third)] == [main.id]


def test_bad_window_or_limit_is_refused(db, city):
    with pytest.raises(InvalidInput):
        find_repeats(db, city.jid, text=LAMP, window_days=0)
    with pytest.raises(InvalidInput):
        find_repeats(db, city.jid, text=LAMP, limit=500)


def _replies_to(db, phone):
    return [
        n.message
        for n in db.scalars(select(Notification).where(Notification.recipient == phone, Notification.kind == "replied"))
    ]


def test_a_merged_appeal_follows_its_main_one_and_gets_the_handlers_reply(db, city, clock):
    u, users = city.units, city.users
    main = new_appeal(db, city, content=LAMP, appellant_phone="13800000001")
    follower = new_appeal(db, city, content=LAMP_AGAIN, appellant_phone="13800000002")
    service.merge_appeal(db, follower, main, actor=users["dispatcher"])
    assert follower.status == AppealStatus.MERGED and follower.merged_into_id == main.id
    service.dispatch_appeal(db, main, u["street"], actor=users["dispatcher"])
    service.sign_appeal(db, main, actor=users["street_handler"])
    service.record_contact(db, main, actor=users["street_handler"], note="已电话联系诉求人")
    service.reply_to_appeal(db, main, actor=users["street_handler"], text="路灯已更换，恢复照明。")
    assert any("已随主工单" in m and "路灯已更换" in m for m in _replies_to(db, "13800000002"))
    kinds = db.scalars(select(AppealEvent.kind).where(AppealEvent.appeal_id == follower.id)).all()
    assert "main_replied" in kinds


def test_a_direct_answer_also_reaches_the_merged_appellants(db, city, clock):
    users = city.users
    main = new_appeal(
        db, city, appeal_type="consult", content="请问社保卡丢了怎么补办？", appellant_phone="13800000001"
    )
    follower = new_appeal(
        db, city, appeal_type="consult", content="社保卡丢失了去哪里补办", appellant_phone="13800000002"
    )
    service.merge_appeal(db, follower, main, actor=users["dispatcher"])
    assert _replies_to(db, "13800000002") == []
    service.answer_directly(db, main, actor=users["operator"], answer="请携带身份证到社保卡合作银行网点补办。")
    assert any("已随主工单" in m and "合作银行" in m for m in _replies_to(db, "13800000002"))


@pytest.mark.parametrize("by_community", [True, False])
def test_the_pending_appeals_are_read_through_their_partial_index(db, city, by_community):
    """However many appeals the history holds, a lookup reads only the few not yet indexed (on SQLite too: the
    index's condition is written as SQLAlchemy writes the query's)."""
    new_appeal(db, city)
    db.flush()
    place = city.units["community"].id if by_community else city.jid
    query = repeats._pending(by_community).params(
        jurisdiction=city.jid, place=place, since=datetime(2026, 1, 1, tzinfo=UTC)
    )
    compiled = str(query.compile(db.get_bind(), compile_kwargs={"literal_binds": True}))
    if db.get_bind().dialect.name == "postgresql":
        db.execute(text("SET LOCAL enable_seqscan = off"))
        plan = " ".join(db.execute(text(f"EXPLAIN {compiled}")).scalars())
    else:  # INDEXED BY fails unless the index can be used
        forced = compiled.replace("FROM appeals", "FROM appeals INDEXED BY ix_appeals_terms_pending", 1)
        plan = " ".join(str(row[-1]) for row in db.execute(text(f"EXPLAIN QUERY PLAN {forced}")))
    assert "ix_appeals_terms_pending" in plan, plan
