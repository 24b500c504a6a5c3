"""The admin's tables of the telephone side (``lianxin.calls.tables``): expert domains, categories routed to an
expert queue, hotlines and seats — each refuses bad input with a message and changes nothing then."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lianxin.calls.models import CallHotline, CallSkill, CategorySkill
from lianxin.calls.tables import save_hotline, save_skill, set_category_skill, set_operator_skills, set_seat
from lianxin.defaults import category_by_path
from lianxin.errors import InvalidInput


def test_an_expert_domain_is_added_renamed_and_its_code_checked(db, phones):
    city = phones
    skill = save_skill(db, city.jid, "water", " 供水 ", "Water")
    assert (skill.code, skill.name_zh, skill.name_en) == ("water", "供水", "Water")
    renamed = save_skill(db, city.jid, "water", "供水排水", "")
    assert renamed is skill and (renamed.name_zh, renamed.name_en) == ("供水排水", "water")
    for bad in ("Water", "9lives", "", "a" * 33, "供水"):
        with pytest.raises(InvalidInput, match="领域代码"):
            save_skill(db, city.jid, bad, "x", "x")
    assert db.scalar(select(CallSkill).where(CallSkill.code == "Water")) is None


def test_a_category_goes_to_an_expert_queue_and_back(db, phones):
    city = phones
    category = category_by_path(db, city.jid, "城乡建设/市政设施/路灯故障")

    def routed() -> str | None:
        row = db.get(CategorySkill, (city.jid, category.id))
        return row.skill if row else None

    set_category_skill(db, city.jid, category.id, "medical")
    assert routed() == "medical"
    set_category_skill(db, city.jid, category.id, "hrss")
    assert routed() == "hrss"
    with pytest.raises(InvalidInput, match="未知的专家领域"):
        set_category_skill(db, city.jid, category.id, "nosuch")
    assert routed() == "hrss"
    set_category_skill(db, city.jid, category.id, None)
    assert routed() is None
    set_category_skill(db, city.jid, category.id, "")  # clearing twice is no error
    assert routed() is None


def test_a_hotline_needs_a_name_and_a_known_category(db, phones):
    city = phones
    with pytest.raises(InvalidInput, match="热线名称"):
        save_hotline(db, city.jid, number="96999", kind="utility", name_zh=" ")
    with pytest.raises(InvalidInput, match="未知的问题分类"):
        save_hotline(db, city.jid, number="96999", kind="utility", name_zh="燃气热线", category_code="NOPE")
    assert db.get(CallHotline, (city.jid, "96999")) is None
    code = category_by_path(db, city.jid, "城乡建设/市政设施/路灯故障").code
    line = save_hotline(db, city.jid, number="96999", kind="utility", name_zh="燃气热线", category_code=code)
    assert line.default_category_id is not None and line.name_en == "燃气热线"


def test_only_desk_roles_sit_at_a_seat_or_hold_an_expert_domain(db, phones):
    city = phones
    handler = city.users["street_handler"]
    with pytest.raises(InvalidInput, match="座席号"):
        set_seat(db, city.users["operator"], "座席一")
    with pytest.raises(InvalidInput, match="只有话务员或派单员可以坐席"):
        set_seat(db, handler, "8009")
    with pytest.raises(InvalidInput, match="只有话务员或派单员可以担任专家座席"):
        set_operator_skills(db, handler, ["medical"])
    assert set_operator_skills(db, city.users["expert"], ["medical"]) == ["medical"]  # hrss dropped
