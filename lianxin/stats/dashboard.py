"""Leader dashboard and public statistics: JSON-able dicts ready for ECharts, read from the rollups.

Every function takes a period [start, end] (local dates, inclusive) and an optional unit whose subtree
it covers. ``dashboard_scope`` decides which unit a user may look at."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, timedelta

from sqlalchemy.orm import Session

from lianxin.errors import PermissionDenied
from lianxin.modules import first_hook
from lianxin.orgs.models import Role, UnitKind, User
from lianxin.orgs.service import CENTRE_ROLES, get_unit, has_role
from lianxin.stats.models import NO_UNIT
from lianxin.stats.rates import Weights, compute_rates
from lianxin.stats.rollups import BUCKETS, UnitTree, breakdown_sums, bucket_of, category_names, rollup_sums, unit_tree

HANDLING = (UnitKind.DISTRICT, UnitKind.STREET, UnitKind.COMMUNITY, UnitKind.DEPARTMENT, UnitKind.ENTERPRISE)


def weights_for(session: Session, jurisdiction_id: int) -> Weights:
    """The weights every rate of the jurisdiction uses (the page, the API, the rankings): the ``rate_weights``
    hook's answer (assessment: the admin-edited settings), or the defaults when no module answers."""
    return first_hook("rate_weights", session, jurisdiction_id, default=Weights())


def dashboard_scope(session: Session, actor: User, unit_id: int | None) -> int | None:
    """The unit whose subtree ``actor`` may see: any for admins and centre staff; leaders only below their grants
    (a leader asking for everything gets their own unit)."""
    if has_role(session, actor, CENTRE_ROLES):
        return unit_id
    if unit_id is None:
        grants = [g.unit_id for g in actor.grants if g.role == Role.LEADER]
        if grants:
            return grants[0]
    elif has_role(session, actor, (Role.LEADER,), unit_id=get_unit(session, unit_id).id):
        return unit_id
    raise PermissionDenied("您无权查看该单位的统计", "these statistics are outside your units")


def _buckets(start: date, end: date, bucket: str) -> list[date]:
    out, day = [], start
    while day <= end:
        key = bucket_of(day, bucket)
        if not out or out[-1] != key:
            out.append(key)
        day += timedelta(days=1)
    return out


def trend(
    session: Session, jurisdiction_id: int, start: date, end: date, *, bucket: str = "day", unit_id: int | None = None
) -> dict:
    """Received and closed per day/week/month. For a unit, "received" is dispatched to its subtree."""
    if bucket not in BUCKETS:
        bucket = "day"
    units = unit_tree(session, jurisdiction_id).subtree(unit_id) if unit_id else None
    intake = "dispatched" if units else "received"
    sums = rollup_sums(session, jurisdiction_id, start, end, unit_ids=units, bucket=bucket, counters=(intake, "closed"))
    keys = _buckets(start, end, bucket)
    return {
        "bucket": bucket,
        "periods": [k.isoformat() for k in keys],
        "received": [sums[(None, k)][intake] for k in keys],
        "closed": [sums[(None, k)]["closed"] for k in keys],
    }


def child_units(tree: UnitTree, unit_id: int | None) -> list[int]:
    """The units a breakdown shows: the handling units directly below ``unit_id`` (or below the top of
    the tree); a unit without handling children stands for itself."""
    if unit_id is None:
        tops = [u for u in tree.children.get(None, []) if tree.units[u].kind != UnitKind.CENTRE]
        return [c for top in tops for c in child_units(tree, top)] if tops else []
    below = [c for c in tree.children.get(unit_id, []) if tree.units[c].kind in HANDLING]
    return below or [unit_id]


def per_child(tree: UnitTree, children: list[int], sums: dict) -> dict[int, Counter]:
    """Fold per-unit sums up to the given children (each covers its subtree)."""
    owner = {u: child for child in children for u in tree.subtree(child)}
    out: dict[int, Counter] = {child: Counter() for child in children}
    for (unit, _), counts in sums.items():
        if unit in owner:
            out[owner[unit]].update(counts)
    return out


def rates_by_unit(
    session: Session,
    jurisdiction_id: int,
    start: date,
    end: date,
    *,
    unit_id: int | None = None,
    weights: Weights = Weights(),
) -> dict:
    """三率 (and the four process rates) for each unit below ``unit_id``, excluded appeals left out."""
    tree = unit_tree(session, jurisdiction_id)
    children = child_units(tree, unit_id)
    sums = rollup_sums(session, jurisdiction_id, start, end, assessed_only=True, by_unit=True)
    rows = []
    for child, counts in per_child(tree, children, sums).items():
        rows.append(
            {
                "unit_id": child,
                "unit": tree.units[child].name,
                "valid_visits": counts["visits_valid"],
                **compute_rates(counts, weights),
            }
        )
    return {"units": [r["unit"] for r in rows], "rows": rows}


def category_mix(
    session: Session, jurisdiction_id: int, start: date, end: date, *, unit_id: int | None = None, level: int = 1
) -> dict:
    """Appeals per category (rolled up to ``level``), as ECharts pie data, largest first."""
    units = unit_tree(session, jurisdiction_id).subtree(unit_id) if unit_id else None
    counts = breakdown_sums(session, jurisdiction_id, start, end, "category", unit_ids=units)
    names = category_names(session, jurisdiction_id, level)
    mix: Counter = Counter()
    for key, n in counts.items():
        mix[names.get(key, "未分类")] += n
    return {"data": [{"name": name, "value": n} for name, n in mix.most_common()]}


def overdue_heatmap(
    session: Session, jurisdiction_id: int, start: date, end: date, *, unit_id: int | None = None
) -> dict:
    """Overdue appeals per unit × week: ECharts heatmap data [week index, unit index, count]."""
    tree = unit_tree(session, jurisdiction_id)
    children = child_units(tree, unit_id)
    owner = {u: i for i, child in enumerate(children) for u in tree.subtree(child)}
    weeks = _buckets(start, end, "week")
    index = {w: i for i, w in enumerate(weeks)}
    sums = rollup_sums(
        session,
        jurisdiction_id,
        start,
        end,
        unit_ids=set(owner) if unit_id else None,
        by_unit=True,
        bucket="week",
        counters=("overdue",),
    )
    cells: Counter = Counter()
    for (unit, week), counts in sums.items():
        if unit in owner and counts["overdue"]:
            cells[(index[week], owner[unit])] += counts["overdue"]
    return {
        "weeks": [w.isoformat() for w in weeks],
        "units": [tree.units[c].name for c in children],
        "data": [[w, u, n] for (w, u), n in sorted(cells.items())],
        "max": max(cells.values(), default=0),
    }


def public_period(today: date, months: int = 12) -> tuple[date, date]:
    """The public statistics' default window: the last ``months`` calendar months, up to ``today``."""
    year, month = today.year, today.month - (months - 1)
    while month < 1:
        year, month = year - 1, month + 12
    return date(year, month, 1), today


def public_summary(
    session: Session, jurisdiction_id: int, start: date, end: date, *, top: int = 10, weights: Weights = Weights()
) -> dict:
    """Public statistics (no personal data): volumes and outcomes by month, by district and street (of the
    handling unit), top categories, counts by community, and the rates over the whole period.

    The one source of both the public page (/stats) and /api/v1/stats/public: the rates are the
    assessment's (``compute_rates``) over valid return visits, 满意率 counting 基本满意 at ``weights.basic``
    (the jurisdiction's configured weight). Rates are fractions (0..1) or None when nothing was visited."""
    tree = unit_tree(session, jurisdiction_id)
    months = {
        period: counts
        for (_, period), counts in rollup_sums(session, jurisdiction_id, start, end, bucket="month").items()
    }
    by_unit = rollup_sums(session, jurisdiction_id, start, end, by_unit=True)
    areas: dict[tuple[str, int], Counter] = defaultdict(Counter)
    total: Counter = Counter()
    for (unit, _), counts in by_unit.items():
        total.update(counts)
        for kind in (UnitKind.DISTRICT, UnitKind.STREET):
            owner = tree.ancestor_of_kind(unit, (kind,)) if unit != NO_UNIT else None
            if owner is not None:
                areas[(kind.value, owner)].update(counts)
    communities = breakdown_sums(session, jurisdiction_id, start, end, "community")
    categories = [
        row for row in category_mix(session, jurisdiction_id, start, end, level=3)["data"] if row["name"] != "未分类"
    ][:top]

    def outcome(counts: Counter) -> dict:
        rates = compute_rates(counts, weights)
        return {
            "solved_rate": rates["resolution_rate"],
            "satisfaction_rate": rates["satisfaction_rate"],
            "valid_visits": counts["visits_valid"],
        }

    overall = compute_rates(total, weights)
    return {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "basic_satisfied_weight": weights.basic,
        "months": [
            {
                "month": m.strftime("%Y-%m"),
                "received": months.get(m, Counter())["received"],
                "closed": months.get(m, Counter())["closed"],
                **outcome(months.get(m, Counter())),
            }
            for m in _buckets(start, end, "month")
        ],
        "areas": [
            {
                "kind": kind,
                "name": tree.units[uid].name,
                "handled": c["dispatched"],
                "closed": c["closed"],
                **outcome(c),
            }
            for (kind, uid), c in sorted(areas.items(), key=lambda item: (item[0][0], tree.units[item[0][1]].code))
        ],
        "top_categories": categories,
        "communities": [
            {"name": tree.units[int(k)].name, "received": n}
            for k, n in communities.most_common()
            if int(k) in tree.units
        ],
        "received": total["received"],
        "closed": total["closed"],
        "solved_rate": overall["resolution_rate"],
        "satisfaction_rate": overall["satisfaction_rate"],
        "valid_visits": total["visits_valid"],
        "on_time_rate": overall["close_on_time_rate"],
    }
