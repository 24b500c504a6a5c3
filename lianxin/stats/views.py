"""The leader dashboard page: four ECharts charts (trend, 三率 by unit, category mix, overdue heat map)
filtered by period and unit, each exportable as PNG; and the latest hotspot snapshot of the scope."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from lianxin.clock import utcnow
from lianxin.errors import InvalidInput
from lianxin.hotspots.service import latest_snapshot
from lianxin.orgs.models import Role, UnitKind, User
from lianxin.orgs.service import CENTRE_ROLES, has_role
from lianxin.stats import charts, dashboard
from lianxin.stats.fold import local_day
from lianxin.stats.rollups import UnitTree, unit_tree
from lianxin.web.deps import get_session, require_roles
from lianxin.web.templating import render

router = APIRouter()
STAFF_READERS = (Role.LEADER, Role.DISPATCHER, Role.ADMIN)


def parse_period(start: str | None, end: str | None, default_days: int = 30) -> tuple[date, date]:
    """``start``/``end`` as YYYY-MM-DD; by default the last ``default_days`` days up to today (local)."""
    today = local_day(utcnow())
    try:
        last = date.fromisoformat(end) if end else today
        first = date.fromisoformat(start) if start else last - timedelta(days=default_days - 1)
    except ValueError:
        raise InvalidInput("日期格式应为 YYYY-MM-DD", "dates must be YYYY-MM-DD", field="start") from None
    return first, last


def parse_unit(text: str | None) -> int | None:
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise InvalidInput("单位参数无效", "unit must be a unit id", field="unit") from None


def unit_choices(session: Session, tree: UnitTree, user: User) -> list[tuple[int, str]]:
    """Units the user may filter by: everything for the centre, the subtree of a leader's grants."""
    if has_role(session, user, CENTRE_ROLES):
        allowed = set(tree.units)
    else:
        allowed = set().union(*(tree.subtree(g.unit_id) for g in user.grants if g.role == Role.LEADER))
    kinds = (UnitKind.DISTRICT, UnitKind.STREET, UnitKind.DEPARTMENT, UnitKind.ENTERPRISE)
    return [(u.id, u.name) for u in tree.units.values() if u.id in allowed and u.kind in kinds]


def hotspot_scope(tree: UnitTree, unit_id: int | None) -> int | None:
    """The hotspot snapshot scope: the whole jurisdiction for the city level, else the unit."""
    return None if unit_id is None or tree.units[unit_id].kind in (UnitKind.CITY, UnitKind.CENTRE) else unit_id


@router.get("/leader/dashboard")
def dashboard_page(
    request: Request,
    start: str | None = None,
    end: str | None = None,
    unit: str | None = None,
    bucket: str = "day",
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(*STAFF_READERS)),
) -> Response:
    first, last = parse_period(start, end)
    unit_id = dashboard.dashboard_scope(session, user, parse_unit(unit))
    jid = user.jurisdiction_id
    tree = unit_tree(session, jid)
    weights = dashboard.weights_for(session, jid)
    heat_start = max(first, last - timedelta(weeks=12) + timedelta(days=1))
    trend = dashboard.trend(session, jid, first, last, bucket=bucket, unit_id=unit_id)
    rates = dashboard.rates_by_unit(session, jid, first, last, unit_id=unit_id, weights=weights)
    options = {
        "trend": charts.trend_option(trend),
        "rates": charts.rates_option(rates),
        "categories": charts.mix_option(dashboard.category_mix(session, jid, first, last, unit_id=unit_id)),
        "overdue": charts.heatmap_option(dashboard.overdue_heatmap(session, jid, heat_start, last, unit_id=unit_id)),
    }
    return render(
        request,
        "stats/dashboard.html",
        {
            "options": options,
            "rates": rates,
            "start": first,
            "end": last,
            "unit_id": unit_id,
            "bucket": bucket,
            "units": unit_choices(session, tree, user),
            "heat_start": heat_start,
            "totals": {"received": sum(trend["received"]), "closed": sum(trend["closed"])},
            "hotspots": latest_snapshot(session, jid, hotspot_scope(tree, unit_id)),  # refreshed by the hotspots job
        },
    )
