"""The categories and units an intake names and a response shows, from a copy kept per process.

An intake checks that its category and community exist (and the category is active), and the API's answer
shows their codes and names: two queries a request for rows that change only when an admin edits them. The
copy is taken once per process for each configuration token (``lianxin.sla.service.shared``): renaming or
(de)activating a category or a unit calls ``config_changed``, so every process takes a new copy. A category or
unit made after the copy is not in it and is read from the database; so is everything of a jurisdiction that
was never configured (no token).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from lianxin.appeals.models import Category
from lianxin.orgs.models import Unit
from lianxin.sla.service import shared


@dataclass(frozen=True, slots=True)
class Row:
    """What the checks and the answers read of a category or a unit."""

    id: int
    jurisdiction_id: int
    code: str
    name: str
    active: bool
    kind: str | None = None  # units: the UnitKind value
    parent_id: int | None = None


def _category_rows(session: Session, jurisdiction_id: int) -> dict[int, Row]:
    columns = (Category.id, Category.jurisdiction_id, Category.code, Category.name, Category.active)
    rows = session.execute(select(*columns).where(Category.jurisdiction_id == jurisdiction_id))
    return {row.id: Row(*row) for row in rows}


def _unit_rows(session: Session, jurisdiction_id: int) -> dict[int, Row]:
    columns = (Unit.id, Unit.jurisdiction_id, Unit.code, Unit.name, Unit.active, Unit.kind, Unit.parent_id)
    rows = session.execute(select(*columns).where(Unit.jurisdiction_id == jurisdiction_id))
    return {row.id: Row(*row[:5], kind=str(row.kind), parent_id=row.parent_id) for row in rows}


def category_row(session: Session, jurisdiction_id: int, category_id: int) -> Row | None:
    """The category ``category_id`` if it belongs to the jurisdiction, else None."""
    return _find(session, jurisdiction_id, Category, category_id)


def unit_row(session: Session, jurisdiction_id: int, unit_id: int) -> Row | None:
    """The unit ``unit_id`` if it belongs to the jurisdiction, else None."""
    return _find(session, jurisdiction_id, Unit, unit_id)


_COPIES = {Category: ("category_rows", _category_rows), Unit: ("unit_rows", _unit_rows)}


def _find(session: Session, jurisdiction_id: int, model: type[Category | Unit], row_id: int) -> Row | None:
    kind, load = _COPIES[model]
    rows = shared(session, jurisdiction_id, kind, lambda: load(session, jurisdiction_id))
    if rows is not None and row_id in rows:
        return rows[row_id]
    found = session.get(model, row_id)  # made after the copy, or no copy kept
    if found is None or found.jurisdiction_id != jurisdiction_id:
        return None
    kind_of = str(found.kind) if model is Unit else None
    parent_id = found.parent_id if model is Unit else None
    return Row(found.id, found.jurisdiction_id, found.code, found.name, found.active, kind_of, parent_id)
