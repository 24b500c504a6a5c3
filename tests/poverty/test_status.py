"""The pure part: every legal and illegal transition of the three machines, the working-day clock across the
Spring Festival, the risk score, the clearance criteria, the candidate rules and the figures' validation."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from itertools import product

import pytest

from lianxin.errors import Conflict, InvalidInput
from lianxin.poverty.status import (
    CASE_TRANSITIONS,
    DECLARATION_TRANSITIONS,
    DEFAULTS,
    MEASURE_TRANSITIONS,
    PAYMENT_TRANSITIONS,
    CaseAction,
    CaseStatus,
    Clock,
    DeclarationAction,
    DeclarationStatus,
    MeasureStatus,
    PaymentAction,
    PaymentStatus,
    RiskLevel,
    candidate_reasons,
    clean_factors,
    clearance_gaps,
    clock_colour,
    decision_allowed,
    merged,
    next_case_status,
    next_declaration_status,
    next_measure_status,
    next_payment_status,
    risk_level,
    risk_score,
    working_days_left,
)
from lianxin.sla.calendar import WorkingCalendar

CAL = WorkingCalendar()


def local(d: date, t: str = "10:00") -> datetime:
    return datetime.combine(d, time.fromisoformat(t), tzinfo=CAL.tz)


@pytest.mark.parametrize(("status", "action"), list(product(DeclarationStatus, DeclarationAction)))
def test_every_declaration_pair(status, action):
    expected = DECLARATION_TRANSITIONS.get((status, action))
    if expected is None:
        with pytest.raises(Conflict):
            next_declaration_status(status, action)
    else:
        assert next_declaration_status(status, action) == expected


@pytest.mark.parametrize(("status", "outcome"), list(product(DeclarationStatus, DeclarationStatus)))
def test_decisions_only_after_the_check(status, outcome):
    if outcome not in (DeclarationStatus.IDENTIFIED, DeclarationStatus.REJECTED):
        with pytest.raises(InvalidInput):
            decision_allowed(status, outcome)
    elif status != DeclarationStatus.REVIEWING:
        with pytest.raises(Conflict):
            decision_allowed(status, outcome)
    else:
        assert decision_allowed(status, outcome) == outcome


@pytest.mark.parametrize(("status", "action"), list(product(CaseStatus, CaseAction)))
def test_every_case_pair(status, action):
    expected = CASE_TRANSITIONS.get((status, action))
    if expected is None:
        with pytest.raises(Conflict):
            next_case_status(status, action)
    else:
        assert next_case_status(status, action) == expected


def test_every_open_case_and_a_cleared_one_can_exit_and_an_exited_one_reopens():
    for status in CaseStatus:
        if status != CaseStatus.EXITED:
            assert next_case_status(status, CaseAction.EXIT) == CaseStatus.EXITED
    assert next_case_status(CaseStatus.EXITED, CaseAction.REOPEN) == CaseStatus.ASSISTING


@pytest.mark.parametrize(("status", "new"), list(product(MeasureStatus, MeasureStatus)))
def test_every_measure_pair(status, new):
    if new in MEASURE_TRANSITIONS[status]:
        assert next_measure_status(status, new) == new
    else:
        with pytest.raises(Conflict):
            next_measure_status(status, new)


@pytest.mark.parametrize(("status", "action"), list(product(PaymentStatus, PaymentAction)))
def test_every_payment_pair(status, action):
    expected = PAYMENT_TRANSITIONS.get((status, action))
    if expected is None:
        with pytest.raises(Conflict):
            next_payment_status(status, action)
    else:
        assert next_payment_status(status, action) == expected


def test_a_payment_is_approved_before_it_is_paid():
    with pytest.raises(Conflict, match="不能发放"):
        next_payment_status(PaymentStatus.REQUESTED, PaymentAction.PAY)


# --- the clock across the Spring Festival (2026: 15–23 February off, Saturdays 14 and 28 worked) ---------


def test_the_village_check_deadline_counts_the_make_up_saturday():
    submitted = local(date(2026, 2, 12), "16:00")  # Thursday before the holiday
    due = CAL.add_working_days(submitted, DEFAULTS["check_days"])
    assert due.astimezone(CAL.tz).date() == date(2026, 2, 14)  # Friday 13, Saturday 14 (调休 working day)


def test_a_declaration_on_the_eve_of_the_holiday_is_checked_after_it():
    submitted = local(date(2026, 2, 14), "17:00")  # the make-up Saturday
    due = CAL.add_working_days(submitted, 2)
    assert due.astimezone(CAL.tz).date() == date(2026, 2, 25)  # 15–23 off: Tuesday 24 and Wednesday 25


def test_the_county_decision_deadline_skips_the_nine_day_holiday():
    submitted = local(date(2026, 2, 12))
    due = CAL.add_working_days(submitted, DEFAULTS["decide_days"])
    # 13, 14 (2) · holiday · 24–27 (6), Sat 28 (7), 2–6 Mar (12), 9–13 (17), 16, 17, 18 (20)
    assert due.astimezone(CAL.tz).date() == date(2026, 3, 18)


def test_clock_colours_on_the_working_day_calendar():
    submitted = local(date(2026, 2, 12))
    due = CAL.add_working_days(submitted, 20)
    assert clock_colour(local(date(2026, 2, 13)), due, 20, CAL) == Clock.GREEN
    # in the middle of the holiday the clock does not run: still 18 working days left (2 were used before it)
    assert working_days_left(local(date(2026, 2, 20)), due, CAL) == 18
    assert clock_colour(local(date(2026, 2, 20)), due, 20, CAL) == Clock.GREEN
    assert clock_colour(local(date(2026, 3, 12)), due, 20, CAL) == Clock.AMBER  # 4 working days left
    assert clock_colour(local(date(2026, 3, 11)), due, 20, CAL) == Clock.GREEN  # 5 left
    assert clock_colour(local(date(2026, 3, 18), "17:59"), due, 20, CAL) == Clock.AMBER
    assert clock_colour(local(date(2026, 3, 19), "09:00"), due, 20, CAL) == Clock.RED
    assert working_days_left(local(date(2026, 3, 19)), due, CAL) == -1
    assert clock_colour(local(date(2026, 3, 19)), None, 20, CAL) == Clock.NONE


def test_the_two_day_check_is_amber_only_on_its_last_day():
    submitted = local(date(2026, 3, 2))
    due = CAL.add_working_days(submitted, 2)
    assert clock_colour(local(date(2026, 3, 3)), due, 2, CAL) == Clock.GREEN
    assert clock_colour(local(date(2026, 3, 4)), due, 2, CAL) == Clock.AMBER
    assert clock_colour(datetime(2026, 3, 4, 10, 1, tzinfo=UTC), due, 2, CAL) == Clock.RED  # 18:01 Beijing


# --- risk, clearance, candidates ------------------------------------------------------------------------


def test_risk_score_and_levels():
    factors = clean_factors([{"type": "illness", "severity": 3}, {"type": "因学", "severity": "2"}])
    assert factors == [{"type": "illness", "severity": 3}, {"type": "education", "severity": 2}]
    score = risk_score(factors, DEFAULTS["risk_weights"])
    assert score == 14 * 3 + 8 * 2
    assert risk_level(score, DEFAULTS["levels"]) == RiskLevel.HIGH
    assert risk_level(0, DEFAULTS["levels"]) == RiskLevel.LOW
    assert risk_level(30, DEFAULTS["levels"]) == RiskLevel.MEDIUM
    assert risk_level(100, DEFAULTS["levels"]) == RiskLevel.CRITICAL
    many = [{"type": t, "severity": 3} for t in DEFAULTS["risk_weights"]]
    assert risk_score(many, DEFAULTS["risk_weights"]) == 100


@pytest.mark.parametrize(
    "bad", [[{"type": "illness", "severity": 4}], [{"type": "illness", "severity": "x"}], [{"type": "luck"}]]
)
def test_bad_factors_are_refused(bad):
    with pytest.raises(InvalidInput):
        clean_factors(bad)


def test_clearance_criteria():
    criteria = DEFAULTS["clearance"]
    ok = {"income_per_capita": 9000, "risk_score": 20, "open_measures": 0, "stable_days": 45}
    assert clearance_gaps(ok, criteria) == []
    gaps = clearance_gaps({"income_per_capita": None, "risk_score": 60, "open_measures": 2, "stable_days": 3}, criteria)
    assert [zh for zh, _ in gaps] == [
        "人均年收入未达 7000 元",
        "风险分高于 30",
        "仍有帮扶措施未落实",
        "跟踪监测不足 30 天",
    ]
    assert clearance_gaps({**ok, "open_measures": 1}, {**criteria, "measures_done": False}) == []


def test_candidate_rules():
    rules = DEFAULTS["candidates"]
    assert candidate_reasons({"hardship_appeals": 1, "real_alarms": 1, "income_per_capita": 9000}, rules) == []
    reasons = candidate_reasons({"hardship_appeals": 2, "real_alarms": 0, "income_per_capita": 5000}, rules)
    assert [zh for zh, _ in reasons] == ["90 天内困难类诉求 2 件", "人均年收入 5000 元低于 7000 元"]
    assert candidate_reasons({"flagged": True}, rules)[0][1] == "repeated care alarms"


def test_figures_merge_and_refuse_bad_values():
    fig = merged({"check_days": 3, "clearance": {"max_risk_score": 20}})
    assert fig["check_days"] == 3 and fig["decide_days"] == 20
    assert fig["clearance"]["max_risk_score"] == 20 and fig["clearance"]["min_income_per_capita"] == 7000
    assert DEFAULTS["clearance"]["max_risk_score"] == 30  # the defaults are not changed
    for bad in ({"nope": 1}, {"check_days": 0}, {"check_days": "2"}, {"check_days": True}, {"clearance": 3}):
        with pytest.raises(InvalidInput):
            merged(bad)
