"""Care pages in headless Debian Chromium: a grid worker's board at 390 px (one card per alarm, the work order,
a visit record with a photo), the household map and the leaders' chart at 1280 px. Screenshots go to
build/screenshots/."""

from __future__ import annotations

import secrets

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from lianxin.care import alarms as al
from lianxin.care import service as svc
from lianxin.clock import utcnow
from lianxin.db import make_engine, make_sessionmaker, session_scope
from tests.care.test_pages import _jpeg
from tests.factories import PASSWORD
from tests.helpers import screenshot

pytestmark = pytest.mark.browser


def _alarm(live_server) -> tuple[int, str]:
    """A located household in the live city's grid whose emergency button was just pressed."""
    city = live_server.city
    factory = make_sessionmaker(make_engine(live_server.settings), live_server.settings)
    with session_scope(factory) as session:
        svc.ensure_default_rules(session, city.jid)
        address = f"和平社区{secrets.randbelow(900) + 100}号楼"
        household = svc.create_household(
            session,
            actor=None,
            jurisdiction_id=city.jid,
            community_id=city.units["community"].id,
            grid_id=city.units["grid"].id,
            address=address,
        )
        household.lat, household.lon = 39.9 + secrets.randbelow(100) / 10000, 116.4
        svc.add_person(session, household, actor=None, name="赵桂兰", phone="13900004444", tags=["lone_elderly"])
        button = svc.register_device(
            session, household, actor=None, kind="button", external_id=f"B-live-{secrets.token_hex(4)}"
        )
        al.ingest(session, button, utcnow(), 1)
        alarm = session.scalar(select(al.Alarm).where(al.Alarm.household_id == household.id))
        return alarm.id, address


def _login(context, user):
    page = context.new_page()
    page.goto("/login")
    page.get_by_label("用户名").fill(user.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/login" not in url)
    return page


def test_a_grid_worker_records_a_visit_with_a_photo_on_a_phone(browser, live_server, tmp_path):
    alarm_id, address = _alarm(live_server)
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", base_url=live_server.url)
    page = _login(context, live_server.city.users["grid_worker"])
    page.goto("/care/alarms")
    card = page.locator(f"#alarm-{alarm_id}")
    expect(card).to_be_visible()
    expect(card.get_by_role("link", name=address)).to_be_visible()
    expect(card.locator("a.work-order")).to_be_visible()  # the button's 特急 work order
    expect(page.locator("#board thead")).to_be_hidden()  # one card per alarm at phone width
    box = card.bounding_box()
    assert box["width"] <= 390
    screenshot(page, "care-board-390")
    card.get_by_text("登记上门结果").click()
    photo = tmp_path / "visit.jpg"
    photo.write_bytes(_jpeg())
    card.get_by_label("结果").select_option("safe")
    card.get_by_label("现场照片（可选，说明与照片至少填一项）").set_input_files(str(photo))
    card.get_by_role("button", name="提交并关闭").click()
    closed = page.get_by_role("link", name="照片")
    expect(closed.first).to_be_visible()
    expect(page.locator(f"#alarm-{alarm_id}")).to_have_count(0)
    screenshot(page, "care-board-closed-390")
    context.close()


def test_the_map_and_the_leaders_chart_draw(browser, live_server):
    _alarm(live_server)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN", base_url=live_server.url)
    page = _login(context, live_server.city.users["leader"])
    page.goto("/care/map")
    expect(page.locator("#care-map .leaflet-interactive").first).to_be_visible()
    screenshot(page, "care-map-1280")
    page.goto("/leader/care")
    expect(page.locator("#care-per-day svg")).to_be_visible()
    expect(page.get_by_role("heading", name="按社区")).to_be_visible()
    screenshot(page, "care-leader-1280")
    context.close()
