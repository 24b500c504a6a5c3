"""Concurrent duplicates of one POST act once: a real database of its own, committed data, parallel clients."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from lianxin.api.keys import create_api_key
from lianxin.app import create_app
from lianxin.appeals.models import Appeal
from lianxin.db import make_engine, make_sessionmaker, session_scope
from tests.factories import build_city
from tests.helpers import migrated

APPEAL = {
    "appeal_type": "help",
    "content": "小区东门的井盖松动，车辆经过时响声很大。",
    "appellant_phone": "13900002222",
}


def test_parallel_retries_with_one_idempotency_key_create_one_appeal(scratch_settings):
    migrated(scratch_settings)
    factory = make_sessionmaker(make_engine(scratch_settings), scratch_settings)
    with session_scope(factory) as session:
        city = build_city(session)
        _, secret = create_api_key(
            session, jurisdiction_id=city.jid, name="intake", channel="api", grants=[("operator", city.units["centre"])]
        )
    app = create_app(scratch_settings)
    headers = {"Authorization": f"Bearer {secret}", "Idempotency-Key": "same-request"}

    def post(_):
        with TestClient(app) as client:
            return client.post("/api/v1/appeals", json=APPEAL, headers=headers)

    with ThreadPoolExecutor(max_workers=6) as pool:
        responses = list(pool.map(post, range(6)))
    assert {r.status_code for r in responses} == {201}, [r.text for r in responses]
    assert len({r.json()["order_no"] for r in responses}) == 1
    assert sum(r.headers.get("idempotent-replayed") == "true" for r in responses) == 5
    with session_scope(factory) as session:
        assert session.scalar(select(func.count()).select_from(Appeal)) == 1
