"""Aggregate figures for the public pages, from plain queries over appeals (no personal data leaves
these functions: only counts, rates and community-level positions).

``public_figures`` is the one function the statistics page calls; when ``lianxin.stats`` provides
rollups it can be swapped for a rollup-backed function returning the same ``PublicFigures``.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from lianxin.appeals.choices import Satisfaction
from lianxin.appeals.models import Appeal, Category
from lianxin.appeals.status import AppealStatus
from lianxin.clock import utcnow
from lianxin.orgs.models import Unit

SHANGHAI = ZoneInfo("Asia/Shanghai")
SATISFIED = (Satisfaction.SATISFIED, Satisfaction.BASICALLY)
# A community is placed on the public map only with at least this many appeals (no single case is pinpointed).
MIN_MAP_COUNT = 3


@dataclass(frozen=True)
class CommunityPoint:
    community_id: int
    name: str
    lat: float
    lng: float
    count: int


def community_points(session: Session, jurisdiction_id: int, *, since: datetime | None = None) -> list[CommunityPoint]:
    """Each community's appeal count at the mean position of its appeals (communities with few appeals left out)."""
    stmt = (
        select(Unit.id, Unit.name, func.avg(Appeal.lat), func.avg(Appeal.lng), func.count(Appeal.id))
        .join(Unit, Appeal.community_id == Unit.id)
        .where(Appeal.jurisdiction_id == jurisdiction_id, Appeal.lat.is_not(None), Appeal.lng.is_not(None))
        .group_by(Unit.id, Unit.name).order_by(Unit.name)
    )
    if since is not None:
        stmt = stmt.where(Appeal.received_at >= since)
    return [CommunityPoint(uid, name, round(float(lat), 5), round(float(lng), 5), count)
            for uid, name, lat, lng, count in session.execute(stmt) if count >= MIN_MAP_COUNT]


def rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


@dataclass
class AreaRow:
    name: str
    received: int = 0
    closed: int = 0
    rated: int = 0
    satisfied: int = 0

    @property
    def satisfaction_rate(self) -> float | None:
        return rate(self.satisfied, self.rated)


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


def _month_keys(now: datetime, months: int) -> list[str]:
    local = now.astimezone(SHANGHAI)
    year, month = local.year, local.month
    keys = []
    for _ in range(months):
        keys.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return keys[::-1]


def public_figures(session: Session, jurisdiction_id: int, *, months: int = 12, now: datetime | None = None) -> PublicFigures:
    """Received / closed / satisfaction by month and by district and street, top categories, on-time rate
    and the community map, over the last ``months`` calendar months (Asia/Shanghai)."""
    now = now or utcnow()
    keys = _month_keys(now, months)
    since = datetime.strptime(keys[0] + "-01", "%Y-%m-%d").replace(tzinfo=SHANGHAI)
    street, district = aliased(Unit), aliased(Unit)
    community = aliased(Unit)
    rows = session.execute(
        select(Appeal.received_at, Appeal.status, Appeal.satisfaction, Appeal.solved, Appeal.replied_at, Appeal.due_at,
               street.name, district.name, Category.name)
        .outerjoin(community, Appeal.community_id == community.id)
        .outerjoin(street, community.parent_id == street.id)
        .outerjoin(district, street.parent_id == district.id)
        .outerjoin(Category, Appeal.category_id == Category.id)
        .where(Appeal.jurisdiction_id == jurisdiction_id, Appeal.received_at >= since)
    ).all()
    received, closed, rated, satisfied = Counter(), Counter(), Counter(), Counter()
    streets: dict[str, AreaRow] = defaultdict(lambda: AreaRow(""))
    districts: dict[str, AreaRow] = defaultdict(lambda: AreaRow(""))
    categories: Counter[str] = Counter()
    visited = solved = replied = on_time = 0
    for at, status, satisfaction, was_solved, replied_at, due_at, street_name, district_name, category in rows:
        month = at.astimezone(SHANGHAI).strftime("%Y-%m")
        is_closed, is_rated = status == AppealStatus.CLOSED, satisfaction is not None
        is_satisfied = satisfaction in SATISFIED
        received[month] += 1
        closed[month] += is_closed
        rated[month] += is_rated
        satisfied[month] += is_satisfied
        for table, name in ((streets, street_name), (districts, district_name)):
            if name:
                row = table[name]
                row.name = name
                row.received += 1
                row.closed += is_closed
                row.rated += is_rated
                row.satisfied += is_satisfied
        if category:
            categories[category] += 1
        if was_solved is not None:
            visited += 1
            solved += bool(was_solved)
        if replied_at is not None and due_at is not None:
            replied += 1
            on_time += replied_at <= due_at
    return PublicFigures(
        months=keys, received=[received[k] for k in keys], closed=[closed[k] for k in keys],
        satisfaction=[rate(satisfied[k], rated[k]) for k in keys],
        total_received=sum(received.values()), total_closed=sum(closed.values()),
        solved_rate=rate(solved, visited), satisfaction_rate=rate(sum(satisfied.values()), sum(rated.values())),
        on_time_rate=rate(on_time, replied),
        districts=sorted(districts.values(), key=lambda r: -r.received),
        streets=sorted(streets.values(), key=lambda r: -r.received),
        top_categories=categories.most_common(10),
        points=community_points(session, jurisdiction_id, since=since),
    )
