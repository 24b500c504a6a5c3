"""Optimistic concurrency on the real database: two sessions load the same appeal and both act.

These tests commit (they cannot use the rolled-back ``db`` fixture): each builds its own
jurisdiction with a unique code and leaves its rows behind, so nothing here counts rows globally.
"""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lianxin.appeals.models import Appeal, AppealEvent, AppealUnit
from lianxin.appeals.service import (
    add_note,
    dispatch_appeal,
    record_contact,
    redispatch_appeal,
    sign_appeal,
)
from lianxin.appeals.status import AppealStatus
from lianxin.errors import Conflict, StaleVersion
from lianxin.orgs.models import User
from tests.factories import build_city, new_appeal


@pytest.fixture
def committed(engine, settings, clock):
    """A committed city with one dispatched appeal; returns (appeal id, {user key: user id}, {unit key: id})."""
    code = f"cc{uuid.uuid4().hex[:10]}"
    with Session(engine, expire_on_commit=False, info={"settings": settings}) as session:
        city = build_city(session, code=code)
        appeal = new_appeal(session, city)
        dispatch_appeal(session, appeal, city.units["street"], actor=city.users["dispatcher"])
        session.commit()
        return appeal.id, {k: u.id for k, u in city.users.items()}, {k: u.id for k, u in city.units.items()}


def open_session(engine, settings) -> Session:
    return Session(engine, expire_on_commit=False, info={"settings": settings})


def fresh(engine, settings, appeal_id: int) -> tuple[Appeal, int]:
    """The appeal as committed, and how many events it has."""
    with open_session(engine, settings) as session:
        appeal = session.get(Appeal, appeal_id)
        count = session.scalar(select(func.count()).select_from(AppealEvent).where(AppealEvent.appeal_id == appeal_id))
        session.expunge(appeal)
        return appeal, count


def test_sign_and_redispatch_at_once_leave_exactly_one_of_them(engine, settings, committed):
    appeal_id, users, units = committed
    first, second = open_session(engine, settings), open_session(engine, settings)
    try:
        a1, a2 = first.get(Appeal, appeal_id), second.get(Appeal, appeal_id)
        assert a1.version == a2.version
        handler, dispatcher = first.get(User, users["street_handler"]), second.get(User, users["dispatcher"])

        sign_appeal(first, a1, actor=handler)
        first.commit()

        with pytest.raises(StaleVersion) as caught:
            redispatch_appeal(second, a2, units["urban"], actor=dispatcher, note="属城管职责，改派城管委")
        assert isinstance(caught.value, Conflict)
        second.rollback()
    finally:
        first.close()
        second.close()

    appeal, events = fresh(engine, settings, appeal_id)
    assert appeal.status == AppealStatus.IN_PROGRESS
    assert appeal.lead_unit_id == units["street"]
    assert appeal.signed_at is not None
    assert events == 3  # submitted, dispatched, signed — no redispatched
    with open_session(engine, settings) as session:
        kinds = session.scalars(
            select(AppealEvent.kind).where(AppealEvent.appeal_id == appeal_id).order_by(AppealEvent.id)
        ).all()
        leads = session.scalars(
            select(AppealUnit.unit_id).where(AppealUnit.appeal_id == appeal_id, AppealUnit.active.is_(True))
        ).all()
    assert kinds == ["submitted", "dispatched", "signed"]
    assert leads == [units["street"]]


def test_redispatch_first_makes_the_old_units_late_sign_fail(engine, settings, committed):
    appeal_id, users, units = committed
    first, second = open_session(engine, settings), open_session(engine, settings)
    try:
        a1, a2 = first.get(Appeal, appeal_id), second.get(Appeal, appeal_id)
        redispatch_appeal(first, a1, units["urban"], actor=first.get(User, users["dispatcher"]), note="改派城管委办理")
        first.commit()
        with pytest.raises(StaleVersion):
            sign_appeal(second, a2, actor=second.get(User, users["street_handler"]))
        second.rollback()
    finally:
        first.close()
        second.close()

    appeal, events = fresh(engine, settings, appeal_id)
    assert appeal.status == AppealStatus.DISPATCHED
    assert appeal.lead_unit_id == units["urban"]
    assert appeal.signed_at is None
    assert events == 3  # submitted, dispatched, redispatched


def test_two_first_contacts_at_once_record_only_one(engine, settings, committed):
    appeal_id, users, units = committed
    with open_session(engine, settings) as session:
        sign_appeal(session, session.get(Appeal, appeal_id), actor=session.get(User, users["street_handler"]))
        session.commit()
    first, second = open_session(engine, settings), open_session(engine, settings)
    try:
        a1, a2 = first.get(Appeal, appeal_id), second.get(Appeal, appeal_id)
        version = a1.version
        record_contact(first, a1, actor=first.get(User, users["street_handler"]), note="第一次电话联系，已约上门")
        first.commit()
        with pytest.raises(StaleVersion):
            record_contact(second, a2, actor=second.get(User, users["street_handler"]), note="另一位同事也打了电话")
        second.rollback()
    finally:
        first.close()
        second.close()

    appeal, events = fresh(engine, settings, appeal_id)
    assert appeal.version > version
    assert appeal.first_contact_at is not None
    with open_session(engine, settings) as session:
        notes = session.scalars(
            select(AppealEvent.note).where(AppealEvent.appeal_id == appeal_id, AppealEvent.kind == "contacted")
        ).all()
    assert notes == ["第一次电话联系，已约上门"]
    assert events == 4


def test_even_a_note_cannot_overwrite_a_concurrent_change(engine, settings, committed):
    appeal_id, users, units = committed
    first, second = open_session(engine, settings), open_session(engine, settings)
    try:
        a1, a2 = first.get(Appeal, appeal_id), second.get(Appeal, appeal_id)
        add_note(first, a1, actor=first.get(User, users["dispatcher"]), note="已电话提醒街道尽快签收")
        first.commit()
        with pytest.raises(StaleVersion):
            sign_appeal(second, a2, actor=second.get(User, users["street_handler"]))
        second.rollback()
    finally:
        first.close()
        second.close()
    appeal, events = fresh(engine, settings, appeal_id)
    assert appeal.status == AppealStatus.DISPATCHED
    assert events == 3


def test_an_expected_version_that_is_no_longer_current_is_refused_before_anything_changes(engine, settings, committed):
    appeal_id, users, units = committed
    with open_session(engine, settings) as session:
        appeal = session.get(Appeal, appeal_id)
        stale = appeal.version - 1
        handler = session.get(User, users["street_handler"])
        with pytest.raises(StaleVersion) as caught:
            sign_appeal(session, appeal, actor=handler, expected_version=stale)
        assert caught.value.http_status == 409
        assert "刷新" in caught.value.message_zh
        assert appeal.status == AppealStatus.DISPATCHED
        session.rollback()
        sign_appeal(session, session.get(Appeal, appeal_id), actor=handler, expected_version=appeal.version)
        session.commit()
    appeal, events = fresh(engine, settings, appeal_id)
    assert appeal.status == AppealStatus.IN_PROGRESS
    assert events == 3
