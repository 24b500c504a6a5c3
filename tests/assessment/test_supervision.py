"""Supervision by rule: overdue N working days → 督办, reopened twice → 督办, 3+ repeats → 挂牌督办;
idempotent; the leader's list is scoped to the leader's units."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import literal_column, select, text

from lianxin.appeals.models import SUPERVISED_OPEN, Appeal, AppealEvent
from lianxin.appeals.service import dispatch_appeal, merge_appeal, reopen_appeal, reply_to_appeal, sign_appeal
from lianxin.appeals.status import OPEN
from lianxin.appeals.supervision import supervise_appeal, urge_appeal
from lianxin.assessment.service import update_settings
from lianxin.assessment.supervision import apply_supervision_rules, leader_supervision_list
from lianxin.clock import utcnow
from lianxin.notify import Notification
from tests.assessment.scenario import handle
from tests.factories import new_appeal


def supervised_events(db, appeal):
    return list(
        db.scalars(select(AppealEvent).where(AppealEvent.appeal_id == appeal.id, AppealEvent.kind == "supervised"))
    )


def dispatched(db, city, unit="street"):
    appeal = new_appeal(db, city)
    dispatch_appeal(db, appeal, city.units[unit], actor=city.users["dispatcher"])
    return appeal


def test_overdue_by_three_working_days_is_supervised_once(db, city, clock):
    clock.move_to(datetime.fromisoformat("2026-03-02T09:30:00+08:00"))
    appeal = dispatched(db, city)
    sign_appeal(db, appeal, actor=city.users["street_handler"])
    clock.move_to(appeal.due_at + timedelta(days=1))
    assert apply_supervision_rules(db, city.jid, utcnow()) == 0  # one day late is not enough
    clock.move_to(appeal.due_at + timedelta(days=7))
    assert apply_supervision_rules(db, city.jid, utcnow()) == 1
    assert appeal.supervision_level == 2
    [event] = supervised_events(db, appeal)
    assert event.actor_id is None and "自动督办" in event.note and "工作日" in event.note
    assert db.scalar(select(Notification).where(Notification.appeal_id == appeal.id, Notification.kind == "supervised"))
    assert apply_supervision_rules(db, city.jid, utcnow()) == 0
    assert len(supervised_events(db, appeal)) == 1


def test_reopened_twice_is_supervised(db, city, clock):
    appeal = handle(db, city, clock, visit=(True, False, "dissatisfied"))
    assert appeal.reopen_count == 1
    assert apply_supervision_rules(db, city.jid, utcnow()) == 0
    reply_to_appeal(db, appeal, actor=city.users["street_handler"], text="再次处理，已修复完毕。")
    reopen_appeal(db, appeal, actor=city.users["dispatcher"], reason="诉求人反映仍未修好")
    assert apply_supervision_rules(db, city.jid, utcnow()) == 1
    assert appeal.supervision_level == 2 and "重办 2 次" in supervised_events(db, appeal)[0].note


def test_three_repeats_merged_in_list_the_appeal(db, city, clock):
    main = dispatched(db, city)
    for _ in range(2):
        merge_appeal(db, new_appeal(db, city), main, actor=city.users["dispatcher"])
    assert apply_supervision_rules(db, city.jid, utcnow()) == 0
    merge_appeal(db, new_appeal(db, city), main, actor=city.users["dispatcher"])
    assert apply_supervision_rules(db, city.jid, utcnow()) == 1
    assert main.supervision_level == 3
    assert supervised_events(db, main)[0].payload["level"] == 3
    assert apply_supervision_rules(db, city.jid, utcnow()) == 0


def test_rules_can_be_switched_off(db, city, clock):
    update_settings(db, city.jid, actor=city.users["admin"], list_repeat_count=0)
    main = dispatched(db, city)
    for _ in range(3):
        merge_appeal(db, new_appeal(db, city), main, actor=city.users["dispatcher"])
    assert apply_supervision_rules(db, city.jid, utcnow()) == 0 and main.supervision_level == 0


def test_leader_list_is_scoped_and_ordered(db, city, clock):
    street = dispatched(db, city, "street")
    urban = dispatched(db, city, "urban")
    housing = dispatched(db, city, "housing")
    quiet = dispatched(db, city, "street2")
    urge_appeal(db, street, actor=city.users["dispatcher"], note="请加快办理")
    supervise_appeal(db, urban, actor=city.users["dispatcher"], note="挂牌督办", listed=True)
    supervise_appeal(db, housing, actor=city.users["dispatcher"], note="督办")
    assert leader_supervision_list(db, city.users["leader"]) == [urban, housing, street]
    assert leader_supervision_list(db, city.users["district_leader"]) == [urban, street]
    assert leader_supervision_list(db, city.users["dispatcher"], min_level=2) == [urban, housing]
    assert leader_supervision_list(db, city.users["leader"], unit_id=city.units["street"].id) == [street]
    assert quiet not in leader_supervision_list(db, city.users["admin"])
    assert leader_supervision_list(db, city.users["street_handler"]) == []


def _plan(db, stmt) -> str:
    compiled = str(stmt.compile(db.get_bind(), compile_kwargs={"literal_binds": True}))
    if db.get_bind().dialect.name == "postgresql":
        db.execute(text("SET LOCAL enable_seqscan = off"))
        return " ".join(db.execute(text(f"EXPLAIN {compiled}")).scalars())
    # SQLite without statistics may prefer the older partial index; INDEXED BY fails unless the index can be used
    forced = compiled.replace("FROM appeals", "FROM appeals INDEXED BY ix_appeals_supervised_open", 1)
    return " ".join(str(row[-1]) for row in db.execute(text(f"EXPLAIN QUERY PLAN {forced}")))


def test_the_supervision_list_query_can_use_the_partial_index_of_open_supervised_appeals(db, city, clock):
    # Closed appeals keep their level: at scale most supervised appeals are closed, and the index leaves them out.
    supervise_appeal(db, dispatched(db, city, "urban"), actor=city.users["dispatcher"], note="督办")
    db.flush()
    query = select(Appeal.id).where(
        Appeal.jurisdiction_id == city.jid,
        Appeal.lead_unit_id.in_([city.units["urban"].id]),
        Appeal.status.in_([literal_column(f"'{s}'") for s in sorted(OPEN)]),
        Appeal.supervision_level > literal_column("0"),
    )
    plan = _plan(db, query)  # either partial index of the open supervised appeals (by unit, or in the list's order)
    assert "ix_appeals_supervised_open" in plan or "ix_appeals_supervised_due" in plan
    assert SUPERVISED_OPEN.count("'") == 2 * len(OPEN)  # the index predicate names every open status
    assert all(f"'{s}'" in SUPERVISED_OPEN for s in OPEN)
