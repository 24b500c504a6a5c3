"""Admins edit the three-level category tree; bad edits are refused and change nothing."""

from __future__ import annotations

import pytest

from lianxin.appeals.categories import create_category, rename_category, set_category_active
from lianxin.defaults import category_by_path
from lianxin.errors import InvalidInput, PermissionDenied
from tests.factories import new_appeal


def test_admin_adds_a_third_level_category_under_a_second_level_one(db, city):
    parent = category_by_path(db, city.jid, "城乡建设/市政设施")
    leaf = create_category(
        db, actor=city.users["admin"], jurisdiction_id=city.jid, name="树木倒伏", parent_id=parent.id
    )
    assert leaf.level == 3 and leaf.code.startswith(parent.code + ".")
    assert category_by_path(db, city.jid, "城乡建设/市政设施/树木倒伏").id == leaf.id


def test_a_fourth_level_a_duplicate_name_and_a_non_admin_are_refused(db, city):
    leaf = category_by_path(db, city.jid, "城乡建设/市政设施/路灯故障")
    admin = city.users["admin"]
    with pytest.raises(InvalidInput, match="最多三级"):
        create_category(db, actor=admin, jurisdiction_id=city.jid, name="灯泡", parent_id=leaf.id)
    with pytest.raises(InvalidInput, match="同级已有"):
        create_category(db, actor=admin, jurisdiction_id=city.jid, name="路灯故障", parent_id=leaf.parent_id)
    with pytest.raises(PermissionDenied):
        create_category(db, actor=city.users["dispatcher"], jurisdiction_id=city.jid, name="新类")
    with pytest.raises(InvalidInput, match="同级已有"):
        rename_category(db, leaf, actor=admin, name="道路破损")
    assert leaf.name == "路灯故障"


def test_deactivating_a_branch_stops_new_appeals_using_it(db, city):
    branch = category_by_path(db, city.jid, "城乡建设/市政设施")
    changed = set_category_active(db, branch, actor=city.users["admin"], active=False)
    assert len(changed) == 5 and not any(c.active for c in changed)
    with pytest.raises(InvalidInput, match="问题分类不存在或已停用"):
        new_appeal(db, city, category="城乡建设/市政设施/路灯故障")
    leaf = category_by_path(db, city.jid, "城乡建设/市政设施/路灯故障")
    with pytest.raises(InvalidInput, match="先启用上级"):
        set_category_active(db, leaf, actor=city.users["admin"], active=True)
