"""Every verb in ``lianxin.appeals.service``: the new status, the event it appends, the notifications it
queues, and that a refused call (wrong state, bad input, wrong role) raises and changes nothing.

The clock is frozen at Monday 2026-03-02 09:30 Beijing time unless a test moves it.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from lianxin.appeals.choices import NotAcceptedReason, RequestKind, RequestState, UnitRole
from lianxin.appeals.models import Appeal, AppealEvent, AppealRequest, AppealUnit, Appellant, Attachment
from lianxin.appeals.requests import request_extension, request_return
from lianxin.appeals.schemas import AppealCreate
from lianxin.appeals.service import (
    add_note,
    answer_directly,
    close_appeal,
    dispatch_appeal,
    get_appeal,
    mark_overdue,
    merge_appeal,
    not_accept,
    record_contact,
    redispatch_appeal,
    reopen_appeal,
    reply_to_appeal,
    sign_appeal,
    submit_appeal,
    terminate_appeal,
)
from lianxin.appeals.status import AppealStatus, IllegalTransition
from lianxin.defaults import category_by_path
from lianxin.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from lianxin.notify import Notification
from lianxin.sla.models import TimeLimitPolicy
from lianxin.sla.service import set_calendar_day
from tests.factories import new_appeal

SHANGHAI = ZoneInfo("Asia/Shanghai")  # the default LIANXIN_TIMEZONE, which these tests run in

S = AppealStatus


def sh(y, m, d, hh=0, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


# --- helpers ------------------------------------------------------------------------------------


def events(db, appeal) -> list[AppealEvent]:
    return list(db.scalars(select(AppealEvent).where(AppealEvent.appeal_id == appeal.id).order_by(AppealEvent.id)))


def last_event(db, appeal) -> AppealEvent:
    return events(db, appeal)[-1]


def notifications(db, appeal, kind: str | None = None) -> list[Notification]:
    stmt = select(Notification).where(Notification.appeal_id == appeal.id).order_by(Notification.id)
    if kind:
        stmt = stmt.where(Notification.kind == kind)
    return list(db.scalars(stmt))


def unit_rows(db, appeal, *, active: bool | None = None) -> list[tuple[int, str, bool]]:
    stmt = select(AppealUnit).where(AppealUnit.appeal_id == appeal.id).order_by(AppealUnit.id)
    rows = [(r.unit_id, str(r.role), r.active) for r in db.scalars(stmt)]
    return [r for r in rows if active is None or r[2] is active]


def snapshot(db, appeal) -> tuple:
    """What a refused call must leave alone. The count queries autoflush, so a stray in-memory change
    (a status set before the refusal) would show up as a bumped version."""
    counts = [
        db.scalar(select(func.count()).select_from(model).where(model.appeal_id == appeal.id))
        for model in (AppealEvent, Notification, Attachment)
    ]
    return (
        str(appeal.status),
        appeal.version,
        *counts,
        unit_rows(db, appeal),
        [str(r.state) for r in db.scalars(select(AppealRequest).where(AppealRequest.appeal_id == appeal.id))],
        appeal.lead_unit_id,
        appeal.due_at,
    )


def refused(db, appeal, error, call):
    """Run ``call``, expect ``error``, and check the appeal did not change."""
    before = snapshot(db, appeal)
    with pytest.raises(error) as caught:
        call()
    assert snapshot(db, appeal) == before
    assert caught.value.message_zh and re.search(r"[\u4e00-\u9fff]", caught.value.message_zh)
    return caught.value


def check_event(event, kind, *, frm, to, actor, public, unit=None):
    assert event.kind == kind
    assert (event.from_status, event.to_status) == (frm, to)
    if actor is None:
        assert event.actor_id is None and event.actor_label == "系统"
    else:
        assert event.actor_id == actor.id and event.actor_label == actor.display_name
    assert event.public is public
    if unit is not None:
        assert event.unit_id == unit.id


def dispatched(db, city, **overrides) -> Appeal:
    appeal = new_appeal(db, city, **overrides)
    return dispatch_appeal(db, appeal, city.units["street"], actor=city.users["dispatcher"])


def in_progress(db, city, **overrides) -> Appeal:
    return sign_appeal(db, dispatched(db, city, **overrides), actor=city.users["street_handler"])


def contacted(db, city, **overrides) -> Appeal:
    return record_contact(
        db, in_progress(db, city, **overrides), actor=city.users["street_handler"], note="电话联系，已约上门查看"
    )


def replied(db, city, **overrides) -> Appeal:
    return reply_to_appeal(
        db, contacted(db, city, **overrides), actor=city.users["street_handler"], text="已更换灯泡，路灯恢复照明。"
    )


def appeals_in(db, city) -> int:
    return db.scalar(select(func.count()).select_from(Appeal).where(Appeal.jurisdiction_id == city.jid))


# --- submit_appeal ------------------------------------------------------------------------------


def test_the_order_number_is_the_beijing_date_and_a_six_digit_sequence_that_increments(db, city, clock):
    first, second = new_appeal(db, city), new_appeal(db, city)
    assert re.fullmatch(r"20260302\d{6}", first.order_no)
    assert int(second.order_no[-6:]) == int(first.order_no[-6:]) + 1
    assert first.received_at == sh(2026, 3, 2, 9, 30)
    assert get_appeal(db, second.order_no) is second


def test_the_daily_sequence_starts_at_one_on_a_fresh_day(db, city, clock):
    clock.move_to(sh(2031, 7, 15, 8, 0))
    assert [new_appeal(db, city).order_no for _ in range(3)] == ["20310715000001", "20310715000002", "20310715000003"]


def test_a_submission_at_2330_utc_is_numbered_on_the_next_beijing_day(db, city, clock):
    clock.move_to(datetime(2026, 3, 2, 23, 30, tzinfo=UTC))
    appeal = new_appeal(db, city)
    assert appeal.order_no.startswith("20260303")
    assert appeal.received_at == datetime(2026, 3, 2, 23, 30, tzinfo=UTC)


def test_a_retried_submission_with_the_same_idempotency_key_returns_the_first_appeal(db, city, clock):
    data = AppealCreate(
        jurisdiction_id=city.jid,
        channel="mobile",
        appeal_type="help",
        content="小区门口的井盖缺失，很危险。",
        appellant_phone="13900001111",
    )
    first = submit_appeal(db, data, actor=None, idempotency_key="mobile-req-7f3a")
    again = submit_appeal(db, data, actor=None, idempotency_key="mobile-req-7f3a")
    assert again.id == first.id and again.order_no == first.order_no
    assert db.scalar(select(func.count()).select_from(Appeal).where(Appeal.idempotency_key == "mobile-req-7f3a")) == 1
    assert [e.kind for e in events(db, first)] == ["submitted"]
    assert len(notifications(db, first)) == 1
    other = submit_appeal(db, data, actor=None, idempotency_key="mobile-req-8b4c")
    assert other.id != first.id


def test_a_submission_records_a_public_submitted_event_and_queues_the_intake_message(db, city, clock):
    appeal = new_appeal(db, city)
    assert appeal.status == S.RECEIVED and appeal.version >= 1
    assert appeal.received_by_id == city.users["operator"].id
    assert appeal.tracking_token and len(appeal.tracking_token) >= 24
    (event,) = events(db, appeal)
    check_event(event, "submitted", frm=None, to="received", actor=city.users["operator"], public=True)
    assert event.payload == {"channel": "hotline"}
    (note,) = notifications(db, appeal)
    assert (note.kind, note.audience, note.recipient, note.state) == (
        "submitted",
        "appellant",
        "13800138000",
        "pending",
    )
    assert appeal.order_no in note.message and note.message.startswith("【12345】")


def test_a_resident_submitting_alone_is_recorded_as_the_appellant(db, city, clock):
    appeal = new_appeal(db, city, actor_key=None, channel="web")
    (event,) = events(db, appeal)
    assert event.actor_id is None and event.actor_label == "诉求人"
    assert appeal.received_by_id is None


def test_an_anonymous_appeal_keeps_no_name_or_phone_and_sends_no_message(db, city, clock):
    before = db.scalar(select(func.count()).select_from(Appellant).where(Appellant.jurisdiction_id == city.jid))
    appeal = new_appeal(db, city, anonymous=True, appellant_name="李四", appellant_phone="13700001234")
    assert (appeal.appellant_name, appeal.appellant_phone, appeal.appellant_id) == (None, None, None)
    assert appeal.anonymous is True
    assert notifications(db, appeal) == []
    assert db.scalar(select(func.count()).select_from(Appellant).where(Appellant.jurisdiction_id == city.jid)) == before


def test_the_same_phone_reuses_one_appellant_and_keeps_the_latest_name(db, city, clock):
    first = new_appeal(db, city, appellant_name="张三", appellant_phone="13811112222")
    second = new_appeal(db, city, appellant_name="张三丰", appellant_phone="138 1111 2222")
    assert first.appellant_id is not None and second.appellant_id == first.appellant_id
    rows = db.scalars(
        select(Appellant).where(Appellant.jurisdiction_id == city.jid, Appellant.phone == "13811112222")
    ).all()
    assert len(rows) == 1 and rows[0].name == "张三丰"
    third = new_appeal(db, city, appellant_phone="13811113333")
    assert third.appellant_id != first.appellant_id


def test_a_grid_fills_in_its_community(db, city, clock):
    appeal = new_appeal(db, city, community_id=None, grid_id=city.units["grid"].id)
    assert appeal.grid_id == city.units["grid"].id
    assert appeal.community_id == city.units["community"].id


@pytest.mark.parametrize(
    ("field", "bad"),
    [
        ("category_id", lambda db, city: 987_654_321),
        ("category_id", lambda db, city: _deactivated(db, city)),
        ("grid_id", lambda db, city: city.units["community"].id),  # a community is not a grid
        ("grid_id", lambda db, city: 987_654_321),
        ("community_id", lambda db, city: city.units["street"].id),  # a street is not a community
    ],
    ids=["unknown-category", "inactive-category", "community-as-grid", "unknown-grid", "street-as-community"],
)
def test_a_bad_category_or_place_is_rejected_and_nothing_is_written(db, city, clock, field, bad):
    value = bad(db, city)
    counts = lambda: (
        appeals_in(db, city),  # noqa: E731
        db.scalar(select(func.count()).select_from(Appellant).where(Appellant.jurisdiction_id == city.jid)),
        db.scalar(select(func.count()).select_from(AppealEvent).where(AppealEvent.jurisdiction_id == city.jid)),
        db.scalar(select(func.count()).select_from(Notification).where(Notification.jurisdiction_id == city.jid)),
    )
    before = counts()
    overrides = {"category": None, field: value} if field == "category_id" else {field: value}
    with pytest.raises(InvalidInput) as caught:
        new_appeal(db, city, appellant_phone="13566667777", **overrides)
    assert caught.value.field == field
    assert counts() == before
    # and the next good appeal still gets the next number in sequence (no number was burnt)
    good = new_appeal(db, city)
    assert good.status == S.RECEIVED


def _deactivated(db, city) -> int:
    category = category_by_path(db, city.jid, "城乡建设/市政设施/井盖缺失")
    category.active = False
    db.flush()
    return category.id


def test_staff_without_an_intake_role_cannot_submit(db, city, clock):
    before = appeals_in(db, city)
    with pytest.raises(PermissionDenied):
        new_appeal(db, city, actor_key="leader")
    assert appeals_in(db, city) == before


def test_get_appeal_raises_not_found_for_an_unknown_number(db, city):
    with pytest.raises(NotFound):
        get_appeal(db, "20260302999999")


# --- answer_directly ----------------------------------------------------------------------------


def test_an_operator_answers_a_consultation_directly(db, city, clock):
    appeal = new_appeal(db, city, appeal_type="consult", category=None)
    answer_directly(
        db, appeal, actor=city.users["operator"], answer="社保卡补办可在区政务服务中心办理。", kb_entry_id=7
    )
    assert appeal.status == S.REPLIED
    assert appeal.reply_text == "社保卡补办可在区政务服务中心办理。" and appeal.replied_at == sh(2026, 3, 2, 9, 30)
    event = last_event(db, appeal)
    check_event(event, "answered", frm="received", to="replied", actor=city.users["operator"], public=True)
    assert event.note == appeal.reply_text and event.payload == {"kb_entry_id": 7}
    (note,) = notifications(db, appeal, "replied")
    assert note.audience == "appellant" and appeal.reply_text in note.message


def test_a_direct_answer_is_refused_for_the_wrong_role_a_short_answer_or_a_dispatched_appeal(db, city, clock):
    appeal = new_appeal(db, city)
    refused(
        db,
        appeal,
        PermissionDenied,
        lambda: answer_directly(db, appeal, actor=city.users["street_handler"], answer="这是一个答复内容"),
    )
    refused(db, appeal, InvalidInput, lambda: answer_directly(db, appeal, actor=city.users["operator"], answer="好"))
    done = dispatched(db, city)
    refused(
        db,
        done,
        IllegalTransition,
        lambda: answer_directly(db, done, actor=city.users["operator"], answer="这是一个答复内容"),
    )


# --- not_accept ---------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", list(NotAcceptedReason))
def test_not_accepting_records_the_reason_code_and_tells_the_appellant(db, city, clock, reason):
    appeal = new_appeal(db, city)
    not_accept(db, appeal, actor=city.users["operator"], reason=reason, note="已告知诉求人相关渠道")
    assert appeal.status == S.NOT_ACCEPTED
    assert appeal.not_accepted_reason == reason.value
    assert appeal.closed_at == sh(2026, 3, 2, 9, 30)
    event = last_event(db, appeal)
    check_event(event, "not_accepted", frm="received", to="not_accepted", actor=city.users["operator"], public=True)
    assert event.payload == {"reason": reason.value} and event.note == "已告知诉求人相关渠道"
    (note,) = notifications(db, appeal, "not_accepted")
    assert reason.label_zh in note.message


def test_a_not_accepted_reason_may_be_given_by_its_chinese_label(db, city, clock):
    appeal = new_appeal(db, city)
    not_accept(db, appeal, actor=city.users["dispatcher"], reason="涉及秘密或隐私", note="涉及他人隐私")
    assert appeal.not_accepted_reason == "secret_privacy"


def test_not_accepting_is_refused_for_an_unknown_reason_a_missing_note_the_wrong_role_or_a_dispatched_appeal(
    db, city, clock
):
    appeal = new_appeal(db, city)
    error = refused(
        db,
        appeal,
        InvalidInput,
        lambda: not_accept(db, appeal, actor=city.users["operator"], reason="because", note="说明说明"),
    )
    assert error.field == "reason" and "because" in error.message_zh
    refused(
        db,
        appeal,
        InvalidInput,
        lambda: not_accept(db, appeal, actor=city.users["operator"], reason="unlawful", note=" "),
    )
    refused(
        db,
        appeal,
        PermissionDenied,
        lambda: not_accept(db, appeal, actor=city.users["visitor"], reason="unlawful", note="说明说明"),
    )
    done = dispatched(db, city)
    refused(
        db,
        done,
        IllegalTransition,
        lambda: not_accept(db, done, actor=city.users["operator"], reason="unlawful", note="说明说明"),
    )


# --- dispatch_appeal ----------------------------------------------------------------------------


def test_dispatch_assigns_lead_and_co_units_and_starts_the_clock(db, city, clock):
    appeal = new_appeal(db, city)
    u = city.units
    dispatch_appeal(
        db,
        appeal,
        u["street"],
        actor=city.users["dispatcher"],
        note="请尽快处理",
        co_units=[u["urban"], u["water"].id, u["urban"], u["street"]],
    )
    assert appeal.status == S.DISPATCHED
    assert appeal.lead_unit_id == u["street"].id and appeal.dispatched_at == sh(2026, 3, 2, 9, 30)
    assert appeal.designated is False
    assert unit_rows(db, appeal) == [
        (u["street"].id, "lead", True),
        (u["urban"].id, "co", True),
        (u["water"].id, "co", True),
    ]
    co_rows = [r for r in appeal.units if r.role == UnitRole.CO]
    assert all(r.report_due_at == appeal.due_at for r in co_rows)
    event = last_event(db, appeal)
    check_event(
        event,
        "dispatched",
        frm="received",
        to="dispatched",
        actor=city.users["dispatcher"],
        public=True,
        unit=u["street"],
    )
    assert event.note == "请尽快处理"
    assert event.payload["lead_unit"] == "和平街道" and event.payload["co_units"] == ["区城市管理委员会", "自来水集团"]
    assert event.payload["policy_id"] == appeal.policy_id
    assert datetime.fromisoformat(event.payload["due_at"]) == appeal.due_at


def test_a_normal_help_appeal_gets_two_working_hours_to_sign_one_day_to_contact_and_five_to_handle(db, city, clock):
    appeal = dispatched(db, city)
    policy = db.get(TimeLimitPolicy, appeal.policy_id)
    assert (policy.sign_limit, policy.contact_limit, policy.handle_limit) == ("2wh", "1wd", "5wd")
    assert appeal.sign_due_at == sh(2026, 3, 2, 11, 30)
    assert appeal.contact_due_at == sh(2026, 3, 3, 18, 0)
    assert appeal.due_at == sh(2026, 3, 9, 18, 0)  # Tue–Fri, then Monday (the weekend does not count)
    assert appeal.due_at.tzinfo is not None and appeal.overdue_at is None


def test_a_critical_appeal_gets_thirty_minutes_one_hour_and_two_hours(db, city, clock):
    appeal = dispatched(db, city, urgency="critical")
    assert appeal.sign_due_at == sh(2026, 3, 2, 10, 0)
    assert appeal.contact_due_at == sh(2026, 3, 2, 10, 30)
    assert appeal.due_at == sh(2026, 3, 2, 11, 30)


def test_a_water_supply_appeal_gets_twenty_four_hours_round_the_clock(db, city, clock):
    clock.move_to(sh(2026, 3, 6, 17, 0))  # Friday afternoon: the weekend counts for utilities
    appeal = dispatched(db, city, category="公共服务/供水/停水", title="停水")
    assert db.get(TimeLimitPolicy, appeal.policy_id).name.startswith("供水")
    assert appeal.sign_due_at == sh(2026, 3, 6, 18, 0)
    assert appeal.contact_due_at == sh(2026, 3, 6, 19, 0)
    assert appeal.due_at == sh(2026, 3, 7, 17, 0)


def test_dispatch_notifies_the_lead_the_co_units_and_the_district_over_a_street(db, city, clock):
    u = city.units
    appeal = new_appeal(db, city)
    dispatch_appeal(db, appeal, u["street"], actor=city.users["dispatcher"], co_units=[u["urban"]])
    unit_notes = {(n.kind, n.recipient) for n in notifications(db, appeal) if n.audience == "unit"}
    assert unit_notes == {
        ("dispatched", str(u["street"].id)),
        ("dispatched_co", str(u["urban"].id)),
        ("dispatched_supervise", str(u["district"].id)),
    }
    (lead_note,) = notifications(db, appeal, "dispatched")
    assert (
        appeal.order_no in lead_note.message
        and "2026-03-02 11:30" in lead_note.message
        and "2026-03-09 18:00" in lead_note.message
    )


def test_dispatch_to_a_department_does_not_notify_a_district(db, city, clock):
    appeal = new_appeal(db, city)
    dispatch_appeal(db, appeal, city.units["housing"], actor=city.users["dispatcher"])
    assert [(n.kind, n.recipient) for n in notifications(db, appeal) if n.audience == "unit"] == [
        ("dispatched", str(city.units["housing"].id))
    ]


@pytest.mark.parametrize("kind", ["grid", "centre", "city"])
def test_units_that_cannot_handle_appeals_are_refused_as_lead(db, city, clock, kind):
    appeal = new_appeal(db, city)
    error = refused(
        db, appeal, InvalidInput, lambda: dispatch_appeal(db, appeal, city.units[kind], actor=city.users["dispatcher"])
    )
    assert error.field == "lead_unit"


def test_a_co_unit_that_cannot_handle_appeals_is_refused_before_anything_changes(db, city, clock):
    appeal = new_appeal(db, city)
    error = refused(
        db,
        appeal,
        InvalidInput,
        lambda: dispatch_appeal(
            db, appeal, city.units["street"], actor=city.users["dispatcher"], co_units=[city.units["grid"]]
        ),
    )
    assert error.field == "co_units"
    assert appeal.status == S.RECEIVED and appeal.lead_unit_id is None


def test_an_inactive_or_unknown_unit_is_refused(db, city, clock):
    appeal = new_appeal(db, city)
    refused(db, appeal, InvalidInput, lambda: dispatch_appeal(db, appeal, 987_654_321, actor=city.users["dispatcher"]))
    city.units["urban"].active = False
    db.flush()
    refused(
        db,
        appeal,
        InvalidInput,
        lambda: dispatch_appeal(db, appeal, city.units["urban"], actor=city.users["dispatcher"]),
    )


def test_only_a_dispatcher_dispatches_and_only_once(db, city, clock):
    appeal = new_appeal(db, city)
    for who in ("operator", "street_handler", "leader"):
        refused(
            db,
            appeal,
            PermissionDenied,
            lambda who=who: dispatch_appeal(db, appeal, city.units["street"], actor=city.users[who]),
        )
    dispatch_appeal(db, appeal, city.units["street"], actor=city.users["dispatcher"])
    refused(
        db,
        appeal,
        IllegalTransition,
        lambda: dispatch_appeal(db, appeal, city.units["urban"], actor=city.users["dispatcher"]),
    )


def test_the_deadline_runs_across_spring_festival_2026_with_the_make_up_saturday(db, city, clock):
    clock.move_to(sh(2026, 2, 13, 10, 0))  # Friday before the holiday
    appeal = dispatched(db, city)
    assert appeal.sign_due_at == sh(2026, 2, 13, 12, 0)
    assert appeal.contact_due_at == sh(2026, 2, 14, 18, 0)  # Saturday 02-14 is a make-up working day
    # 1: Sat 02-14; 02-15..02-23 off; 2..5: Tue 02-24 .. Fri 02-27
    assert appeal.due_at == sh(2026, 2, 27, 18, 0)


def test_the_deadline_runs_across_national_day_2026(db, city, clock):
    clock.move_to(sh(2026, 9, 30, 10, 0))  # Wednesday, the last working day before the holiday
    appeal = dispatched(db, city)
    assert appeal.sign_due_at == sh(2026, 9, 30, 12, 0)
    assert appeal.contact_due_at == sh(2026, 10, 8, 18, 0)  # Oct 1–7 off
    # 1: Thu 10-08, 2: Fri 10-09, 3: Sat 10-10 (worked), Sun 10-11 off, 4: Mon 10-12, 5: Tue 10-13
    assert appeal.due_at == sh(2026, 10, 13, 18, 0)


def test_an_admin_calendar_override_moves_the_deadline(db, city, clock):
    set_calendar_day(db, jurisdiction_id=city.jid, day=date(2026, 3, 3), is_workday=False, name="本地停工")
    closed_tuesday = dispatched(db, city)
    assert closed_tuesday.contact_due_at == sh(2026, 3, 4, 18, 0)
    assert closed_tuesday.due_at == sh(2026, 3, 10, 18, 0)
    set_calendar_day(db, jurisdiction_id=city.jid, day=date(2026, 3, 7), is_workday=True, name="补班")
    worked_saturday = dispatched(db, city)
    assert worked_saturday.due_at == sh(2026, 3, 9, 18, 0)
    # the first appeal keeps the deadline it was given
    assert closed_tuesday.due_at == sh(2026, 3, 10, 18, 0)


# --- redispatch_appeal --------------------------------------------------------------------------


def test_redispatch_moves_the_appeal_restarts_the_clock_and_withdraws_pending_requests(db, city, clock):
    u = city.units
    appeal = new_appeal(db, city)
    dispatch_appeal(db, appeal, u["street"], actor=city.users["dispatcher"], co_units=[u["water"]])
    sign_appeal(db, appeal, actor=city.users["street_handler"])
    request = request_return(db, appeal, actor=city.users["street_handler"], reason="不属于本街道职责范围")
    clock.move_to(sh(2026, 3, 10, 9, 0))
    assert mark_overdue(db, appeal, now=sh(2026, 3, 10, 9, 0)) is True
    clock.move_to(sh(2026, 3, 10, 14, 0))
    redispatch_appeal(db, appeal, u["urban"], actor=city.users["dispatcher"], note="属城管职责，改派", designated=True)

    assert appeal.status == S.DISPATCHED
    assert appeal.lead_unit_id == u["urban"].id and appeal.designated is True
    assert appeal.signed_at is None and appeal.overdue_at is None
    assert appeal.dispatched_at == sh(2026, 3, 10, 14, 0)
    assert appeal.sign_due_at == sh(2026, 3, 10, 16, 0)
    assert appeal.due_at == sh(2026, 3, 17, 18, 0)
    assert unit_rows(db, appeal) == [
        (u["street"].id, "lead", False),
        (u["water"].id, "co", False),
        (u["urban"].id, "lead", True),
    ]
    db.refresh(request)
    assert request.state == RequestState.WITHDRAWN and request.decision_note == "工单已改派"
    event = last_event(db, appeal)
    check_event(
        event,
        "redispatched",
        frm="in_progress",
        to="dispatched",
        actor=city.users["dispatcher"],
        public=True,
        unit=u["urban"],
    )
    assert event.payload["from_unit"] == "和平街道" and event.payload["lead_unit"] == "区城市管理委员会"
    assert event.payload["designated"] is True
    assert ("dispatched", str(u["urban"].id)) in {(n.kind, n.recipient) for n in notifications(db, appeal)}


def test_redispatch_is_refused_without_a_reason_for_the_wrong_role_or_before_dispatch(db, city, clock):
    appeal = dispatched(db, city)
    refused(
        db,
        appeal,
        InvalidInput,
        lambda: redispatch_appeal(db, appeal, city.units["urban"], actor=city.users["dispatcher"], note=""),
    )
    refused(
        db,
        appeal,
        PermissionDenied,
        lambda: redispatch_appeal(
            db, appeal, city.units["urban"], actor=city.users["street_handler"], note="改派到城管"
        ),
    )
    refused(
        db,
        appeal,
        InvalidInput,
        lambda: redispatch_appeal(db, appeal, city.units["grid"], actor=city.users["dispatcher"], note="改派到网格"),
    )
    refused(
        db,
        appeal,
        InvalidInput,
        lambda: redispatch_appeal(
            db,
            appeal,
            city.units["urban"],
            actor=city.users["dispatcher"],
            note="改派并协办",
            co_units=[city.units["centre"]],
        ),
    )
    fresh = new_appeal(db, city)
    refused(
        db,
        fresh,
        IllegalTransition,
        lambda: redispatch_appeal(db, fresh, city.units["urban"], actor=city.users["dispatcher"], note="改派到城管"),
    )


# --- sign_appeal --------------------------------------------------------------------------------


def test_the_lead_units_handler_signs(db, city, clock):
    appeal = dispatched(db, city)
    clock.move_to(sh(2026, 3, 2, 10, 15))
    sign_appeal(db, appeal, actor=city.users["street_handler"])
    assert appeal.status == S.IN_PROGRESS and appeal.signed_at == sh(2026, 3, 2, 10, 15)
    event = last_event(db, appeal)
    check_event(
        event,
        "signed",
        frm="dispatched",
        to="in_progress",
        actor=city.users["street_handler"],
        public=True,
        unit=city.units["street"],
    )
    assert event.payload == {"late": False}


def test_a_signature_after_the_sign_deadline_is_flagged_late(db, city, clock):
    appeal = dispatched(db, city)
    clock.move_to(sh(2026, 3, 2, 11, 31))
    sign_appeal(db, appeal, actor=city.users["street_handler"])
    assert last_event(db, appeal).payload == {"late": True}


def test_only_the_lead_units_handler_may_sign_and_only_once(db, city, clock):
    appeal = new_appeal(db, city)
    dispatch_appeal(db, appeal, city.units["street"], actor=city.users["dispatcher"], co_units=[city.units["urban"]])
    for who in ("street2_handler", "urban_handler", "dispatcher", "operator"):
        error = refused(db, appeal, PermissionDenied, lambda who=who: sign_appeal(db, appeal, actor=city.users[who]))
    assert "和平街道" in error.message_zh
    sign_appeal(db, appeal, actor=city.users["street_handler"])
    refused(db, appeal, IllegalTransition, lambda: sign_appeal(db, appeal, actor=city.users["street_handler"]))


def test_an_undispatched_appeal_cannot_be_signed(db, city, clock):
    appeal = new_appeal(db, city)
    refused(db, appeal, InvalidInput, lambda: sign_appeal(db, appeal, actor=city.users["street_handler"]))


# --- record_contact -----------------------------------------------------------------------------


def test_the_first_contact_sets_the_response_time_once(db, city, clock):
    appeal = in_progress(db, city)
    clock.move_to(sh(2026, 3, 2, 14, 0))
    record_contact(db, appeal, actor=city.users["street_handler"], note="电话联系，已约上门")
    assert appeal.status == S.IN_PROGRESS and appeal.first_contact_at == sh(2026, 3, 2, 14, 0)
    event = last_event(db, appeal)
    check_event(
        event, "contacted", frm="in_progress", to="in_progress", actor=city.users["street_handler"], public=True
    )
    assert event.payload == {"first": True, "late": False}
    clock.move_to(sh(2026, 3, 4, 10, 0))
    record_contact(db, appeal, actor=city.users["street_handler"], note="再次电话沟通进展")
    assert appeal.first_contact_at == sh(2026, 3, 2, 14, 0)
    assert last_event(db, appeal).payload == {"first": False, "late": False}
    assert [e.kind for e in events(db, appeal)].count("contacted") == 2


def test_a_first_contact_after_the_contact_deadline_is_flagged_late(db, city, clock):
    appeal = in_progress(db, city)
    clock.move_to(sh(2026, 3, 4, 9, 0))
    record_contact(db, appeal, actor=city.users["street_handler"], note="电话联系上了")
    assert last_event(db, appeal).payload == {"first": True, "late": True}


def test_contact_is_refused_before_signing_without_a_note_or_by_another_unit(db, city, clock):
    appeal = dispatched(db, city)
    refused(
        db,
        appeal,
        IllegalTransition,
        lambda: record_contact(db, appeal, actor=city.users["street_handler"], note="电话联系"),
    )
    sign_appeal(db, appeal, actor=city.users["street_handler"])
    refused(db, appeal, InvalidInput, lambda: record_contact(db, appeal, actor=city.users["street_handler"], note=""))
    refused(
        db,
        appeal,
        PermissionDenied,
        lambda: record_contact(db, appeal, actor=city.users["street2_handler"], note="电话联系"),
    )
    assert appeal.first_contact_at is None


# --- reply_to_appeal ----------------------------------------------------------------------------


PHOTOS = [
    {"filename": "before.jpg", "content_type": "image/jpeg", "size": 1024, "storage_key": "proof/before.jpg"},
    {"filename": "after.jpg", "content_type": "image/jpeg", "size": 2048, "storage_key": "proof/after.jpg"},
]


def test_a_reply_needs_a_contact_first(db, city, clock):
    appeal = in_progress(db, city)
    error = refused(
        db,
        appeal,
        InvalidInput,
        lambda: reply_to_appeal(db, appeal, actor=city.users["street_handler"], text="已更换灯泡，路灯恢复照明。"),
    )
    assert error.field == "text" and "联系" in error.message_zh


def test_an_anonymous_appeal_can_be_replied_without_a_contact(db, city, clock):
    appeal = in_progress(db, city, anonymous=True)
    reply_to_appeal(db, appeal, actor=city.users["street_handler"], text="已更换灯泡，路灯恢复照明。")
    assert appeal.status == S.REPLIED
    assert notifications(db, appeal, "replied") == []


def test_a_reply_saves_proof_photos_and_tells_the_appellant(db, city, clock):
    appeal = contacted(db, city)
    clock.move_to(sh(2026, 3, 5, 16, 0))
    reply_to_appeal(
        db, appeal, actor=city.users["street_handler"], text="已更换灯泡，路灯恢复照明。", attachments=PHOTOS
    )
    assert appeal.status == S.REPLIED
    assert appeal.reply_text == "已更换灯泡，路灯恢复照明。" and appeal.replied_at == sh(2026, 3, 5, 16, 0)
    event = last_event(db, appeal)
    check_event(
        event,
        "replied",
        frm="in_progress",
        to="replied",
        actor=city.users["street_handler"],
        public=True,
        unit=city.units["street"],
    )
    assert event.note == appeal.reply_text and event.payload == {"photos": 2, "on_time": True}
    proofs = db.scalars(select(Attachment).where(Attachment.appeal_id == appeal.id).order_by(Attachment.id)).all()
    assert [(a.filename, a.purpose, a.event_id) for a in proofs] == [
        ("before.jpg", "proof", event.id),
        ("after.jpg", "proof", event.id),
    ]
    (note,) = notifications(db, appeal, "replied")
    assert note.recipient == "13800138000" and appeal.reply_text in note.message


def test_a_reply_after_the_deadline_is_not_on_time_and_withdraws_a_pending_extension(db, city, clock):
    appeal = contacted(db, city)
    request = request_extension(
        db,
        appeal,
        actor=city.users["street_handler"],
        reason="需协调物业维修更换线路",
        new_due_at=sh(2026, 3, 16, 18, 0),
    )
    clock.move_to(sh(2026, 3, 10, 9, 0))
    reply_to_appeal(db, appeal, actor=city.users["street_handler"], text="已更换灯泡，路灯恢复照明。")
    assert last_event(db, appeal).payload["on_time"] is False
    db.refresh(request)
    assert request.state == RequestState.WITHDRAWN


def test_the_appellants_of_merged_appeals_get_the_main_reply(db, city, clock):
    main = contacted(db, city)
    follower = new_appeal(db, city, appellant_name="王五", appellant_phone="13922223333")
    merge_appeal(db, follower, main, actor=city.users["dispatcher"], note="同一路灯")
    reply_to_appeal(db, main, actor=city.users["street_handler"], text="已更换灯泡，路灯恢复照明。")
    assert follower.status == S.MERGED
    event = last_event(db, follower)
    assert event.kind == "main_replied" and event.public is True and event.actor_id is None
    assert event.note == "已更换灯泡，路灯恢复照明。" and event.payload == {"main": main.order_no}
    (note,) = notifications(db, follower, "replied")
    assert note.recipient == "13922223333" and main.order_no in note.message


def test_only_the_lead_unit_replies_and_only_while_in_progress(db, city, clock):
    appeal = contacted(db, city)
    refused(
        db,
        appeal,
        PermissionDenied,
        lambda: reply_to_appeal(db, appeal, actor=city.users["urban_handler"], text="已经处理完毕了。"),
    )
    refused(
        db, appeal, InvalidInput, lambda: reply_to_appeal(db, appeal, actor=city.users["street_handler"], text="好")
    )
    reply_to_appeal(db, appeal, actor=city.users["street_handler"], text="已经处理完毕了。")
    refused(
        db,
        appeal,
        IllegalTransition,
        lambda: reply_to_appeal(db, appeal, actor=city.users["street_handler"], text="再次答复内容。"),
    )


# --- close_appeal / reopen_appeal ---------------------------------------------------------------


def test_the_centre_closes_a_replied_appeal(db, city, clock):
    appeal = replied(db, city)
    clock.move_to(sh(2026, 3, 3, 11, 0))
    close_appeal(db, appeal, actor=city.users["dispatcher"], note="回访满意")
    assert appeal.status == S.CLOSED and appeal.closed_at == sh(2026, 3, 3, 11, 0)
    check_event(
        last_event(db, appeal), "closed", frm="replied", to="closed", actor=city.users["dispatcher"], public=True
    )


def test_closing_is_refused_for_a_handler_or_before_a_reply(db, city, clock):
    appeal = replied(db, city)
    refused(db, appeal, PermissionDenied, lambda: close_appeal(db, appeal, actor=city.users["street_handler"]))
    working = in_progress(db, city)
    refused(db, working, IllegalTransition, lambda: close_appeal(db, working, actor=city.users["dispatcher"]))


def test_reopening_sends_the_appeal_back_with_a_fresh_limit_and_counts_rounds(db, city, clock):
    appeal = replied(db, city)
    clock.move_to(sh(2026, 3, 5, 10, 0))
    reopen_appeal(db, appeal, actor=city.users["visitor"], reason="诉求人反映路灯仍然不亮")
    assert appeal.status == S.IN_PROGRESS and appeal.reopen_count == 1 and appeal.replied_at is None
    assert appeal.due_at == sh(2026, 3, 12, 18, 0)
    event = last_event(db, appeal)
    check_event(
        event,
        "reopened",
        frm="replied",
        to="in_progress",
        actor=city.users["visitor"],
        public=True,
        unit=city.units["street"],
    )
    assert event.payload["round"] == 1
    to_resident, to_unit = notifications(db, appeal, "reopened")
    assert (
        to_resident.audience == "appellant"
        and "重新办理" in to_resident.message
        and "2026-03-12 18:00" in to_resident.message
    )
    assert to_unit.recipient == str(city.units["street"].id) and "第 1 次" in to_unit.message

    reply_to_appeal(db, appeal, actor=city.users["street_handler"], text="已更换整套灯具。")
    clock.move_to(sh(2026, 3, 9, 10, 0))
    reopen_appeal(db, appeal, actor=city.users["dispatcher"], reason="仍不满意，要求重办")
    assert appeal.reopen_count == 2 and appeal.due_at == sh(2026, 3, 16, 18, 0)


def test_reopening_is_refused_without_a_reason_for_a_handler_or_once_closed(db, city, clock):
    appeal = replied(db, city)
    refused(db, appeal, InvalidInput, lambda: reopen_appeal(db, appeal, actor=city.users["visitor"], reason=""))
    refused(
        db,
        appeal,
        PermissionDenied,
        lambda: reopen_appeal(db, appeal, actor=city.users["street_handler"], reason="不满意重办"),
    )
    close_appeal(db, appeal, actor=city.users["dispatcher"])
    refused(
        db,
        appeal,
        IllegalTransition,
        lambda: reopen_appeal(db, appeal, actor=city.users["visitor"], reason="不满意重办"),
    )
    assert appeal.reopen_count == 0


# --- merge_appeal -------------------------------------------------------------------------------


def test_merging_closes_the_follower_and_notes_it_on_the_main_appeal(db, city, clock):
    main = new_appeal(db, city)
    follower = dispatched(db, city, appellant_phone="13933334444")
    merge_appeal(db, follower, main, actor=city.users["dispatcher"], note="同一问题")
    assert follower.status == S.MERGED and follower.merged_into_id == main.id
    assert follower.closed_at == sh(2026, 3, 2, 9, 30)
    assert unit_rows(db, follower, active=True) == []
    event = last_event(db, follower)
    check_event(event, "merged", frm="dispatched", to="merged", actor=city.users["dispatcher"], public=True)
    assert event.payload == {"into": main.order_no}
    on_main = last_event(db, main)
    assert on_main.kind == "noted" and on_main.public is False and on_main.payload == {"merged": follower.order_no}
    assert main.status == S.RECEIVED
    (note,) = notifications(db, follower, "merged")
    assert note.recipient == "13933334444" and main.order_no in note.message


def test_an_appeal_cannot_be_merged_into_itself_or_into_a_closed_off_appeal(db, city, clock):
    appeal = new_appeal(db, city)
    refused(db, appeal, InvalidInput, lambda: merge_appeal(db, appeal, appeal, actor=city.users["dispatcher"]))
    gone = new_appeal(db, city)
    terminate_appeal(db, gone, actor=city.users["dispatcher"], reason="诉求人撤回诉求")
    error = refused(db, appeal, Conflict, lambda: merge_appeal(db, appeal, gone, actor=city.users["dispatcher"]))
    assert error.field == "into" and "终止" in error.message_zh and error.http_status == 409


def test_merging_is_refused_for_a_handler_or_after_a_reply(db, city, clock):
    main = new_appeal(db, city)
    appeal = new_appeal(db, city)
    refused(db, appeal, PermissionDenied, lambda: merge_appeal(db, appeal, main, actor=city.users["street_handler"]))
    done = replied(db, city)
    refused(db, done, IllegalTransition, lambda: merge_appeal(db, done, main, actor=city.users["dispatcher"]))


# --- terminate_appeal ---------------------------------------------------------------------------


def test_terminating_withdraws_pending_requests_and_releases_the_units(db, city, clock):
    appeal = contacted(db, city)
    request = request_extension(
        db, appeal, actor=city.users["street_handler"], reason="需协调多部门共同处理", new_due_at=sh(2026, 3, 20, 18, 0)
    )
    terminate_appeal(db, appeal, actor=city.users["dispatcher"], reason="诉求人拒不配合")
    assert appeal.status == S.TERMINATED
    assert appeal.terminate_reason == "诉求人拒不配合" and appeal.closed_at == sh(2026, 3, 2, 9, 30)
    assert unit_rows(db, appeal, active=True) == []
    db.refresh(request)
    assert request.kind == RequestKind.EXTENSION and request.state == RequestState.WITHDRAWN
    event = last_event(db, appeal)
    check_event(event, "terminated", frm="in_progress", to="terminated", actor=city.users["dispatcher"], public=True)
    assert event.note == "诉求人拒不配合"
    assert len(notifications(db, appeal, "terminated")) == 1


def test_terminating_is_refused_with_a_short_reason_for_an_operator_or_after_a_reply(db, city, clock):
    appeal = dispatched(db, city)
    refused(
        db, appeal, InvalidInput, lambda: terminate_appeal(db, appeal, actor=city.users["dispatcher"], reason="不办")
    )
    refused(
        db,
        appeal,
        PermissionDenied,
        lambda: terminate_appeal(db, appeal, actor=city.users["operator"], reason="诉求人拒不配合"),
    )
    done = replied(db, city)
    refused(
        db,
        done,
        IllegalTransition,
        lambda: terminate_appeal(db, done, actor=city.users["dispatcher"], reason="诉求人拒不配合"),
    )


# --- add_note -----------------------------------------------------------------------------------


@pytest.mark.parametrize("stage", ["received", "in_progress", "closed"])
def test_a_note_is_internal_and_keeps_the_status(db, city, clock, stage):
    if stage == "received":
        appeal = new_appeal(db, city)
    elif stage == "in_progress":
        appeal = in_progress(db, city)
    else:
        appeal = close_appeal(db, replied(db, city), actor=city.users["dispatcher"])
    status = appeal.status
    add_note(db, appeal, actor=city.users["dispatcher"], note="诉求人情绪激动，注意沟通方式")
    assert appeal.status == status
    event = last_event(db, appeal)
    check_event(event, "noted", frm=str(status), to=str(status), actor=city.users["dispatcher"], public=False)
    assert event.note == "诉求人情绪激动，注意沟通方式"


def test_an_empty_note_is_refused(db, city, clock):
    appeal = new_appeal(db, city)
    refused(db, appeal, InvalidInput, lambda: add_note(db, appeal, actor=city.users["dispatcher"], note=" "))
    refused(db, appeal, InvalidInput, lambda: add_note(db, appeal, actor=city.users["dispatcher"], note="好"))


# --- mark_overdue -------------------------------------------------------------------------------


def test_an_appeal_past_its_deadline_is_marked_overdue_once(db, city, clock):
    appeal = in_progress(db, city)
    assert mark_overdue(db, appeal, now=sh(2026, 3, 9, 17, 59)) is False
    assert mark_overdue(db, appeal, now=appeal.due_at) is False  # due means "by", not "before"
    late = sh(2026, 3, 9, 18, 5)
    assert mark_overdue(db, appeal, now=late) is True
    assert appeal.overdue_at == late and appeal.status == S.IN_PROGRESS
    event = last_event(db, appeal)
    check_event(
        event, "overdue", frm="in_progress", to="in_progress", actor=None, public=False, unit=city.units["street"]
    )
    assert event.at == late and datetime.fromisoformat(event.payload["due_at"]) == appeal.due_at
    before = snapshot(db, appeal)
    assert mark_overdue(db, appeal, now=sh(2026, 3, 10, 9, 0)) is False
    assert snapshot(db, appeal) == before
    assert [e.kind for e in events(db, appeal)].count("overdue") == 1


def test_an_undispatched_appeal_is_never_overdue(db, city, clock):
    appeal = new_appeal(db, city)
    assert mark_overdue(db, appeal, now=sh(2027, 1, 1)) is False
    assert [e.kind for e in events(db, appeal)] == ["submitted"]


def test_only_staff_who_can_see_an_appeal_may_add_a_note(db, city):
    appeal = dispatched(db, city)
    add_note(db, appeal, actor=city.users["street_handler"], note="已安排人员")
    add_note(db, appeal, actor=city.users["operator"], note="诉求人再次来电")
    with pytest.raises(PermissionDenied):
        add_note(db, appeal, actor=city.users["street2_handler"], note="越权备注")
    assert [e.note for e in appeal.events if e.kind == "noted"] == ["已安排人员", "诉求人再次来电"]


def test_merging_into_an_already_replied_appeal_passes_its_reply_on_at_once(db, city):
    main = replied(db, city)
    later = new_appeal(db, city, appellant_phone="13900001111")
    merge_appeal(db, later, main, actor=city.users["dispatcher"])
    told = notifications(db, later, "replied")
    assert len(told) == 1 and main.reply_text in told[0].message and told[0].recipient == "13900001111"
    assert [e.kind for e in later.events][-1] == "main_replied"
