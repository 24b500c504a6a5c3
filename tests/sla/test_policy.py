"""Time-limit policies: Limit parsing, rule selection and deadline computation (2026 calendar)."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from lianxin.sla.calendar import WorkingCalendar
from lianxin.sla.policy import (
    Deadlines,
    Limit,
    LimitUnit,
    PolicyRule,
    compute_deadlines,
    explain,
    select_rule,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")  # the default LIANXIN_TIMEZONE, which these tests run in

CAL = WorkingCalendar()
UTC = UTC


def sh(y, m, d, hh=0, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


# -- Limit -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "amount", "unit"),
    [
        ("30m", 30, LimitUnit.MINUTES),
        ("2h", 2, LimitUnit.HOURS),
        ("24h", 24, LimitUnit.HOURS),
        ("7d", 7, LimitUnit.DAYS),
        ("15d", 15, LimitUnit.DAYS),
        ("5wd", 5, LimitUnit.WORKING_DAYS),
        ("2wh", 2, LimitUnit.WORKING_HOURS),
        (" 5 wd ", 5, LimitUnit.WORKING_DAYS),
        ("5WD", 5, LimitUnit.WORKING_DAYS),
    ],
)
def test_limit_parse_accepts_compact_forms(text, amount, unit):
    assert Limit.parse(text) == Limit(amount, unit)


@pytest.mark.parametrize("text", ["", "x", "5", "h", "0h", "-2h", "2.5h", "5w", "5 days", "2hh", "wd5"])
def test_limit_parse_rejects_bad_text_with_a_bilingual_message(text):
    with pytest.raises(ValueError, match="时限格式无效 / invalid time limit") as info:
        Limit.parse(text)
    assert repr(text) in str(info.value)


@pytest.mark.parametrize("text", ["30m", "2h", "24h", "7d", "15d", "5wd", "2wh"])
def test_limit_text_round_trips(text):
    assert str(Limit.parse(text)) == text


def test_limit_rejects_non_positive_amounts_and_coerces_unit_text():
    with pytest.raises(ValueError):
        Limit(0, LimitUnit.HOURS)
    assert Limit(3, "wd").unit is LimitUnit.WORKING_DAYS


@pytest.mark.parametrize(
    ("text", "label"),
    [("5wd", "5个工作日"), ("2h", "2小时"), ("7d", "7天"), ("2wh", "2个工作小时"), ("30m", "30分钟")],
)
def test_limit_label_zh(text, label):
    assert Limit.parse(text).label_zh() == label


def test_clock_limits_ignore_working_time_and_holidays():
    start = sh(2026, 9, 30, 17)
    assert Limit.parse("2h").apply(start, CAL) == sh(2026, 9, 30, 19)
    assert Limit.parse("30m").apply(start, CAL) == sh(2026, 9, 30, 17, 30)
    assert Limit.parse("7d").apply(start, CAL) == sh(2026, 10, 7, 17)  # lands on a holiday
    result = Limit.parse("24h").apply(start, CAL)
    assert result == datetime(2026, 10, 1, 9, tzinfo=UTC)
    assert result.tzinfo is UTC


def test_working_limits_use_the_calendar():
    assert Limit.parse("5wd").apply(sh(2026, 2, 13, 10), CAL) == datetime(2026, 2, 27, 10, tzinfo=UTC)
    assert Limit.parse("2wh").apply(sh(2026, 9, 30, 17), CAL) == sh(2026, 10, 8, 10)


def test_clock_limits_reject_naive_start():
    with pytest.raises(ValueError, match="timezone-aware"):
        Limit.parse("2h").apply(datetime(2026, 9, 30, 17), CAL)


# -- select_rule -------------------------------------------------------------------------

L1, L2, L3 = 100, 200, 300  # a category chain: L3 under L2 under L1


def rule(id, **kw):
    return PolicyRule(id=id, sign="2wh", contact="1wd", handle="5wd", **kw)


RULES = [
    rule(1, name="默认"),
    rule(2, urgency="urgent"),
    rule(3, category_id=L1),
    rule(4, category_id=L3),
    rule(5, appeal_type="complaint"),
    rule(6, category_id=L2, appeal_type="complaint"),
    rule(7, category_id=L3, urgency="critical"),
]


def pick(appeal_type="consultation", path=(), urgency="normal", rules=RULES):
    return select_rule(rules, appeal_type=appeal_type, category_path=list(path), urgency=urgency).id


def test_uncategorised_normal_appeal_falls_to_the_catch_all():
    assert pick() == 1


def test_appeal_type_match_beats_the_catch_all():
    assert pick(appeal_type="complaint") == 5


def test_a_leaf_category_match_beats_an_ancestor_match():
    assert pick(path=[L3, L2, L1]) == 4
    assert pick(path=[301, L2, L1]) == 3


def test_category_weight_beats_appeal_type_weight():
    assert pick(appeal_type="complaint", path=[L3, L2, L1]) == 4  # 30 vs L2+type 21
    assert pick(appeal_type="complaint", path=[301, L2, L1]) == 6  # 21 vs L1 10 vs type 1


def test_urgency_match_beats_any_category_match():
    assert pick(path=[L3, L2, L1], urgency="urgent") == 2
    assert pick(path=[L3, L2, L1], urgency="critical") == 7


def test_a_rule_with_any_mismatching_field_does_not_match():
    assert pick(path=[301, L2, L1], urgency="critical") == 3  # rule 7 needs L3


def test_ties_go_to_the_lowest_id_whatever_the_order():
    rules = [rule(9, category_id=L1), rule(8, category_id=L1), rule(1)]
    assert pick(path=[L2, L1], rules=rules) == 8
    assert pick(path=[L2, L1], rules=list(reversed(rules))) == 8


def test_an_ancestor_deeper_than_three_levels_still_beats_the_catch_all():
    assert pick(path=[400, L3 + 1, L2 + 1, L1], rules=[rule(1), rule(3, category_id=L1)]) == 3


def test_no_matching_rule_raises_lookup_error():
    with pytest.raises(LookupError, match="no time-limit rule matches"):
        pick(rules=[rule(2, urgency="urgent"), rule(3, category_id=L1)])


def test_policy_rule_parses_text_limits_and_rejects_unknown_urgency():
    assert rule(1).handle == Limit(5, LimitUnit.WORKING_DAYS)
    with pytest.raises(ValueError, match="urgency"):
        rule(1, urgency="high")


# -- compute_deadlines and explain -------------------------------------------------------


def test_default_rule_deadlines_across_spring_festival():
    deadlines = compute_deadlines(RULES[0], sh(2026, 2, 13, 10), CAL)
    assert deadlines == Deadlines(
        sign_due_at=sh(2026, 2, 13, 12),
        contact_due_at=sh(2026, 2, 14, 18),  # make-up Saturday
        due_at=sh(2026, 2, 27, 18),
    )
    assert all(v.tzinfo is UTC for v in vars(deadlines).values())


def test_beijing_tiers_measure_every_limit_from_dispatch():
    tier = PolicyRule(id=2, sign="2h", contact="24h", handle="7d", urgency="urgent")
    start = sh(2026, 9, 30, 17)
    assert compute_deadlines(tier, start, CAL) == Deadlines(
        sign_due_at=sh(2026, 9, 30, 19),
        contact_due_at=sh(2026, 10, 1, 17),
        due_at=sh(2026, 10, 7, 17),
    )


def test_later_sign_and_contact_limits_are_clamped_to_the_handling_deadline():
    odd = PolicyRule(id=3, sign="10d", contact="2wd", handle="1wd")
    start = sh(2026, 9, 30, 17)
    assert compute_deadlines(odd, start, CAL) == Deadlines(
        sign_due_at=sh(2026, 10, 8, 18),
        contact_due_at=sh(2026, 10, 8, 18),
        due_at=sh(2026, 10, 8, 18),
    )


def test_sign_is_clamped_to_contact_when_only_contact_is_shorter():
    odd = PolicyRule(id=4, sign="10d", contact="1wd", handle="5wd")
    assert compute_deadlines(odd, sh(2026, 9, 30, 17), CAL) == Deadlines(
        sign_due_at=sh(2026, 10, 8, 18),  # 10d would be 10-10 17:00
        contact_due_at=sh(2026, 10, 8, 18),
        due_at=sh(2026, 10, 13, 18),  # 10-08, 09, 10 (Sat), 12, 13
    )


def test_explain_is_one_chinese_line():
    assert explain(RULES[0]) == "签收 2个工作小时 · 联系 1个工作日 · 办理 5个工作日（默认）"
    assert explain(rule(5)) == "签收 2个工作小时 · 联系 1个工作日 · 办理 5个工作日"
