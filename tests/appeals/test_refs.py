"""The per-process copy of categories and units (``lianxin.appeals.refs``): an intake checks its references and
the API shows their names without a query, and an admin's edit is seen at once."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lianxin.appeals.categories import create_category, rename_category, set_category_active
from lianxin.appeals.refs import category_row, unit_row
from lianxin.errors import InvalidInput
from lianxin.orgs.models import UnitKind
from lianxin.orgs.service import create_unit, update_unit
from lianxin.sla.models import ConfigStamp
from lianxin.sla.service import invalidate
from tests.factories import build_city, new_appeal


def _fresh(db) -> None:
    """What the next request sees: its own session's caches empty (the process's copy stays)."""
    invalidate(db)


def test_an_intake_checks_its_references_against_the_copy(db, city):
    community = city.units["community"]
    assert unit_row(db, city.jid, community.id).name == community.name
    with pytest.raises(InvalidInput, match="社区/村不存在"):
        new_appeal(db, city, community_id=city.units["street"].id)  # a street is not a community
    with pytest.raises(InvalidInput, match="社区/村不存在"):
        new_appeal(db, city, community_id=10**9)
    other = build_city(db)
    with pytest.raises(InvalidInput, match="社区/村不存在"):
        new_appeal(db, city, community_id=other.units["community"].id)  # another jurisdiction's
    with pytest.raises(InvalidInput, match="网格不存在"):
        new_appeal(db, city, grid_id=community.id)


def test_a_unit_made_after_the_copy_is_read_from_the_database(db, city):
    assert unit_row(db, city.jid, city.units["community"].id) is not None  # the copy is taken
    _fresh(db)
    newer = create_unit(
        db,
        jurisdiction_id=city.jid,
        kind=UnitKind.COMMUNITY,
        code=f"{city.jid}-new",
        name="新建社区",
        parent=city.units["street"],
    )
    appeal = new_appeal(db, city, community_id=newer.id)
    assert appeal.community_id == newer.id


def test_renaming_or_deactivating_is_seen_by_the_next_request(db, city):
    community = city.units["community"]
    category = create_category(db, actor=city.users["admin"], jurisdiction_id=city.jid, name="临时分类")
    assert category_row(db, city.jid, category.id).name == "临时分类"
    assert unit_row(db, city.jid, community.id).name == community.name
    token = db.scalar(select(ConfigStamp.token).where(ConfigStamp.jurisdiction_id == city.jid))
    update_unit(db, community, name="改名社区", phone=None, active=True)
    rename_category(db, category, actor=city.users["admin"], name="改名分类")
    assert db.scalar(select(ConfigStamp.token).where(ConfigStamp.jurisdiction_id == city.jid)) != token
    _fresh(db)
    assert unit_row(db, city.jid, community.id).name == "改名社区"
    assert category_row(db, city.jid, category.id).name == "改名分类"
    set_category_active(db, category, actor=city.users["admin"], active=False)
    _fresh(db)
    with pytest.raises(InvalidInput, match="问题分类不存在或已停用"):
        new_appeal(db, city, category=None, category_id=category.id)


def test_a_jurisdiction_never_configured_is_read_from_the_database(db, city):
    db.execute(ConfigStamp.__table__.delete().where(ConfigStamp.jurisdiction_id == city.jid))
    _fresh(db)
    appeal = new_appeal(db, city)
    assert appeal.community_id == city.units["community"].id
    assert unit_row(db, city.jid, city.units["community"].id).name == city.units["community"].name


def test_the_api_answer_shows_the_names_of_the_current_copy(client, db, city, make_key):
    headers = make_key("operator")
    body = {"appeal_type": "help", "content": "和平里小区3号楼门口的路灯坏了。", "appellant_phone": "13900004444"}
    body["community_id"] = city.units["community"].id
    first = client.post("/api/v1/appeals", json=body, headers=headers)
    assert first.status_code == 201 and first.json()["community"]["name"] == city.units["community"].name
    update_unit(db, city.units["community"], name="新名字社区", phone=None, active=True)
    db.flush()
    again = client.post("/api/v1/appeals", json=body, headers=headers)
    assert again.status_code == 201 and again.json()["community"]["name"] == "新名字社区"
