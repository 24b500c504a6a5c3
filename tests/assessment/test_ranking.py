"""Monthly rankings within a unit kind, month-on-month change, red and black lists, and the settings."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from lianxin.assessment.service import get_settings_row, monthly_ranking, parse_month, update_settings
from lianxin.errors import InvalidInput, PermissionDenied
from tests.assessment.scenario import build, handle


def test_streets_rank_by_composite_with_lists(db, city, clock):
    build(db, city, clock)
    ranking = monthly_ranking(db, city.jid, date(2026, 3, 1), "street")
    rows = {r["unit"]: r for r in ranking["rows"]}
    assert rows["安定街道"]["rank"] == 1 and rows["安定街道"]["composite"] == pytest.approx(1.0)
    assert rows["和平街道"]["rank"] == 2 and rows["和平街道"]["composite"] == pytest.approx(0.605)
    # defaults: red top 3, black bottom 3 below the red list, or composite < 0.8
    assert ranking["red_list"] == ["安定街道"]
    assert ranking["black_list"] == ["和平街道"]
    assert rows["和平街道"]["previous_composite"] is None and rows["和平街道"]["change"] is None


def test_districts_include_their_streets_and_departments_without_visits_are_unranked(db, city, clock):
    build(db, city, clock)
    district = monthly_ranking(db, city.jid, date(2026, 3, 1), "district")
    [row] = district["rows"]
    assert row["unit"] == "东城区" and row["valid_visits"] == 5 and row["rank"] == 1
    departments = monthly_ranking(db, city.jid, date(2026, 3, 1), "department")
    assert {r["unit"] for r in departments["rows"]} == {"市住房和城乡建设委员会", "区城市管理委员会"}
    assert all(r["rank"] is None and r["composite"] is None for r in departments["rows"])


def test_month_on_month_change(db, city, clock):
    build(db, city, clock)
    clock.move_to(datetime.fromisoformat("2026-04-01T09:30:00+08:00"))
    handle(db, city, clock, visit=(True, True, "satisfied"))
    ranking = monthly_ranking(db, city.jid, date(2026, 4, 1), "street")
    row = next(r for r in ranking["rows"] if r["unit"] == "和平街道")
    assert row["composite"] == pytest.approx(1.0) and row["previous_composite"] == pytest.approx(0.605)
    assert row["change"] == pytest.approx(0.395) and row["previous_rank"] == 2 and row["rank"] == 1


def test_settings_change_the_weights_and_lists(db, city, clock):
    build(db, city, clock)
    update_settings(
        db,
        city.jid,
        actor=city.users["admin"],
        weight_response=0.3,
        weight_resolution=0.35,
        weight_satisfaction=0.35,
        black_list_below=0.0,
        black_list_size=0,
        red_list_size=1,
    )
    ranking = monthly_ranking(db, city.jid, date(2026, 3, 1), "street")
    row = next(r for r in ranking["rows"] if r["unit"] == "和平街道")
    assert row["composite"] == pytest.approx(0.3 * 0.75 + 0.35 * 0.5 + 0.35 * 0.7)
    assert ranking["black_list"] == [] and ranking["red_list"] == ["安定街道"]


def test_settings_are_validated_and_admin_only(db, city):
    before = get_settings_row(db, city.jid).weight_response
    with pytest.raises(InvalidInput):
        update_settings(db, city.jid, actor=city.users["admin"], weight_response=0.5)
    with pytest.raises(InvalidInput):
        update_settings(db, city.jid, actor=city.users["admin"], colour="red")
    with pytest.raises(PermissionDenied):
        update_settings(db, city.jid, actor=city.users["leader"], red_list_size=5)
    assert get_settings_row(db, city.jid).weight_response == before


def test_bad_months_and_kinds_are_refused(db, city):
    assert parse_month("2026-03") == date(2026, 3, 1)
    for text in ("2026-13", "March", "2026"):
        with pytest.raises(InvalidInput):
            parse_month(text)
    with pytest.raises(InvalidInput):
        monthly_ranking(db, city.jid, date(2026, 3, 1), "community")
