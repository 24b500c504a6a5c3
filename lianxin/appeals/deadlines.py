"""An appeal's deadlines: the jurisdiction's policy rows and calendar (``sla``) applied to the appeal's type,
category path and urgency. It lives with the appeals so that ``sla`` stays below them: ``sla`` knows working
days and limits, not appeals (``appeals → sla``, never the other way round)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lianxin.appeals.models import Appeal, Category
from lianxin.sla.policy import Deadlines, PolicyRule, compute_deadlines, select_rule
from lianxin.sla.service import get_calendar, get_rules


def category_path(session: Session, category_id: int | None) -> list[int]:
    """``category_id`` and its ancestors, nearest first (the policy rule of the most specific one wins)."""
    path: list[int] = []
    while category_id is not None and category_id not in path:
        path.append(category_id)
        category_id = session.scalar(select(Category.parent_id).where(Category.id == category_id))
    return path


def deadlines_for(session: Session, appeal: Appeal, start: datetime) -> tuple[PolicyRule, Deadlines]:
    rule = select_rule(
        get_rules(session, appeal.jurisdiction_id),
        appeal_type=str(appeal.appeal_type),
        category_path=category_path(session, appeal.category_id),
        urgency=str(appeal.urgency),
    )
    return rule, compute_deadlines(rule, start, get_calendar(session, appeal.jurisdiction_id))
