"""Personal data at rest: the register's ID numbers and phones are Fernet tokens in the database, found by
their keyed hashes; the migration encrypts rows already stored; key rotation moves them to a new key."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from lianxin import crypto
from lianxin.care import service as svc
from lianxin.care.keys import rotate_keys
from lianxin.config import Settings
from lianxin.errors import Conflict
from lianxin.migrations import upgrade
from tests.care.conftest import ID_NUMBER  # noqa: F401  (same check-digit rule as the home fixture)


def _raw(db, sql, **params):
    return db.execute(text(sql), params).one()


def test_the_database_holds_tokens_and_the_code_sees_clear_text(db, city, home):
    row = _raw(db, "SELECT id_number, phone, id_hash, phone_hash FROM care_people WHERE id = :id", id=home.person.id)
    assert home.person.id_number not in row.id_number and "13900001111" not in row.phone
    assert row.id_number.startswith("gAAAA") and len(row.id_hash) == 64
    contact = _raw(db, "SELECT phone FROM care_contacts WHERE household_id = :h", h=home.household.id)
    assert "13800002222" not in contact.phone
    db.expire_all()
    assert svc.find_by_id_number(db, city.jid, home.person.id_number).id == home.person.id
    assert home.household.contacts[0].phone == "13800002222"


def test_duplicates_and_searches_go_through_the_keyed_hash(db, city, home):
    other = svc.create_household(
        db, actor=None, jurisdiction_id=city.jid, community_id=city.units["community"].id, address="另一户 1 号"
    )
    with pytest.raises(Conflict):
        svc.add_person(db, other, actor=None, name="重复", id_number=home.person.id_number)
    admin = city.users["admin"]
    found = db.scalars(svc.households(db, admin, q="13900001111")).all()
    assert [h.id for h in found] == [home.household.id]
    assert db.scalars(svc.households(db, admin, q=home.person.id_number.lower())).all() == found
    assert db.scalars(svc.households(db, admin, q="13900009999")).all() == []


def test_rotation_moves_every_token_to_the_new_key(db, city, home, settings):
    old_key, new_key, ring = crypto.new_key(), crypto.new_key(), crypto.active()
    try:
        crypto.configure(Settings(database_url=settings.database_url, data_keys=old_key))
        home.person.phone = "13900003333"
        db.flush()
        before = _raw(db, "SELECT phone FROM care_people WHERE id = :id", id=home.person.id).phone
        crypto.configure(Settings(database_url=settings.database_url, data_keys=f"{new_key},{old_key}"))
        assert rotate_keys(db) >= 2  # the person and the contact
        after = _raw(db, "SELECT phone FROM care_people WHERE id = :id", id=home.person.id).phone
        assert after != before
        only_new = crypto.configure(Settings(database_url=settings.database_url, data_keys=new_key))
        assert only_new.decrypt(after) == "13900003333"
        with pytest.raises(ValueError, match="cannot decrypt"):
            only_new.decrypt(before)  # the old key is gone: the old token is unreadable, the new one is not
    finally:
        crypto._active = ring  # the keys the other tests run with


def test_an_invalid_key_is_refused_with_a_clear_message():
    with pytest.raises(ValueError, match="LIANXIN_DATA_KEYS"):
        crypto.parse_keys("not-a-key")
    assert crypto.lookup_hash(None, "x") is None


def test_the_migration_encrypts_rows_already_stored(scratch_settings):
    from lianxin.care.models import Household
    from lianxin.orgs.models import Jurisdiction, Unit

    upgrade(scratch_settings, "0013")
    engine = create_engine(scratch_settings.database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.begin() as conn:
            jid = conn.execute(Jurisdiction.__table__.insert().values(code="m", name="迁移")).inserted_primary_key[0]
            uid = conn.execute(
                Unit.__table__.insert().values(jurisdiction_id=jid, kind="community", code="c", name="社区")
            ).inserted_primary_key[0]
            hid = conn.execute(
                Household.__table__.insert().values(jurisdiction_id=jid, community_id=uid, address="1号")
            ).inserted_primary_key[0]
            conn.execute(
                text(
                    "INSERT INTO care_people (jurisdiction_id, household_id, name, id_number, phone, relation, tags,"
                    " active, created_at) VALUES (:j, :h, '张三', '110101194501011239', '13900001111', '户主', '[]',"
                    " :t, CURRENT_TIMESTAMP)"
                ),
                {"j": jid, "h": hid, "t": True},
            )
            conn.execute(
                text(
                    "INSERT INTO care_contacts (jurisdiction_id, household_id, name, phone, relation, priority)"
                    " VALUES (:j, :h, '李四', '13800002222', '子女', 1)"
                ),
                {"j": jid, "h": hid},
            )
        upgrade(scratch_settings)
        ring = crypto.keyring(scratch_settings)
        with engine.connect() as conn:
            person = conn.execute(text("SELECT id_number, phone, id_hash FROM care_people")).one()
            contact = conn.execute(text("SELECT phone FROM care_contacts")).one()
        assert ring.decrypt(person.id_number) == "110101194501011239" and ring.decrypt(person.phone) == "13900001111"
        assert person.id_hash == ring.hash("110101194501011239", "care-id")
        assert ring.decrypt(contact.phone) == "13800002222"
        from lianxin.migrations import downgrade

        downgrade(scratch_settings, "0013")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT phone FROM care_people")).scalar_one() == "13900001111"
    finally:
        engine.dispose()


def test_the_key_commands(scratch_settings, monkeypatch):
    from typer.testing import CliRunner

    from lianxin.cli import build_cli
    from lianxin.config import get_settings

    upgrade(scratch_settings)
    key, before = crypto.new_key(), crypto.active()
    monkeypatch.setenv("LIANXIN_DATABASE_URL", scratch_settings.database_url)
    monkeypatch.setenv("LIANXIN_DATA_KEYS", key)
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        made = runner.invoke(build_cli(), ["care", "new-key"])
        assert made.exit_code == 0 and len(crypto.parse_keys(made.output.strip())) == 1
        rotated = runner.invoke(build_cli(), ["care", "rotate-keys"])
        assert rotated.exit_code == 0 and "rows re-encrypted: 0" in rotated.output
    finally:
        get_settings.cache_clear()
        crypto._active = before  # the keys the other tests run with
