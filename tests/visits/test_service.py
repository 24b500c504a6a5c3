"""Return visits (回访): the task per handling round, the visitor's record and the resident's own rating."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from lianxin.appeals.choices import Satisfaction
from lianxin.appeals.models import AppealEvent
from lianxin.appeals.service import dispatch_appeal, record_contact, reply_to_appeal, sign_appeal
from lianxin.appeals.status import AppealStatus
from lianxin.errors import Conflict, InvalidInput, PermissionDenied
from lianxin.notify import Notification
from lianxin.visits.models import ReturnVisit, VisitState
from lianxin.visits.service import ensure_visit_task, rate_appeal, record_return_visit
from tests.factories import new_appeal

REPLIED_AT = datetime.fromisoformat("2026-03-02T10:00:00+08:00")  # Monday


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def handled(db, city, clock, **kw):
    """An appeal replied at Monday 10:00, still in the clock's hands."""
    appeal = new_appeal(db, city, **kw)
    dispatch_appeal(db, appeal, city.units["street"], actor=city.users["dispatcher"])
    sign_appeal(db, appeal, actor=city.users["street_handler"])
    if appeal.appellant_phone:
        record_contact(db, appeal, actor=city.users["street_handler"], note="电话联系，已约定上门")
    clock.move_to(REPLIED_AT)
    reply_to_appeal(db, appeal, actor=city.users["street_handler"], text="已更换灯泡，路灯恢复照明。")
    return appeal


def visits(db, appeal) -> list[ReturnVisit]:
    return list(db.scalars(select(ReturnVisit).where(ReturnVisit.appeal_id == appeal.id).order_by(ReturnVisit.round)))


def kinds(db, appeal) -> list[str]:
    return list(db.scalars(select(AppealEvent.kind).where(AppealEvent.appeal_id == appeal.id).order_by(AppealEvent.id)))


def last_event(db, appeal) -> AppealEvent:
    return db.scalars(
        select(AppealEvent).where(AppealEvent.appeal_id == appeal.id).order_by(AppealEvent.id.desc())
    ).first()


# --- the task ----------------------------------------------------------------------------------


def test_ensuring_a_visit_task_twice_creates_one_row_and_the_second_call_returns_none(db, city, clock):
    appeal = handled(db, city, clock)
    first = ensure_visit_task(db, appeal, now=REPLIED_AT)
    second = ensure_visit_task(db, appeal, now=REPLIED_AT + timedelta(hours=1))
    assert isinstance(first, int)
    assert second is None
    [visit] = visits(db, appeal)
    assert visit.id == first
    assert (visit.round, visit.state, visit.attempts) == (0, VisitState.PENDING, 0)
    assert db.scalar(select(func.count()).select_from(ReturnVisit).where(ReturnVisit.appeal_id == appeal.id)) == 1


def test_the_visit_is_due_two_working_days_after_the_reply(db, city, clock):
    appeal = handled(db, city, clock)
    ensure_visit_task(db, appeal, now=REPLIED_AT + timedelta(days=1))
    assert visits(db, appeal)[0].due_at == at("2026-03-04T18:00:00+08:00")


def test_a_reply_on_friday_is_visited_by_tuesday(db, city, clock):
    appeal = new_appeal(db, city)
    dispatch_appeal(db, appeal, city.units["street"], actor=city.users["dispatcher"])
    sign_appeal(db, appeal, actor=city.users["street_handler"])
    record_contact(db, appeal, actor=city.users["street_handler"], note="电话联系，已约定上门")
    clock.move_to(at("2026-03-06T16:00:00+08:00"))
    reply_to_appeal(db, appeal, actor=city.users["street_handler"], text="已更换灯泡，路灯恢复照明。")
    ensure_visit_task(db, appeal, now=at("2026-03-06T16:05:00+08:00"))
    assert visits(db, appeal)[0].due_at == at("2026-03-10T18:00:00+08:00")


# --- the visitor's record ----------------------------------------------------------------------


def test_a_resident_not_reached_leaves_the_appeal_replied_and_the_visit_pending(db, city, clock):
    appeal = handled(db, city, clock)
    record_return_visit(db, appeal, actor=city.users["visitor"], contacted=False, comment="无人接听")
    record_return_visit(
        db, appeal, actor=city.users["visitor"], contacted=False, solved=True, satisfaction="satisfied", comment="关机"
    )
    assert appeal.status == AppealStatus.REPLIED
    [visit] = visits(db, appeal)
    assert (visit.state, visit.attempts, visit.done_at, visit.comment) == (VisitState.PENDING, 2, None, "关机")
    assert appeal.satisfaction is None and appeal.contacted is None
    event = last_event(db, appeal)
    assert (event.kind, event.public, event.from_status, event.to_status) == ("visited", True, "replied", "replied")
    assert event.payload["contacted"] is False and event.payload["satisfaction"] is None


@pytest.mark.parametrize("satisfaction", ["satisfied", "basically_satisfied", "基本满意", Satisfaction.SATISFIED])
def test_a_satisfied_or_basically_satisfied_resident_closes_the_appeal(db, city, clock, satisfaction):
    appeal = handled(db, city, clock)
    ensure_visit_task(db, appeal, now=REPLIED_AT)
    clock.move_to(at("2026-03-03T11:00:00+08:00"))
    record_return_visit(db, appeal, actor=city.users["visitor"], contacted=True, solved=True, satisfaction=satisfaction)
    assert appeal.status == AppealStatus.CLOSED
    assert appeal.closed_at == at("2026-03-03T11:00:00+08:00")
    assert (appeal.contacted, appeal.solved) == (True, True)
    assert appeal.satisfaction == Satisfaction.parse(str(satisfaction))
    [visit] = visits(db, appeal)
    assert (visit.state, visit.attempts, visit.visitor_id) == (VisitState.DONE, 1, city.users["visitor"].id)
    assert (visit.contacted, visit.solved, visit.satisfaction) == (True, True, appeal.satisfaction)
    assert kinds(db, appeal)[-2:] == ["visited", "closed"]


def test_a_visit_without_a_task_creates_it_on_the_spot(db, city, clock):
    appeal = handled(db, city, clock)
    record_return_visit(db, appeal, actor=city.users["visitor"], contacted=True, solved=True, satisfaction="satisfied")
    [visit] = visits(db, appeal)
    assert visit.state == VisitState.DONE
    assert visit.due_at == at("2026-03-04T18:00:00+08:00")


def test_a_dissatisfied_resident_reopens_the_appeal_with_a_fresh_deadline(db, city, clock):
    appeal = handled(db, city, clock)
    clock.move_to(at("2026-03-03T11:00:00+08:00"))
    record_return_visit(
        db,
        appeal,
        actor=city.users["visitor"],
        contacted=True,
        solved=False,
        satisfaction="dissatisfied",
        comment="路灯仍然时亮时灭",
    )
    assert appeal.status == AppealStatus.IN_PROGRESS
    assert appeal.reopen_count == 1
    assert appeal.replied_at is None
    assert appeal.due_at == at("2026-03-10T18:00:00+08:00")  # 5 working days from the reopening
    assert appeal.satisfaction == Satisfaction.DISSATISFIED
    assert kinds(db, appeal)[-2:] == ["visited", "reopened"]
    reopened = last_event(db, appeal)
    assert (reopened.public, reopened.note, reopened.payload["round"]) == (True, "路灯仍然时亮时灭", 1)
    notice = db.scalars(
        select(Notification).where(
            Notification.appeal_id == appeal.id, Notification.audience == "unit", Notification.kind == "reopened"
        )
    ).one()
    assert notice.recipient == str(city.units["street"].id) and "第 1 次" in notice.message

    # the next reply starts round 1, with its own visit task
    clock.move_to(at("2026-03-05T10:00:00+08:00"))
    reply_to_appeal(db, appeal, actor=city.users["street_handler"], text="已更换整条线路，路灯稳定亮起。")
    assert ensure_visit_task(db, appeal, now=at("2026-03-05T10:00:00+08:00")) is not None
    assert [(v.round, v.state) for v in visits(db, appeal)] == [(0, VisitState.DONE), (1, VisitState.PENDING)]
    record_return_visit(db, appeal, actor=city.users["visitor"], contacted=True, solved=True, satisfaction="satisfied")
    assert appeal.status == AppealStatus.CLOSED
    assert [(v.round, v.state) for v in visits(db, appeal)] == [(0, VisitState.DONE), (1, VisitState.DONE)]
    assert last_event(db, appeal).kind == "closed"


def test_dissatisfaction_judged_unreasonable_closes_the_appeal(db, city, clock):
    appeal = handled(db, city, clock)
    record_return_visit(
        db,
        appeal,
        actor=city.users["visitor"],
        contacted=True,
        solved=True,
        satisfaction="dissatisfied",
        unreasonable=True,
        comment="诉求人要求在楼下新增路灯，超出诉求范围",
    )
    assert appeal.status == AppealStatus.CLOSED
    assert appeal.reopen_count == 0
    assert appeal.satisfaction == Satisfaction.DISSATISFIED
    [visit] = visits(db, appeal)
    assert visit.unreasonable is True
    assert [e for e in kinds(db, appeal) if e == "reopened"] == []


@pytest.mark.parametrize("missing", [{"solved": True}, {"satisfaction": "satisfied"}, {}])
def test_a_contacted_visit_needs_solved_and_satisfaction(db, city, clock, missing):
    appeal = handled(db, city, clock)
    with pytest.raises(InvalidInput) as err:
        record_return_visit(db, appeal, actor=city.users["visitor"], contacted=True, **missing)
    assert err.value.field == "satisfaction"
    assert appeal.status == AppealStatus.REPLIED
    assert "visited" not in kinds(db, appeal)


def test_an_unknown_satisfaction_is_invalid_input(db, city, clock):
    appeal = handled(db, city, clock)
    with pytest.raises(InvalidInput):
        record_return_visit(db, appeal, actor=city.users["visitor"], contacted=True, solved=True, satisfaction="great")
    assert appeal.status == AppealStatus.REPLIED


def test_only_replied_appeals_can_be_visited(db, city, clock):
    appeal = new_appeal(db, city)
    dispatch_appeal(db, appeal, city.units["street"], actor=city.users["dispatcher"])
    sign_appeal(db, appeal, actor=city.users["street_handler"])
    with pytest.raises(Conflict):
        record_return_visit(
            db, appeal, actor=city.users["visitor"], contacted=True, solved=True, satisfaction="satisfied"
        )
    assert visits(db, appeal) == []

    closed = handled(db, city, clock)
    record_return_visit(db, closed, actor=city.users["visitor"], contacted=True, solved=True, satisfaction="satisfied")
    with pytest.raises(Conflict):
        record_return_visit(
            db, closed, actor=city.users["visitor"], contacted=True, solved=True, satisfaction="dissatisfied"
        )
    assert closed.status == AppealStatus.CLOSED


def test_a_handler_cannot_record_the_visit_of_their_own_appeal(db, city, clock):
    appeal = handled(db, city, clock)
    with pytest.raises(PermissionDenied):
        record_return_visit(
            db, appeal, actor=city.users["street_handler"], contacted=True, solved=True, satisfaction="satisfied"
        )
    assert appeal.status == AppealStatus.REPLIED


# --- the resident's own rating -----------------------------------------------------------------


def test_the_resident_rates_with_the_matching_phone(db, city, clock):
    appeal = handled(db, city, clock)
    rate_appeal(db, appeal, phone="138 0013 8000", solved=True, satisfaction="满意", comment="很及时")
    assert appeal.status == AppealStatus.CLOSED
    visited = [
        e for e in db.scalars(select(AppealEvent).where(AppealEvent.appeal_id == appeal.id)) if e.kind == "visited"
    ]
    assert [(e.actor_id, e.actor_label, e.payload["channel"]) for e in visited] == [(None, "诉求人", "online")]
    [visit] = visits(db, appeal)
    assert (visit.channel, visit.visitor_id, visit.comment) == ("online", None, "很及时")


def test_a_dissatisfied_rating_by_the_resident_reopens_the_appeal(db, city, clock):
    appeal = handled(db, city, clock)
    rate_appeal(db, appeal, phone="13800138000", solved=False, satisfaction="dissatisfied", comment="还是不亮")
    assert (appeal.status, appeal.reopen_count) == (AppealStatus.IN_PROGRESS, 1)


@pytest.mark.parametrize("phone", ["13900139000", "", "1380013800"])
def test_a_rating_with_another_phone_is_refused(db, city, clock, phone):
    appeal = handled(db, city, clock)
    with pytest.raises(PermissionDenied) as err:
        rate_appeal(db, appeal, phone=phone, solved=True, satisfaction="satisfied")
    assert err.value.field == "phone"
    assert appeal.status == AppealStatus.REPLIED
    assert visits(db, appeal) == []


def test_an_anonymous_appeal_cannot_be_rated_by_phone(db, city, clock):
    appeal = handled(db, city, clock, anonymous=True, appellant_phone=None, appellant_name=None)
    with pytest.raises(PermissionDenied):
        rate_appeal(db, appeal, phone="", solved=True, satisfaction="satisfied")


def test_a_directly_answered_appeal_that_is_rated_dissatisfied_goes_back_to_the_dispatch_queue(db, city):
    from lianxin.appeals.service import answer_directly

    appeal = new_appeal(db, city, appeal_type="consult")
    answer_directly(db, appeal, actor=city.users["operator"], answer="燃气费可在营业厅或网上缴纳。")
    assert appeal.lead_unit_id is None
    record_return_visit(
        db,
        appeal,
        actor=city.users["visitor"],
        contacted=True,
        solved=False,
        satisfaction="dissatisfied",
        comment="答复没有解决问题",
    )
    assert appeal.status == AppealStatus.RECEIVED  # the dispatch queue's condition, not in_progress with no unit
    assert appeal.lead_unit_id is None and appeal.reopen_count == 1 and appeal.replied_at is None
    event = db.scalars(
        select(AppealEvent).where(AppealEvent.appeal_id == appeal.id).order_by(AppealEvent.id.desc())
    ).first()
    assert (event.kind, event.from_status, event.to_status) == ("requeued", "replied", "received")
    assert event.payload["reason"] == "no_lead_unit" and "退回派单" in event.note
    # the dispatcher can send it out like any new appeal, and the next visit is a new round
    dispatch_appeal(db, appeal, city.units["street"], actor=city.users["dispatcher"])
    assert appeal.status == AppealStatus.DISPATCHED and appeal.due_at is not None
