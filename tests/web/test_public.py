"""Public statistics (no login, no personal data): the figures from real appeals, and the page."""

from __future__ import annotations

from datetime import datetime

import pytest

from lianxin.appeals.service import dispatch_appeal, record_contact, reply_to_appeal, sign_appeal
from lianxin.visits.service import rate_appeal
from lianxin.web.public_stats import public_figures
from tests.factories import new_appeal


def handle(db, city, appeal, *, clock=None, late=False):
    dispatch_appeal(db, appeal, city.units["street"], actor=city.users["dispatcher"])
    handler = city.users["street_handler"]
    sign_appeal(db, appeal, actor=handler)
    record_contact(db, appeal, actor=handler, note="已联系")
    if late:
        clock.move_to(appeal.due_at.replace(hour=23))
    reply_to_appeal(db, appeal, actor=handler, text="已处理完毕。")


@pytest.fixture
def history(db, city, clock):
    """January: two appeals in 和平社区, both replied (one late) and rated; March: three more, one replied,
    rated dissatisfied and so reopened."""
    clock.move_to(datetime.fromisoformat("2026-01-12T10:00:00+08:00"))
    jan_a = new_appeal(db, city, lat=39.90, lng=116.40)
    jan_b = new_appeal(
        db, city, lat=39.92, lng=116.42, appellant_phone="13900000001", category="城乡建设/市政设施/路灯故障"
    )
    handle(db, city, jan_a)
    rate_appeal(db, jan_a, phone="13800138000", solved=True, satisfaction="satisfied")
    handle(db, city, jan_b, clock=clock, late=True)
    rate_appeal(db, jan_b, phone="13900000001", solved=False, satisfaction="basically_satisfied")
    clock.move_to(datetime.fromisoformat("2026-03-02T09:30:00+08:00"))
    mar = [
        new_appeal(db, city, lat=39.91, lng=116.41, appellant_phone=f"1370000000{i}", category=None) for i in range(3)
    ]
    handle(db, city, mar[0])
    rate_appeal(db, mar[0], phone="13700000000", solved=False, satisfaction="dissatisfied")
    return {"jan": [jan_a, jan_b], "mar": mar}


def test_figures_by_month_count_received_closed_and_satisfaction(db, city, history, clock):
    figures = public_figures(db, city.jid)
    assert len(figures.months) == 12 and figures.months[-1] == "2026-03" and figures.months[0] == "2025-04"
    jan, mar = figures.months.index("2026-01"), figures.months.index("2026-03")
    # 满意率 counts 基本满意 at the configured weight (0.9 by default): (1 + 0.9) / 2 valid visits
    assert (figures.received[jan], figures.closed[jan], figures.satisfaction[jan]) == (2, 2, 95.0)
    assert (figures.received[mar], figures.closed[mar], figures.satisfaction[mar]) == (3, 0, 0.0)
    assert (
        figures.received[figures.months.index("2026-02")] == 0
        and figures.satisfaction[figures.months.index("2026-02")] is None
    )
    assert figures.total_received == 5 and figures.total_closed == 2


def test_rates_follow_their_stated_definitions(db, city, history):
    figures = public_figures(db, city.jid)
    assert figures.solved_rate == round(100 * 1 / 3, 1)  # solved 1 of 3 rated
    assert figures.satisfaction_rate == round(100 * 1.9 / 3, 1)  # (satisfied + 0.9 × basically) / 3 valid visits
    assert figures.on_time_rate == round(100 * 2 / 3, 1)  # of the three replies one came late


def test_figures_by_district_street_and_category(db, city, history):
    figures = public_figures(db, city.jid)
    # areas are those of the handling unit: three appeals were dispatched to 和平街道 (东城区), two closed
    assert [(r.name, r.handled, r.closed) for r in figures.districts] == [("东城区", 3, 2)]
    assert [(r.name, r.handled, r.satisfaction_rate) for r in figures.streets] == [("和平街道", 3, round(190 / 3, 1))]
    assert figures.top_categories == [("路灯故障", 2)]


def test_the_map_places_communities_without_any_single_appeal(db, city, history):
    [point] = public_figures(db, city.jid).points
    assert (point.name, point.count) == ("和平社区", 5)
    assert point.lat == pytest.approx(39.91) and point.lng == pytest.approx(116.41)


def test_old_appeals_and_other_jurisdictions_are_left_out(db, city, history, clock):
    from tests.factories import build_city

    other = build_city(db)
    new_appeal(db, other)
    clock.move_to(datetime.fromisoformat("2027-02-10T10:00:00+08:00"))
    figures = public_figures(db, city.jid)
    assert figures.total_received == 3 and figures.received[-2] == 0  # January 2026 fell out of the window


def test_the_statistics_page_needs_no_login_and_shows_no_personal_data(client, db, city, history):
    page = client.get("/stats")
    assert page.status_code == 200
    assert 'id="kpi-received">5<' in page.text and "和平街道" in page.text and "路灯故障" in page.text
    assert "echarts.min.js" in page.text and 'id="community-map"' in page.text
    for secret in (
        "13800138000",
        "13900000001",
        "张三",
        "和平里小区3号楼",
        history["jan"][0].order_no,
        history["jan"][0].tracking_token,
    ):
        assert secret not in page.text


def test_the_statistics_page_in_english(client, db, city, history):
    page = client.get("/stats?lang=en")
    assert "Satisfaction rate" in page.text and "Received" in page.text and "满意率" not in page.text


def test_an_empty_jurisdiction_shows_dashes_not_errors(client, city):
    page = client.get("/stats")
    assert page.status_code == 200 and 'id="kpi-satisfaction">—<' in page.text and "暂无带位置的诉求" in page.text


def test_the_page_and_the_open_api_show_the_same_figures_without_a_login(client, db, city, history):
    """/stats and /api/v1/stats/public read the same rollups with the same rate definitions."""
    page = client.get("/stats").text
    api = client.get("/api/v1/stats/public")  # no key, no session
    assert api.status_code == 200
    data = api.json()
    figures = public_figures(db, city.jid)

    def pct(rate):
        return "—" if rate is None else f"{round(100 * rate, 1)}%"

    assert f'id="kpi-received">{data["received"]}<' in page and data["received"] == figures.total_received == 5
    assert f'id="kpi-closed">{data["closed"]}<' in page and data["closed"] == 2
    assert f'id="kpi-solved">{pct(data["solved_rate"])}<' in page
    assert (
        f'id="kpi-satisfaction">{pct(data["satisfaction_rate"])}<' in page and pct(data["satisfaction_rate"]) == "63.3%"
    )
    assert f'id="kpi-on-time">{pct(data["on_time_rate"])}<' in page
    assert [m["month"] for m in data["months"]] == figures.months
    assert [m["received"] for m in data["months"]] == figures.received
    assert [m["closed"] for m in data["months"]] == figures.closed
    assert [
        None if m["satisfaction_rate"] is None else round(100 * m["satisfaction_rate"], 1) for m in data["months"]
    ] == figures.satisfaction
    streets = [(a["name"], a["handled"], a["closed"]) for a in data["areas"] if a["kind"] == "street"]
    assert streets == [(r.name, r.handled, r.closed) for r in figures.streets] == [("和平街道", 3, 2)]
    assert [(c["name"], c["value"]) for c in data["top_categories"]] == figures.top_categories
    assert "13800138000" not in api.text and "张三" not in api.text


def test_the_configured_basic_satisfied_weight_moves_both_figures(client, db, city, history):
    from lianxin.assessment.service import update_settings

    update_settings(db, city.jid, actor=city.users["admin"], basic_satisfied_weight=0.5)
    data = client.get("/api/v1/stats/public").json()
    assert data["basic_satisfied_weight"] == 0.5 and round(100 * data["satisfaction_rate"], 1) == 50.0  # (1 + 0.5) / 3
    assert 'id="kpi-satisfaction">50.0%<' in client.get("/stats").text


def test_positions_come_from_the_newest_appeals_and_counts_from_the_rollups(db, city, history, monkeypatch):
    """The map's mean position reads a window of the newest appeals (the same cost at any size of history);
    the count is the period's intake from the rollups."""
    import lianxin.web.public_stats as public_stats

    monkeypatch.setattr(public_stats, "POINT_WINDOW", 3)  # the three March appeals at (39.91, 116.41)
    [point] = public_figures(db, city.jid).points
    assert (point.name, point.count) == ("和平社区", 5)
    assert point.lat == pytest.approx(39.91) and point.lng == pytest.approx(116.41)
    monkeypatch.setattr(public_stats, "POINT_WINDOW", 2)  # two appeals in the window: under MIN_MAP_COUNT
    assert public_stats.community_points(db, city.jid) == []
