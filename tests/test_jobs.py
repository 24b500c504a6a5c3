"""Background jobs: each one idempotent, and safe when several job processes run side by side."""

from __future__ import annotations

import threading
import uuid
from datetime import date, datetime, timedelta

import time_machine
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

import lianxin.models  # noqa: F401  (every table in Base.metadata, for the clean-up)
from lianxin.appeals.models import Appeal, AppealEvent, OrderSequence
from lianxin.appeals.requests import decide_extension, defer_appeal, request_extension
from lianxin.appeals.service import dispatch_appeal, record_contact, reply_to_appeal, sign_appeal
from lianxin.appeals.status import AppealStatus
from lianxin.db import Base, make_engine, make_sessionmaker, session_scope
from lianxin.jobs import create_visit_tasks, flag_overdue, review_deferred, run_jobs, send_urges
from lianxin.notify import Notification
from lianxin.visits.models import ReturnVisit, VisitState
from lianxin.visits.service import record_return_visit
from tests.factories import build_city, new_appeal

DUE = datetime.fromisoformat("2026-03-09T18:00:00+08:00")  # 5 working days after Mon 2026-03-02 09:30


def at(text_: str) -> datetime:
    return datetime.fromisoformat(text_)


def handling(db, city, **kw) -> Appeal:
    appeal = new_appeal(db, city, **kw)
    dispatch_appeal(db, appeal, city.units["street"], actor=city.users["dispatcher"])
    sign_appeal(db, appeal, actor=city.users["street_handler"])
    return appeal


def replied(db, city) -> Appeal:
    appeal = handling(db, city)
    record_contact(db, appeal, actor=city.users["street_handler"], note="电话联系，已约定上门")
    reply_to_appeal(db, appeal, actor=city.users["street_handler"], text="已更换灯泡，路灯恢复照明。")
    return appeal


def _footprint(job, jid: int):
    """What each job leaves behind, counted in one jurisdiction."""
    if job is flag_overdue:
        return (
            select(func.count())
            .select_from(AppealEvent)
            .where(AppealEvent.jurisdiction_id == jid, AppealEvent.kind == "overdue")
        )
    if job is send_urges:
        return (
            select(func.count())
            .select_from(Notification)
            .where(Notification.jurisdiction_id == jid, Notification.kind.in_(["urge_before", "urge_after"]))
        )
    if job is create_visit_tasks:
        return select(func.count()).select_from(ReturnVisit).where(ReturnVisit.jurisdiction_id == jid)
    if job is review_deferred:
        return (
            select(func.count())
            .select_from(AppealEvent)
            .where(AppealEvent.jurisdiction_id == jid, AppealEvent.kind == "deferral_reviewed")
        )
    raise AssertionError(job)


def run(job, db, city, settings, clock, now: datetime) -> int:
    """Run ``job`` at ``now``; how many things it did in this test's city.

    Jobs sweep the whole database and other test modules commit appeals of their own, so the
    job's reported total is only required to cover this city's share."""
    clock.move_to(now)
    stmt = _footprint(job, city.jid)
    before = db.scalar(stmt)
    total = job(db, settings, now)
    mine = db.scalar(stmt) - before
    assert total >= mine
    return mine


def event_kinds(db, appeal) -> list[str]:
    return list(db.scalars(select(AppealEvent.kind).where(AppealEvent.appeal_id == appeal.id).order_by(AppealEvent.id)))


def urges(db, appeal) -> list[Notification]:
    return list(
        db.scalars(
            select(Notification)
            .where(Notification.appeal_id == appeal.id, Notification.kind.in_(["urge_before", "urge_after"]))
            .order_by(Notification.id)
        )
    )


def thresholds(db, appeal) -> list[str]:
    return [n.dedupe_key.rsplit(":", 2)[-2] + ":" + n.dedupe_key.rsplit(":", 1)[-1] for n in urges(db, appeal)]


# --- flag_overdue ------------------------------------------------------------------------------


def test_an_appeal_past_its_deadline_is_flagged_overdue_exactly_once(db, city, clock, settings):
    appeal = handling(db, city)
    assert run(flag_overdue, db, city, settings, clock, DUE) == 0  # due_at itself is still on time
    late = DUE + timedelta(minutes=1)
    assert run(flag_overdue, db, city, settings, clock, late) == 1
    assert appeal.overdue_at == late
    assert run(flag_overdue, db, city, settings, clock, late) == 0
    assert run(flag_overdue, db, city, settings, clock, late + timedelta(days=3)) == 0
    assert event_kinds(db, appeal).count("overdue") == 1
    event = db.scalars(
        select(AppealEvent).where(AppealEvent.appeal_id == appeal.id, AppealEvent.kind == "overdue")
    ).one()
    assert (event.public, event.at, event.unit_id, event.actor_label) == (False, late, city.units["street"].id, "系统")
    assert event.payload == {"due_at": "2026-03-09T10:00:00+00:00"}
    assert appeal.status == AppealStatus.IN_PROGRESS


def test_only_appeals_a_unit_is_handling_can_become_overdue(db, city, clock, settings):
    dispatched_only = new_appeal(db, city)
    dispatch_appeal(db, dispatched_only, city.units["street"], actor=city.users["dispatcher"])
    answered = replied(db, city)
    deferred = handling(db, city)
    defer_appeal(
        db,
        deferred,
        actor=city.users["street_handler"],
        plan="纳入年度改造计划统一更换",
        target_date=date(2026, 6, 30),
        reason="需专项资金",
    )
    waiting = new_appeal(db, city)  # received: no deadline yet
    assert run(flag_overdue, db, city, settings, clock, DUE + timedelta(days=1)) == 1
    assert dispatched_only.overdue_at is not None
    assert (answered.overdue_at, deferred.overdue_at, waiting.overdue_at) == (None, None, None)


def test_a_reopened_appeal_can_be_overdue_again_in_its_new_round(db, city, clock, settings):
    appeal = handling(db, city)
    run(flag_overdue, db, city, settings, clock, DUE + timedelta(hours=1))
    record_contact(db, appeal, actor=city.users["street_handler"], note="电话联系，已约定上门")
    reply_to_appeal(db, appeal, actor=city.users["street_handler"], text="已更换灯泡，路灯恢复照明。")
    record_return_visit(
        db,
        appeal,
        actor=city.users["visitor"],
        contacted=True,
        solved=False,
        satisfaction="dissatisfied",
        comment="还是不亮",
    )
    assert appeal.overdue_at is None
    assert appeal.due_at == at("2026-03-16T18:00:00+08:00")
    assert run(flag_overdue, db, city, settings, clock, at("2026-03-16T18:30:00+08:00")) == 1
    assert event_kinds(db, appeal).count("overdue") == 2


# --- send_urges --------------------------------------------------------------------------------


def test_reminders_before_the_deadline_go_out_at_24_and_4_hours_once_each_without_an_event(db, city, clock, settings):
    assert settings.urge_before_hours == [24, 4]
    appeal = handling(db, city)
    plan = [
        (DUE - timedelta(hours=25), 0),
        (DUE - timedelta(hours=24), 1),
        (DUE - timedelta(hours=24), 0),
        (DUE - timedelta(hours=5), 0),
        (DUE - timedelta(hours=4), 1),
        (DUE - timedelta(hours=1), 0),
        (DUE, 0),
    ]
    assert [run(send_urges, db, city, settings, clock, now) for now, _ in plan] == [n for _, n in plan]
    notices = urges(db, appeal)
    assert [(n.kind, n.audience, n.recipient) for n in notices] == [
        ("urge_before", "unit", str(city.units["street"].id))
    ] * 2
    assert [n.dedupe_key for n in notices] == [
        f"urge:{appeal.id}:2026-03-09T10:00:00+00:00:before:24",
        f"urge:{appeal.id}:2026-03-09T10:00:00+00:00:before:4",
    ]
    assert "不足 24 小时" in notices[0].message and "2026-03-09 18:00" in notices[0].message
    assert "urged" not in event_kinds(db, appeal)
    assert appeal.supervision_level == 0


def test_a_first_run_close_to_the_deadline_sends_every_reminder_due_so_far_once(db, city, clock, settings):
    appeal = handling(db, city)
    assert run(send_urges, db, city, settings, clock, DUE - timedelta(hours=3)) == 2
    assert run(send_urges, db, city, settings, clock, DUE - timedelta(hours=2)) == 0
    assert thresholds(db, appeal) == ["before:24", "before:4"]


def test_urges_after_the_deadline_add_an_urged_event_and_raise_the_level_once_per_threshold(db, city, clock, settings):
    assert settings.urge_after_working_days == [0, 1, 3]
    appeal = handling(db, city)
    plan = [
        (DUE + timedelta(minutes=1), 1),
        (DUE + timedelta(hours=2), 0),
        (at("2026-03-10T10:00:00+08:00"), 1),
        (at("2026-03-11T10:00:00+08:00"), 0),
        (at("2026-03-12T10:00:00+08:00"), 1),
        (at("2026-03-20T10:00:00+08:00"), 0),
    ]
    assert [run(send_urges, db, city, settings, clock, now) for now, _ in plan] == [n for _, n in plan]
    assert thresholds(db, appeal) == ["after:0", "after:1", "after:3"]
    assert [n.kind for n in urges(db, appeal)] == ["urge_after"] * 3
    assert "已超过办理时限" in urges(db, appeal)[1].message
    urged = db.scalars(
        select(AppealEvent)
        .where(AppealEvent.appeal_id == appeal.id, AppealEvent.kind == "urged")
        .order_by(AppealEvent.id)
    ).all()
    assert [(e.payload, e.actor_id, e.public) for e in urged] == [
        ({"threshold": t, "automatic": True}, None, False) for t in ("after:0", "after:1", "after:3")
    ]
    assert appeal.supervision_level == 1


def test_an_automatic_urge_never_lowers_a_supervision_level(db, city, clock, settings):
    from lianxin.appeals.supervision import supervise_appeal

    appeal = handling(db, city)
    supervise_appeal(db, appeal, actor=city.users["dispatcher"], note="挂牌督办", listed=True)
    run(send_urges, db, city, settings, clock, DUE + timedelta(minutes=1))
    assert appeal.supervision_level == 3


def test_an_extension_re_arms_the_reminders_for_the_new_deadline(db, city, clock, settings):
    appeal = handling(db, city)
    assert run(send_urges, db, city, settings, clock, DUE - timedelta(hours=24)) == 1
    new_due = at("2026-03-13T18:00:00+08:00")
    request = request_extension(
        db, appeal, actor=city.users["street_handler"], reason="等待供电部门停电配合", new_due_at=new_due
    )
    decide_extension(db, request, actor=city.users["dispatcher"], approve=True)
    assert run(send_urges, db, city, settings, clock, DUE - timedelta(hours=4)) == 0  # the old 4-hour mark is gone
    assert run(send_urges, db, city, settings, clock, DUE + timedelta(hours=1)) == 0  # and it is not late
    assert run(send_urges, db, city, settings, clock, new_due - timedelta(hours=24)) == 1
    assert run(send_urges, db, city, settings, clock, new_due - timedelta(hours=4)) == 1
    assert run(send_urges, db, city, settings, clock, new_due - timedelta(hours=4)) == 0
    keys = [n.dedupe_key for n in urges(db, appeal)]
    assert keys == [
        f"urge:{appeal.id}:2026-03-09T10:00:00+00:00:before:24",
        f"urge:{appeal.id}:2026-03-13T10:00:00+00:00:before:24",
        f"urge:{appeal.id}:2026-03-13T10:00:00+00:00:before:4",
    ]


def test_replied_and_deferred_appeals_are_not_urged(db, city, clock, settings):
    answered = replied(db, city)
    deferred = handling(db, city)
    defer_appeal(
        db,
        deferred,
        actor=city.users["street_handler"],
        plan="纳入年度改造计划统一更换",
        target_date=date(2026, 6, 30),
        reason="需专项资金",
    )
    assert run(send_urges, db, city, settings, clock, DUE + timedelta(days=5)) == 0
    assert urges(db, answered) == urges(db, deferred) == []


# --- create_visit_tasks ------------------------------------------------------------------------


def test_visit_tasks_are_created_once_for_replied_appeals_only(db, city, clock, settings):
    answered = replied(db, city)
    busy = handling(db, city)
    closed = replied(db, city)
    record_return_visit(db, closed, actor=city.users["visitor"], contacted=True, solved=True, satisfaction="satisfied")
    now = at("2026-03-02T12:00:00+08:00")
    assert run(create_visit_tasks, db, city, settings, clock, now) == 1
    assert run(create_visit_tasks, db, city, settings, clock, now + timedelta(hours=1)) == 0
    visit = db.scalars(select(ReturnVisit).where(ReturnVisit.appeal_id == answered.id)).one()
    assert (visit.round, visit.state, visit.created_at) == (0, VisitState.PENDING, now)
    assert visit.due_at == at("2026-03-04T18:00:00+08:00")
    assert db.scalar(select(func.count()).select_from(ReturnVisit).where(ReturnVisit.appeal_id == busy.id)) == 0


def test_a_reopened_and_replied_appeal_gets_a_visit_task_for_its_new_round(db, city, clock, settings):
    appeal = replied(db, city)
    run(create_visit_tasks, db, city, settings, clock, at("2026-03-02T12:00:00+08:00"))
    record_return_visit(
        db,
        appeal,
        actor=city.users["visitor"],
        contacted=True,
        solved=False,
        satisfaction="dissatisfied",
        comment="还是不亮",
    )
    clock.move_to(at("2026-03-03T10:00:00+08:00"))
    reply_to_appeal(db, appeal, actor=city.users["street_handler"], text="已更换整条线路，路灯稳定亮起。")
    assert run(create_visit_tasks, db, city, settings, clock, at("2026-03-03T12:00:00+08:00")) == 1
    rounds = db.scalars(select(ReturnVisit.round).where(ReturnVisit.appeal_id == appeal.id).order_by(ReturnVisit.round))
    assert list(rounds) == [0, 1]


# --- review_deferred ---------------------------------------------------------------------------


def test_a_deferred_appeal_is_reviewed_when_its_review_falls_due_and_then_not_again(db, city, clock, settings):
    appeal = handling(db, city)
    defer_appeal(
        db,
        appeal,
        actor=city.users["street_handler"],
        plan="纳入年度改造计划统一更换",
        target_date=date(2026, 6, 30),
        reason="需专项资金",
    )
    assert appeal.defer_review_at == at("2026-04-01T09:30:00+08:00")
    assert run(review_deferred, db, city, settings, clock, at("2026-04-01T09:00:00+08:00")) == 0
    now = at("2026-04-01T10:00:00+08:00")
    assert run(review_deferred, db, city, settings, clock, now) == 1
    assert run(review_deferred, db, city, settings, clock, now + timedelta(hours=1)) == 0
    assert appeal.defer_review_at == at("2026-05-01T10:00:00+08:00")
    assert appeal.status == AppealStatus.DEFERRED
    event = db.scalars(
        select(AppealEvent).where(AppealEvent.appeal_id == appeal.id, AppealEvent.kind == "deferral_reviewed")
    ).one()
    assert (event.actor_id, event.actor_label, event.at) == (None, "系统", now)
    notice = db.scalars(
        select(Notification).where(Notification.appeal_id == appeal.id, Notification.kind == "deferral_review")
    ).one()
    assert notice.recipient == str(city.units["street"].id) and "2026-06-30" in notice.message


def test_a_deferral_past_its_target_date_keeps_being_reviewed_every_period(db, city, clock, settings):
    appeal = handling(db, city)
    defer_appeal(
        db,
        appeal,
        actor=city.users["street_handler"],
        plan="纳入年度改造计划统一更换",
        target_date=date(2026, 3, 10),
        reason="需专项资金",
    )
    assert run(review_deferred, db, city, settings, clock, at("2026-03-11T09:00:00+08:00")) == 1
    assert appeal.defer_review_at == at("2026-04-10T09:00:00+08:00")


# --- run_jobs: one transaction per job, everything dated at the run's moment --------------------


class RecordingSender:
    def __init__(self):
        self.sent: list[tuple[int, int, str | None]] = []

    def send(self, notification: Notification) -> None:
        self.sent.append((notification.id, notification.jurisdiction_id, notification.dedupe_key))


def test_run_jobs_dates_its_work_at_the_moment_it_is_given(db, city, clock, settings):
    """``run_jobs(now=...)`` (a catch-up run, a test) must not mix its moment with the wall clock:
    the deferral review it records is dated ``now`` and the next one is scheduled from ``now``."""
    appeal = handling(db, city)
    defer_appeal(
        db,
        appeal,
        actor=city.users["street_handler"],
        plan="纳入年度改造计划统一更换",
        target_date=date(2026, 12, 31),
        reason="需专项资金",
    )
    overdue = handling(db, city)
    factory = sessionmaker(
        bind=db.connection(),
        join_transaction_mode="create_savepoint",
        expire_on_commit=False,
        info={"settings": settings},
    )
    now = at("2026-04-02T10:00:00+08:00")  # the clock fixture still reads 2026-03-02 09:30
    done = run_jobs(factory, settings, RecordingSender(), now=now)
    assert done["flag_overdue"] >= 1 and done["review_deferred"] >= 1
    db.expire_all()
    assert overdue.overdue_at == now
    assert appeal.defer_review_at == now + timedelta(days=30)
    reviewed = db.scalars(
        select(AppealEvent).where(AppealEvent.appeal_id == appeal.id, AppealEvent.kind == "deferral_reviewed")
    ).one()
    assert reviewed.at == now
    urged = db.scalars(
        select(AppealEvent).where(AppealEvent.appeal_id == overdue.id, AppealEvent.kind == "urged")
    ).all()
    assert urged and all(e.at == now for e in urged)
    again = run_jobs(factory, settings, RecordingSender(), now=now)  # a second run at the same moment does nothing
    assert again.pop("fold_stats") > 0  # except the statistics fold, which reads what the first run saw
    assert again == {
        "index_terms": 0,
        "flag_overdue": 0,
        "send_urges": 0,
        "create_visit_tasks": 0,
        "review_deferred": 0,
        "supervise_by_rules": 0,
        "queue_webhooks": 0,
        "deliver_webhooks": 0,
        "refresh_hotspots": 0,
        "wishes_review_filed": 0,
        "wishes_claim_reminders": 0,
        "wishes_quota_reminders": 0,
        "pledges_overdue": 0,
        "volunteer_reminders": 0,
        "points_for_wishes": 0,
        "logistics_daily_plan": 0,
        "services_no_shows": 0,
        "services_ratings": 0,
        "care_evaluate_rules": 0,
        "care_escalate_alarms": 0,
        "services_reminders": 0,
        "poverty_clock": 0,
        "poverty_candidates": 0,
        "poverty_reviews": 0,
        "points_for_visits": 0,
        "points_for_appeals": 0,
        "prune_rate_limits": 0,
        "ensure_partitions": 0,
        "deliver": 0,
    }


# --- several job processes at once, on the real database ---------------------------------------

START = datetime.fromisoformat("2026-03-02T09:30:00+08:00")
JOBS_AT = datetime.fromisoformat("2026-03-13T10:00:00+08:00")  # 4 working days past DUE
WORKERS, ROUNDS = 3, 2


def purge_jurisdiction(engine, jid: int) -> None:
    """Delete every committed row of one test jurisdiction (children first)."""
    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            if "jurisdiction_id" in table.c:
                conn.execute(table.delete().where(table.c.jurisdiction_id == jid))
            elif table.name == "stats_watermarks":  # its event ids are gone: later tests' events reuse them
                conn.execute(table.delete())
            elif table.name == "role_grants":
                users = Base.metadata.tables["users"]
                conn.execute(
                    table.delete().where(table.c.user_id.in_(select(users.c.id).where(users.c.jurisdiction_id == jid)))
                )
        jurisdictions = Base.metadata.tables["jurisdictions"]
        conn.execute(jurisdictions.delete().where(jurisdictions.c.id == jid))


def test_jobs_running_side_by_side_do_each_thing_exactly_once(engine, settings):
    code = f"jobs-{uuid.uuid4().hex[:8]}"
    setup = make_sessionmaker(engine, settings)
    day = START.strftime("%Y%m%d")
    with session_scope(setup) as s:
        sequence_before = s.scalar(select(OrderSequence.last).where(OrderSequence.day == day))
    jid = None
    engines = []
    try:
        with time_machine.travel(START, tick=False), session_scope(setup) as s:
            city = build_city(s, code=code)
            jid = city.jid
            late = [handling(s, city) for _ in range(6)]
            unsigned = new_appeal(s, city)
            dispatch_appeal(s, unsigned, city.units["street2"], actor=city.users["dispatcher"])
            late.append(unsigned)
            answered = [replied(s, city) for _ in range(3)]
            deferred = []
            for _ in range(2):
                appeal = handling(s, city)
                defer_appeal(
                    s,
                    appeal,
                    actor=city.users["street_handler"],
                    plan="纳入年度改造计划统一更换",
                    target_date=date(2026, 3, 10),
                    reason="需专项资金",
                )
                deferred.append(appeal)
            late_ids = [a.id for a in late]
            answered_ids = [a.id for a in answered]
            deferred_ids = [a.id for a in deferred]

        barrier = threading.Barrier(WORKERS)
        errors: list[BaseException] = []
        senders = [RecordingSender() for _ in range(WORKERS)]
        results: list[dict] = []

        def worker(sender: RecordingSender) -> None:
            job_engine = make_engine(settings, immediate=True)
            engines.append(job_engine)
            factory = make_sessionmaker(job_engine, settings)
            try:
                barrier.wait(timeout=30)
                for _ in range(ROUNDS):
                    results.append(run_jobs(factory, settings, sender, now=JOBS_AT))
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        with time_machine.travel(JOBS_AT, tick=False):
            threads = [threading.Thread(target=worker, args=(sender,)) for sender in senders]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=120)
        assert not any(t.is_alive() for t in threads), "a job worker hung"
        assert errors == [], f"job workers crashed: {errors!r}"
        assert len(results) == WORKERS * ROUNDS

        with session_scope(setup) as s:

            def count(kind: str, appeal_id: int) -> int:
                return s.scalar(
                    select(func.count())
                    .select_from(AppealEvent)
                    .where(AppealEvent.appeal_id == appeal_id, AppealEvent.kind == kind)
                )

            assert [count("overdue", i) for i in late_ids] == [1] * len(late_ids)
            assert [count("urged", i) for i in late_ids] == [3] * len(late_ids)  # after:0, after:1, after:3
            assert [count("deferral_reviewed", i) for i in deferred_ids] == [1] * len(deferred_ids)
            # urged (1) by send_urges, then 督办 (2) by the rule "overdue by 3 working days", exactly once
            assert all(s.get(Appeal, i).supervision_level == 2 for i in late_ids)
            assert [count("supervised", i) for i in late_ids] == [1] * len(late_ids)
            visits = s.execute(
                select(ReturnVisit.appeal_id, func.count())
                .where(ReturnVisit.jurisdiction_id == jid)
                .group_by(ReturnVisit.appeal_id)
            ).all()
            assert sorted(visits) == sorted((i, 1) for i in answered_ids)

            keys = s.execute(
                select(Notification.dedupe_key, func.count())
                .where(Notification.jurisdiction_id == jid, Notification.dedupe_key.is_not(None))
                .group_by(Notification.dedupe_key)
            ).all()
            assert len(keys) == 3 * len(late_ids)
            assert all(n == 1 for _, n in keys)
            assert all(key.startswith("urge:") for key, _ in keys)

            ours = s.scalars(select(Notification).where(Notification.jurisdiction_id == jid)).all()
            assert {n.state for n in ours} == {"sent"}
            delivered = [nid for sender in senders for nid, j, _ in sender.sent if j == jid]
            assert sorted(delivered) == sorted(n.id for n in ours)  # each message handed over exactly once
    finally:
        for job_engine in engines:
            job_engine.dispose()
        if jid is not None:
            purge_jurisdiction(engine, jid)
        with engine.begin() as conn:
            table = OrderSequence.__table__
            if sequence_before is None:
                conn.execute(table.delete().where(table.c.day == day))
            else:
                conn.execute(table.update().where(table.c.day == day).values(last=sequence_before))
