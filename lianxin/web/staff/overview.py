"""The leader's overview: today and this month (received, dispatched, overdue), 三率 by unit with a
drill-down into each unit's appeals, and the overdue list (in ``queues``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from lianxin.api.listing import visible_appeals
from lianxin.appeals.models import Appeal
from lianxin.appeals.service import SHANGHAI
from lianxin.appeals.status import HANDLING
from lianxin.clock import utcnow
from lianxin.errors import NotFound
from lianxin.orgs.models import Role, Unit, User
from lianxin.orgs.service import has_role, user_unit_ids
from lianxin.web.deps import get_session, require_roles
from lianxin.web.staff import fallbacks
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
    local = now.astimezone(SHANGHAI)
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return day, day.replace(day=1)


def figures(session: Session, stmt: Select, start: datetime, now: datetime) -> Figures:
    base = stmt.subquery()
    count = lambda *conds: session.scalar(select(func.count()).select_from(base).where(*conds))  # noqa: E731
    return Figures(count(base.c.received_at >= start), count(base.c.dispatched_at >= start),
                   count(base.c.status.in_(HANDLING), base.c.due_at < now, base.c.received_at >= start))


def leader_units(session: Session, user: User) -> set[int] | None:
    """The units whose figures the user may see; None: all of the jurisdiction."""
    if has_role(session, user, (Role.DISPATCHER, Role.OPERATOR, Role.VISITOR)):
        return None
    return user_unit_ids(session, user, (Role.LEADER,))


@router.get("/overview")
def overview(request: Request, user: User = Depends(require_roles(*LEADERS)),
             session: Session = Depends(get_session)) -> Response:
    now = utcnow()
    today, month = period_starts(now)
    stmt = visible_appeals(session, user)
    scope = leader_units(session, user)
    rates = [r for r in fallbacks.rates_by_unit(session, user.jurisdiction_id, month, now + timedelta(seconds=1))
             if scope is None or r.unit_id in scope]
    overdue_now = session.scalar(select(func.count()).select_from(
        stmt.where(Appeal.status.in_(HANDLING), Appeal.due_at < now).subquery()))
    return render(request, "staff/overview.html", {
        "today": figures(session, stmt, today, now), "month": figures(session, stmt, month, now),
        "overdue_now": overdue_now, "rates": rates, "month_label": month.strftime("%Y-%m"),
    })


@router.get("/units/{unit_id}")
def unit_appeals(request: Request, unit_id: int, user: User = Depends(require_roles(*LEADERS)),
                 session: Session = Depends(get_session)) -> Response:
    unit = session.get(Unit, unit_id)
    scope = leader_units(session, user)
    if unit is None or unit.jurisdiction_id != user.jurisdiction_id or (scope is not None and unit_id not in scope):
        raise NotFound("单位不存在或不在您的范围内", "no such unit in your scope")
    stmt = visible_appeals(session, user).where(Appeal.lead_unit_id == unit_id)
    return list_response(request, session, appeal_spec(f"unit-{unit.code}"), stmt, (unit.name, unit.name),
                         ("该单位主办的工单", "Appeals this unit leads"))
