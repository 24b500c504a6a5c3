"""The maps in headless Debian Chromium, on the demo city's boundaries (its own server and database): the
resident taps inside a community on the pick map and the community is filled in, taps outside the
jurisdiction and is told so; the public statistics map shades the community boundaries by their counts."""

from __future__ import annotations

import json
import threading
import time
from types import SimpleNamespace

import pytest
import uvicorn
from playwright.sync_api import expect
from sqlalchemy import func, select

from lianxin.app import create_app
from lianxin.appeals.models import Appeal
from lianxin.db import make_engine, make_sessionmaker, session_scope
from lianxin.web.public_stats import MIN_MAP_COUNT, colour_of, legend_classes
from tests.helpers import free_port, scratch_database, screenshot, small_demo

pytestmark = pytest.mark.browser
COMMUNITIES = 18  # the demo city's communities and villages, each with a boundary


@pytest.fixture(scope="module")
def maps(settings, tmp_path_factory):
    """A server on a database of its own holding the demo city (boundaries and a few hundred appeals): its URL
    and a session factory on its database."""
    with scratch_database(settings, tmp_path_factory, "maps") as own:
        small_demo(own, ["geo"], appeals=240, days=60)  # geo: the boundaries
        factory = make_sessionmaker(make_engine(own), own)
        server = uvicorn.Server(
            uvicorn.Config(create_app(own), host="127.0.0.1", port=free_port(), log_level="warning")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 20
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.started, "uvicorn did not start"
        try:
            yield SimpleNamespace(url=f"http://127.0.0.1:{server.config.port}", sessions=factory)
        finally:
            server.should_exit = True
            thread.join(timeout=10)


def test_tapping_the_pick_map_fills_the_community_or_refuses_outside(browser, maps):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", base_url=maps.url)
    page = context.new_page()
    try:
        page.goto("/appeal")
        shapes = page.locator("#pick-map path.leaflet-interactive")
        expect(shapes).to_have_count(COMMUNITIES)
        areas = json.loads(page.locator("#pick-map").get_attribute("data-areas"))
        assert all(set(f["properties"]) == {"unit_id", "name"} for f in areas["features"])
        page.locator("#pick-map").scroll_into_view_if_needed()
        target = 4
        box = shapes.nth(target).bounding_box()
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        feature = areas["features"][target]["properties"]
        expect(page.locator("#community_id")).to_have_value(str(feature["unit_id"]))
        expect(page.locator("#location-status")).to_contain_text(f"所在社区：{feature['name']}")
        assert page.locator("#lat").input_value() and page.locator("#lng").input_value()
        screenshot(page, "resident-pick-map-390")
        frame = page.locator("#pick-map").bounding_box()  # the fitted map's padding lies outside the city
        page.mouse.click(frame["x"] + frame["width"] - 6, frame["y"] + frame["height"] - 6)
        expect(page.locator("#location-status")).to_contain_text("所选位置不在本辖区范围内")
        expect(page.locator("#location-status")).to_have_class("muted map-message")
        assert page.locator("#lat").input_value() == "" and page.locator("#lng").input_value() == ""
        screenshot(page, "resident-pick-map-outside-390")
    finally:
        context.close()


def test_the_stats_map_shades_the_community_boundaries(browser, maps):
    with session_scope(maps.sessions) as session:  # the demo's appeals per community (all in the last 12 months)
        received = dict(
            session.execute(
                select(Appeal.community_id, func.count())
                .where(Appeal.community_id.is_not(None))
                .group_by(Appeal.community_id)
            ).all()
        )
    shown = {uid: n for uid, n in received.items() if n >= MIN_MAP_COUNT}
    legend = legend_classes(max(shown.values()))
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN", base_url=maps.url)
    page = context.new_page()
    try:
        page.goto("/stats")
        shapes = page.locator("#community-map path.leaflet-interactive")
        expect(shapes).to_have_count(COMMUNITIES)
        expect(page.locator("#community-map .area-label").first).to_be_visible()
        assert page.locator("#community-map .leaflet-tile").count() == 0  # offline: no tiles without a URL
        areas = json.loads(page.locator("#community-map").get_attribute("data-areas"))["features"]
        counts = {f["properties"]["unit_id"]: f["properties"]["count"] for f in areas}
        assert counts == {uid: shown.get(uid) for uid in counts}  # every appeal counted, under its community
        fills = [shapes.nth(i).get_attribute("fill") for i in range(COMMUNITIES)]
        assert fills == [colour_of(counts[f["properties"]["unit_id"]], legend) for f in areas]
        assert len(set(fills)) >= 2, fills  # shaded by count, not one colour
        expect(page.locator("#map-legend li")).not_to_have_count(0)
        section = page.locator("section[aria-labelledby=map-title]")
        section.scroll_into_view_if_needed()
        section.screenshot(path=str(screenshot(page, "stats-map-1280")))
    finally:
        context.close()
