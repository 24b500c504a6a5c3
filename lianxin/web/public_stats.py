"""Aggregate figures for the public pages, from plain queries over appeals (no personal data leaves
these functions: only counts, rates and community-level positions).

``public_figures`` is the one function the statistics page calls; when ``lianxin.stats`` provides
rollups it can be swapped for a rollup-backed function returning the same ``PublicFigures``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, select
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


def _local_month(session: Session):
    """The appeal's receiving month in Asia/Shanghai (UTC+8, no daylight saving) as 'YYYY-MM', in SQL."""
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone(SHANGHAI.key, Appeal.received_at), "YYYY-MM")
    return func.strftime("%Y-%m", Appeal.received_at, "+8 hours")


def _counts():
    """received, closed, rated, satisfied: the four sums every breakdown shows."""
    return (
        func.count(Appeal.id),
        func.sum(case((Appeal.status == AppealStatus.CLOSED, 1), else_=0)),
        func.sum(case((Appeal.satisfaction.is_not(None), 1), else_=0)),
        func.sum(case((Appeal.satisfaction.in_(SATISFIED), 1), else_=0)),
    )


def public_figures(session: Session, jurisdiction_id: int, *, months: int = 12, now: datetime | None = None) -> PublicFigures:
    """Received / closed / satisfaction by month and by district and street, top categories, on-time rate
    and the community map, over the last ``months`` calendar months (Asia/Shanghai). Aggregated in SQL."""
    keys = _month_keys(now or utcnow(), months)
    since = datetime.strptime(keys[0] + "-01", "%Y-%m-%d").replace(tzinfo=SHANGHAI)
    scope = (Appeal.jurisdiction_id == jurisdiction_id, Appeal.received_at >= since)
    month = _local_month(session).label("month")
    outcome = (  # visited, solved, replied with a deadline, replied on time
        func.sum(case((Appeal.solved.is_not(None), 1), else_=0)), func.sum(case((Appeal.solved.is_(True), 1), else_=0)),
        func.sum(case((and_(Appeal.replied_at.is_not(None), Appeal.due_at.is_not(None)), 1), else_=0)),
        func.sum(case((Appeal.replied_at <= Appeal.due_at, 1), else_=0)),
    )
    by_month = {row[0]: tuple(v or 0 for v in row[1:])
                for row in session.execute(select(month, *_counts(), *outcome).where(*scope).group_by(month))}
    totals = [sum(values[i] for values in by_month.values()) for i in range(8)]
    street, district, community = aliased(Unit), aliased(Unit), aliased(Unit)
    areas = session.execute(
        select(district.name, street.name, *_counts())
        .join(community, Appeal.community_id == community.id).join(street, community.parent_id == street.id)
        .outerjoin(district, street.parent_id == district.id).where(*scope).group_by(district.name, street.name)
    ).all()
    districts: dict[str, AreaRow] = {}
    streets = []
    for district_name, street_name, received, closed, rated, satisfied in areas:
        streets.append(AreaRow(street_name, received, closed, rated, satisfied))
        if district_name:
            row = districts.setdefault(district_name, AreaRow(district_name))
            row.received, row.closed = row.received + received, row.closed + closed
            row.rated, row.satisfied = row.rated + rated, row.satisfied + satisfied
    categories = session.execute(
        select(Category.name, func.count(Appeal.id)).join(Category, Appeal.category_id == Category.id).where(*scope)
        .group_by(Category.name).order_by(func.count(Appeal.id).desc(), Category.name).limit(10)
    ).all()
    total, closed, rated, satisfied, visited, solved, replied, on_time = totals
    zero = (0, 0, 0, 0)
    return PublicFigures(
        months=keys, received=[by_month.get(k, zero)[0] for k in keys], closed=[by_month.get(k, zero)[1] for k in keys],
        satisfaction=[rate(by_month.get(k, zero)[3], by_month.get(k, zero)[2]) for k in keys],
        total_received=total, total_closed=closed, solved_rate=rate(solved, visited),
        satisfaction_rate=rate(satisfied, rated), on_time_rate=rate(on_time, replied),
        districts=sorted(districts.values(), key=lambda r: (-r.received, r.name)),
        streets=sorted(streets, key=lambda r: (-r.received, r.name)),
        top_categories=[(name, n) for name, n in categories],
        points=community_points(session, jurisdiction_id, since=since),
    )
