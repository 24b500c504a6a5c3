"""WorkingCalendar against the real 2026 calendar.

2026 facts used below (State Council notice, as shipped in chinese_calendar):
Spring Festival: Sat 02-14 worked, Sun 02-15 .. Mon 02-23 off, Sat 02-28 worked.
Mid-Autumn: Fri 09-25 .. Sun 09-27 off.
National Day: Sun 09-20 worked, Thu 10-01 .. Wed 10-07 off, Sat 10-10 worked.
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from lianxin.sla.calendar import WorkingCalendar

SHANGHAI = ZoneInfo("Asia/Shanghai")  # the default LIANXIN_TIMEZONE, which these tests run in

CAL = WorkingCalendar()
UTC = UTC


def sh(y, m, d, hh=0, mm=0):
    """Aware Asia/Shanghai datetime."""
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


def utc(y, m, d, hh=0, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=UTC)


def days(start, end):
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


# -- is_workday --------------------------------------------------------------------------


def test_spring_festival_2026_is_off_and_its_makeup_saturdays_are_workdays():
    assert CAL.is_workday(date(2026, 2, 13))
    assert CAL.is_workday(date(2026, 2, 14))  # Saturday 调休
    assert not any(CAL.is_workday(d) for d in days(date(2026, 2, 15), date(2026, 2, 23)))
    assert CAL.is_workday(date(2026, 2, 24))
    assert CAL.is_workday(date(2026, 2, 28))  # Saturday 调休
    assert not CAL.is_workday(date(2026, 3, 1))  # ordinary Sunday


def test_national_day_2026_is_off_and_its_makeup_weekend_days_are_workdays():
    assert CAL.is_workday(date(2026, 9, 20))  # Sunday 调休
    assert not CAL.is_workday(date(2026, 9, 25))  # Mid-Autumn Friday
    assert CAL.is_workday(date(2026, 9, 30))
    assert not any(CAL.is_workday(d) for d in days(date(2026, 10, 1), date(2026, 10, 7)))
    assert CAL.is_workday(date(2026, 10, 8))
    assert CAL.is_workday(date(2026, 10, 10))  # Saturday 调休
    assert not CAL.is_workday(date(2026, 10, 11))


def test_overrides_win_both_ways_over_the_official_calendar():
    cal = WorkingCalendar(overrides={date(2026, 10, 1): True, date(2026, 2, 24): False})
    assert cal.is_workday(date(2026, 10, 1))
    assert not cal.is_workday(date(2026, 2, 24))
    assert not cal.is_workday(date(2026, 10, 2))


def test_a_year_outside_the_library_range_falls_back_to_monday_to_friday():
    assert CAL.is_workday(date(2030, 1, 1))  # a Tuesday; the holiday is unknown
    assert not CAL.is_workday(date(2030, 1, 5))  # Saturday
    assert not CAL.is_workday(date(2003, 1, 4))  # Saturday, before the range
    cal = WorkingCalendar(overrides={date(2030, 1, 1): False})
    assert not cal.is_workday(date(2030, 1, 1))


def test_overrides_are_copied_so_later_mutation_has_no_effect():
    source = {date(2026, 10, 1): True}
    cal = WorkingCalendar(overrides=source)
    source[date(2026, 10, 1)] = False
    assert cal.is_workday(date(2026, 10, 1))


def test_invalid_configuration_is_rejected():
    with pytest.raises(ValueError):
        WorkingCalendar(day_start=time(18), day_end=time(9))
    with pytest.raises(TypeError):
        WorkingCalendar(overrides={datetime(2026, 10, 1): True})


# -- add_working_days --------------------------------------------------------------------


def test_five_working_days_skip_spring_festival_and_count_makeup_saturday():
    due = CAL.add_working_days(sh(2026, 2, 13, 10), 5)  # 14 (Sat), 24, 25, 26, 27
    assert due == sh(2026, 2, 27, 18)
    assert due == utc(2026, 2, 27, 10)
    assert due.tzinfo is UTC


def test_working_days_skip_national_day_and_count_makeup_saturday():
    start = sh(2026, 9, 30, 17)
    assert CAL.add_working_days(start, 1) == sh(2026, 10, 8, 18)
    assert CAL.add_working_days(start, 3) == sh(2026, 10, 10, 18)
    assert CAL.add_working_days(start, 4) == sh(2026, 10, 12, 18)


def test_the_start_day_never_counts_even_before_day_start():
    assert CAL.add_working_days(sh(2026, 9, 30, 7), 1) == sh(2026, 10, 8, 18)


def test_zero_working_days_means_end_of_today_if_still_working_time():
    assert CAL.add_working_days(sh(2026, 9, 30, 7), 0) == sh(2026, 9, 30, 18)
    assert CAL.add_working_days(sh(2026, 9, 30, 10), 0) == sh(2026, 9, 30, 18)


def test_zero_working_days_after_day_end_or_on_a_holiday_means_end_of_next_workday():
    assert CAL.add_working_days(sh(2026, 9, 30, 18), 0) == sh(2026, 10, 8, 18)
    assert CAL.add_working_days(sh(2026, 10, 3, 11), 0) == sh(2026, 10, 8, 18)


def test_working_days_from_a_holiday_start_count_from_the_next_workday():
    assert CAL.add_working_days(sh(2026, 10, 3, 11), 1) == sh(2026, 10, 8, 18)
    assert CAL.add_working_days(sh(2026, 2, 20, 11), 2) == sh(2026, 2, 25, 18)


def test_utc_input_uses_the_shanghai_local_date():
    start = utc(2026, 2, 13, 20)  # Sat 2026-02-14 04:00 in Shanghai
    assert CAL.add_working_days(start, 0) == sh(2026, 2, 14, 18)
    assert CAL.add_working_days(start, 1) == sh(2026, 2, 24, 18)


def test_an_override_holiday_pushes_the_deadline():
    cal = WorkingCalendar(overrides={date(2026, 10, 8): False, date(2026, 10, 5): True})
    assert cal.add_working_days(sh(2026, 9, 30, 10), 2) == sh(2026, 10, 9, 18)


def test_negative_working_days_are_rejected():
    with pytest.raises(ValueError):
        CAL.add_working_days(sh(2026, 9, 30, 10), -1)


# -- add_working_hours -------------------------------------------------------------------


def test_hours_inside_working_time_stay_on_the_same_day_up_to_day_end():
    assert CAL.add_working_hours(sh(2026, 9, 30, 16), 2) == sh(2026, 9, 30, 18)
    assert CAL.add_working_hours(sh(2026, 9, 30, 10), 1) == sh(2026, 9, 30, 11)


def test_hours_spill_over_national_day_to_the_next_workday():
    assert CAL.add_working_hours(sh(2026, 9, 30, 16), 3) == sh(2026, 10, 8, 10)


def test_fractional_hours_are_counted_to_the_minute():
    assert CAL.add_working_hours(sh(2026, 9, 30, 17, 30), 0.5) == sh(2026, 9, 30, 18)
    assert CAL.add_working_hours(sh(2026, 9, 30, 17, 30), 0.75) == sh(2026, 10, 8, 9, 15)


def test_a_start_before_working_hours_begins_at_day_start():
    assert CAL.add_working_hours(sh(2026, 9, 30, 7), 2) == sh(2026, 9, 30, 11)


def test_a_start_after_working_hours_begins_at_the_next_working_morning():
    assert CAL.add_working_hours(sh(2026, 9, 30, 19), 1) == sh(2026, 10, 8, 10)


def test_a_start_on_a_holiday_begins_at_the_first_workday_after_it():
    assert CAL.add_working_hours(sh(2026, 10, 3, 11), 1) == sh(2026, 10, 8, 10)
    assert CAL.add_working_hours(sh(2026, 9, 19, 10), 1) == sh(2026, 9, 20, 10)  # Sunday 调休


def test_working_hours_run_through_the_makeup_saturday_after_national_day():
    start = sh(2026, 10, 9, 17)  # Fri: 1 h, Sat 10-10: 9 h, Sun off
    assert CAL.add_working_hours(start, 10) == sh(2026, 10, 10, 18)
    assert CAL.add_working_hours(start, 11) == sh(2026, 10, 12, 10)


def test_working_hours_cross_spring_festival_via_the_makeup_saturday():
    start = sh(2026, 2, 13, 15)  # Fri: 3 h, Sat 02-14: 9 h, then off until 02-24
    assert CAL.add_working_hours(start, 12) == sh(2026, 2, 14, 18)
    assert CAL.add_working_hours(start, 12.5) == sh(2026, 2, 24, 9, 30)


def test_working_hours_skip_the_mid_autumn_long_weekend():
    assert CAL.add_working_hours(sh(2026, 9, 24, 17), 2) == sh(2026, 9, 28, 10)


def test_zero_hours_moves_a_start_outside_working_time_to_the_next_working_moment():
    assert CAL.add_working_hours(sh(2026, 9, 30, 19), 0) == sh(2026, 10, 8, 9)
    assert CAL.add_working_hours(sh(2026, 9, 30, 10, 5), 0) == sh(2026, 9, 30, 10, 5)


def test_working_hours_accept_utc_and_other_zones_and_return_utc():
    assert CAL.add_working_hours(utc(2026, 9, 30, 1), 9) == utc(2026, 9, 30, 10)
    assert CAL.add_working_hours(utc(2026, 9, 30, 12), 1) == utc(2026, 10, 8, 2)
    new_york = datetime(2026, 9, 29, 21, tzinfo=ZoneInfo("America/New_York"))  # 09:00 Shanghai
    result = CAL.add_working_hours(new_york, 9)
    assert result == utc(2026, 9, 30, 10)
    assert result.tzinfo is UTC


def test_custom_working_hours_are_respected():
    cal = WorkingCalendar(day_start=time(8, 30), day_end=time(17, 30))
    assert cal.add_working_hours(sh(2026, 9, 30, 17), 1) == sh(2026, 10, 8, 9)
    assert cal.add_working_days(sh(2026, 9, 30, 17), 1) == sh(2026, 10, 8, 17, 30)


def test_negative_hours_are_rejected():
    with pytest.raises(ValueError):
        CAL.add_working_hours(sh(2026, 9, 30, 10), -0.5)


# -- measuring ---------------------------------------------------------------------------


def test_working_hours_between_counts_only_working_time_and_is_signed():
    assert CAL.working_hours_between(sh(2026, 9, 30, 16), sh(2026, 10, 8, 10)) == 3.0
    assert CAL.working_hours_between(sh(2026, 10, 8, 10), sh(2026, 9, 30, 16)) == -3.0
    assert CAL.working_hours_between(sh(2026, 9, 30, 17, 30), sh(2026, 10, 8, 9, 15)) == 0.75
    assert CAL.working_hours_between(sh(2026, 10, 1), sh(2026, 10, 7, 23, 59)) == 0.0
    assert CAL.working_hours_between(sh(2026, 9, 30, 10), sh(2026, 9, 30, 10)) == 0.0


def test_working_hours_between_spans_spring_festival():
    assert CAL.working_hours_between(sh(2026, 2, 13, 9), sh(2026, 2, 24, 9)) == 18.0
    assert CAL.working_hours_between(utc(2026, 2, 13, 1), utc(2026, 2, 24, 1)) == 18.0


@pytest.mark.parametrize("hours", [0.5, 1, 3, 9, 12.5, 40, 100])
def test_working_hours_between_inverts_add_working_hours(hours):
    start = sh(2026, 9, 24, 17, 20)
    assert CAL.working_hours_between(start, CAL.add_working_hours(start, hours)) == pytest.approx(hours)


def test_working_days_between_says_how_many_working_days_overdue():
    due = sh(2026, 9, 30, 18)
    assert CAL.working_days_between(due, sh(2026, 10, 12, 9)) == 4  # 10-08, 09, 10 (Sat), 12
    assert CAL.working_days_between(due, sh(2026, 10, 7, 23)) == 0
    assert CAL.working_days_between(due, sh(2026, 9, 30, 23)) == 0
    assert CAL.working_days_between(sh(2026, 10, 12, 9), due) == -4


def test_working_days_between_inverts_add_working_days_across_spring_festival():
    start = sh(2026, 2, 13, 10)
    for n in range(1, 12):
        assert CAL.working_days_between(start, CAL.add_working_days(start, n)) == n


def test_working_days_between_uses_local_dates_for_utc_input():
    # 2026-02-14 04:00 local -> 2026-02-24 10:00 local: only 02-24 counts.
    assert CAL.working_days_between(utc(2026, 2, 13, 20), utc(2026, 2, 24, 2)) == 1


def test_working_days_between_respects_overrides():
    cal = WorkingCalendar(overrides={date(2026, 10, 5): True})
    assert cal.working_days_between(sh(2026, 9, 30, 18), sh(2026, 10, 8, 9)) == 2


@pytest.mark.parametrize(
    "call",
    [
        lambda dt: CAL.add_working_days(dt, 1),
        lambda dt: CAL.add_working_hours(dt, 1),
        lambda dt: CAL.working_hours_between(dt, sh(2026, 10, 8)),
        lambda dt: CAL.working_days_between(sh(2026, 10, 8), dt),
    ],
)
def test_naive_datetimes_are_rejected_with_a_clear_message(call):
    with pytest.raises(ValueError, match="timezone-aware"):
        call(datetime(2026, 9, 30, 10))
