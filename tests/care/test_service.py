"""The register: households, people (ID checks and duplicates), contacts, devices, quiet periods, overrides,
grid scoping, masking and the logged unmasked view — on the real database."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lianxin.care import service as svc
from lianxin.care.models import CareDataView, HouseholdEvent
from lianxin.clock import utcnow
from lianxin.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from lianxin.orgs.models import Role, UnitKind
from lianxin.orgs.service import create_unit, create_user
from tests.care.conftest import valid_id


def test_every_change_is_an_audited_event(db, home):
    kinds = db.scalars(
        select(HouseholdEvent.kind).where(HouseholdEvent.household_id == home.household.id).order_by(HouseholdEvent.id)
    ).all()
    assert kinds == ["created", "person_added", "contact_added", "device_registered", "device_registered"]
    event = db.scalar(
        select(HouseholdEvent).where(
            HouseholdEvent.kind == "person_added", HouseholdEvent.household_id == home.household.id
        )
    )
    assert event.payload["name"] == "王**"  # no personal data in the audit payload


def test_id_numbers_are_checked_and_duplicates_refused(db, home):
    with pytest.raises(InvalidInput):
        bad = home.person.id_number[:-1] + ("1" if home.person.id_number[-1] != "1" else "2")
        svc.add_person(db, home.household, actor=None, name="张三", id_number=bad)
    with pytest.raises(Conflict):
        svc.add_person(db, home.household, actor=None, name="张三", id_number=home.person.id_number.lower())
    with pytest.raises(InvalidInput):
        svc.add_person(db, home.household, actor=None, name="张三", phone="12345")
    with pytest.raises(InvalidInput):
        svc.add_person(db, home.household, actor=None, name="张", phone="13900001112")
    with pytest.raises(InvalidInput):
        svc.add_person(db, home.household, actor=None, name="张三", tags=["rich"])
    p = svc.add_person(
        db, home.household, actor=None, name="张三", id_number=valid_id("11010120100101123"), tags=["留守儿童"]
    )
    assert p.birth_year == 2010 and p.tags == ["left_behind_child"]
    svc.set_tags(db, p, actor=None, tags=["left_behind_child", "disabled", "disabled"])
    assert p.tags == ["left_behind_child", "disabled"]


def test_masked_by_default_and_each_unmasked_view_logged(db, city, home):
    masked = svc.masked_person(home.person)
    assert masked["name"] == "王**" and masked["phone"] == "139****1111"
    assert (
        masked["id_number"].startswith("110")
        and "*" in masked["id_number"]
        and home.person.id_number not in str(masked)
    )
    grid_worker = city.users["grid_worker"]
    clear = svc.reveal(db, grid_worker, home.household, "web")
    assert clear[0]["id_number"] == home.person.id_number and clear[-1]["contact"]
    svc.reveal(db, grid_worker, home.household, "api")
    n = db.scalar(select(func.count(CareDataView.id)).where(CareDataView.household_id == home.household.id))
    assert n == 2
    assert svc.mask_id(None) == ""


def test_grid_scoping(db, city, home):
    other_grid = create_unit(
        db,
        jurisdiction_id=city.jid,
        kind=UnitKind.GRID,
        code=f"{city.jurisdiction.code}-g2",
        name="第二网格",
        parent=city.units["community"],
    )
    outsider = create_user(
        db,
        jurisdiction_id=city.jid,
        username=f"{city.jurisdiction.code}-gw2",
        display_name="gw2",
        password="x" * 12,
        grants=[(Role.GRID_WORKER, other_grid)],
    )
    with pytest.raises(PermissionDenied):
        svc.get_household(db, outsider, home.household.id)
    assert db.scalars(svc.households(db, outsider)).all() == []
    assert db.scalars(svc.households(db, city.users["grid_worker"])).all() == [home.household]
    assert db.scalars(svc.households(db, city.users["street_handler"], q="王秀")).all() == [home.household]
    assert db.scalars(svc.households(db, city.users["admin"], tag="lone_elderly")).all() == [home.household]
    assert db.scalars(svc.households(db, city.users["admin"], tag="dibao")).all() == []
    assert db.scalars(svc.households(db, city.users["admin"], flagged=True)).all() == []
    with pytest.raises(InvalidInput):
        svc.households(db, city.users["admin"], tag="nope")
    with pytest.raises(PermissionDenied):
        svc.scope_ids(db, city.users["operator"])
    with pytest.raises(NotFound):
        svc.get_household(db, city.users["admin"], 10**9)
    with pytest.raises(PermissionDenied):
        svc.create_household(
            db,
            actor=outsider,
            jurisdiction_id=city.jid,
            community_id=city.units["community"].id,
            grid_id=city.units["grid"].id,
            address="和平社区5号楼",
        )


def test_create_household_validates(db, city):
    with pytest.raises(InvalidInput):
        svc.create_household(
            db, actor=None, jurisdiction_id=city.jid, community_id=city.units["street"].id, address="某某地址某处"
        )
    with pytest.raises(InvalidInput):
        svc.create_household(
            db, actor=None, jurisdiction_id=city.jid, community_id=city.units["community"].id, address="短"
        )
    with pytest.raises(InvalidInput):
        svc.create_household(
            db,
            actor=None,
            jurisdiction_id=city.jid,
            community_id=city.units["community"].id,
            grid_id=city.units["community"].id,
            address="和平社区5号楼",
        )


def test_contacts_devices_quiet_and_overrides(db, city, home):
    c2 = svc.add_contact(db, home.household, actor=None, name="李强", phone="13800003333", relation="儿子")
    assert c2.priority == 2 and [c.name for c in home.household.contacts] == ["李娜", "李强"]
    with pytest.raises(InvalidInput):
        svc.add_contact(db, home.household, actor=None, name="", phone="13800003333")
    with pytest.raises(InvalidInput):
        svc.add_contact(db, home.household, actor=None, name="某人", phone="")
    with pytest.raises(Conflict):
        svc.register_device(db, home.household, actor=None, kind="water", external_id=home.meter.external_id)
    with pytest.raises(InvalidInput):
        svc.register_device(db, home.household, actor=None, kind="gas", external_id="G-1")
    with pytest.raises(InvalidInput):
        svc.register_device(db, home.household, actor=None, kind="water", external_id="bad id!")
    with pytest.raises(InvalidInput):
        svc.set_quiet(db, home.household, actor=None, until=utcnow() - timedelta(hours=1), reason="住院")
    with pytest.raises(InvalidInput):
        svc.set_quiet(db, home.household, actor=None, until=utcnow() + timedelta(days=3), reason="")
    svc.set_quiet(db, home.household, actor=None, until=utcnow() + timedelta(days=3), reason="住院")
    assert home.household.quiet_reason == "住院"
    svc.set_quiet(db, home.household, actor=None, until=None)
    assert home.household.quiet_until is None
    rule = svc.set_rule_override(
        db,
        home.household,
        actor=None,
        kind="low_usage",
        device_kind="water",
        window_h=12,
        threshold=0.008,
        active_hours="22-6",
    )
    assert svc.rules_for(db, home.household)[("low_usage", "water")] is rule
    again = svc.set_rule_override(
        db,
        home.household,
        actor=None,
        kind="low_usage",
        device_kind="water",
        window_h=24,
        threshold=0.01,
        enabled=False,
    )
    assert again is rule and ("low_usage", "water") not in svc.rules_for(db, home.household)
    for kwargs in (dict(kind="x"), dict(window_h=0), dict(threshold=-1), dict(active_hours="night")):
        args = dict(kind="low_usage", device_kind="water", window_h=24, threshold=0.01) | kwargs
        with pytest.raises(InvalidInput):
            svc.set_rule_override(db, home.household, actor=None, **args)
    assert svc.ensure_default_rules(db, city.jid) == 0
