"""The pure part: every legal and illegal (status, action) pair, outcomes, the ladder and the rule arithmetic."""

from datetime import UTC, datetime, timedelta

import pytest

from lianxin.care.status import (
    DEFAULT_LADDER,
    TRANSITIONS,
    AlarmAction,
    AlarmCategory,
    AlarmStatus,
    Outcome,
    RuleKind,
    category_of,
    check_ladder,
    in_hours,
    judge_silence,
    judge_usage,
    next_escalation,
    next_status,
    usage_in_window,
    work_order_urgency,
)
from lianxin.errors import Conflict, InvalidInput

T0 = datetime(2026, 3, 2, tzinfo=UTC)


@pytest.mark.parametrize("status", list(AlarmStatus))
@pytest.mark.parametrize("action", [a for a in AlarmAction if a != AlarmAction.RAISE])
def test_every_pair(status, action):
    if (status, action) not in TRANSITIONS:
        with pytest.raises(Conflict):
            next_status(status, action, outcome=Outcome.SAFE)
        return
    target = TRANSITIONS[(status, action)]
    got = next_status(status, action, outcome=Outcome.SAFE)
    assert got == (target or AlarmStatus.RESOLVED)


def test_outcomes_decide_the_closing_status():
    assert next_status("visiting", "record_visit", outcome="false_alarm") == AlarmStatus.FALSE_ALARM
    assert next_status("acknowledged", "record_visit", outcome="emergency") == AlarmStatus.RESOLVED
    assert next_status("visiting", "record_visit", outcome="repaired", category="maintenance") == AlarmStatus.RESOLVED
    with pytest.raises(InvalidInput):
        next_status("visiting", "record_visit", outcome=None)
    with pytest.raises(InvalidInput):
        next_status("visiting", "record_visit", outcome="repaired")  # welfare alarms need a welfare outcome
    with pytest.raises(InvalidInput):
        next_status("visiting", "record_visit", outcome="safe", category=AlarmCategory.MAINTENANCE)


def test_no_data_is_maintenance():
    assert category_of(RuleKind.NO_DATA) == AlarmCategory.MAINTENANCE
    assert category_of("low_usage") == AlarmCategory.WELFARE


def test_ladder_checks_and_timers():
    assert check_ladder(DEFAULT_LADDER)[0] == {"to": "contact", "after_min": 0}
    for bad in ([], [{"to": "mayor", "after_min": 1}], [{"to": "grid"}], [{"to": "grid", "after_min": -1}]):
        with pytest.raises(InvalidInput):
            check_ladder(bad)
    assert next_escalation(DEFAULT_LADDER, 1, T0) == T0 + timedelta(minutes=30)
    assert next_escalation(DEFAULT_LADDER, 2, T0) == T0  # the work order right after the community
    assert next_escalation(DEFAULT_LADDER, len(DEFAULT_LADDER) - 1, T0) is None
    assert check_ladder([{"to": "work_order", "after_min": 5}]) == [{"to": "work_order", "after_min": 5}]
    assert work_order_urgency("button") == "critical" and work_order_urgency("low_usage") == "urgent"


def test_usage_in_window_needs_an_opening_reading():
    readings = [(T0, 10.0), (T0 + timedelta(hours=12), 10.004), (T0 + timedelta(hours=24), 10.006)]
    assert usage_in_window(readings, T0, T0 + timedelta(hours=24)) == pytest.approx(0.006)
    assert usage_in_window(readings, T0 - timedelta(hours=1), T0 + timedelta(hours=24)) is None
    # order does not matter (late messages)
    assert usage_in_window(list(reversed(readings)), T0, T0 + timedelta(hours=12)) == pytest.approx(0.004)


def test_judge_low_and_high_use():
    readings = [(T0, 10.0), (T0 + timedelta(hours=24), 10.006)]
    now = T0 + timedelta(hours=24)
    low = judge_usage("low_usage", readings, now, window_h=24, threshold=0.01)
    assert low.fire and not low.clear and low.value == pytest.approx(0.006)
    high = judge_usage("high_usage", readings, now, window_h=24, threshold=2)
    assert not high.fire and high.clear
    assert judge_usage("low_usage", readings[1:], now, window_h=24, threshold=0.01) == judge_usage(
        "low_usage", [], now, window_h=24, threshold=0.01
    )


def test_silence_counts_from_registration_when_never_heard():
    v = judge_silence(None, T0, T0 + timedelta(hours=49), window_h=48)
    assert v.fire
    assert judge_silence(T0 + timedelta(hours=40), T0, T0 + timedelta(hours=49), window_h=48).clear


def test_active_hours():
    assert in_hours(23, "22-6") and in_hours(3, "22-6") and not in_hours(12, "22-6")
    assert in_hours(9, "8-20") and not in_hours(21, "8-20")
    assert in_hours(5, None)
