"""The leader's overview: today and this month (received, dispatched, overdue) over the appeals the
leader may see, this month's 三率 of each unit one level down (``stats.dashboard.rates_by_unit``) with
a drill-down through the unit tree and into each unit's appeals, and the overdue list (in ``queues``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from lianxin.appeals.access import overdue, visible_appeals
from lianxin.appeals.models import Appeal
from lianxin.clock import local_zone, utcnow
from lianxin.errors import PermissionDenied
from lianxin.orgs.models import Role, User
from lianxin.orgs.service import get_unit
from lianxin.stats.dashboard import dashboard_scope, rates_by_unit
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


def figures(session: Session, stmt: Select, start: datetime, now: datetime) -> Figures:
    """Received and dispatched since ``start``; of those received since then, how many are overdue now."""
    count = lambda *conds: session.scalar(select(func.count()).select_from(stmt.where(*conds).subquery()))  # noqa: E731
    return Figures(
        count(Appeal.received_at >= start),
        count(Appeal.dispatched_at >= start),
        count(overdue(now), Appeal.received_at >= start),
    )


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
    stmt = visible_appeals(session, user)
    rates = rates_by_unit(session, user.jurisdiction_id, month.date(), today.date(), unit_id=scope)["rows"]
    overdue_now = session.scalar(select(func.count()).select_from(stmt.where(overdue(now)).subquery()))
    return render(
        request,
        "staff/overview.html",
        {
            "today": figures(session, stmt, today, now),
            "month": figures(session, stmt, month, now),
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
