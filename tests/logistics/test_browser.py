"""In headless Chromium against the live server: the desk's map and timetable chart draw at 1280 px without
a script error, and the public tracking page fits a 360 px phone."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from lianxin.db import session_scope
from lianxin.logistics import plans
from lianxin.logistics import service as svc
from lianxin.logistics.gtfs import import_feed
from lianxin.logistics.models import BusStop, ServicePoint
from lianxin.orgs.models import User
from tests.factories import PASSWORD
from tests.helpers import screenshot
from tests.logistics.conftest import FEED

pytestmark = pytest.mark.browser


def next_weekday():
    day = svc.today() + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def planned_parcel(live_server, day) -> str:
    """The live city's network (once), one parcel for ``day`` and the day's plan; its tracking number."""
    city = live_server.city
    with session_scope(live_server.sessionmaker) as session:
        desk = session.get(User, city.users["dispatcher"].id)
        point = session.scalars(
            select(ServicePoint).where(ServicePoint.jurisdiction_id == city.jid, ServicePoint.code == "P1")
        ).first()
        if point is None:
            import_feed(session, city.jid, dict(FEED))
            stop = session.scalars(
                select(BusStop).where(BusStop.jurisdiction_id == city.jid, BusStop.code == "V1")
            ).one()
            point = svc.create_point(
                session,
                jurisdiction_id=city.jid,
                code="P1",
                name="南庄村集士驿站",
                kind="jishi",
                lat=29.331,
                lng=121.481,
                stop=stop,
            )
            svc.create_van(session, jurisdiction_id=city.jid, code="VAN1", name="邮政1号车")
        ready = datetime.fromisoformat(f"{day.isoformat()}T06:00:00+08:00")
        number = f"BR{datetime.now().strftime('%H%M%S%f')}"
        svc.receive_parcel(
            session,
            jurisdiction_id=city.jid,
            tracking_no=number,
            point=point,
            recipient_phone="13712345678",
            recipient_name="张三",
            ready_at=ready,
            due_by=ready + timedelta(days=1),
        )
        plans.run_plan(session, city.jid, day, actor=desk)
        return number


def test_the_desk_draws_the_map_and_the_timetable(browser, live_server):
    day = next_weekday()
    planned_parcel(live_server, day)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN", base_url=live_server.url)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto("/login")
    page.get_by_label("用户名").fill(live_server.city.users["dispatcher"].username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_label("密码").press("Enter")
    page.wait_for_url(lambda url: "/login" not in url)
    page.goto(f"/logistics?date={day.isoformat()}")
    page.wait_for_selector("#logistics-map .leaflet-interactive")
    page.wait_for_selector('#logistics-timetable svg path[stroke-width="12"]', state="attached")  # a trip's bar
    assert page.locator("#logistics-map .leaflet-interactive").count() >= 2  # the route line and the point
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    screenshot(page, "logistics-desk")
    assert errors == []
    context.close()


def test_tracking_fits_a_phone(page, live_server):
    number = planned_parcel(live_server, next_weekday())
    page.goto(f"/logistics/track?no={number}&tail=5678")
    assert "张*" in page.content() and "已排班" in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "logistics-track")
