"""Two adapters (or a retry racing the first try) post the same ringing at once: one call, one event; the loser
answers as a repeat instead of failing."""

from __future__ import annotations

import threading
import uuid

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from lianxin.calls.models import Call, CallEvent
from lianxin.calls.service import record_switch_event
from lianxin.orgs.models import Jurisdiction


def test_a_racing_duplicate_ringing_is_answered_as_a_repeat(engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite has one writer at a time, so the two posts never overlap")
    with Session(engine) as setup:
        jurisdiction = Jurisdiction(code=f"race-{uuid.uuid4().hex[:8]}", name="竞态市")
        setup.add(jurisdiction)
        setup.commit()
        jid = jurisdiction.id
    inserted, results = threading.Event(), {}

    def first() -> None:
        with Session(engine) as session:
            results["first"] = record_switch_event(
                session, jid, call_id="race-1", event="ringing", caller="13800138000"
            )[1]
            inserted.set()
            threading.Event().wait(0.5)  # hold the row uncommitted while the second one tries
            session.commit()

    def second() -> None:
        inserted.wait(5)
        with Session(engine) as session:
            results["second"] = record_switch_event(
                session, jid, call_id="race-1", event="ringing", caller="13800138000"
            )[1]
            session.commit()

    try:
        threads = [threading.Thread(target=first), threading.Thread(target=second)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(20)
        assert results == {"first": True, "second": False}
        with Session(engine) as session:
            assert (
                session.scalar(select(func.count()).select_from(CallEvent).where(CallEvent.jurisdiction_id == jid)) == 1
            )
    finally:
        with engine.begin() as conn:
            conn.execute(delete(CallEvent).where(CallEvent.jurisdiction_id == jid))
            conn.execute(delete(Call).where(Call.jurisdiction_id == jid))
            conn.execute(delete(Jurisdiction).where(Jurisdiction.id == jid))
