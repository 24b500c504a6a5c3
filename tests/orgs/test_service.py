"""Units, users and the permission check that every service verb relies on."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from lianxin.errors import InvalidInput, PermissionDenied
from lianxin.orgs.models import Role, UnitKind
from lianxin.orgs.service import (
    ancestor_ids,
    create_unit,
    create_user,
    descendant_ids,
    has_role,
    require_role,
    user_unit_ids,
    verify_password,
)
from tests.factories import PASSWORD


def test_ancestors_run_from_the_unit_up_to_the_root(db, city):
    u = city.units
    assert ancestor_ids(db, u["grid"].id) == [
        u["grid"].id,
        u["community"].id,
        u["street"].id,
        u["district"].id,
        u["city"].id,
    ]


def test_descendants_include_the_unit_and_everything_below(db, city):
    u = city.units
    below = descendant_ids(db, u["district"].id)
    assert {u["street"].id, u["street2"].id, u["community"].id, u["grid"].id, u["urban"].id} <= below
    assert u["housing"].id not in below


def test_a_grant_covers_its_unit_and_the_units_below_only(db, city):
    u, leader = city.units, city.users["district_leader"]
    assert has_role(db, leader, [Role.LEADER], unit_id=u["community"].id)
    assert not has_role(db, leader, [Role.LEADER], unit_id=u["housing"].id)
    assert not has_role(db, leader, [Role.DISPATCHER], unit_id=u["community"].id)


def test_centre_roles_act_for_the_whole_jurisdiction_and_admin_passes_everything(db, city):
    u = city.units
    assert has_role(db, city.users["dispatcher"], [Role.DISPATCHER], unit_id=u["water"].id)
    assert has_role(db, city.users["admin"], [Role.HANDLER], unit_id=u["street"].id)


def test_another_streets_handler_is_refused_with_a_chinese_message(db, city):
    with pytest.raises(PermissionDenied) as err:
        require_role(db, city.users["street2_handler"], [Role.HANDLER], unit_id=city.units["street"].id)
    assert "没有权限" in err.value.message_zh and "和平街道" in err.value.message_zh


def test_an_inactive_user_holds_no_role(db, city):
    user = city.users["dispatcher"]
    user.active = False
    assert not has_role(db, user, [Role.DISPATCHER])


def test_the_system_actor_may_always_act(db, city):
    require_role(db, None, [Role.ADMIN], unit_id=city.units["street"].id)


def test_user_unit_ids_scope_a_handlers_queue(db, city):
    units = user_unit_ids(db, city.users["street_handler"], [Role.HANDLER])
    assert units == {city.units["street"].id, city.units["community"].id, city.units["grid"].id}


def test_passwords_are_hashed_and_verified(db, city):
    user = city.users["operator"]
    assert PASSWORD not in user.password_hash and user.password_hash.startswith("$argon2")
    assert verify_password(user, PASSWORD) and not verify_password(user, PASSWORD + "x")


def test_bad_usernames_short_passwords_and_unknown_roles_are_refused(db, city):
    jid, unit = city.jid, city.units["street"]
    with pytest.raises(InvalidInput, match="用户名"):
        create_user(db, jurisdiction_id=jid, username="a b", display_name="x", password=PASSWORD)
    with pytest.raises(InvalidInput, match="密码至少"):
        create_user(db, jurisdiction_id=jid, username="newbie", display_name="x", password="short")
    with pytest.raises(InvalidInput, match="无效的角色"):
        create_user(
            db, jurisdiction_id=jid, username="newbie", display_name="x", password=PASSWORD, grants=[("boss", unit)]
        )


def test_a_new_unit_joins_the_cached_tree(db, city):
    street = city.units["street"].id
    ancestor_ids(db, street)  # warm the caches
    below = descendant_ids(db, street)
    below.add(-1)  # a caller's set is its own: the cache keeps what it read
    statements = []
    record = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.get_bind(), "before_cursor_execute", record)
    try:
        assert descendant_ids(db, street) == below - {-1}
    finally:
        event.remove(db.get_bind(), "before_cursor_execute", record)
    assert statements == []  # read once a session
    new = create_unit(
        db, jurisdiction_id=city.jid, kind=UnitKind.COMMUNITY, code="new-c", name="新社区", parent=city.units["street"]
    )
    assert ancestor_ids(db, new.id)[:2] == [new.id, street]
    assert descendant_ids(db, street) == below - {-1} | {new.id}
