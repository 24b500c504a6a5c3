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
    jan_b = new_appeal(db, city, lat=39.92, lng=116.42, appellant_phone="13900000001",
                       category="城乡建设/市政设施/路灯故障")
    handle(db, city, jan_a)
    rate_appeal(db, jan_a, phone="13800138000", solved=True, satisfaction="satisfied")
    handle(db, city, jan_b, clock=clock, late=True)
    rate_appeal(db, jan_b, phone="13900000001", solved=False, satisfaction="basically_satisfied")
    clock.move_to(datetime.fromisoformat("2026-03-02T09:30:00+08:00"))
    mar = [new_appeal(db, city, lat=39.91, lng=116.41, appellant_phone=f"1370000000{i}", category=None) for i in range(3)]
    handle(db, city, mar[0])
    rate_appeal(db, mar[0], phone="13700000000", solved=False, satisfaction="dissatisfied")
    return {"jan": [jan_a, jan_b], "mar": mar}


def test_figures_by_month_count_received_closed_and_satisfaction(db, city, history, clock):
    figures = public_figures(db, city.jid)
    assert len(figures.months) == 12 and figures.months[-1] == "2026-03" and figures.months[0] == "2025-04"
    jan, mar = figures.months.index("2026-01"), figures.months.index("2026-03")
    assert (figures.received[jan], figures.closed[jan], figures.satisfaction[jan]) == (2, 2, 100.0)
    assert (figures.received[mar], figures.closed[mar], figures.satisfaction[mar]) == (3, 0, 0.0)
    assert figures.received[figures.months.index("2026-02")] == 0 and figures.satisfaction[figures.months.index("2026-02")] is None
    assert figures.total_received == 5 and figures.total_closed == 2


def test_rates_follow_their_stated_definitions(db, city, history):
    figures = public_figures(db, city.jid)
    assert figures.solved_rate == round(100 * 1 / 3, 1)  # solved 1 of 3 rated
    assert figures.satisfaction_rate == round(100 * 2 / 3, 1)  # satisfied + basically, 2 of 3
    assert figures.on_time_rate == 50.0  # of the two standing replies one came late (the reopened one has none)


def test_figures_by_district_street_and_category(db, city, history):
    figures = public_figures(db, city.jid)
    assert [(r.name, r.received, r.closed) for r in figures.districts] == [("东城区", 5, 2)]
    assert [(r.name, r.received, r.satisfaction_rate) for r in figures.streets] == [("和平街道", 5, round(200 / 3, 1))]
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
    for secret in ("13800138000", "13900000001", "张三", "和平里小区3号楼", history["jan"][0].order_no,
                   history["jan"][0].tracking_token):
        assert secret not in page.text


def test_the_statistics_page_in_english(client, db, city, history):
    page = client.get("/stats?lang=en")
    assert "Satisfaction rate" in page.text and "Received" in page.text and "满意率" not in page.text


def test_an_empty_jurisdiction_shows_dashes_not_errors(client, city):
    page = client.get("/stats")
    assert page.status_code == 200 and 'id="kpi-satisfaction">—<' in page.text and "暂无带位置的诉求" in page.text
