"""The access rules of ``appeals.access``: the SQL scope (``visible_appeals``) and the per-appeal check
(``can_see``) agree for every user of the test city over a varied set of appeals; the overdue clause
agrees with ``is_overdue``; who sees personal data."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text

from lianxin.appeals import access
from lianxin.appeals.access import (
    can_see,
    is_overdue,
    on_time,
    overdue,
    require_can_see,
    sees_personal_data,
    visible_appeals,
)
from lianxin.appeals.models import Appeal
from lianxin.appeals.service import answer_directly, dispatch_appeal, not_accept, redispatch_appeal
from lianxin.appeals.status import AppealStatus
from lianxin.clock import utcnow
from lianxin.errors import PermissionDenied
from lianxin.orgs.models import Role
from lianxin.orgs.service import create_user
from tests.factories import PASSWORD, build_city, new_appeal


def _extra_users(db, city):
    """Roles the factory city lacks: a community leader, a street leader, a grid worker's leader above the
    grid, an auditor, a user with no grant, an inactive handler, and a handler + grid worker in one."""

    def user(key, grants):
        city.users[key] = create_user(
            db,
            jurisdiction_id=city.jid,
            username=f"{city.jurisdiction.code}-{key}",
            display_name=key,
            password=PASSWORD,
            grants=grants,
        )

    u = city.units
    user("community_leader", [(Role.LEADER, u["community"])])
    user("street_leader", [(Role.LEADER, u["street2"])])
    user("auditor", [(Role.AUDITOR, u["centre"])])
    user("nobody", [])
    user("inactive_handler", [(Role.HANDLER, u["street"])])
    city.users["inactive_handler"].active = False
    user("mixed", [(Role.HANDLER, u["water"]), (Role.GRID_WORKER, u["grid"])])
    db.flush()


def _varied_appeals(db, city) -> list[Appeal]:
    """Appeals in many states and places: undispatched, dispatched with and without co-units, redispatched
    (the first unit keeps its history), answered directly, not accepted, confidential, located in a
    community, in a grid only, in no place at all, and one of another city."""
    u, dispatcher = city.units, city.users["dispatcher"]
    appeals = [new_appeal(db, city)]  # received, in the community
    a = new_appeal(db, city, community_id=None)
    dispatch_appeal(db, a, u["street"], actor=dispatcher)
    appeals.append(a)
    a = new_appeal(db, city, community_id=None)
    dispatch_appeal(db, a, u["urban"], actor=dispatcher, co_units=[u["housing"], u["water"]])
    appeals.append(a)
    a = new_appeal(db, city, community_id=None)
    dispatch_appeal(db, a, u["street"], actor=dispatcher)
    redispatch_appeal(db, a, u["street2"], actor=dispatcher, note="属地调整，改派安定街道")
    appeals.append(a)
    a = new_appeal(db, city, community_id=None, appeal_type="consult")
    answer_directly(db, a, actor=city.users["operator"], answer="已电话答复：路灯由区城管委负责。")
    appeals.append(a)
    a = new_appeal(db, city)
    not_accept(db, a, actor=dispatcher, reason="out_of_scope", note="不属于受理范围")
    appeals.append(a)
    a = new_appeal(db, city, appeal_type="report", confidential=True)
    dispatch_appeal(db, a, u["street"], actor=dispatcher)
    appeals.append(a)
    appeals.append(new_appeal(db, city, community_id=None, grid_id=u["grid"].id))  # grid only
    appeals.append(new_appeal(db, city, grid_id=u["grid"].id))  # community and grid
    appeals.append(new_appeal(db, city, community_id=None))  # nowhere, nobody's unit
    a = new_appeal(db, city, community_id=None)  # a lead unit on the appeal with no row of it (an import's)
    a.lead_unit_id = u["water"].id
    appeals.append(a)
    other = build_city(db)
    appeals.append(new_appeal(db, other))
    db.flush()
    return appeals


@pytest.mark.parametrize("few", [True, False], ids=["work read first", "work looked up per appeal"])
def test_the_sql_scope_and_the_per_appeal_check_agree_for_every_user(db, city, monkeypatch, few):
    _extra_users(db, city)
    appeals = _varied_appeals(db, city)
    if not few:  # more appeal_units rows than are sent as an array
        monkeypatch.setattr(access, "FEW", 0)
    scope = str(visible_appeals(db, city.users["mixed"]).compile(dialect=db.get_bind().dialect))
    assert ("EXISTS" not in scope) is few and ("appeals.id IN" in scope or "appeals.id = ANY" in scope) is few
    ids = [a.id for a in appeals]
    checked = 0
    for key, user in city.users.items():
        listed = set(db.scalars(visible_appeals(db, user).with_only_columns(Appeal.id).where(Appeal.id.in_(ids))))
        allowed = {a.id for a in appeals if can_see(db, user, a)}
        assert listed == allowed, key
        for appeal in appeals:
            if appeal.id in allowed:
                require_can_see(db, appeal, user)
            else:
                with pytest.raises(PermissionDenied):
                    require_can_see(db, appeal, user)
        checked += 1
    assert checked == len(city.users) >= 18
    # The rule itself, in a few fixed points.
    grid_only, foreign = appeals[7], appeals[-1]
    assert can_see(db, city.users["grid_worker"], grid_only) and can_see(db, city.users["community_leader"], grid_only)
    assert not can_see(db, city.users["street_handler"], grid_only)
    assert not can_see(db, city.users["admin"], foreign) and not can_see(db, city.users["dispatcher"], foreign)
    assert not any(can_see(db, city.users[k], a) for k in ("auditor", "nobody", "inactive_handler") for a in appeals)
    assert can_see(db, city.users["street_handler"], appeals[3])  # redispatched away: its history stays visible
    assert can_see(db, city.users["water_handler"], appeals[2])  # a co-handler
    assert can_see(db, city.users["water_handler"], appeals[-2])  # the lead unit on the appeal, with no row of it
    assert not can_see(db, city.users["street_handler"], appeals[-2])


def test_a_small_scope_is_one_bitmap_of_its_ways_in(db, city):
    """Led by the user's units, in their communities or grids, or worked on by them otherwise (the few appeals sent
    as an array): one bitmap of indexes, so a street leader's page reads the street's own rows. A subquery in the OR
    could not be, and made PostgreSQL walk the newest appeals until it had found enough (320 k rows for a street's
    last numbered page at 10 M)."""
    if db.get_bind().dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite has no bitmap scans")
    _extra_users(db, city)
    _varied_appeals(db, city)
    db.execute(text("SET LOCAL enable_seqscan = off"))  # so few rows would be read whole: ask for a bitmap,
    db.execute(text("SET LOCAL enable_indexscan = off"))  # which a subquery's form cannot be
    jurisdiction, ways_in = visible_appeals(db, city.users["mixed"]).whereclause.clauses  # a co-handler, a grid
    compiled = select(Appeal.id).where(ways_in).compile(dialect=db.get_bind().dialect)
    plan = "\n".join(db.connection().exec_driver_sql("EXPLAIN " + str(compiled), compiled.params).scalars())
    for index in ("ix_appeals_lead_unit", "ix_appeals_community_id", "ix_appeals_grid_id", "pk_appeals"):
        assert index in plan, plan
    assert "BitmapOr" in plan and "SubPlan" not in plan, plan
    db.execute(text("RESET enable_seqscan"))
    db.execute(text("RESET enable_indexscan"))


def test_personal_data_goes_to_the_centre_and_the_lead_unit_unless_confidential(db, city):
    plain = new_appeal(db, city)
    dispatch_appeal(db, plain, city.units["street"], actor=city.users["dispatcher"], co_units=[city.units["urban"]])
    secret = new_appeal(db, city, appeal_type="report", confidential=True)
    dispatch_appeal(db, secret, city.units["street"], actor=city.users["dispatcher"])
    users = city.users
    for key in ("operator", "dispatcher", "visitor", "admin"):
        assert sees_personal_data(db, users[key], plain) and sees_personal_data(db, users[key], secret), key
    assert sees_personal_data(db, users["street_handler"], plain)
    assert not sees_personal_data(db, users["street_handler"], secret)
    for key in ("urban_handler", "leader", "district_leader", "grid_worker", "street2_handler"):
        assert not sees_personal_data(db, users[key], plain), key
    assert not sees_personal_data(db, None, plain)


def test_the_overdue_clause_and_is_overdue_agree(db, city):
    now = utcnow()
    rows = []
    for status, due in [
        (AppealStatus.DISPATCHED, now - timedelta(hours=1)),
        (AppealStatus.DISPATCHED, now + timedelta(hours=1)),
        (AppealStatus.IN_PROGRESS, now - timedelta(days=3)),
        (AppealStatus.REPLIED, now - timedelta(days=3)),
        (AppealStatus.DEFERRED, now - timedelta(days=3)),
        (AppealStatus.DISPATCHED, None),
        (AppealStatus.RECEIVED, None),
    ]:
        appeal = new_appeal(db, city)
        appeal.status, appeal.due_at = status, due
        rows.append(appeal)
    db.flush()
    ids = [a.id for a in rows]
    late = set(db.scalars(select(Appeal.id).where(Appeal.id.in_(ids), overdue(now))))
    fine = set(db.scalars(select(Appeal.id).where(Appeal.id.in_(ids), on_time(now))))
    assert late == {a.id for a in rows if is_overdue(a, now)} == {rows[0].id, rows[2].id}
    assert fine == set(ids) - late
