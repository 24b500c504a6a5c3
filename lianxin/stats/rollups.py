"""Reading the rollups: sums over a period (whole months from the monthly rows, the edges from the
daily rows) plus the live delta of events not folded yet. Never touches the appeals table."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Date, cast, func, or_, select
from sqlalchemy.orm import Session

from lianxin.appeals.models import Category
from lianxin.errors import InvalidInput
from lianxin.orgs.models import Unit, UnitKind
from lianxin.stats.fold import Delta, month_start, pending_delta
from lianxin.stats.models import COUNTERS, DAY, MONTH, NO_UNIT, StatsBreakdown, StatsRollup

MAX_DAYS = 3 * 366


def check_period(start: date, end: date) -> None:
    if end < start:
        raise InvalidInput("结束日期不能早于开始日期", "the end date is before the start date", field="end")
    if (end - start).days > MAX_DAYS:
        raise InvalidInput("统计区间不能超过三年", "the period may not exceed three years", field="start")


def spans(start: date, end: date) -> list[tuple[str, date, date]]:
    """[start, end] as daily edges and whole months: 2026-01-15..2026-04-10 → days 15–31 Jan,
    months Feb–Mar, days 1–10 Apr."""
    first_full = start if start.day == 1 else month_start(start + timedelta(days=32 - start.day))
    after = end + timedelta(days=1)
    last_full_end = after if after.day == 1 else month_start(after)  # exclusive end of the whole months
    if first_full >= last_full_end:
        return [(DAY, start, end)]
    out = []
    if start < first_full:
        out.append((DAY, start, first_full - timedelta(days=1)))
    out.append((MONTH, first_full, month_start(last_full_end - timedelta(days=1))))
    if last_full_end <= end:
        out.append((DAY, last_full_end, end))
    return out


@dataclass
class UnitTree:
    """The jurisdiction's units as light rows (id, parent_id, kind, code, name, active) with child lists."""

    units: dict[int, Any]
    children: dict[int | None, list[int]]

    def subtree(self, unit_id: int) -> set[int]:
        out, todo = set(), [unit_id]
        while todo:
            current = todo.pop()
            if current not in out:
                out.add(current)
                todo.extend(self.children.get(current, ()))
        return out

    def ancestor_of_kind(self, unit_id: int, kinds: Iterable[UnitKind]) -> int | None:
        kinds, current, hops = set(kinds), self.units.get(unit_id), 0
        while current is not None and hops < 20:
            if current.kind in kinds:
                return current.id
            current, hops = self.units.get(current.parent_id), hops + 1
        return None


def unit_tree(session: Session, jurisdiction_id: int) -> UnitTree:
    """Read once per session (a request): one query of plain rows, no ORM objects."""
    cache = session.info.setdefault("stats_unit_tree", {})
    if jurisdiction_id not in cache:
        rows = session.execute(
            select(Unit.id, Unit.parent_id, Unit.kind, Unit.code, Unit.name, Unit.active)
            .where(Unit.jurisdiction_id == jurisdiction_id)
            .order_by(Unit.code, Unit.id)
        ).all()
        children: dict[int | None, list[int]] = defaultdict(list)
        for unit in rows:
            children[unit.parent_id].append(unit.id)
        cache[jurisdiction_id] = UnitTree({u.id: u for u in rows}, children)
    return cache[jurisdiction_id]


def category_names(session: Session, jurisdiction_id: int, level: int) -> dict[str, str]:
    """category id (as stored in breakdown keys) → the name of its ancestor at ``level``."""
    rows = {c.id: c for c in session.scalars(select(Category).where(Category.jurisdiction_id == jurisdiction_id))}
    out = {}
    for category in rows.values():
        current = category
        while current.level > level and current.parent_id in rows:
            current = rows[current.parent_id]
        out[str(category.id)] = current.name
    return out


def _live(session: Session, jurisdiction_id: int) -> Delta:
    cache = session.info.setdefault("stats_live", {})
    if jurisdiction_id not in cache:
        cache[jurisdiction_id] = pending_delta(session, jurisdiction_id)
    return cache[jurisdiction_id]


def forget_live(session: Session) -> None:
    """Drop what this session read (tests and long-lived sessions that act, then read again)."""
    session.info.pop("stats_live", None)
    session.info.pop("stats_unit_tree", None)


BUCKETS = ("day", "week", "month")


def bucket_of(day: date, bucket: str) -> date:
    if bucket == "week":
        return day - timedelta(days=day.weekday())
    if bucket == "month":
        return day.replace(day=1)
    return day


def _bucket_column(session: Session, bucket: str):
    """The period column truncated to its bucket in SQL (weeks start on Monday), so the database
    returns one row per bucket instead of one per day."""
    column = StatsRollup.period
    if bucket == "day":
        return column
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.date_trunc(bucket, column), Date)
    return func.date(column, "weekday 0", "-6 days") if bucket == "week" else func.date(column, "start of month")


def rollup_sums(
    session: Session,
    jurisdiction_id: int,
    start: date,
    end: date,
    *,
    unit_ids: set[int] | None = None,
    assessed_only: bool = False,
    by_unit: bool = False,
    bucket: str | None = None,
    counters: tuple[str, ...] = COUNTERS,
) -> dict[tuple[int | None, date | None], Counter]:
    """Sums of ``counters`` keyed by (unit or None, bucket start or None). Whole months are read from
    the monthly rows; days, weeks and the edges of a period from the daily rows. Rows whose counters
    are all zero are left out."""
    check_period(start, end)
    out: dict[tuple, Counter] = defaultdict(Counter)
    live = _live(session, jurisdiction_id)
    t = StatsRollup
    sums = [func.sum(getattr(t, c)) for c in counters]
    for grain, lo, hi in spans(start, end) if bucket in (None, "month") else [(DAY, start, end)]:
        period = (_bucket_column(session, bucket) if grain == DAY else t.period) if bucket else None
        keys = ([t.unit_id] if by_unit else []) + ([period] if bucket else [])
        stmt = select(*keys, *sums).where(
            t.jurisdiction_id == jurisdiction_id, t.grain == grain, t.period.between(lo, hi)
        )
        if unit_ids is not None:
            stmt = stmt.where(t.unit_id.in_(unit_ids))
        if assessed_only:
            stmt = stmt.where(t.assessed.is_(True))
        stmt = stmt.group_by(*keys).having(or_(*[s > 0 for s in sums])) if keys else stmt
        for row in session.execute(stmt):
            unit = row[0] if by_unit else None
            when = _as_date(row[len(keys) - 1]) if bucket else None
            out[(unit, when)].update({c: v for c, v in zip(counters, row[len(keys) :]) if v})
        for (_, g, day, unit_id, assessed), counts in live.rollups.items():
            if (
                g == grain
                and lo <= day <= hi
                and (unit_ids is None or unit_id in unit_ids)
                and (assessed or not assessed_only)
            ):
                key = (unit_id if by_unit else None, bucket_of(day, bucket) if bucket else None)
                out[key].update({c: counts[c] for c in counters if counts[c]})
    return out


def _as_date(value) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


def breakdown_sums(
    session: Session,
    jurisdiction_id: int,
    start: date,
    end: date,
    dimension: str,
    *,
    unit_ids: set[int] | None = None,
) -> Counter:
    """Appeal counts per value of ``dimension``: at intake (all appeals) or, with ``unit_ids``, dispatched to them."""
    check_period(start, end)
    units = unit_ids if unit_ids is not None else {NO_UNIT}
    out: Counter = Counter()
    live = _live(session, jurisdiction_id)
    for grain, lo, hi in spans(start, end):
        t = StatsBreakdown
        stmt = (
            select(t.key, func.sum(t.count))
            .where(
                t.jurisdiction_id == jurisdiction_id,
                t.grain == grain,
                t.period.between(lo, hi),
                t.dimension == dimension,
                t.unit_id.in_(units),
            )
            .group_by(t.key)
        )
        out.update({key: int(n) for key, n in session.execute(stmt)})
        for (_jid, g, period, dim, unit_id, key), n in live.breakdowns.items():
            if g == grain and dim == dimension and lo <= period <= hi and unit_id in units:
                out[key] += n
    return out
