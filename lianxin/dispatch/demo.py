"""The demo city's dispatch data: boundaries and gazetteer, catalogue rules and knowledge base."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from lianxin.dispatch.catalogue import load_routes
from lianxin.geo.demo import build_demo_geography
from lianxin.knowledge.seed import load_entries
from lianxin.orgs.models import Unit, UnitKind


def seed_demo_dispatch(session: Session, jurisdiction_id: int, by_code: dict[str, Unit], city_code: str,
                       routes: dict[str, str], local: str, centre: tuple[float, float]) -> dict[int, tuple[float, float]]:
    """``routes``: category path → unit code without the ``DEMO-`` prefix, or ``local`` for 属地.
    Returns each community's centre point for the demo appeals."""
    positions = build_demo_geography(session, jurisdiction_id, by_code[city_code], centre)
    load_routes(session, jurisdiction_id, {path: None if code == local else by_code[f"DEMO-{code}"]
                                           for path, code in routes.items()})
    centre_unit = session.scalar(select(Unit).where(Unit.jurisdiction_id == jurisdiction_id, Unit.kind == UnitKind.CENTRE))
    load_entries(session, jurisdiction_id, {code.removeprefix("DEMO-"): unit for code, unit in by_code.items()}, centre_unit)
    return positions
