"""Builders for test data: a small city with every unit kind and a user for every role."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from lianxin.appeals.models import Appeal
from lianxin.appeals.schemas import AppealCreate
from lianxin.appeals.service import submit_appeal
from lianxin.defaults import category_by_path, ensure_defaults
from lianxin.orgs.models import Jurisdiction, Role, Unit, UnitKind, User
from lianxin.orgs.service import create_unit, create_user

PASSWORD = "secret-pass-123"


@dataclass
class City:
    jurisdiction: Jurisdiction
    units: dict[str, Unit] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)

    @property
    def jid(self) -> int:
        return self.jurisdiction.id


_counter = [0]


def build_city(db: Session, code: str | None = None) -> City:
    _counter[0] += 1
    code = code or f"test{_counter[0]}"
    jurisdiction = ensure_defaults(db, code=code, name="测试市")
    jid = jurisdiction.id
    city = City(jurisdiction)
    u = city.units

    def unit(key: str, kind: UnitKind, name: str, parent: Unit | None = None, **kw) -> Unit:
        u[key] = create_unit(db, jurisdiction_id=jid, kind=kind, code=f"{code}-{key}", name=name, parent=parent, **kw)
        return u[key]

    from sqlalchemy import select

    u["centre"] = db.scalar(select(Unit).where(Unit.jurisdiction_id == jid, Unit.kind == UnitKind.CENTRE))
    unit("city", UnitKind.CITY, "测试市")
    unit("district", UnitKind.DISTRICT, "东城区", u["city"])
    unit("street", UnitKind.STREET, "和平街道", u["district"])
    unit("street2", UnitKind.STREET, "安定街道", u["district"])
    unit("community", UnitKind.COMMUNITY, "和平社区", u["street"])
    unit("grid", UnitKind.GRID, "和平社区第一网格", u["community"])
    unit("housing", UnitKind.DEPARTMENT, "市住房和城乡建设委员会", u["city"])
    unit("urban", UnitKind.DEPARTMENT, "区城市管理委员会", u["district"])
    unit("water", UnitKind.ENTERPRISE, "自来水集团", u["city"], utility="water")

    def user(key: str, role: Role, scope: Unit) -> User:
        city.users[key] = create_user(
            db,
            jurisdiction_id=jid,
            username=f"{code}-{key}",
            display_name=key,
            password=PASSWORD,
            grants=[(role, scope)],
        )
        return city.users[key]

    user("operator", Role.OPERATOR, u["centre"])
    user("dispatcher", Role.DISPATCHER, u["centre"])
    user("visitor", Role.VISITOR, u["centre"])
    user("street_handler", Role.HANDLER, u["street"])
    user("street2_handler", Role.HANDLER, u["street2"])
    user("urban_handler", Role.HANDLER, u["urban"])
    user("housing_handler", Role.HANDLER, u["housing"])
    user("water_handler", Role.HANDLER, u["water"])
    user("grid_worker", Role.GRID_WORKER, u["grid"])
    user("leader", Role.LEADER, u["city"])
    user("district_leader", Role.LEADER, u["district"])
    user("admin", Role.ADMIN, u["city"])
    db.flush()
    return city


def new_appeal(
    db: Session,
    city: City,
    *,
    actor_key: str | None = "operator",
    category: str | None = "城乡建设/市政设施/路灯故障",
    **overrides,
) -> Appeal:
    cat = category_by_path(db, city.jid, category) if category else None
    data = (
        dict(
            jurisdiction_id=city.jid,
            channel="hotline",
            appeal_type="help",
            title="路灯不亮",
            content="和平里小区3号楼门口的路灯已经坏了一周，晚上很黑，老人出行不便。",
            appellant_name="张三",
            appellant_phone="13800138000",
            address="和平里小区3号楼",
            category_id=cat.id if cat else None,
            community_id=city.units["community"].id,
        )
        | overrides
    )
    actor = city.users[actor_key] if actor_key else None
    return submit_appeal(db, AppealCreate(**data), actor=actor)
