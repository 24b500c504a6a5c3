"""The maps that carry information: community boundaries (names and shapes only) shaded by their counts on
the public statistics page, the resident form's pick map that fills the community, and points outside the
jurisdiction refused — on the real database, with geo on and off."""

from __future__ import annotations

import json
import re
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from lianxin.app import create_app
from lianxin.appeals.models import Appeal
from lianxin.errors import InvalidInput
from lianxin.geo.service import set_area
from lianxin.web.deps import get_session
from lianxin.web.public_stats import FEW_COLOUR, MIN_MAP_COUNT, PALETTE, legend_classes
from tests.factories import new_appeal
from tests.geo.test_service import square
from tests.web.test_intake import filled, open_form

INSIDE = {"lat": 39.95, "lng": 116.02}  # the community (and its grid)
BETWEEN = {"lat": 40.05, "lng": 116.15}  # the second street, where no community is mapped
OUTSIDE = {"lat": 31.2, "lng": 121.4}  # far from every boundary
GEO_OFF = "-geo,-dispatch,-logistics"  # dispatch and logistics require geo


@pytest.fixture
def mapped(db, city):
    """The district, its two streets, the first street's community (和平社区) and that community's grid."""
    u = city.units
    set_area(db, u["district"], square(116.0, 39.9, 116.2, 40.1), actor=None)
    set_area(db, u["street"], square(116.0, 39.9, 116.1, 40.1), actor=None)
    set_area(db, u["street2"], square(116.1, 39.9, 116.2, 40.1), actor=None)
    set_area(db, u["community"], square(116.0, 39.9, 116.1, 40.0), actor=None)
    set_area(db, u["grid"], square(116.0, 39.9, 116.05, 40.0), actor=None)
    return city


def appeal_count(db) -> int:
    return db.scalar(select(func.count(Appeal.id)))


def map_data(page: str, element: str, attribute: str):
    """The JSON in ``attribute`` of the element with id ``element`` (None when the attribute is absent)."""
    tag = re.search(rf'<div id="{element}"[^>]*>', page, re.S)
    assert tag, f"no #{element} on the page"
    found = re.search(rf'{attribute}="([^"]*)"', tag.group(0))
    if found is None:
        return None
    raw = found.group(1).replace("&#34;", '"').replace("&quot;", '"').replace("&#39;", "'").replace("&amp;", "&")
    return json.loads(raw.replace("&lt;", "<").replace("&gt;", ">"))


@contextmanager
def app_client(settings, db, city, modules: str = "", **more):
    settings = settings.model_copy(update={"public_jurisdiction": city.jurisdiction.code, "modules": modules, **more})
    previous = db.info.get("settings")
    db.info["settings"] = settings  # the hooks read the modules from the session's settings
    app = create_app(settings)
    app.dependency_overrides[get_session] = lambda: db
    try:
        with TestClient(app) as client:
            yield client
    finally:
        db.info["settings"] = previous


def test_the_legend_splits_the_counts_into_at_most_five_classes():
    assert legend_classes(MIN_MAP_COUNT - 1) == []
    one = legend_classes(MIN_MAP_COUNT)
    assert [(c.low, c.high, c.colour) for c in one] == [(MIN_MAP_COUNT, MIN_MAP_COUNT, PALETTE[-1])]
    many = legend_classes(52)
    assert len(many) == 5 and many[0].low == MIN_MAP_COUNT and many[-1].high == 52
    assert all(a.high + 1 == b.low for a, b in zip(many, many[1:], strict=False))
    assert [c.colour for c in many] == list(PALETTE)


def test_locate_answers_the_community_or_refuses_outside_the_jurisdiction(settings, db, mapped):
    with app_client(settings, db, mapped) as client:
        inside = client.get("/appeal/locate", params=INSIDE)
        assert inside.status_code == 200
        assert inside.json() == {"inside": True, "community_id": mapped.units["community"].id, "name": "和平社区"}
        between = client.get("/appeal/locate", params=BETWEEN).json()
        assert between == {"inside": True, "community_id": None, "name": None}
        outside = client.get("/appeal/locate", params=OUTSIDE)
        assert outside.status_code == 422
        body = outside.json()
        assert body["inside"] is False and body["field"] == "lat"
        assert "不在本辖区范围内" in body["message"] and "outside the jurisdiction" in body["message_en"]
        bad = client.get("/appeal/locate", params={"lat": "北纬", "lng": 116})
        assert bad.status_code == 422 and bad.json()["field"] == "lat" and bad.json()["message_en"]
        assert client.get("/appeal/locate", params={"lat": 39.9, "lng": 200}).json()["field"] == "lng"


def test_locate_is_counted_per_address(settings, db, mapped):
    with app_client(settings, db, mapped, rate_locate_per_address="2/10m") as client:
        assert [client.get("/appeal/locate", params=INSIDE).status_code for _ in range(3)] == [200, 200, 429]


def test_locate_says_nothing_without_boundaries_or_with_geo_off(settings, db, city, mapped):
    with app_client(settings, db, city, GEO_OFF) as client:
        assert client.get("/appeal/locate", params=OUTSIDE).json() == {
            "inside": None,
            "community_id": None,
            "name": None,
        }


def test_a_submission_outside_the_jurisdiction_is_refused_and_nothing_is_stored(settings, db, mapped):
    with app_client(settings, db, mapped) as client:
        before = appeal_count(db)
        page = client.post("/appeal", data=filled(open_form(client), lat=OUTSIDE["lat"], lng=OUTSIDE["lng"]))
        assert page.status_code == 422
        assert "所选位置不在本辖区范围内" in page.text and 'id="lat-error"' in page.text
        assert appeal_count(db) == before
        # the same form with a point inside goes through and is placed in its community
        page = client.post(
            "/appeal", data=filled(open_form(client), lat=INSIDE["lat"], lng=INSIDE["lng"]), follow_redirects=False
        )
        assert page.status_code == 303 and appeal_count(db) == before + 1
        stored = db.scalars(select(Appeal).order_by(Appeal.id.desc())).first()
        assert stored.community_id == mapped.units["community"].id


def test_the_api_and_the_verb_refuse_a_point_outside_even_with_a_community_chosen(
    settings,
    db,
    mapped,
    make_key,
):
    before = appeal_count(db)
    with pytest.raises(InvalidInput) as refused:
        new_appeal(db, mapped, **OUTSIDE)  # community_id given by the operator
    assert refused.value.field == "lat" and "outside the jurisdiction" in refused.value.message_en
    with app_client(settings, db, mapped) as client:
        body = {"appeal_type": "help", "content": "路灯坏了一个星期了。", "appellant_phone": "13900001111", **OUTSIDE}
        response = client.post("/api/v1/appeals", json=body, headers=make_key("operator"))
        assert response.status_code == 422 and response.json()["field"] == "lat"
        assert "不在本辖区范围内" in response.json()["message"]
    assert appeal_count(db) == before
    assert new_appeal(db, mapped, **BETWEEN).id  # inside a street with no community mapped: accepted


def test_alarms_and_transfers_keep_a_point_outside_and_are_never_refused(db, mapped):
    for n, channel in enumerate(("sensor", "police_transfer", "upper_platform")):
        appeal = new_appeal(db, mapped, channel=channel, appellant_phone=f"1360000000{n}", **OUTSIDE)
        assert (appeal.lat, appeal.lng, appeal.community_id) == (31.2, 121.4, mapped.units["community"].id)


def test_without_boundaries_any_point_is_accepted_as_before(db, city):
    appeal = new_appeal(db, city, **OUTSIDE)
    assert (appeal.lat, appeal.lng) == (OUTSIDE["lat"], OUTSIDE["lng"])


def seed_counts(db, city, n: int) -> None:
    for i in range(n):
        new_appeal(db, city, community_id=None, appellant_phone=f"1390000{i:04d}", **INSIDE)


def test_the_stats_map_shades_the_community_boundaries_and_carries_no_personal_data(settings, db, mapped):
    seed_counts(db, mapped, 4)
    with app_client(settings, db, mapped) as client:
        page = client.get("/stats").text
        english = client.get("/stats", params={"lang": "en"}).text
    assert f"fewer than {MIN_MAP_COUNT} or none" in english and "boundaries shaded by count" in english
    areas = map_data(page, "community-map", "data-areas")
    assert [f["properties"]["name"] for f in areas["features"]] == ["和平社区"]
    feature = areas["features"][0]
    assert set(feature) == {"type", "id", "geometry", "properties"}
    assert set(feature["properties"]) == {"unit_id", "name", "count", "colour"}
    assert feature["properties"]["count"] == 4 and feature["properties"]["colour"] == PALETTE[-1]
    assert feature["geometry"]["type"] == "Polygon"
    assert map_data(page, "community-map", "data-points") == []  # the community is drawn as its boundary
    assert 'id="map-legend"' in page and FEW_COLOUR in page
    for personal in ("张三", "13900000000", "1390000", "和平里小区3号楼"):
        assert personal not in page


def test_the_pick_map_draws_the_boundaries_with_names_only(settings, db, mapped):
    with app_client(settings, db, mapped) as client:
        page = client.get("/appeal").text
    areas = map_data(page, "pick-map", "data-areas")
    assert [set(f["properties"]) for f in areas["features"]] == [{"unit_id", "name"}]
    assert "所在社区会自动填好" in page


def test_the_pages_keep_their_points_when_geo_is_off(settings, db, mapped):
    seed_counts(db, mapped, 3)
    with app_client(settings, db, mapped, GEO_OFF) as client:
        stats, form = client.get("/stats"), client.get("/appeal")
    assert stats.status_code == 200 and form.status_code == 200
    assert map_data(stats.text, "community-map", "data-areas") is None and 'id="map-legend"' not in stats.text
    points = map_data(stats.text, "community-map", "data-points")
    assert [(p["name"], p["count"]) for p in points] == [("和平社区", 3)]
    assert map_data(form.text, "pick-map", "data-areas") is None
    assert [p["name"] for p in map_data(form.text, "pick-map", "data-points")] == ["和平社区"]
