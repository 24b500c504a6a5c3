"""Monitoring cases: measures move the case through assisting and monitoring, the clearance criteria (data),
the county's review by someone other than the proposer, re-verification, reopening, exit, confidential visits
and who sees a case (the area's staff and the measure's owner unit)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from lianxin.clock import local_date
from lianxin.errors import Conflict, InvalidInput, PermissionDenied
from lianxin.notify import Notification
from lianxin.poverty import cases, service
from lianxin.poverty.models import MonitoringCase
from lianxin.poverty.status import CaseStatus, MeasureStatus, RiskLevel
from tests.poverty.conftest import declare_self, identified


@pytest.fixture
def case(db, city, world, clock) -> MonitoringCase:
    decl = identified(db, city, declare_self(db, city, world))
    return db.get(MonitoringCase, decl.case_id)


def test_measures_move_the_case_and_notify_the_owner_unit(db, city, case):
    soon = local_date() + timedelta(days=30)
    worker = city.users["grid_worker"]
    medical = cases.add_measure(
        db,
        case,
        actor=worker,
        kind="medical",
        owner_unit_id=city.units["housing"].id,
        target_on=soon,
        detail="大病医疗救助",
    )
    assert case.status == CaseStatus.ASSISTING and case.assisting_since is not None
    jobs = cases.add_measure(
        db, case, actor=worker, kind="就业帮扶", owner_unit_id=city.units["urban"].id, target_on=soon
    )
    assert db.scalar(select(Notification.recipient).where(Notification.kind == "poverty_measure")) == str(
        city.units["housing"].id
    )
    # the owner unit sees the case and moves its measure; another unit does not
    assert cases.can_see(db, city.users["housing_handler"], case)
    assert not cases.can_see(db, city.users["water_handler"], case)
    with pytest.raises(PermissionDenied):
        cases.update_measure(db, jobs, actor=city.users["housing_handler"], status="done")
    cases.update_measure(db, medical, actor=city.users["housing_handler"], status="in_progress")
    with pytest.raises(Conflict):
        cases.update_measure(db, medical, actor=city.users["housing_handler"], status="pending")
    cases.update_measure(db, medical, actor=city.users["housing_handler"], status="done", detail="已报销 80%")
    assert case.status == CaseStatus.ASSISTING
    cases.update_measure(db, jobs, actor=worker, status="done")
    assert case.status == CaseStatus.MONITORING and case.monitoring_since is not None
    assert medical.status == MeasureStatus.DONE and medical.done_at is not None
    listed = db.scalars(cases.cases(db, city.users["housing_handler"])).all()
    assert listed == [case]
    assert db.scalars(cases.cases(db, city.users["street2_handler"])).all() == []


def test_measure_input_is_checked(db, city, case):
    worker = city.users["grid_worker"]
    with pytest.raises(InvalidInput, match="完成时限"):
        cases.add_measure(
            db,
            case,
            actor=worker,
            kind="medical",
            owner_unit_id=city.units["housing"].id,
            target_on=local_date() - timedelta(days=1),
        )
    with pytest.raises(InvalidInput, match="责任单位"):
        cases.add_measure(db, case, actor=worker, kind="medical", owner_unit_id=999999, target_on=local_date())
    with pytest.raises(PermissionDenied):
        cases.add_measure(
            db,
            case,
            actor=city.users["street2_handler"],
            kind="medical",
            owner_unit_id=city.units["housing"].id,
            target_on=local_date(),
        )
    assert case.status == CaseStatus.IDENTIFIED


def test_clearance_needs_the_criteria_and_the_county(db, city, case, clock):
    worker, leader = city.users["grid_worker"], city.users["district_leader"]
    m = cases.add_measure(
        db, case, actor=worker, kind="temporary_relief", owner_unit_id=city.units["street"].id, target_on=local_date()
    )
    cases.update_measure(db, m, actor=worker, status="done")
    with pytest.raises(Conflict, match="人均年收入未达 7000 元"):
        cases.propose_clear(db, case, actor=worker)
    cases.assess(db, case, actor=worker, factors=[{"type": "illness", "severity": 1}], income_per_capita=8200)
    assert case.risk_score == 14 and case.risk_level == RiskLevel.LOW
    with pytest.raises(Conflict, match="跟踪监测不足 30 天"):
        cases.propose_clear(db, case, actor=worker)
    clock.shift(timedelta(days=31))
    assert cases.clearance_check(db, case) == []
    cases.propose_clear(db, case, actor=leader)
    assert case.status == CaseStatus.CLEAR_REVIEW
    with pytest.raises(PermissionDenied, match="申请人"):
        cases.review_clear(db, case, actor=leader, approve=True)
    with pytest.raises(PermissionDenied):
        cases.review_clear(db, case, actor=worker, approve=True)
    with pytest.raises(InvalidInput):
        cases.review_clear(db, case, actor=city.users["leader"], approve=False)
    cases.review_clear(db, case, actor=city.users["leader"], approve=False, note="收入证明不全")
    assert case.status == CaseStatus.MONITORING
    cases.propose_clear(db, case, actor=worker)
    cases.review_clear(db, case, actor=leader, approve=True)
    assert case.status == CaseStatus.RISK_CLEARED and case.cleared_at is not None
    assert case.next_review_on == local_date() + timedelta(days=180)
    actions = [e.action for e in service.history(db, "case", case.id)]
    assert actions[:2] == ["identify", "add_measure"] and actions[-1] == "approve_clear"


def test_reverification_keeps_it_clear_or_reopens_it(db, city, case):
    worker = city.users["grid_worker"]
    case.status, case.next_review_on = CaseStatus.RISK_CLEARED, local_date()
    with pytest.raises(InvalidInput):
        cases.reverify(db, case, actor=worker, findings="")
    cases.reverify(db, case, actor=worker, findings="收入稳定，无新增风险")
    assert case.status == CaseStatus.RISK_CLEARED and case.next_review_on == local_date() + timedelta(days=180)
    cases.reverify(
        db,
        case,
        actor=worker,
        findings="因灾房屋受损，返贫风险",
        risk_returned=True,
        factors=[{"type": "disaster", "severity": 3}],
    )
    assert case.status == CaseStatus.ASSISTING and case.reopened == 1 and case.next_review_on is None
    assert case.risk_score == 36


def test_exit_and_reidentification_reopens_the_same_case(db, city, world, case):
    with pytest.raises(PermissionDenied):
        cases.exit_case(db, case, actor=city.users["grid_worker"], reason="moved")
    with pytest.raises(InvalidInput):
        cases.exit_case(db, case, actor=city.users["district_leader"], reason="bored")
    cases.exit_case(db, case, actor=city.users["district_leader"], reason="迁出", note="全家迁往成都")
    assert case.status == CaseStatus.EXITED and case.closed_at is not None
    with pytest.raises(Conflict):
        cases.assess(db, case, actor=city.users["grid_worker"], factors=[])
    decl = identified(db, city, declare_self(db, city, world), object_type="marginal")
    assert decl.case_id == case.id
    assert case.status == CaseStatus.ASSISTING and case.reopened == 1 and case.exit_reason is None


def test_confidential_visits_and_the_cadre(db, city, case, dual):
    worker = city.users["grid_worker"]
    assert case.cadre_id == worker.id  # the checker is the first responsible cadre
    with pytest.raises(PermissionDenied):
        cases.set_cadre(db, case, actor=worker, cadre=dual)
    with pytest.raises(InvalidInput):
        cases.set_cadre(db, case, actor=city.users["street_handler"], cadre=city.users["street2_handler"])
    cases.set_cadre(db, case, actor=city.users["street_handler"], cadre=dual)
    assert case.cadre_id == dual.id
    cases.add_visit(db, case, actor=worker, findings="家中有人照料，情绪稳定")
    cases.add_visit(db, case, actor=city.users["street_handler"], findings="家庭矛盾，注意保护隐私", confidential=True)
    with pytest.raises(InvalidInput):
        cases.add_visit(db, case, actor=worker, findings="好")
    with pytest.raises(InvalidInput):
        cases.add_visit(db, case, actor=worker, findings="未来的走访", visited_on=local_date() + timedelta(days=2))
    assert [v.confidential for v in cases.visible_visits(db, worker, case)] == [False]
    assert len(cases.visible_visits(db, city.users["district_leader"], case)) == 2
    assert len(cases.visible_visits(db, city.users["street_handler"], case)) == 2  # its author
    assert len(cases.visible_visits(db, dual, case)) == 2  # the cadre


def test_income_is_masked_and_the_clear_view_logged(db, city, case):
    assert cases.case_view(case)["income_per_capita"] == "5000–9999 元"
    assert cases.reveal_case(db, city.users["grid_worker"], case, "api")["income_per_capita"] == 6000
    with pytest.raises(PermissionDenied):
        cases.reveal_case(db, city.users["housing_handler"], case, "api")
    with pytest.raises(PermissionDenied):
        cases.get_case(db, city.users["street2_handler"], case.id)
