"""The pure rules: every legal and illegal transition, bundle status, the clock colour, slots from hours."""

from __future__ import annotations

from datetime import date, time

import pytest

from lianxin.services import status as st
from lianxin.services.status import AppAction, AppStatus, BookingAction, BookingStatus, EvalAction, EvalStatus


@pytest.mark.parametrize("current", list(AppStatus))
@pytest.mark.parametrize("action", list(AppAction))
def test_application_transitions(current, action):
    expected = st.APP_TRANSITIONS.get((current, action))
    if expected is None:
        with pytest.raises(st.IllegalTransition):
            st.next_app_status(current, action)
    else:
        assert st.next_app_status(current, action) == expected
        assert action in st.allowed_app_actions(current)


@pytest.mark.parametrize("current", list(BookingStatus))
@pytest.mark.parametrize("action", list(BookingAction))
def test_booking_transitions(current, action):
    expected = st.BOOKING_TRANSITIONS.get((current, action))
    if expected is None:
        with pytest.raises(st.IllegalTransition):
            st.next_booking_status(current, action)
    else:
        assert st.next_booking_status(current, action) == expected


@pytest.mark.parametrize("current", list(EvalStatus))
@pytest.mark.parametrize("action", list(EvalAction))
def test_rating_transitions(current, action):
    expected = st.EVAL_TRANSITIONS.get((current, action))
    if expected is None:
        with pytest.raises(st.IllegalTransition):
            st.next_eval_status(current, action)
    else:
        assert st.next_eval_status(current, action) == expected


def test_unknown_values_are_illegal_with_a_chinese_message():
    with pytest.raises(st.IllegalTransition) as info:
        st.next_app_status("delivered", "approve")
    assert "已送达" in info.value.message_zh and "approve" in info.value.message_en
    with pytest.raises(st.IllegalTransition):
        st.next_app_status("nonsense", "approve")


@pytest.mark.parametrize(
    "parts, expected",
    [
        ([], "draft"),
        (["submitted", "accepted"], "submitted"),
        (["need_more", "accepted"], "need_more"),
        (["accepted", "approved"], "accepted"),
        (["approved", "delivered"], "approved"),
        (["delivered", "delivered"], "delivered"),
        (["delivered", "rejected"], "delivered"),
        (["rejected", "rejected"], "rejected"),
    ],
)
def test_a_bundle_is_done_when_all_its_parts_are(parts, expected):
    assert st.bundle_status(parts) == expected


@pytest.mark.parametrize(
    "remaining, limit, colour",
    [
        (None, 5, "grey"),
        (-1, 5, "red"),
        (0, 5, "amber"),
        (1, 5, "amber"),
        (2, 5, "green"),
        (3, 15, "amber"),
        (4, 15, "green"),
    ],
)
def test_clock_colour(remaining, limit, colour):
    assert st.clock_colour(remaining, limit) == colour


def test_opening_hours_become_slots_and_special_days_win():
    hours = {"workday": [["09:00", "12:00"], ["13:30", "17:00"]]}
    slots = st.day_slots(hours["workday"], 60)
    assert [s.starts for s in slots] == [time(9), time(10), time(11), time(13, 30), time(14, 30), time(15, 30)]
    assert st.opening_periods(date(2026, 10, 1), False, hours, {}) == []  # 国庆 closed
    assert st.opening_periods(date(2026, 10, 3), False, hours, {"2026-10-03": [["09:00", "12:00"]]}) == [
        ("09:00", "12:00")
    ]  # 节假日预约: a holiday opening as data
    assert st.opening_periods(date(2026, 3, 3), True, hours, {"2026-03-03": []}) == []  # closed for the day
    assert len(st.opening_periods(date(2026, 3, 3), True, hours, {})) == 2
    with pytest.raises(ValueError):
        st.day_slots([("09:00", "10:00")], 0)


def test_authorisations_cover_their_items_and_period_only():
    args = ([1, 2], date(2026, 3, 1), date(2026, 6, 1), False)
    assert st.authorization_covers(*args, 1, date(2026, 3, 2))
    assert not st.authorization_covers(*args, 3, date(2026, 3, 2))
    assert not st.authorization_covers(*args, 1, date(2026, 6, 2))
    assert not st.authorization_covers([1], date(2026, 3, 1), date(2026, 6, 1), True, 1, date(2026, 3, 2))


def test_satisfaction_counts_fairly_satisfied_and_better():
    assert st.satisfaction([]) is None
    assert st.satisfaction([5, 4, 3, 2]) == 75.0


def test_the_ticket_machine_and_the_queue_helpers():
    from lianxin.services.status import (
        TICKET_TRANSITIONS,
        TicketAction,
        TicketStatus,
        next_ticket_status,
        ticket_number,
        wait_ahead,
    )

    for status in TicketStatus:
        for action in TicketAction:
            if (status, action) in TICKET_TRANSITIONS:
                assert next_ticket_status(status, action) == TICKET_TRANSITIONS[(status, action)]
            else:
                with pytest.raises(st.IllegalTransition):
                    next_ticket_status(status, action)
    with pytest.raises(st.IllegalTransition):
        next_ticket_status("waiting", "teleport")
    assert ticket_number("A", 0) == "A001" and ticket_number("Y", 41) == "Y042"
    queue = [(1, "called"), (2, "waiting"), (3, "left"), (4, "waiting"), (5, "waiting")]
    assert [wait_ahead(queue, t) for t in (1, 2, 4, 5)] == [0, 0, 1, 2]
