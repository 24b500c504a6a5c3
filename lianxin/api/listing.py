"""The filters, search and counts over the appeals a caller may list (the scope itself is
``appeals.access.visible_appeals``, the same rule as the per-appeal check)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, selectinload

from lianxin import paging
from lianxin.appeals.access import on_time, overdue, visible_appeals
from lianxin.appeals.models import Appeal, Category
from lianxin.appeals.numbers import looks_like_order_no
from lianxin.appeals.search import SHORT_WINDOW, indexable, words
from lianxin.appeals.status import AppealStatus
from lianxin.clock import local_zone
from lianxin.orgs.models import Unit, User
from lianxin.paging import Count, capped_count


@dataclass
class AppealFilter:
    status: list[AppealStatus] | None = None
    channel: list[str] | None = None
    appeal_type: list[str] | None = None
    urgency: list[str] | None = None
    category: str | None = None  # code; includes its sub-categories
    lead_unit: str | None = None  # code
    received_from: datetime | None = None
    received_to: datetime | None = None
    overdue: bool | None = None
    q: str | None = None

    def apply(self, stmt: Select) -> Select:
        for column, values in (
            (Appeal.status, self.status),
            (Appeal.channel, self.channel),
            (Appeal.appeal_type, self.appeal_type),
            (Appeal.urgency, self.urgency),
        ):
            if values:
                stmt = stmt.where(column.in_(values))
        if self.category:
            codes = select(Category.id).where(
                or_(Category.code == self.category, Category.code.startswith(self.category + ".", autoescape=True))
            )
            stmt = stmt.where(Appeal.category_id.in_(codes))
        if self.lead_unit:
            stmt = stmt.where(Appeal.lead_unit_id.in_(select(Unit.id).where(Unit.code == self.lead_unit)))
        if self.received_from:
            stmt = stmt.where(Appeal.received_at >= self.received_from)
        if self.received_to:
            stmt = stmt.where(Appeal.received_at < self.received_to)
        if self.overdue is True:
            stmt = stmt.where(overdue())
        elif self.overdue is False:
            stmt = stmt.where(on_time())
        if self.q and looks_like_order_no(self.q):
            stmt = stmt.where(Appeal.order_no == self.q)
        elif self.q:
            stmt = stmt.where(words(self.q))
        return stmt

    @property
    def search_window(self) -> int | None:
        """How many of the newest appeals ``q`` is looked for in, when it is too short for the trigram index."""
        return None if not self.q or looks_like_order_no(self.q) or indexable(self.q) else SHORT_WINDOW


SortKey = Literal["-received_at", "received_at", "due_at", "-updated_at"]
SORTS = {
    "-received_at": (Appeal.received_at.desc(), Appeal.id.desc()),
    "received_at": (Appeal.received_at.asc(), Appeal.id.asc()),
    "due_at": (Appeal.due_at.asc().nulls_last(), Appeal.id.asc()),
    "-updated_at": (Appeal.updated_at.desc(), Appeal.id.desc()),
}
# The same orders as keyset keys (expression, descending) for the ``cursor`` of the next page.
KEYS = {
    "-received_at": ((Appeal.received_at, True), (Appeal.id, True)),
    "received_at": ((Appeal.received_at, False), (Appeal.id, False)),
    "due_at": ((Appeal.due_at, False), (Appeal.id, False)),
    "-updated_at": ((Appeal.updated_at, True), (Appeal.id, True)),
}


def list_appeals(
    session: Session,
    actor: User,
    flt: AppealFilter,
    *,
    sort: str = "-received_at",
    page: int = 1,
    page_size: int = 20,
    cursor: str | None = None,
) -> tuple[list[Appeal], Count | None, str | None]:
    """One page of the appeals ``actor`` may see (at ``page``, or after ``cursor``), how many match in all (counted
    up to ``paging.CAP``; None on a cursor's page, and for a ``q`` too short for the trigram index, whose window
    would be read twice), and the cursor of the next page (None on the last). Numbered pages reach as far as the
    count; past it the cursor goes on, as deep as the history."""
    if not cursor and (page - 1) * page_size >= paging.CAP:
        raise paging.beyond_numbered_pages(page)
    visible = visible_appeals(session, actor)
    search = paging.Pinned(flt.apply(visible))
    if flt.q and not flt.search_window:  # a search the indexes can find: its few matches read by id, and counted
        keys = () if cursor else KEYS[sort]  # a cursor's page is not counted: its matches need not be ranked
        search = paging.pinned(session, search.stmt, replace(flt, q=None).apply(visible), keys)
    total = search.count
    if total is None and not (cursor or flt.search_window):
        total = capped_count(session, search.stmt)
    result = paging.page_of(
        session,
        search,
        lambda stmt: stmt.order_by(*SORTS[sort]).options(*PRESENTED),
        KEYS[sort],
        size=page_size,
        cursor=cursor,
        offset=(page - 1) * page_size,
        count=total,
    )
    return result.rows, None if cursor else total, result.next_cursor


# What ``api.present.appeal_out`` reads of each appeal on a page, loaded for the whole page in two queries
# (lazily it was two queries an appeal: 40 on a page of 20).
PRESENTED = (selectinload(Appeal.community), selectinload(Appeal.units))


PERIODS = {"day": 10, "month": 7, "year": 4}  # length of the ISO date prefix (Beijing time)


def count_appeals(session: Session, actor: User, flt: AppealFilter, by: str) -> list[tuple[str, int]]:
    """Counts of the visible, filtered appeals grouped by ``status``, ``lead_unit``, ``category``, ``channel``
    or a period of the receiving time (``day``/``month``/``year``, Beijing time)."""
    base = flt.apply(visible_appeals(session, actor)).subquery()
    if by in ("status", "channel"):
        key = base.c[by]
        rows = session.execute(select(key, func.count()).group_by(key))
    elif by == "lead_unit":
        rows = session.execute(
            select(func.coalesce(Unit.code, ""), func.count())
            .select_from(base)
            .outerjoin(Unit, Unit.id == base.c.lead_unit_id)
            .group_by(Unit.code)
        )
    elif by == "category":
        rows = session.execute(
            select(func.coalesce(Category.code, ""), func.count())
            .select_from(base)
            .outerjoin(Category, Category.id == base.c.category_id)
            .group_by(Category.code)
        )
    else:
        counts: dict[str, int] = {}
        for (received,) in session.execute(select(base.c.received_at)):
            label = received.astimezone(local_zone()).isoformat()[: PERIODS[by]]
            counts[label] = counts.get(label, 0) + 1
        return sorted(counts.items())
    return sorted((str(k), n) for k, n in rows)
