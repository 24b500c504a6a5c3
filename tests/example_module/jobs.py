"""The example's job: counts the units (a real job claims rows and records what it did)."""

from __future__ import annotations

from sqlalchemy import func, select

from lianxin.orgs.models import Unit


def count_units(session, settings, now) -> int:
    return session.scalar(select(func.count(Unit.id)))
