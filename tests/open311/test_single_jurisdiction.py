"""A deployment with one jurisdiction: clients may leave ``jurisdiction_id`` out (a database of its own)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from lianxin.app import create_app
from lianxin.db import make_engine, make_sessionmaker, session_scope
from lianxin.defaults import ensure_defaults
from tests.helpers import migrated


def test_jurisdiction_id_may_be_omitted_or_given_when_there_is_one(scratch_settings):
    migrated(scratch_settings)
    with session_scope(make_sessionmaker(make_engine(scratch_settings), scratch_settings)) as session:
        ensure_defaults(session, code="beijing", name="北京市")
    with TestClient(create_app(scratch_settings)) as client:
        omitted = client.get("/open311/v2/services.json")
        given = client.get("/open311/v2/services.json", params={"jurisdiction_id": "beijing"})
        unknown = client.get("/open311/v2/services.xml", params={"jurisdiction_id": "shanghai"})
    assert omitted.status_code == given.status_code == 200 and omitted.json() == given.json() and omitted.json()
    assert unknown.status_code == 404 and b"<code>404</code>" in unknown.content
