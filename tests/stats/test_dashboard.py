"""Dashboard and public statistics on the scenario: the same answers from the live delta and the rollups."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from lianxin.appeals.service import mark_overdue
from lianxin.clock import utcnow
from lianxin.errors import InvalidInput, PermissionDenied
from lianxin.stats.dashboard import (
    category_mix,
    dashboard_scope,
    overdue_heatmap,
    public_summary,
    rates_by_unit,
    trend,
)
from lianxin.stats.fold import fold_now, local_day
from lianxin.stats.rollups import forget_live
from tests.assessment.scenario import build, handle
from tests.assessment.test_supervision import dispatched

MARCH = (date(2026, 3, 1), date(2026, 3, 31))


def all_views(db, city):
    forget_live(db)
    street = city.units["street"].id
    return {
        "trend": trend(db, city.jid, *MARCH, bucket="week"),
        "trend_street": trend(db, city.jid, *MARCH, bucket="month", unit_id=street),
        "rates": rates_by_unit(db, city.jid, *MARCH),
        "rates_district": rates_by_unit(db, city.jid, *MARCH, unit_id=city.units["district"].id),
        "mix": category_mix(db, city.jid, *MARCH),
        "heat": overdue_heatmap(db, city.jid, *MARCH),
        "public": public_summary(db, city.jid, *MARCH),
    }


def test_views_agree_before_and_after_folding(db, city, clock):
    build(db, city, clock)
    live = all_views(db, city)
    fold_now(db)
    assert all_views(db, city) == live


def test_trend_counts_intake_for_everything_and_dispatches_for_a_unit(db, city, clock):
    build(db, city, clock)
    week = trend(db, city.jid, *MARCH, bucket="week")
    assert week["periods"][0] == "2026-02-23" and sum(week["received"]) == 8 and sum(week["closed"]) == 5
    street = trend(db, city.jid, *MARCH, bucket="month", unit_id=city.units["street"].id)
    assert street == {"bucket": "month", "periods": ["2026-03-01"], "received": [7], "closed": [4]}
    days = trend(db, city.jid, date(2026, 3, 2), date(2026, 3, 4))
    assert len(days["periods"]) == 3 and len(days["received"]) == 3


def test_rates_by_unit_roll_streets_into_their_district(db, city, clock):
    build(db, city, clock)
    top = {r["unit"]: r for r in rates_by_unit(db, city.jid, *MARCH)["rows"]}
    assert set(top) == {"东城区", "市住房和城乡建设委员会", "自来水集团"}
    assert top["东城区"]["valid_visits"] == 5 and top["自来水集团"]["composite"] is None
    streets = {r["unit"]: r for r in rates_by_unit(db, city.jid, *MARCH, unit_id=city.units["district"].id)["rows"]}
    assert streets["和平街道"]["composite"] == pytest.approx(0.605)
    assert streets["和平街道"]["sign_on_time_rate"] == pytest.approx(5 / 6)
    assert streets["安定街道"]["resolution_rate"] == pytest.approx(1.0)


def test_category_mix_and_public_summary(db, city, clock):
    build(db, city, clock)
    assert category_mix(db, city.jid, *MARCH)["data"] == [{"name": "城乡建设", "value": 8}]
    leaf = category_mix(db, city.jid, *MARCH, level=3)["data"]
    assert leaf == [{"name": "路灯故障", "value": 8}]
    summary = public_summary(db, city.jid, *MARCH)
    assert summary["received"] == 8 and summary["closed"] == 5
    assert summary["months"][0]["month"] == "2026-03" and summary["months"][0]["received"] == 8
    assert summary["communities"] == [{"name": "和平社区", "received": 8}]
    streets = {a["name"]: a for a in summary["areas"] if a["kind"] == "street"}
    assert streets["和平街道"]["solved_rate"] == pytest.approx(0.5)
    assert summary["on_time_rate"] == pytest.approx(6 / 7)
    text = repr(summary)
    assert "13800138000" not in text and "张三" not in text


def test_overdue_heatmap_counts_late_appeals_by_unit_and_week(db, city, clock):
    handle(db, city, clock, reply_late=True)  # replied late, but never swept as overdue
    stuck = dispatched(db, city)
    clock.move_to(stuck.due_at + timedelta(hours=2))
    assert mark_overdue(db, stuck, now=utcnow())
    heat = overdue_heatmap(db, city.jid, *MARCH, unit_id=city.units["district"].id)
    assert heat["units"] == ["和平街道", "安定街道", "区城市管理委员会"]
    week = heat["weeks"].index(
        (local_day(stuck.due_at) - timedelta(days=local_day(stuck.due_at).weekday())).isoformat()
    )
    assert heat["data"] == [[week, 0, 1]] and heat["max"] == 1


def test_scope_and_period_checks(db, city):
    assert dashboard_scope(db, city.users["dispatcher"], None) is None
    assert dashboard_scope(db, city.users["district_leader"], None) == city.units["district"].id
    assert dashboard_scope(db, city.users["district_leader"], city.units["street"].id) == city.units["street"].id
    with pytest.raises(PermissionDenied):
        dashboard_scope(db, city.users["district_leader"], city.units["housing"].id)
    with pytest.raises(PermissionDenied):
        dashboard_scope(db, city.users["street_handler"], None)
    with pytest.raises(InvalidInput):
        trend(db, city.jid, date(2026, 3, 2), date(2026, 3, 1))
