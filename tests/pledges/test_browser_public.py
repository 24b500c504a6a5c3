"""The public list page's status chart and map, and the area page, drawn in headless Debian Chromium."""

from __future__ import annotations

import secrets

import pytest
from playwright.sync_api import expect

from lianxin.db import make_engine, make_sessionmaker, session_scope
from lianxin.pledges import service as svc
from lianxin.pledges import versions, work
from tests.helpers import screenshot

pytestmark = pytest.mark.browser


def test_the_list_and_area_pages_draw_their_charts_and_maps(page, live_server):
    city = live_server.city
    factory = make_sessionmaker(make_engine(live_server.settings), live_server.settings)
    with session_scope(factory) as session:
        leader = session.merge(city.users["district_leader"])
        plist = versions.create_list(
            session,
            actor=leader,
            title=f"和平街道民生实事 {secrets.token_hex(3)}",
            year=2026,
            owner_unit_id=city.units["street"].id,
        )
        for n, (lat, lng) in enumerate(((39.91, 116.40), (39.92, 116.41), (39.915, 116.39))):
            svc.add_item(session, plist, actor=leader, title=f"口袋公园{n + 1}号", lat=lat, lng=lng)
        versions.approve_list(session, plist, actor=leader)
        versions.publish_list(session, plist, actor=leader)
        first = plist.items[0]
        work.report_progress(session, first, actor=leader, progress=40)
        list_id = plist.id
    page.goto(f"/pledges/lists/{list_id}")
    expect(page.locator("#pledge-status svg")).to_be_visible()
    expect(page.locator("#pledge-map .leaflet-interactive")).to_have_count(3)
    screenshot(page, "pledges-list-map-360")
    page.goto(f"/pledges/areas/{city.units['district'].id}")
    expect(page.locator("#area-completion svg")).to_be_visible()
    expect(page.locator("#area-map .leaflet-interactive").first).to_be_visible()
    screenshot(page, "pledges-area-360")
