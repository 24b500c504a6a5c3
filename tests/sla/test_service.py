"""Deadlines from the database: policy rows, category inheritance, calendar overrides."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from lianxin.appeals.deadlines import category_path, deadlines_for
from lianxin.defaults import category_by_path
from lianxin.errors import InvalidInput
from lianxin.sla.service import get_rules, set_calendar_day, set_policy
from tests.factories import new_appeal

T = datetime.fromisoformat


def test_default_policies_ship_with_a_catch_all_and_the_beijing_tiers(db, city):
    limits = {r.name: str(r.handle) for r in get_rules(db, city.jid)}
    assert limits["默认：5个工作日"] == "5wd"
    assert {"2h", "24h", "7d", "15d"} <= set(limits.values())


def test_a_utility_leaf_category_inherits_the_24_hour_rule_of_its_parent(db, city, clock):
    appeal = new_appeal(db, city, category="公共服务/供水/停水")
    path = category_path(db, appeal.category_id)
    assert len(path) == 3
    rule, due = deadlines_for(db, appeal, T("2026-03-02T09:30:00+08:00"))
    assert "供水" in rule.name
    assert due.due_at == T("2026-03-03T09:30:00+08:00")


def test_a_policy_for_a_leaf_beats_the_parents_rule(db, city):
    leaf = category_by_path(db, city.jid, "公共服务/供水/水费")
    set_policy(
        db,
        jurisdiction_id=city.jid,
        name="水费：3个工作日",
        category_id=leaf.id,
        sign="2wh",
        contact="1wd",
        handle="3wd",
    )
    appeal = new_appeal(db, city, category="公共服务/供水/水费")
    rule, due = deadlines_for(db, appeal, T("2026-03-02T09:30:00+08:00"))
    assert rule.name == "水费：3个工作日"
    assert due.due_at == T("2026-03-05T18:00:00+08:00")


def test_an_invalid_limit_is_refused_and_nothing_is_saved(db, city):
    before = len(get_rules(db, city.jid))
    with pytest.raises(InvalidInput) as err:
        set_policy(db, jurisdiction_id=city.jid, name="坏", sign="2 weeks", contact="1wd", handle="5wd")
    assert err.value.field == "sign_limit" and "时限格式无效" in err.value.message_zh
    assert len(get_rules(db, city.jid)) == before


def test_an_admin_holiday_override_moves_the_deadline(db, city):
    appeal = new_appeal(db, city)
    start = T("2026-03-02T09:30:00+08:00")
    _, normal = deadlines_for(db, appeal, start)
    assert normal.due_at == T("2026-03-09T18:00:00+08:00")
    set_calendar_day(db, jurisdiction_id=city.jid, day=date(2026, 3, 4), is_workday=False, name="本地停工")
    _, shifted = deadlines_for(db, appeal, start)
    assert shifted.due_at == T("2026-03-10T18:00:00+08:00")
