"""Boundaries and a gazetteer for the demo city: nested rectangles cut with jitter around a centre
(district ⊃ street ⊃ community ⊃ grid, never overlapping), and place names that follow the units'
names (streets, roads, 小区, villages and their 组)."""

from __future__ import annotations

import random

from shapely.geometry import box, mapping
from sqlalchemy import select
from sqlalchemy.orm import Session

from lianxin.geo.models import PlaceKind
from lianxin.geo.service import add_place, set_area
from lianxin.orgs.models import Unit, UnitKind

HALF_LAT, HALF_LNG = 0.12, 0.2  # the city's extent either side of its centre, in degrees
SPLIT_LNG = {UnitKind.DISTRICT: True, UnitKind.STREET: False, UnitKind.COMMUNITY: True, UnitKind.GRID: False}
COMPOUND_SUFFIXES = ("小区", "花园", "家园", "嘉苑")


def _children(session: Session, unit: Unit, kind: UnitKind) -> list[Unit]:
    return list(session.scalars(select(Unit).where(Unit.parent_id == unit.id, Unit.kind == kind).order_by(Unit.id)))


def _cuts(rng: random.Random, low: float, high: float, parts: int) -> list[tuple[float, float]]:
    """``parts`` consecutive intervals covering low..high, each within ±20 % of an equal share."""
    step = (high - low) / parts
    edges = [low] + [low + step * (i + rng.uniform(-0.2, 0.2)) for i in range(1, parts)] + [high]
    return list(zip(edges, edges[1:], strict=False))


def _stem(name: str) -> str:
    for suffix in ("街道", "社区", "镇", "乡", "村"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def build_demo_geography(
    session: Session, jurisdiction_id: int, city: Unit, centre: tuple[float, float], seed: int = 2026
) -> dict[int, tuple[float, float]]:
    """Store boundaries for every district, street, community and grid below ``city`` and the gazetteer;
    returns each community's centre point (lat, lng) so demo appeals fall inside their community."""
    rng = random.Random(seed)
    lat, lng = centre
    centres: dict[int, tuple[float, float]] = {}

    def split(parent: Unit, bounds: tuple[float, float, float, float], kind: UnitKind) -> None:
        children = _children(session, parent, kind)
        min_lng, min_lat, max_lng, max_lat = bounds
        if not children:
            return
        along_lng = SPLIT_LNG[kind]
        for child, (a, b) in zip(
            children, _cuts(rng, *((min_lng, max_lng) if along_lng else (min_lat, max_lat)), len(children)), strict=True
        ):
            cell = (a, min_lat, b, max_lat) if along_lng else (min_lng, a, max_lng, b)
            geometry = box(*cell)
            set_area(session, child, mapping(geometry), actor=None)
            point = geometry.centroid
            _name_places(session, jurisdiction_id, child, point.y, point.x)
            if kind == UnitKind.COMMUNITY:
                centres[child.id] = (point.y, point.x)
            following = {
                UnitKind.DISTRICT: UnitKind.STREET,
                UnitKind.STREET: UnitKind.COMMUNITY,
                UnitKind.COMMUNITY: UnitKind.GRID,
            }.get(kind)
            if following:
                split(child, cell, following)

    split(city, (lng - HALF_LNG, lat - HALF_LAT, lng + HALF_LNG, lat + HALF_LAT), UnitKind.DISTRICT)
    return centres


def _name_places(session: Session, jurisdiction_id: int, unit: Unit, lat: float, lng: float) -> None:
    """Streets get their own name and a road; communities their name; a residential community's grids
    get a 小区 each, a village's grids its 组."""

    def place(name: str, kind: PlaceKind, target: Unit) -> None:
        add_place(
            session,
            actor=None,
            jurisdiction_id=jurisdiction_id,
            name=name,
            kind=kind,
            unit_id=target.id,
            lat=round(lat, 6),
            lng=round(lng, 6),
        )

    if unit.kind == UnitKind.STREET:
        place(unit.name, PlaceKind.STREET, unit)
        place(f"{_stem(unit.name)}路", PlaceKind.ROAD, unit)
    elif unit.kind == UnitKind.COMMUNITY:
        village = unit.name.endswith("村")
        place(unit.name, PlaceKind.VILLAGE if village else PlaceKind.COMMUNITY, unit)
        if not village:
            place(f"{_stem(unit.name)}大街", PlaceKind.ROAD, unit)
    elif unit.kind == UnitKind.GRID:
        community = session.get(Unit, unit.parent_id)
        index = _children(session, community, UnitKind.GRID).index(unit)
        if community.name.endswith("村"):
            for group in (2 * index + 1, 2 * index + 2):
                place(f"{community.name}{group}组", PlaceKind.VILLAGE, unit)
        else:
            place(
                f"{_stem(community.name)}{COMPOUND_SUFFIXES[index % len(COMPOUND_SUFFIXES)]}", PlaceKind.COMPOUND, unit
            )


def seed_demo(session: Session, city) -> None:
    """``lianxin demo``: boundaries and gazetteer for the demo city; demo appeals fall inside their community."""
    from lianxin.demo import CITY_CENTRE, CITY_CODE

    city.position.update(build_demo_geography(session, city.jid, city.by_code[CITY_CODE], CITY_CENTRE))
