"""Boundaries, point-in-polygon, the gazetteer and the intake hook, on the real database."""

from __future__ import annotations

import pytest
from shapely.geometry import box, mapping
from sqlalchemy import event

from lianxin.appeals.schemas import AppealCreate
from lianxin.errors import InvalidInput, PermissionDenied
from lianxin.geo.models import PlaceKind
from lianxin.geo.service import (
    add_place,
    boundaries_geojson,
    delete_place,
    fill_location,
    locate,
    locate_text,
    match_places,
    set_area,
)
from lianxin.orgs.service import update_unit
from lianxin.sla.service import invalidate
from tests.factories import new_appeal


def square(min_lng, min_lat, max_lng, max_lat) -> dict:
    return mapping(box(min_lng, min_lat, max_lng, max_lat))


@pytest.fixture
def mapped(db, city):
    """District split into two streets; the first street's community; its grid covers the community's west half."""
    u = city.units
    set_area(db, u["district"], square(116.0, 39.9, 116.2, 40.1), actor=None)
    set_area(db, u["street"], square(116.0, 39.9, 116.1, 40.1), actor=None)
    set_area(db, u["street2"], square(116.1, 39.9, 116.2, 40.1), actor=None)
    set_area(db, u["community"], square(116.0, 39.9, 116.1, 40.0), actor=None)
    set_area(db, u["grid"], square(116.0, 39.9, 116.05, 40.0), actor=None)
    return city


def test_locate_finds_the_deepest_area_containing_the_point(db, mapped):
    u = mapped.units
    where = locate(db, mapped.jid, 39.95, 116.02)
    assert (where.street, where.community, where.grid) == (u["street"], u["community"], u["grid"])
    where = locate(db, mapped.jid, 39.95, 116.07)  # in the community, outside its only grid
    assert (where.street, where.community, where.grid) == (u["street"], u["community"], None)
    where = locate(db, mapped.jid, 40.05, 116.15)  # the second street has no communities mapped
    assert (where.street, where.community) == (u["street2"], None)
    assert not locate(db, mapped.jid, 31.2, 121.4).found


def test_locate_sees_a_boundary_change_at_once(db, mapped):
    u = mapped.units
    assert locate(db, mapped.jid, 39.95, 116.07).grid is None
    set_area(db, u["grid"], square(116.0, 39.9, 116.1, 40.0), actor=None)
    assert locate(db, mapped.jid, 39.95, 116.07).grid == u["grid"]


def test_locate_is_scoped_to_the_jurisdiction(db, mapped):
    from tests.factories import build_city

    other = build_city(db)
    assert not locate(db, other.jid, 39.95, 116.02).found


def test_set_area_refuses_bad_geometry_non_area_units_and_non_admins(db, city):
    u = city.units
    with pytest.raises(InvalidInput) as bad:
        set_area(db, u["street"], {"type": "Point", "coordinates": [116.0, 39.9]}, actor=None)
    assert bad.value.field == "geometry" and "多边形" in bad.value.message_zh
    with pytest.raises(InvalidInput):
        set_area(db, u["street"], {"type": "Polygon"}, actor=None)
    bowtie = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    with pytest.raises(InvalidInput):
        set_area(db, u["street"], bowtie, actor=None)
    with pytest.raises(InvalidInput) as dept:
        set_area(db, u["housing"], square(116, 39, 117, 40), actor=None)
    assert dept.value.field == "unit_id"
    with pytest.raises(PermissionDenied):
        set_area(db, u["street"], square(116, 39, 117, 40), actor=city.users["dispatcher"])
    set_area(db, u["street"], square(116, 39, 117, 40), actor=city.users["admin"])


def test_boundaries_geojson_is_a_feature_collection_per_kind(db, mapped):
    streets = boundaries_geojson(db, mapped.jid, "street")
    assert streets["type"] == "FeatureCollection"
    assert {f["properties"]["name"] for f in streets["features"]} == {"和平街道", "安定街道"}
    feature = streets["features"][0]
    assert feature["geometry"]["type"] == "Polygon" and feature["properties"]["kind"] == "street"
    assert len(boundaries_geojson(db, mapped.jid)["features"]) == 5
    with pytest.raises(InvalidInput):
        boundaries_geojson(db, mapped.jid, "planet")


@pytest.fixture
def named(db, city):
    u = city.units
    for name, kind, unit in (
        ("和平街道", PlaceKind.STREET, u["street"]),
        ("和平路", PlaceKind.ROAD, u["street"]),
        ("和平里小区", PlaceKind.COMPOUND, u["grid"]),
        ("和平里", PlaceKind.LANDMARK, u["community"]),
        ("安定门外大街", PlaceKind.ROAD, u["street2"]),
    ):
        add_place(db, actor=None, jurisdiction_id=city.jid, name=name, kind=kind, unit_id=unit.id)
    return city


def test_gazetteer_takes_the_longest_name_at_each_position(db, named):
    found = match_places(db, named.jid, "和平路和平里小区3号楼，靠近安定门外大街")
    assert [(m.name, m.start, m.end) for m in found] == [
        ("和平路", 0, 3),
        ("和平里小区", 3, 8),
        ("安定门外大街", 14, 20),
    ]
    assert match_places(db, named.jid, "没有任何已知地名") == []


def test_locate_text_prefers_the_most_specific_unit(db, named):
    u = named.units
    where = locate_text(db, named.jid, "安定门外大街和平里小区门口")  # a 小区 (grid) beats a road (street)
    assert (where.street, where.community, where.grid, where.place) == (
        u["street"],
        u["community"],
        u["grid"],
        "和平里小区",
    )
    where = locate_text(db, named.jid, "安定门外大街路口")
    assert (where.street, where.community, where.source) == (u["street2"], None, "text")


def test_gazetteer_sees_additions_and_deletions(db, named):
    assert match_places(db, named.jid, "幸福家园") == []
    place = add_place(
        db,
        actor=named.users["admin"],
        jurisdiction_id=named.jid,
        name="幸福家园",
        kind="compound",
        unit_id=named.units["community"].id,
    )
    assert [m.name for m in match_places(db, named.jid, "幸福家园")] == ["幸福家园"]
    delete_place(db, place.id, actor=named.users["admin"])
    assert match_places(db, named.jid, "幸福家园") == []


def test_add_place_validates_and_checks_permission(db, named):
    u = named.units
    with pytest.raises(InvalidInput) as kind:
        add_place(db, actor=None, jurisdiction_id=named.jid, name="某某", kind="planet", unit_id=u["street"].id)
    assert kind.value.field == "kind"
    with pytest.raises(InvalidInput):
        add_place(db, actor=None, jurisdiction_id=named.jid, name="某某路", kind="road", unit_id=u["housing"].id)
    with pytest.raises(InvalidInput):
        add_place(db, actor=None, jurisdiction_id=named.jid, name="和平路", kind="road", unit_id=u["street"].id)
    with pytest.raises(PermissionDenied):
        add_place(
            db,
            actor=named.users["operator"],
            jurisdiction_id=named.jid,
            name="某某路",
            kind="road",
            unit_id=u["street"].id,
        )


def test_intake_fills_community_and_grid_from_a_point_or_an_address(db, mapped, named):
    u = mapped.units
    by_point = new_appeal(db, mapped, community_id=None, address=None, lat=39.95, lng=116.02)
    assert (by_point.community_id, by_point.grid_id) == (u["community"].id, u["grid"].id)
    by_text = new_appeal(
        db, mapped, community_id=None, address="和平里小区5号楼", lat=None, lng=None, appellant_phone="13900000001"
    )
    assert (by_text.community_id, by_text.grid_id) == (u["community"].id, u["grid"].id)
    nowhere = new_appeal(
        db,
        mapped,
        community_id=None,
        address="火星基地",
        lat=None,
        lng=None,
        content="一条没有地点信息的诉求内容",
        appellant_phone="13900000002",
    )
    assert nowhere.community_id is None and nowhere.grid_id is None


def test_fill_location_keeps_what_the_operator_chose(db, mapped):
    data = AppealCreate(
        jurisdiction_id=mapped.jid,
        channel="hotline",
        appeal_type="help",
        content="路灯坏了一周了",
        appellant_phone="13800138000",
        community_id=mapped.units["community"].id,
        lat=40.05,
        lng=116.15,
    )
    assert fill_location(db, data) is data


def _statements_of(db, call) -> list[str]:
    """The SQL ``call()`` sends, as the next request would: its session's caches empty, the process's kept."""
    invalidate(db)
    seen: list[str] = []
    listener = lambda _c, _cur, statement, *_: seen.append(statement)  # noqa: E731
    event.listen(db.get_bind(), "before_cursor_execute", listener)
    try:
        call()
    finally:
        event.remove(db.get_bind(), "before_cursor_execute", listener)
    return seen


def test_the_gazetteer_is_kept_per_process_and_every_edit_renews_it(db, named):
    u = named.units
    assert [m.name for m in match_places(db, named.jid, "和平里小区")] == ["和平里小区"]  # loaded and kept
    seen = _statements_of(db, lambda: match_places(db, named.jid, "和平里小区门口"))
    assert len(seen) == 1 and "config_stamps" in seen[0]  # the configuration's token only: no place is read
    # a unit taken out of service: its places name nothing any more, in the next request of any process
    update_unit(db, u["grid"], name=u["grid"].name, phone=None, active=False)
    invalidate(db)
    assert [m.name for m in match_places(db, named.jid, "和平里小区")] == ["和平里"]


def test_a_point_is_refused_outside_the_boundaries_once_the_jurisdiction_has_any(db, city):
    data = AppealCreate(
        jurisdiction_id=city.jid,
        channel="mobile",
        appeal_type="help",
        content="路灯坏了一周了",
        appellant_phone="13800138000",
        lat=31.2,
        lng=121.4,
    )
    invalidate(db)
    assert fill_location(db, data).community_id is None  # no boundaries at all: nothing can be said
    set_area(db, city.units["street"], square(116.0, 39.9, 116.1, 40.1), actor=None)
    invalidate(db)
    with pytest.raises(InvalidInput) as outside:
        fill_location(db, data)
    assert outside.value.field == "lat" and "不在本辖区" in outside.value.message_zh
