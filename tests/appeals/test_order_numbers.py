"""Order numbers on PostgreSQL come from a short transaction of their own: an open intake does not hold the
day's counter, and a rolled-back intake leaves a gap instead of a repeated number."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import delete
from sqlalchemy.orm import Session

from lianxin.appeals.models import OrderSequence
from lianxin.appeals.numbers import next_order_no

FAR_DAY = datetime(2099, 1, 1, 4, 0, tzinfo=UTC)  # a day no other test numbers


def test_two_open_intakes_take_numbers_without_waiting_and_never_the_same(engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite has one writer at a time; the number stays in the intake's transaction")
    try:
        with Session(engine) as first, Session(engine) as second:
            a = next_order_no(first, FAR_DAY)  # first's transaction stays open ...
            b = next_order_no(second, FAR_DAY)  # ... and second is not blocked by it (else: lock timeout)
            first.rollback()
            second.rollback()
        with Session(engine) as third:
            c = next_order_no(third, FAR_DAY)
        assert (a, b, c) == ("20990101000001", "20990101000002", "20990101000003")
    finally:
        with engine.begin() as conn:
            conn.execute(delete(OrderSequence).where(OrderSequence.day == "20990101"))


def test_a_session_on_a_connection_keeps_the_number_in_its_transaction(db):
    number = next_order_no(db, FAR_DAY)
    assert number == "20990101000001" and db.get(OrderSequence, "20990101").last == 1
    db.rollback()  # the outer test transaction's savepoint: the counter goes back with it
    assert db.get(OrderSequence, "20990101") is None


def test_the_number_is_one_autocommitted_statement_that_a_rolled_back_intake_does_not_undo(engine):
    """One round trip on the allocator's own connection: no BEGIN, no COMMIT, and the counter stays moved."""
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: on SQLite the number is taken in the intake's transaction")
    from sqlalchemy import event

    from lianxin.appeals.numbers import _allocator

    seen: list[str] = []

    def record(_conn, _cursor, statement, *_):
        seen.append(statement.split()[0])

    allocator = _allocator(engine)
    event.listen(allocator, "before_cursor_execute", record)
    try:
        with Session(engine) as intake:
            number = next_order_no(intake, FAR_DAY)
            intake.rollback()
        with Session(engine) as later:
            assert later.get(OrderSequence, "20990101").last == int(number[8:])
        assert seen == ["INSERT"]
        with allocator.connect() as conn:
            assert conn.connection.driver_connection.autocommit  # psycopg sends no BEGIN and no COMMIT
    finally:
        event.remove(allocator, "before_cursor_execute", record)
        with engine.begin() as conn:
            conn.execute(delete(OrderSequence).where(OrderSequence.day == "20990101"))
