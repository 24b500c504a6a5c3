"""The example's one service verb: make sure the jurisdiction has the example desk (a unit)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from lianxin.orgs.models import Jurisdiction, Unit, UnitKind
from lianxin.orgs.service import create_unit

DESK_CODE = "EXAMPLE-DESK"


def desk_of(session: Session, jurisdiction_id: int) -> Unit | None:
    return session.scalar(select(Unit).where(Unit.jurisdiction_id == jurisdiction_id, Unit.code == DESK_CODE))


def ensure_desk(session: Session, jurisdiction: Jurisdiction) -> Unit:
    """``init_defaults``: idempotent, like every default."""
    return desk_of(session, jurisdiction.id) or create_unit(
        session, jurisdiction_id=jurisdiction.id, kind=UnitKind.DEPARTMENT, code=DESK_CODE, name="示例服务台"
    )


def demo_desk(session: Session, city) -> None:
    """``demo``: the demo city gets a desk too (``city`` is ``lianxin.demo.DemoCity``)."""
    desk = desk_of(session, city.jid)
    desk.name = "演示服务台"
