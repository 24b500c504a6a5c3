"""Figures for the public pages (no personal data leaves these functions: only counts, rates and
community-level positions).

``public_figures`` is the one function the statistics page calls. It reads the same statistics rollups,
with the same rate definitions, as ``/api/v1/stats/public`` (``lianxin.stats.dashboard.public_summary``)
and only shapes them for the page (rates as percentages with one decimal); the map's positions are the
one thing read from the appeals (the rollups hold no coordinates).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lianxin.appeals.models import Appeal
from lianxin.clock import utcnow
from lianxin.modules import first_hook
from lianxin.orgs.models import Unit

# A community is placed on the public map only with at least this many appeals (no single case is pinpointed).
MIN_MAP_COUNT = 3
# The map places a community at the mean position of its appeals among the jurisdiction's newest this many.
POINT_WINDOW = 100_000


@dataclass(frozen=True)
class CommunityPoint:
    community_id: int
    name: str
    lat: float
    lng: float
    count: int


def community_points(
    session: Session, jurisdiction_id: int, *, counts: Mapping[int, int] | None = None
) -> list[CommunityPoint]:
    """Each community at the mean position of its recent appeals — those among the jurisdiction's newest
    ``POINT_WINDOW``, a range of the primary key, so the cost is the same at 10 M appeals as at 10,000 — with
    its count from ``counts`` (the rollups' intake per community over the page's period) or, without, the
    appeals in that window. Communities with fewer than ``MIN_MAP_COUNT`` appeals are left out."""
    newest = (
        select(func.coalesce(func.max(Appeal.id), 0)).where(Appeal.jurisdiction_id == jurisdiction_id).scalar_subquery()
    )
    stmt = (
        select(Unit.id, Unit.name, func.avg(Appeal.lat), func.avg(Appeal.lng), func.count(Appeal.id))
        .join(Unit, Appeal.community_id == Unit.id)
        .where(
            Appeal.jurisdiction_id == jurisdiction_id,
            Appeal.id > newest - POINT_WINDOW,
            Appeal.lat.is_not(None),
            Appeal.lng.is_not(None),
        )
        .group_by(Unit.id, Unit.name)
        .order_by(Unit.name)
    )
    points = []
    for uid, name, lat, lng, seen in session.execute(stmt):
        count = counts.get(uid, 0) if counts is not None else seen
        if count >= MIN_MAP_COUNT:
            points.append(CommunityPoint(uid, name, round(float(lat), 5), round(float(lng), 5), count))
    return points


# The choropleth's classes, light to dark; communities with fewer than MIN_MAP_COUNT appeals are grey.
PALETTE = ("#fee5d9", "#fcae91", "#fb6a4a", "#de2d26", "#a50f15")
FEW_COLOUR = "#d9d9d9"


@dataclass(frozen=True)
class LegendClass:
    low: int
    high: int
    colour: str


def legend_classes(largest: int, classes: int = len(PALETTE)) -> list[LegendClass]:
    """Equal count ranges from MIN_MAP_COUNT to ``largest`` (at most ``classes``), the darkest for the largest."""
    if largest < MIN_MAP_COUNT:
        return []
    step = -(-(largest - MIN_MAP_COUNT + 1) // classes)
    ranges = [(low, min(low + step - 1, largest)) for low in range(MIN_MAP_COUNT, largest + 1, step)]
    colours = PALETTE[len(PALETTE) - len(ranges) :]
    return [LegendClass(low, high, colour) for (low, high), colour in zip(ranges, colours, strict=True)]


def colour_of(count: int | None, legend: list[LegendClass]) -> str:
    for item in legend:
        if count is not None and item.low <= count <= item.high:
            return item.colour
    return FEW_COLOUR


@dataclass
class CommunityMap:
    """The community boundaries (geometry, id, name, count, colour) when the deployment has them, the
    points of the communities without a boundary, and the legend."""

    areas: dict | None
    points: list[CommunityPoint]
    legend: list[LegendClass]


def community_map(
    session: Session, jurisdiction_id: int, points: list[CommunityPoint], *, shaded: bool = True
) -> CommunityMap:
    """Boundaries from the modules (geo's ``map_boundaries`` hook: names and shapes only), each shaded by
    its community's count (``shaded``); without boundaries (or with geo off) the map keeps its points."""
    areas = first_hook("map_boundaries", session, jurisdiction_id, "community")
    if not areas or not areas.get("features"):
        return CommunityMap(None, points, [])
    drawn = {f["properties"]["unit_id"] for f in areas["features"]}
    rest = [p for p in points if p.community_id not in drawn]
    if not shaded:
        return CommunityMap(areas, rest, [])
    counts = {p.community_id: p.count for p in points}
    legend = legend_classes(max(counts.values(), default=0))
    for feature in areas["features"]:
        properties = feature["properties"]
        properties["count"] = counts.get(properties["unit_id"])
        properties["colour"] = colour_of(properties["count"], legend)
    return CommunityMap(areas, rest, legend)


def community_counts(session: Session, jurisdiction_id: int, start: date, end: date) -> dict[int, int]:
    """Appeals received per community from ``start`` to ``end``, from the rollups (as /stats counts them)."""
    from lianxin.stats.rollups import breakdown_sums

    return {int(k): n for k, n in breakdown_sums(session, jurisdiction_id, start, end, "community").items()}


def percent(value: float | None) -> float | None:
    """A rate (0..1) as the page shows it: a percentage with one decimal, None for "—"."""
    return None if value is None else round(100 * value, 1)


@dataclass
class AreaRow:
    """A district or street: appeals its units handled (dispatched to them), closed, and the satisfaction rate (%)."""

    name: str
    handled: int = 0
    closed: int = 0
    satisfaction_rate: float | None = None


@dataclass
class PublicFigures:
    months: list[str]
    received: list[int]
    closed: list[int]
    satisfaction: list[float | None]
    total_received: int
    total_closed: int
    solved_rate: float | None
    satisfaction_rate: float | None
    on_time_rate: float | None
    districts: list[AreaRow] = field(default_factory=list)
    streets: list[AreaRow] = field(default_factory=list)
    top_categories: list[tuple[str, int]] = field(default_factory=list)
    points: list[CommunityPoint] = field(default_factory=list)
    basic_satisfied_weight: float = 0.9


def public_figures(
    session: Session, jurisdiction_id: int, *, months: int = 12, now: datetime | None = None, cache_seconds: float = 0
) -> PublicFigures:
    """Received / closed / satisfaction by month and by district and street, top categories, on-time rate
    and the community map, over the last ``months`` calendar months (local time, LIANXIN_TIMEZONE), from the rollups."""
    from lianxin.stats.cache import cached_public_summary, remember
    from lianxin.stats.dashboard import public_period, weights_for
    from lianxin.stats.fold import local_day

    start, end = public_period(local_day(now or utcnow()), months)
    weights = weights_for(session, jurisdiction_id)
    summary = cached_public_summary(session, jurisdiction_id, start, end, weights=weights, ttl=cache_seconds)
    area = {
        kind: [
            AreaRow(a["name"], a["handled"], a["closed"], percent(a["satisfaction_rate"]))
            for a in summary["areas"]
            if a["kind"] == kind
        ]
        for kind in ("district", "street")
    }
    return PublicFigures(
        months=[m["month"] for m in summary["months"]],
        received=[m["received"] for m in summary["months"]],
        closed=[m["closed"] for m in summary["months"]],
        satisfaction=[percent(m["satisfaction_rate"]) for m in summary["months"]],
        total_received=summary["received"],
        total_closed=summary["closed"],
        solved_rate=percent(summary["solved_rate"]),
        satisfaction_rate=percent(summary["satisfaction_rate"]),
        on_time_rate=percent(summary["on_time_rate"]),
        districts=sorted(area["district"], key=lambda r: (-r.handled, r.name)),
        streets=sorted(area["street"], key=lambda r: (-r.handled, r.name)),
        top_categories=[(c["name"], c["value"]) for c in summary["top_categories"]],
        points=remember(
            session,
            ("points", jurisdiction_id, start, end),
            cache_seconds,
            lambda s: community_points(s, jurisdiction_id, counts=community_counts(s, jurisdiction_id, start, end)),
        ),
        basic_satisfied_weight=summary["basic_satisfied_weight"],
    )
