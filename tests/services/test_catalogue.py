"""The catalogue: items kept by code on existing units, limits checked, Chinese search, temporarily closed."""

from __future__ import annotations

import pytest

from lianxin.errors import InvalidInput, NotFound, PermissionDenied
from lianxin.services import catalogue
from lianxin.services.status import ItemStatus


def test_search_finds_items_by_chinese_words(db, city, cat):
    assert [i.code for i in catalogue.search_items(db, city.jid, "老人津贴怎么申请")][:1] == ["MZ-001"]
    found = [i.code for i in catalogue.search_items(db, city.jid, "二手房过户")]
    assert found[0] == "ZJ-101" and "SW-201" in found
    assert [i.code for i in catalogue.search_items(db, city.jid, "户口簿")] == ["MZ-001"]  # a document
    assert [i.code for i in catalogue.search_items(db, city.jid, "水费")] == ["SW-201"]  # everyday word → 用水
    assert catalogue.search_items(db, city.jid, "火星签证") == []
    assert catalogue.search_items(db, city.jid, "的") == []  # only stop words
    assert [i.code for i in catalogue.search_items(db, city.jid, "")] == ["MZ-001", "SW-201", "ZJ-101"]
    assert [i.code for i in catalogue.search_items(db, city.jid, "SW-201")] == ["SW-201"]


def test_items_are_kept_by_code_and_checked(db, city, cat):
    again = catalogue.save_item(
        db,
        jurisdiction_id=city.jid,
        code="MZ-001",
        name="高龄津贴申领（更新）",
        department=city.units["street"],
        legal_limit_days=20,
        promised_limit_days=3,
    )
    assert again.id == cat.subsidy.id and again.promised_limit_days == 3
    base = dict(jurisdiction_id=city.jid, code="X-1", name="某事项", legal_limit_days=5, promised_limit_days=3)
    with pytest.raises(InvalidInput, match="承诺时限"):
        catalogue.save_item(db, **(base | {"promised_limit_days": 9}), department=city.units["street"])
    with pytest.raises(InvalidInput, match="职能部门"):
        catalogue.save_item(db, **base, department=city.units["grid"])
    with pytest.raises(InvalidInput):
        catalogue.save_item(db, **base, department=999999)
    with pytest.raises(InvalidInput):
        catalogue.save_item(db, **base, department=city.units["street"], channels=["fax"])
    with pytest.raises(InvalidInput, match="渠道"):
        catalogue.save_item(db, **base, department=city.units["street"], channels=[])
    with pytest.raises(InvalidInput, match="事项名称"):
        catalogue.save_item(db, **(base | {"name": " "}), department=city.units["street"])
    with pytest.raises(PermissionDenied):
        catalogue.save_item(db, **base, department=city.units["street"], actor=city.users["operator"])
    assert catalogue.item_by_code(db, city.jid, "MZ-001") is cat.subsidy
    with pytest.raises(NotFound):
        catalogue.item_by_code(db, city.jid, "NOPE")


def test_temporarily_closing_an_item_needs_a_reason(db, city, cat):
    with pytest.raises(InvalidInput, match="原因"):
        catalogue.set_item_status(db, cat.water, "temporarily_closed", actor=None)
    catalogue.set_item_status(db, cat.water, "temporarily_closed", alert="系统升级，12月8日恢复", actor=None)
    assert cat.water.status == ItemStatus.TEMPORARILY_CLOSED and "恢复" in cat.water.alert
    with pytest.raises(InvalidInput):
        catalogue.set_item_status(db, cat.water, "gone", actor=None)


def test_bundles_need_two_items_and_known_fields(db, city, cat):
    assert [p.item.code for p in cat.bundle.parts] == ["ZJ-101", "SW-201"]
    assert catalogue.bundle_by_code(db, city.jid, "YJS-ESF") is cat.bundle
    assert catalogue.bundles(db, city.jid) == [cat.bundle]
    with pytest.raises(NotFound):
        catalogue.bundle_by_code(db, city.jid, "NOPE")
    common = dict(jurisdiction_id=city.jid, code="B", name="某一件事", lead_department=city.units["housing"])
    with pytest.raises(InvalidInput, match="两个事项"):
        catalogue.save_bundle(db, **common, parts=[(cat.water, [])], form_fields=[])
    with pytest.raises(InvalidInput, match="没有字段"):
        catalogue.save_bundle(db, **common, parts=[(cat.water, ["x"]), (cat.transfer, [])], form_fields=[])
    again = catalogue.save_bundle(
        db, **(common | {"code": "YJS-ESF"}), parts=[(cat.water, []), (cat.subsidy, [])], form_fields=[]
    )
    assert again.id == cat.bundle.id and [p.item.code for p in again.parts] == ["SW-201", "MZ-001"]


def test_locations_need_sane_slots(db, city):
    with pytest.raises(InvalidInput):
        catalogue.create_location(db, jurisdiction_id=city.jid, code="Z", name="大厅", slot_minutes=1)


def test_a_centre_is_a_place_of_the_gazetteer(db, city):
    from lianxin.geo.service import add_place

    place = add_place(
        db, actor=None, jurisdiction_id=city.jid, name="政务服务大厅", kind="landmark", unit_id=city.units["street"].id
    )
    hall = catalogue.create_location(db, jurisdiction_id=city.jid, code="GZ", name="大厅", place_id=place.id)
    assert hall.place_id == place.id
    with pytest.raises(InvalidInput) as caught:
        catalogue.create_location(db, jurisdiction_id=city.jid, code="GZ2", name="大厅", place_id=999999)
    assert caught.value.field == "place_id"
