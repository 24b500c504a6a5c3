"""The jobs: reminders and escalation on the working-day clock (once each, across the Spring Festival),
candidates from appeals, alarms and income (for a check, never straight into monitoring), and the
re-verification and late-measure reminders."""

from __future__ import annotations

from datetime import datetime, timedelta

import time_machine
from sqlalchemy import select

from lianxin.care.models import Alarm
from lianxin.clock import local_date, local_zone, utcnow
from lianxin.notify import Notification
from lianxin.poverty import cases, jobs, service
from lianxin.poverty.models import Declaration, MonitoringCase
from lianxin.poverty.status import CaseStatus, Channel, DeclarationStatus
from tests.factories import new_appeal
from tests.poverty.conftest import checked, declare_self, identified


def at(day: int, month: int = 2, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=local_zone())


def kinds(db, decl_id: int) -> list[str]:
    return [e.action for e in service.history(db, "declaration", decl_id)]


def test_reminder_then_escalation_once_each_across_the_holiday(db, city, world, settings):
    with time_machine.travel(at(12, hour=16), tick=False) as traveller:
        decl = declare_self(db, city, world)
        assert jobs.clock_warnings(db, settings, utcnow()) == 0
        traveller.move_to(at(14))  # the make-up Saturday is the last day of the check
        assert jobs.clock_warnings(db, settings, utcnow()) == 1
        assert jobs.clock_warnings(db, settings, utcnow()) == 0
        remind = db.scalar(select(Notification).where(Notification.kind == "poverty_remind"))
        assert remind.audience == "unit" and remind.recipient == str(city.units["grid"].id)
        traveller.move_to(at(20))  # in the middle of the holiday the check is overdue: the street is told
        assert jobs.clock_warnings(db, settings, utcnow()) == 1
        escalate = db.scalar(select(Notification).where(Notification.kind == "poverty_escalate"))
        assert escalate.recipient == str(city.units["street"].id) and "已超期" in escalate.message
        assert jobs.clock_warnings(db, settings, utcnow()) == 0
        assert kinds(db, decl.id) == ["submit", "remind", "escalate"]


def test_a_clock_that_jumps_to_red_reminds_and_escalates_and_the_decision_goes_to_the_county(db, city, world, settings):
    with time_machine.travel(at(2, month=3), tick=False) as traveller:
        decl = declare_self(db, city, world)
        service.assign(db, decl, actor=city.users["grid_worker"])
        traveller.move_to(at(10, month=3))
        assert jobs.clock_warnings(db, settings, utcnow()) == 2
        remind = db.scalar(select(Notification).where(Notification.kind == "poverty_remind"))
        assert remind.audience == "user" and remind.recipient == str(city.users["grid_worker"].id)
        service.check(db, decl, actor=city.users["grid_worker"], result="recommend", note="入户核实属实")
        traveller.move_to(at(8, month=4))  # 20 working days from 2 March: 27 March (Qingming is 4–6 April)
        assert jobs.clock_warnings(db, settings, utcnow()) == 2
        decide = db.scalars(select(Notification).where(Notification.kind == "poverty_escalate")).all()[-1]
        assert decide.recipient == str(city.units["district"].id) and "评议公示和认定" in decide.message
    assert decl.warned == ["check_amber", "check_red", "decide_amber", "decide_red"]


def test_candidates_from_appeals_and_alarms_go_to_the_grid_for_a_check(db, city, world, settings):
    for title in ("看病难，住院费用高", "家里困难，申请救助"):
        new_appeal(db, city, title=title, appellant_phone="13912340001")
    assert jobs.find_candidates(db, settings, utcnow()) == 1
    decl = db.scalar(select(Declaration).where(Declaration.channel == Channel.DATA))
    assert decl.household_id == world.household.id and decl.status == DeclarationStatus.SUBMITTED
    assert decl.candidate_reasons[0][0] == "90 天内困难类诉求 2 件"
    assert db.scalar(select(MonitoringCase.id)) is None  # never straight into monitoring
    assert jobs.find_candidates(db, settings, utcnow()) == 0  # one live declaration per household
    service.withdraw(db, decl, actor=city.users["grid_worker"], reason="核实无困难")
    assert jobs.find_candidates(db, settings, utcnow()) == 0  # not again within the window


def test_real_alarms_make_candidates(db, city, world, settings):
    from lianxin.care import service as care

    other = care.create_household(
        db,
        actor=None,
        jurisdiction_id=city.jid,
        community_id=city.units["community"].id,
        grid_id=city.units["grid"].id,
        address="和平村一组1号",
    )
    care.ensure_default_rules(db, city.jid)
    rule = care.rules_for(db, other)[("low_usage", "water")]
    for n, outcome in enumerate(["needed_help", "emergency", "false_alarm"]):
        db.add(
            Alarm(
                jurisdiction_id=city.jid,
                household_id=other.id,
                rule_id=rule.id,
                kind="low_usage",
                category="welfare",
                status="resolved",
                outcome=outcome,
                raised_at=utcnow() - timedelta(days=n + 1),
                visit_due_at=utcnow(),
                closed_at=utcnow(),
            )
        )
    db.flush()
    assert jobs.find_candidates(db, settings, utcnow()) == 1
    made = db.scalar(select(Declaration).where(Declaration.household_id == other.id))
    assert made.head_name == "（待核实）" and "关爱告警 2 次" in made.description


def test_a_low_income_found_at_an_old_check_makes_a_candidate_later(db, city, world, settings, clock):
    decl = declare_self(db, city, world)
    checked(db, city, decl, result="not_recommend", income=5000)
    service.decide(db, decl, actor=city.users["district_leader"], outcome="rejected", reason="暂不符合条件")
    assert jobs.find_candidates(db, settings, utcnow()) == 0  # checked recently
    clock.shift(timedelta(days=91))
    assert jobs.find_candidates(db, settings, utcnow()) == 1
    made = db.scalar(select(Declaration).where(Declaration.channel == Channel.DATA))
    assert made.candidate_reasons == [["人均年收入 5000 元低于 7000 元", "income per head 5000 below 7000"]]


def test_reverification_and_late_measure_reminders(db, city, world, settings, clock):
    case = db.get(MonitoringCase, identified(db, city, declare_self(db, city, world)).case_id)
    measure = cases.add_measure(
        db,
        case,
        actor=city.users["grid_worker"],
        kind="medical",
        owner_unit_id=city.units["housing"].id,
        target_on=local_date() + timedelta(days=3),
    )
    assert jobs.review_reminders(db, settings, utcnow()) == 0
    clock.shift(timedelta(days=5))
    assert jobs.review_reminders(db, settings, utcnow()) == 1
    assert jobs.review_reminders(db, settings, utcnow()) == 0
    cases.update_measure(db, measure, actor=city.users["grid_worker"], status="done")
    case.status, case.next_review_on = CaseStatus.RISK_CLEARED, local_date()
    db.flush()
    assert jobs.review_reminders(db, settings, utcnow()) == 1
    note = db.scalar(select(Notification).where(Notification.kind == "poverty_reverify"))
    assert note.audience == "user" and note.recipient == str(case.cadre_id)
