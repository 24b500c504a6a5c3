"""The test city's grid with a registered household (the care register), a resident account, a relief fund,
and helpers that carry a declaration through the village check, the 公示 and the county decision."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
import time_machine

from lianxin.care import service as care
from lianxin.care.models import Household
from lianxin.clock import utcnow
from lianxin.orgs.models import Role
from lianxin.orgs.service import create_user
from lianxin.poverty import funds, service
from lianxin.poverty.models import Declaration, Fund
from lianxin.residents.models import ResidentAccount
from tests.factories import PASSWORD


def valid_id(prefix17: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return prefix17 + "10X98765432"[sum(int(d) * w for d, w in zip(prefix17, weights, strict=True)) % 11]


HEAD_ID = valid_id("51112419800101123")
NEW_ID = valid_id("51112419900202456")


@dataclass
class World:
    household: Household
    account: ResidentAccount
    fund: Fund


@pytest.fixture
def world(db, city) -> World:
    household = care.create_household(
        db,
        actor=None,
        jurisdiction_id=city.jid,
        community_id=city.units["community"].id,
        grid_id=city.units["grid"].id,
        address="和平村三组12号",
    )
    care.add_person(db, household, actor=None, name="吴丹", id_number=HEAD_ID, phone="13912340001")
    account = ResidentAccount(
        jurisdiction_id=city.jid, phone="13912340001", real_name="吴丹", verified_at=utcnow(), last_login_at=utcnow()
    )
    db.add(account)
    db.flush()
    fund = funds.create_fund(
        db,
        actor=None,
        jurisdiction_id=city.jid,
        unit_id=city.units["district"].id,
        name="防返贫救助基金",
        year=2026,
        budget=50_000,
    )
    return World(household, account, fund)


@pytest.fixture
def dual(db, city):
    """A grid worker who is also a county leader (to test that a checker never decides their own case)."""
    return create_user(
        db,
        jurisdiction_id=city.jid,
        username=f"{city.jurisdiction.code}-dual",
        display_name="双重身份",
        password=PASSWORD,
        grants=[(Role.GRID_WORKER, city.units["grid"]), (Role.LEADER, city.units["district"])],
    )


def declare_self(db, city, world, **kw) -> Declaration:
    data = (
        dict(
            jurisdiction_id=city.jid,
            channel="self",
            head_name="吴丹",
            id_number=HEAD_ID,
            risk_types=["illness"],
            description="父亲突发脑溢血瘫痪，医药费负担重。",
            account=world.account,
        )
        | kw
    )
    return service.declare(db, **data)


def checked(db, city, decl, result="recommend", income=6000) -> Declaration:
    service.assign(db, decl, actor=city.users["grid_worker"])
    return service.check(
        db, decl, actor=city.users["grid_worker"], result=result, note="入户核实：情况属实。", income_per_capita=income
    )


def identified(db, city, decl, object_type="sudden") -> Declaration:
    checked(db, city, decl)
    service.publicize(db, decl, actor=city.users["street_handler"])
    with time_machine.travel(utcnow() + timedelta(days=6), tick=False):
        return service.decide(
            db, decl, actor=city.users["district_leader"], outcome="identified", object_type=object_type
        )
