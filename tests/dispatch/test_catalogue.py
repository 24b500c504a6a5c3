"""The dispatch catalogue: validation (Art. 17), the most specific rule, 属地 resolution, permissions."""

from __future__ import annotations

import pytest

from lianxin.defaults import category_by_path
from lianxin.dispatch.catalogue import create_rule, delete_rule, list_rules, suggest_units, update_rule
from lianxin.dispatch.models import LeadKind
from lianxin.errors import InvalidInput, PermissionDenied
from lianxin.orgs.models import UnitKind
from lianxin.orgs.service import create_unit
from tests.factories import new_appeal


def cat(db, city, path):
    return category_by_path(db, city.jid, path).id


def rule(db, city, **values):
    return create_rule(db, actor=city.users["admin"], jurisdiction_id=city.jid, **values)


def test_a_local_rule_goes_to_the_street_of_the_location_and_informs_the_district(db, city):
    u = city.units
    rule(db, city, lead_kind="local")
    appeal = new_appeal(db, city)  # 和平社区 → 和平街道 → 东城区
    suggestion = suggest_units(db, appeal)
    assert suggestion.lead_unit == u["street"]
    assert suggestion.informed_units == [u["district"]]
    assert "属地" in suggestion.reason_zh and "和平街道" in suggestion.reason_zh and "local" in suggestion.reason_en


def test_the_most_specific_category_wins_and_rules_are_inherited_down_the_tree(db, city):
    u = city.units
    rule(db, city, lead_kind="local")
    rule(db, city, category_id=cat(db, city, "城乡建设"), lead_unit_id=u["housing"].id)
    rule(
        db,
        city,
        category_id=cat(db, city, "城乡建设/市政设施"),
        lead_unit_id=u["urban"].id,
        co_unit_ids=[u["water"].id],
    )
    lamp = suggest_units(db, new_appeal(db, city, category="城乡建设/市政设施/路灯故障"))
    assert lamp.lead_unit == u["urban"] and lamp.co_units == [u["water"]]
    assert lamp.rule.category.name == "市政设施"
    building = suggest_units(db, new_appeal(db, city, category="城乡建设/违法建设/私搭乱建"))
    assert building.lead_unit == u["housing"]
    other = suggest_units(db, new_appeal(db, city, category="社会管理/邻里纠纷/邻里矛盾"))
    assert other.lead_unit == u["street"]


def test_an_area_rule_beats_the_jurisdiction_wide_one_and_priority_beats_both(db, city):
    u = city.units
    lamp = cat(db, city, "城乡建设/市政设施/路灯故障")
    rule(db, city, category_id=lamp, lead_unit_id=u["housing"].id)
    rule(db, city, category_id=lamp, area_unit_id=u["street"].id, lead_unit_id=u["urban"].id)
    assert suggest_units(db, new_appeal(db, city)).lead_unit == u["urban"]
    elsewhere = create_unit(
        db,
        jurisdiction_id=city.jid,
        kind=UnitKind.COMMUNITY,
        code=f"{city.jid}-c2",
        name="安定社区",
        parent=u["street2"],
    )
    assert suggest_units(db, new_appeal(db, city, community_id=elsewhere.id)).lead_unit == u["housing"]
    rule(db, city, lead_unit_id=u["water"].id, priority=5)
    assert suggest_units(db, new_appeal(db, city)).lead_unit == u["water"]


def test_suggestion_from_intake_fields_and_without_any_rule(db, city):
    u = city.units
    fields = {
        "jurisdiction_id": city.jid,
        "category_id": cat(db, city, "公共服务/供水/停水"),
        "community_id": u["community"].id,
    }
    empty = suggest_units(db, fields)
    assert empty.lead_unit is None and "人工派单" in empty.reason_zh
    rule(db, city, category_id=cat(db, city, "公共服务/供水"), lead_unit_id=u["water"].id)
    assert suggest_units(db, fields).lead_unit == u["water"]


def test_a_local_rule_without_a_location_falls_through_to_the_next_rule(db, city):
    u = city.units
    rule(db, city, lead_unit_id=u["urban"].id)
    rule(db, city, category_id=cat(db, city, "城乡建设"), lead_kind="local")
    appeal = new_appeal(db, city, community_id=None, address=None)
    suggestion = suggest_units(db, appeal)
    assert suggestion.lead_unit == u["urban"]
    assert "位置不明" in suggestion.reason_zh


def test_art_17_no_rule_pushes_a_matter_down_to_a_community_or_grid(db, city):
    u = city.units
    for field, value in (
        ("lead_unit_id", u["community"].id),
        ("lead_unit_id", u["grid"].id),
        ("co_unit_ids", [u["community"].id]),
    ):
        values = {"lead_unit_id": u["housing"].id} | {field: value}
        with pytest.raises(InvalidInput) as refused:
            rule(db, city, **values)
        assert refused.value.field == field and "不得下沉" in refused.value.message_zh
    assert list_rules(db, city.jid) == []


def test_art_17_is_checked_again_on_resolution(db, city):
    u = city.units
    rule(db, city, lead_kind="local")
    sunk = rule(db, city, category_id=cat(db, city, "城乡建设"), lead_unit_id=u["urban"].id)
    u["urban"].kind = UnitKind.COMMUNITY  # the unit was re-classified after the rule was saved
    db.flush()
    suggestion = suggest_units(db, new_appeal(db, city))
    assert suggestion.lead_unit == u["street"]
    assert f"#{sunk.id}" in suggestion.reason_zh and "不得下沉" in suggestion.reason_zh


def test_rule_validation_messages_are_bilingual_and_nothing_is_saved(db, city):
    u = city.units
    cases = [
        ({"lead_kind": "fixed"}, "lead_unit_id"),
        ({"lead_kind": "sideways"}, "lead_kind"),
        ({"lead_unit_id": 10**9}, "lead_unit_id"),
        ({"lead_unit_id": u["centre"].id}, "lead_unit_id"),
        ({"lead_unit_id": u["urban"].id, "area_unit_id": u["community"].id}, "area_unit_id"),
        ({"lead_unit_id": u["urban"].id, "co_unit_ids": [u["urban"].id]}, "co_unit_ids"),
        ({"lead_unit_id": u["urban"].id, "co_unit_ids": ["x"]}, "co_unit_ids"),
        ({"lead_unit_id": u["urban"].id, "category_id": 10**9}, "category_id"),
        ({"lead_unit_id": u["urban"].id, "priority": 5000}, "priority"),
        ({"lead_unit_id": u["urban"].id, "inform_unit_ids": [u["grid"].id]}, "inform_unit_ids"),
    ]
    for values, field in cases:
        with pytest.raises(InvalidInput) as refused:
            rule(db, city, **values)
        assert refused.value.field == field, values
        assert refused.value.message_zh != refused.value.message_en
    with pytest.raises(InvalidInput):
        rule(db, city, lead_unit_id=u["urban"].id, colour="red")
    assert list_rules(db, city.jid) == []


def test_only_admins_edit_the_catalogue(db, city):
    for key in ("dispatcher", "operator", "urban_handler", "leader"):
        with pytest.raises(PermissionDenied):
            create_rule(db, actor=city.users[key], jurisdiction_id=city.jid, lead_kind="local")
    saved = rule(db, city, lead_kind="local")
    with pytest.raises(PermissionDenied):
        update_rule(db, saved, actor=city.users["dispatcher"], priority=3)
    with pytest.raises(PermissionDenied):
        delete_rule(db, saved, actor=city.users["dispatcher"])
    assert saved.priority == 0


def test_update_revalidates_the_whole_rule_and_delete_removes_it(db, city):
    u = city.units
    saved = rule(db, city, lead_unit_id=u["urban"].id, co_unit_ids=[u["street"].id])
    update_rule(db, saved, actor=city.users["admin"], lead_kind=LeadKind.LOCAL)
    assert (
        saved.lead_kind == LeadKind.LOCAL
        and saved.lead_unit_id is None
        and saved.updated_by_id == city.users["admin"].id
    )
    with pytest.raises(InvalidInput):
        update_rule(db, saved, actor=city.users["admin"], lead_kind="fixed")  # a fixed rule needs its lead
    assert saved.lead_kind == LeadKind.LOCAL
    update_rule(db, saved, actor=city.users["admin"], active=False)
    assert suggest_units(db, new_appeal(db, city)).lead_unit is None
    delete_rule(db, saved, actor=city.users["admin"])
    assert list_rules(db, city.jid) == []
