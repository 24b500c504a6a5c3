"""The leader's overview: today and this month (received, dispatched, became overdue) in the leader's scope,
from the statistics' rollups as /stats counts them (``stats.rollups.rollup_sums``, the events not folded yet
included), this month's 三率 of each unit one level down (``stats.dashboard.rates_by_unit``) with a drill-down
through the unit tree and into each unit's appeals, and how many of the appeals the leader may see are overdue
now (a capped count of the overdue list, in ``queues``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from lianxin.appeals.access import overdue, visible_appeals
from lianxin.appeals.models import Appeal
from lianxin.clock import local_zone, utcnow
from lianxin.errors import PermissionDenied
from lianxin.orgs.models import Role, User
from lianxin.orgs.service import get_unit
from lianxin.paging import capped_count
from lianxin.stats.dashboard import dashboard_scope, rates_by_unit
from lianxin.stats.rollups import rollup_sums, unit_tree
from lianxin.web.deps import get_session, require_roles
from lianxin.web.i18n import pick_lang
from lianxin.web.staff.common import appeal_spec
from lianxin.web.staff.queues import list_response
from lianxin.web.templating import render

router = APIRouter(prefix="/staff")
LEADERS = (Role.LEADER, Role.DISPATCHER)


@dataclass(frozen=True)
class Figures:
    received: int
    dispatched: int
    overdue: int


def period_starts(now: datetime) -> tuple[datetime, datetime]:
    """The start of today and of this month, Beijing time."""
    local = now.astimezone(local_zone())
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return day, day.replace(day=1)


def figures(session: Session, jurisdiction_id: int, scope: int | None, start: date, end: date) -> Figures:
    """Received, dispatched and became overdue from ``start`` to ``end`` (days). In a unit's scope "received" is
    dispatched to its subtree, as on the dashboard's trend; the top of the tree (a city's leader) is everything."""
    tree = unit_tree(session, jurisdiction_id)
    units = tree.subtree(scope) if scope and tree.units[scope].parent_id is not None else None
    counters = ("received", "dispatched", "overdue")
    sums = rollup_sums(session, jurisdiction_id, start, end, unit_ids=units, counters=counters)[(None, None)]
    return Figures(sums["dispatched"] if units else sums["received"], sums["dispatched"], sums["overdue"])


@router.get("/overview")
def overview(
    request: Request,
    unit: int | None = None,
    user: User = Depends(require_roles(*LEADERS)),
    session: Session = Depends(get_session),
) -> Response:
    now = utcnow()
    today, month = period_starts(now)
    scope = dashboard_scope(session, user, unit)
    jid = user.jurisdiction_id
    rates = rates_by_unit(session, jid, month.date(), today.date(), unit_id=scope)["rows"]
    overdue_now = capped_count(session, visible_appeals(session, user).where(overdue(now)))
    return render(
        request,
        "staff/overview.html",
        {
            "today": figures(session, jid, scope, today.date(), today.date()),
            "month": figures(session, jid, scope, month.date(), today.date()),
            "overdue_now": overdue_now,
            "rates": rates,
            "month_label": month.strftime("%Y-%m"),
            "scope": get_unit(session, scope) if scope else None,
        },
    )


@router.get("/units/{unit_id}")
def unit_appeals(
    request: Request,
    unit_id: int,
    user: User = Depends(require_roles(*LEADERS)),
    session: Session = Depends(get_session),
) -> Response:
    unit = get_unit(session, dashboard_scope(session, user, unit_id))
    if unit.jurisdiction_id != user.jurisdiction_id:
        raise PermissionDenied("该单位不在您的辖区", "the unit is outside your jurisdiction")
    stmt = visible_appeals(session, user).where(Appeal.lead_unit_id == unit.id)
    en = pick_lang(request) == "en"
    return list_response(
        request,
        session,
        appeal_spec(f"unit-{unit.code}"),
        stmt,
        (unit.name, unit.name),
        ("该单位主办的工单", "Appeals this unit leads"),
        links=[(f"/staff/overview?unit={unit.id}", "Rates of the units below" if en else "下级单位三率")],
    )
