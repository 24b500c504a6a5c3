"""并单 races through the JSON API of a real server (uvicorn on its own database): two dispatchers' clients
merge A into B and B into A at the same moment; exactly one gets 200, the other a 409, never a cycle."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlalchemy import select

from lianxin.api.keys import create_api_key
from lianxin.appeals.models import Appeal
from lianxin.db import session_scope
from lianxin.orgs.models import Role, Unit
from tests.factories import new_appeal

ROUNDS = 8


def dispatcher_key(live_server) -> str:
    with session_scope(live_server.sessionmaker) as session:
        centre = session.get(Unit, live_server.city.units["centre"].id)
        _, secret = create_api_key(
            session,
            jurisdiction_id=centre.jurisdiction_id,
            name="merge race",
            channel="api",
            grants=[(Role.DISPATCHER, centre)],
        )
    return secret


def test_merging_a_into_b_and_b_into_a_over_http_merges_exactly_one(live_server):
    headers = {"Authorization": f"Bearer {dispatcher_key(live_server)}"}
    codes = []
    for _ in range(ROUNDS):
        with session_scope(live_server.sessionmaker) as session:
            a, b = new_appeal(session, live_server.city), new_appeal(session, live_server.city)
            pairs = [(a.order_no, b.order_no, a.version), (b.order_no, a.order_no, b.version)]
        barrier = threading.Barrier(2, timeout=30)

        def merge(pair) -> httpx.Response:
            order_no, into, version = pair
            with httpx.Client(base_url=live_server.url, headers=headers, timeout=30) as client:
                barrier.wait()  # noqa: B023  (fired and joined within this iteration)
                return client.post(
                    f"/api/v1/appeals/{order_no}/merge", json={"into": into}, headers={"If-Match": f'"{version}"'}
                )

        with ThreadPoolExecutor(2) as pool:
            responses = list(pool.map(merge, pairs))
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [200, 409], [r.text for r in responses]
        loser = next(r for r in responses if r.status_code == 409).json()
        assert loser["code"] in ("stale_version", "conflict") and loser["message"] and loser["message_en"]
        codes.append(loser["code"])
        with live_server.sessionmaker() as session:
            rows = session.scalars(select(Appeal).where(Appeal.order_no.in_([a.order_no, b.order_no]))).all()
        assert sorted(str(r.status) for r in rows) == ["merged", "received"]
        merged = next(r for r in rows if str(r.status) == "merged")
        main = next(r for r in rows if r is not merged)
        assert merged.merged_into_id == main.id and main.merged_into_id is None
    print(f"HTTP A→B vs B→A: {ROUNDS} rounds, 200 + 409 each ({codes.count('stale_version')} stale_version)")
