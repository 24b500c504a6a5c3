"""A household in the test city's grid: a lone elderly resident with a daughter as emergency contact, a water
meter and an emergency button, and the jurisdiction's default rules."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from lianxin.care import service as svc
from lianxin.care.models import Device, Household, Person

ID_NUMBER = "110101194501011239"  # a valid check digit (GB 11643)


@dataclass
class Home:
    household: Household
    person: Person
    meter: Device
    button: Device


def valid_id(prefix17: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return prefix17 + "10X98765432"[sum(int(d) * w for d, w in zip(prefix17, weights, strict=True)) % 11]


@pytest.fixture
def home(db, city) -> Home:
    svc.ensure_default_rules(db, city.jid)
    household = svc.create_household(
        db,
        actor=None,
        jurisdiction_id=city.jid,
        community_id=city.units["community"].id,
        grid_id=city.units["grid"].id,
        address="和平街道和平社区3号楼2单元401",
        building="3",
        unit_no="2",
        room="401",
    )
    person = svc.add_person(
        db,
        household,
        actor=None,
        name="王秀英",
        id_number=valid_id("11010119450101123"),
        phone="13900001111",
        tags=["lone_elderly"],
    )
    svc.add_contact(db, household, actor=None, name="李娜", phone="13800002222", relation="女儿")
    meter = svc.register_device(db, household, actor=None, kind="water", external_id=f"W-{household.id}")
    button = svc.register_device(db, household, actor=None, kind="button", external_id=f"B-{household.id}")
    return Home(household, person, meter, button)
