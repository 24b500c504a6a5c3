"""Where an appeal is: point-in-polygon over unit boundaries, and place names found in typed text.

Boundaries are GeoJSON rows with bounding boxes: a point query reads the few areas whose box
holds the point (an indexed range) and tests them with prepared shapely geometries cached per
jurisdiction. The gazetteer is scanned longest-match-first with names bucketed by length.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from itertools import count

from shapely import prepare
from shapely.geometry import Point, mapping, shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lianxin.appeals.choices import Channel
from lianxin.appeals.schemas import AppealCreate
from lianxin.clock import utcnow
from lianxin.errors import InvalidInput, NotFound
from lianxin.geo.models import PLACE_KIND_LABELS, Place, PlaceKind, UnitArea
from lianxin.orgs.models import Role, Unit, UnitKind, User
from lianxin.orgs.service import get_unit, require_role
from lianxin.sla.service import config_changed, shared

AREA_KINDS = (UnitKind.DISTRICT, UnitKind.STREET, UnitKind.COMMUNITY, UnitKind.GRID)
DEPTH = {UnitKind.DISTRICT: 1, UnitKind.STREET: 2, UnitKind.COMMUNITY: 3, UnitKind.GRID: 4}

_generation = count()  # bumped by every edit in this process, so caches never outlive a change
_edits = [next(_generation)]
_area_cache: dict[tuple, BaseGeometry] = {}
_gazetteer_cache: dict[int, tuple[tuple, Gazetteer]] = {}


def _changed(session: Session, jurisdiction_id: int) -> None:
    """An area or a place changed: this process's caches and every process's copy (the configuration token)."""
    _edits[0] = next(_generation)
    config_changed(session, jurisdiction_id)


@dataclass(frozen=True)
class Location:
    """The street, community and grid an appeal lies in (any may be unknown), and how we know."""

    street: Unit | None = None
    community: Unit | None = None
    grid: Unit | None = None
    source: str | None = None  # "point" | "text"
    place: str | None = None  # the place name matched in the text

    @property
    def found(self) -> bool:
        return self.street is not None


def location_of(session: Session, unit: Unit | None, **how) -> Location:
    """The Location a unit (grid, community or street) stands for, completed by walking up the tree."""
    parts: dict[str, Unit] = {}
    while unit is not None and unit.kind in AREA_KINDS:
        parts.setdefault(unit.kind.value, unit)
        unit = session.get(Unit, unit.parent_id) if unit.parent_id else None
    if "street" not in parts:
        return Location()
    return Location(parts.get("street"), parts.get("community"), parts.get("grid"), **how)


# --- boundaries -----------------------------------------------------------------------------------


def _geometry(value: dict) -> BaseGeometry:
    try:
        geometry = shape(value)
    except (AttributeError, KeyError, TypeError, ValueError, IndexError):
        raise InvalidInput(
            "边界不是有效的 GeoJSON 几何", "the boundary is not a GeoJSON geometry", field="geometry"
        ) from None
    if geometry.geom_type not in ("Polygon", "MultiPolygon") or geometry.is_empty or not geometry.is_valid:
        raise InvalidInput(
            "边界须为有效的多边形（Polygon/MultiPolygon）", "the boundary must be a valid polygon", field="geometry"
        )
    return geometry


def set_area(session: Session, unit: Unit, geometry: dict, *, actor: User | None) -> UnitArea:
    """Store (or replace) a district's, street's, community's or grid's boundary; GeoJSON in [lng, lat]."""
    require_role(session, actor, (Role.ADMIN,))
    if unit.kind not in AREA_KINDS:
        raise InvalidInput(
            f"「{unit.name}」不是区县、街道、社区或网格，不能设置边界",
            "only districts, streets, communities and grids have boundaries",
            field="unit_id",
        )
    geom = _geometry(geometry)
    min_lng, min_lat, max_lng, max_lat = geom.bounds
    area = session.scalar(select(UnitArea).where(UnitArea.unit_id == unit.id)) or UnitArea(
        jurisdiction_id=unit.jurisdiction_id, unit_id=unit.id
    )
    area.geometry, area.updated_at = mapping(geom), utcnow()
    area.min_lat, area.max_lat, area.min_lng, area.max_lng = min_lat, max_lat, min_lng, max_lng
    session.add(area)
    session.flush()
    _changed(session, unit.jurisdiction_id)
    return area


def _prepared(area_id: int, updated_at: datetime, geometry: dict) -> BaseGeometry:
    key = (area_id, updated_at, _edits[0])
    geom = _area_cache.get(key)
    if geom is None:
        if len(_area_cache) > 50_000:
            _area_cache.clear()
        geom = shape(geometry)
        prepare(geom)
        _area_cache[key] = geom
    return geom


def _areas_around(session: Session, jurisdiction_id: int, lat: float, lng: float) -> list:
    """(area id, updated at, geometry, unit) of the active units whose bounding box holds the point: an indexed
    range; the caller tests the few geometries it returns."""
    return session.execute(
        select(UnitArea.id, UnitArea.updated_at, UnitArea.geometry, Unit)
        .join(Unit, Unit.id == UnitArea.unit_id)
        .where(
            UnitArea.jurisdiction_id == jurisdiction_id,
            UnitArea.min_lat <= lat,
            UnitArea.max_lat >= lat,
            UnitArea.min_lng <= lng,
            UnitArea.max_lng >= lng,
            Unit.active.is_(True),
        )
    ).all()


def locate(session: Session, jurisdiction_id: int, lat: float, lng: float) -> Location:
    """The street, community and grid whose boundaries contain the point (the deepest area wins)."""
    return _deepest(session, _areas_around(session, jurisdiction_id, lat, lng), Point(lng, lat))


def _deepest(session: Session, rows: list, point: Point) -> Location:
    inside = [unit for area_id, at, geometry, unit in rows if _prepared(area_id, at, geometry).contains(point)]
    if not inside:
        return Location()
    return location_of(session, max(inside, key=lambda u: DEPTH[u.kind]), source="point")


OUTSIDE_ZH = "所选位置不在本辖区范围内，请在地图上的辖区边界内点选，或只填写地址"
OUTSIDE_EN = "the chosen position is outside the jurisdiction: pick a place inside the boundaries on the map, or give the address only"


def inside_jurisdiction(session: Session, jurisdiction_id: int, lat: float, lng: float) -> bool | None:
    """Whether the point lies in any boundary of the jurisdiction (any kind; on an edge counts as inside);
    ``None`` when the jurisdiction has no boundaries at all (then nothing can be said)."""
    return _inside(session, jurisdiction_id, _areas_around(session, jurisdiction_id, lat, lng), Point(lng, lat))


def _inside(session: Session, jurisdiction_id: int, rows: list, point: Point) -> bool | None:
    """``inside_jurisdiction`` from the areas around the point (``_areas_around``), read once by the caller."""
    if any(_prepared(area_id, at, geometry).intersects(point) for area_id, at, geometry, _unit in rows):
        return True
    has_areas = shared(session, jurisdiction_id, "has areas", lambda: _has_areas(session, jurisdiction_id))
    if has_areas is None:
        has_areas = _has_areas(session, jurisdiction_id)
    return False if has_areas else None


def _has_areas(session: Session, jurisdiction_id: int) -> bool:
    any_area = session.scalar(
        select(UnitArea.id)
        .join(Unit, Unit.id == UnitArea.unit_id)
        .where(UnitArea.jurisdiction_id == jurisdiction_id, Unit.active.is_(True))
        .limit(1)
    )
    return any_area is not None


# Appeals that arrive from another system are never refused for their point (an elder's alarm must become a
# work order; a transfer must not be lost): they keep the point and are placed by their address instead.
UNCHECKED_CHANNELS = frozenset({Channel.SENSOR, Channel.POLICE_TRANSFER, Channel.UPPER_PLATFORM})


def check_inside(session: Session, jurisdiction_id: int, lat: float, lng: float) -> None:
    """Refuse a point outside every boundary of a jurisdiction that has boundaries (field ``lat``)."""
    if inside_jurisdiction(session, jurisdiction_id, lat, lng) is False:
        raise InvalidInput(OUTSIDE_ZH, OUTSIDE_EN, field="lat")


def boundaries_geojson(session: Session, jurisdiction_id: int, kind: UnitKind | str | None = None) -> dict:
    """A FeatureCollection of the boundaries (of one unit kind, or all) for a Leaflet map."""
    stmt = select(UnitArea).join(Unit, Unit.id == UnitArea.unit_id).where(UnitArea.jurisdiction_id == jurisdiction_id)
    if kind is not None:
        try:
            kind = UnitKind(kind)
        except ValueError:
            options = "、".join(k.value for k in AREA_KINDS)
            raise InvalidInput(
                f"无效的区域类型「{kind}」，可选：{options}", f"unknown area kind {kind!r}", field="kind"
            ) from None
        stmt = stmt.where(Unit.kind == kind)
    features = [
        {
            "type": "Feature",
            "id": area.unit_id,
            "geometry": area.geometry,
            "properties": {
                "unit_id": area.unit_id,
                "name": area.unit.name,
                "kind": area.unit.kind.value,
                "code": area.unit.code,
                "parent_id": area.unit.parent_id,
            },
        }
        for area in session.scalars(stmt.order_by(Unit.id))
    ]
    return {"type": "FeatureCollection", "features": features}


# --- gazetteer ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlaceMatch:
    name: str
    kind: PlaceKind
    unit_id: int
    start: int
    end: int


class Gazetteer:
    """Place names bucketed by length: at each position the longest name that fits is taken."""

    def __init__(self, rows: list[tuple[str, PlaceKind, int, int]]):
        self.names: dict[str, list[tuple[PlaceKind, int, int]]] = {}
        for name, kind, unit_id, depth in rows:
            self.names.setdefault(name, []).append((kind, unit_id, depth))
        self.lengths = sorted({len(name) for name in self.names}, reverse=True)

    def scan(self, text: str) -> list[PlaceMatch]:
        found, i = [], 0
        while i < len(text):
            for length in self.lengths:
                entries = self.names.get(text[i : i + length])
                if entries:
                    kind, unit_id, _ = max(entries, key=lambda e: e[2])  # the most specific unit of that name
                    found.append(PlaceMatch(text[i : i + length], kind, unit_id, i, i + length))
                    i += length
                    break
            else:
                i += 1
        return found


def _gazetteer(session: Session, jurisdiction_id: int) -> Gazetteer:
    """The jurisdiction's gazetteer, kept per process: under the configuration token (``config_changed``, which
    every edit of places, areas and units calls) when the jurisdiction has one, else under a token of its places
    (an aggregate over them, on each call)."""
    kept = shared(session, jurisdiction_id, "gazetteer", lambda: _load_gazetteer(session, jurisdiction_id))
    if kept is not None:
        return kept
    token = session.execute(
        select(func.count(Place.id), func.max(Place.updated_at), func.sum(Place.id)).where(
            Place.jurisdiction_id == jurisdiction_id
        )
    ).one()
    key = (*token, _edits[0])
    cached = _gazetteer_cache.get(jurisdiction_id)
    if cached is None or cached[0] != key:
        _gazetteer_cache[jurisdiction_id] = cached = (key, _load_gazetteer(session, jurisdiction_id))
    return cached[1]


def _load_gazetteer(session: Session, jurisdiction_id: int) -> Gazetteer:
    rows = session.execute(
        select(Place.name, Place.kind, Place.unit_id, Unit.kind)
        .join(Unit, Unit.id == Place.unit_id)
        .where(Place.jurisdiction_id == jurisdiction_id, Unit.active.is_(True))
    ).all()
    return Gazetteer([(name, kind, unit_id, DEPTH.get(unit_kind, 0)) for name, kind, unit_id, unit_kind in rows])


def match_places(session: Session, jurisdiction_id: int, text: str | None) -> list[PlaceMatch]:
    """The gazetteer's place names in ``text``, left to right, longest match first."""
    return _gazetteer(session, jurisdiction_id).scan(text or "") if text else []


def locate_text(session: Session, jurisdiction_id: int, text: str | None) -> Location:
    """The most specific unit named in the text (a 小区 beats its road, a road beats its street)."""
    return _named(session, match_places(session, jurisdiction_id, text))


def _named(session: Session, matches: list[PlaceMatch]) -> Location:
    if not matches:
        return Location()
    units = {m.unit_id: session.get(Unit, m.unit_id) for m in matches}
    best = max(matches, key=lambda m: (DEPTH.get(units[m.unit_id].kind, 0), m.end - m.start))
    return location_of(session, units[best.unit_id], source="text", place=best.name)


def resolve_location(
    session: Session,
    jurisdiction_id: int,
    *,
    lat: float | None = None,
    lng: float | None = None,
    address: str | None = None,
    content: str | None = None,
) -> Location:
    """The point if it falls inside a boundary, else a place named in the address, else in the text."""
    if lat is not None and lng is not None:
        where = locate(session, jurisdiction_id, lat, lng)
        if where.found:
            return where
    return _by_words(session, jurisdiction_id, address, content)


def _by_words(session: Session, jurisdiction_id: int, *texts: str | None) -> Location:
    """A place named in the first of ``texts`` that names one (the gazetteer read once for all of them)."""
    texts = tuple(text for text in texts if text)
    gazetteer = _gazetteer(session, jurisdiction_id) if texts else None
    for text in texts:
        where = _named(session, gazetteer.scan(text))
        if where.found:
            return where
    return Location()


def fill_location(session: Session, data: AppealCreate) -> AppealCreate:
    """Intake: a point outside every boundary of the jurisdiction (when it has boundaries) is refused;
    an appeal that has a point or an address but no community gets its community and grid."""
    has_point = data.lat is not None and data.lng is not None
    checked = has_point and Channel(data.channel) not in UNCHECKED_CHANNELS
    if data.community_id is not None or data.grid_id is not None:
        if checked:
            check_inside(session, data.jurisdiction_id, data.lat, data.lng)
        return data
    where = Location()
    if has_point:  # the areas around the point, read once: to place it, and to refuse it when outside them all
        rows, point = _areas_around(session, data.jurisdiction_id, data.lat, data.lng), Point(data.lng, data.lat)
        where = _deepest(session, rows, point)
        if not where.found and checked and _inside(session, data.jurisdiction_id, rows, point) is False:
            raise InvalidInput(OUTSIDE_ZH, OUTSIDE_EN, field="lat")
    if not where.found:
        where = _by_words(session, data.jurisdiction_id, data.address, data.content)
    if where.community is None:
        return data
    return data.model_copy(
        update={"community_id": where.community.id, "grid_id": where.grid.id if where.grid else None}
    )


# --- editing the gazetteer --------------------------------------------------------------------------


def add_place(
    session: Session,
    *,
    actor: User | None,
    jurisdiction_id: int,
    name: str,
    kind: PlaceKind | str,
    unit_id: int,
    lat: float | None = None,
    lng: float | None = None,
) -> Place:
    require_role(session, actor, (Role.ADMIN,))
    name = (name or "").strip()
    if not 2 <= len(name) <= 100:
        raise InvalidInput("地名须为 2–100 个字", "a place name has 2–100 characters", field="name")
    try:
        kind = PlaceKind(kind)
    except ValueError:
        options = "、".join(f"{k.value}({v})" for k, v in PLACE_KIND_LABELS.items())
        raise InvalidInput(
            f"无效的地名类型「{kind}」，可选：{options}", f"unknown place kind {kind!r}", field="kind"
        ) from None
    unit = get_unit(session, unit_id)
    if unit.jurisdiction_id != jurisdiction_id or unit.kind not in AREA_KINDS:
        raise InvalidInput(
            "地名须归属本辖区的街道、社区或网格", "a place belongs to a street, community or grid", field="unit_id"
        )
    if (
        session.scalar(
            select(Place.id).where(
                Place.jurisdiction_id == jurisdiction_id, Place.name == name, Place.unit_id == unit.id
            )
        )
        is not None
    ):
        raise InvalidInput(f"「{unit.name}」已有地名「{name}」", f"{name!r} already exists for this unit", field="name")
    place = Place(
        jurisdiction_id=jurisdiction_id, name=name, kind=kind, unit_id=unit.id, lat=lat, lng=lng, updated_at=utcnow()
    )
    session.add(place)
    session.flush()
    _changed(session, jurisdiction_id)
    return place


def delete_place(session: Session, place_id: int, *, actor: User | None) -> None:
    require_role(session, actor, (Role.ADMIN,))
    place = session.get(Place, place_id)
    if place is None:
        raise NotFound(f"地名 {place_id} 不存在", f"place {place_id} not found", field="place_id")
    session.delete(place)
    session.flush()
    _changed(session, place.jurisdiction_id)
