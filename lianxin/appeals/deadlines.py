"""An appeal's deadlines: the jurisdiction's policy rows and calendar (``sla``) applied to the appeal's type,
category path and urgency. It lives with the appeals so that ``sla`` stays below them: ``sla`` knows working
days and limits, not appeals (``appeals → sla``, never the other way round)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lianxin.appeals.models import Appeal, Category
from lianxin.sla.policy import Deadlines, PolicyRule, compute_deadlines, select_rule
from lianxin.sla.service import cached, get_calendar, get_rules


def _parents(session: Session, jurisdiction_id: int) -> dict[int, int | None]:
    """Every category of the jurisdiction → its parent, cached with the configuration (see ``sla.service.cached``)."""

    def load() -> dict[int, int | None]:
        rows = session.execute(
            select(Category.id, Category.parent_id).where(Category.jurisdiction_id == jurisdiction_id)
        )
        return dict(rows.all())

    return cached(session, jurisdiction_id, "category parents", load)


def category_path(session: Session, category_id: int | None, jurisdiction_id: int | None = None) -> list[int]:
    """``category_id`` and its ancestors, nearest first (the policy rule of the most specific one wins)."""
    parents = _parents(session, jurisdiction_id) if jurisdiction_id is not None else {}
    path: list[int] = []
    while category_id is not None and category_id not in path:
        path.append(category_id)
        if category_id in parents:
            category_id = parents[category_id]
        else:  # created since the map was loaded, or no jurisdiction given
            category_id = session.scalar(select(Category.parent_id).where(Category.id == category_id))
    return path


def deadlines_for(session: Session, appeal: Appeal, start: datetime) -> tuple[PolicyRule, Deadlines]:
    rule = select_rule(
        get_rules(session, appeal.jurisdiction_id),
        appeal_type=str(appeal.appeal_type),
        category_path=category_path(session, appeal.category_id, appeal.jurisdiction_id),
        urgency=str(appeal.urgency),
    )
    return rule, compute_deadlines(rule, start, get_calendar(session, appeal.jurisdiction_id))
