"""Readings, rules on the clock, one open alarm per household and rule, the ladder through the outbox, the
visit record, quiet periods, flagging and the leaders' figures — on the real database."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lianxin.appeals.models import Appeal
from lianxin.care import alarms as al
from lianxin.care import evaluate, jobs, reports
from lianxin.care import service as svc
from lianxin.care.models import Alarm, Reading
from lianxin.care.status import AlarmStatus
from lianxin.clock import utcnow
from lianxin.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from lianxin.notify import Notification


def feed(db, device, start, hours, per_hour, value=100.0, step=1):
    """Hourly cumulative readings from ``start``; returns the last value."""
    for h in range(0, hours + 1, step):
        value += per_hour * step if h else 0
        al.ingest(db, device, start + timedelta(hours=h), value)
    return value


def outbox(db, alarm):
    return db.scalars(
        select(Notification).where(Notification.dedupe_key.like(f"care:{alarm.id}:%")).order_by(Notification.id)
    ).all()


def test_readings_are_idempotent_and_late_ones_change_nothing(db, clock, home):
    now = utcnow()
    assert al.ingest(db, home.meter, now, 10.0) is True
    assert al.ingest(db, home.meter, now, 99.0) is False  # duplicate (device, ts): ignored
    assert al.ingest(db, home.meter, now - timedelta(hours=1), 9.9) is True  # late
    assert home.meter.last_reading_at == now and home.meter.last_value == 10.0
    assert db.scalar(select(func.count(Reading.id)).where(Reading.device_id == home.meter.id)) == 2
    for bad in ("x", -1, float("nan")):
        with pytest.raises(InvalidInput):
            al.ingest(db, home.meter, now + timedelta(hours=1), bad)
    with pytest.raises(NotFound):
        al.ingest_message(db, "nope", {"ts": now.isoformat(), "value": 1})
    with pytest.raises(InvalidInput):
        al.ingest_message(db, home.meter.external_id, {"ts": "2026-03-02T10:00:00", "value": 1})
    with pytest.raises(InvalidInput):
        al.ingest_message(db, home.meter.external_id, {"ts": "yesterday", "value": 1})
    with pytest.raises(InvalidInput):
        al.ingest_message(db, home.meter.external_id, [1])
    cache = {}
    assert al.ingest_message(db, home.meter.external_id, {"ts": "2026-03-02T03:00:00Z", "value": 10.5}, cache=cache)
    assert al.ingest_message(
        db, home.meter.external_id, {"ts": "2026-03-02T03:30:00+00:00", "value": 10.6}, cache=cache
    )


def test_low_use_raises_once_escalates_and_needs_a_visit_record(db, clock, city, home):
    start = utcnow() - timedelta(hours=30)
    feed(db, home.meter, start, 30, per_hour=0.0002)  # 0.0048 m³ in 24 h < 0.01
    assert jobs.evaluate_rules(db, None, utcnow()) == 1
    assert jobs.evaluate_rules(db, None, utcnow()) == 0  # one open alarm per household and rule
    alarm = db.scalar(select(Alarm).where(Alarm.household_id == home.household.id))
    assert alarm.kind.value == "low_usage" and alarm.status == AlarmStatus.RAISED
    # family first, then the grid worker, at once (both after 0 minutes)
    sent = outbox(db, alarm)
    assert [(n.audience, n.recipient) for n in sent] == [
        ("contact", "13800002222"),
        ("unit", str(city.units["grid"].id)),
    ]
    assert "尽快联系" in sent[0].message and reports.rung_label(alarm)[1] == "Grid worker"
    assert alarm.appeal_id is None
    clock.shift(timedelta(minutes=31))
    assert jobs.escalate_alarms(db, None, utcnow()) == 2  # the community, and at once the work order
    assert outbox(db, alarm)[-1].recipient == str(city.units["community"].id)
    order = db.get(Appeal, alarm.appeal_id)
    assert (order.channel.value, order.appeal_type.value, order.urgency.value) == ("sensor", "help", "urgent")
    assert order.community_id == city.units["community"].id and str(alarm.id) in order.content
    assert alarm.events[-1].payload["to"] == [order.order_no]
    assert jobs.escalate_alarms(db, None, utcnow()) == 0  # nothing more due yet
    gw = city.users["grid_worker"]
    al.acknowledge(db, alarm, actor=gw, note="已电话联系女儿")
    with pytest.raises(Conflict):
        al.acknowledge(db, alarm, actor=gw)
    with pytest.raises(Conflict):
        al.start_visit(db, alarm, actor=gw, expected_version=1)
    al.start_visit(db, alarm, actor=gw, expected_version=alarm.version)
    with pytest.raises(InvalidInput):
        al.record_visit(db, alarm, actor=gw, outcome="safe", note="")
    al.record_visit(db, alarm, actor=gw, outcome="safe", note="老人外出买菜，平安")
    assert alarm.status == AlarmStatus.RESOLVED and alarm.open_key is None and alarm.closed_at
    db.expire(alarm, ["events"])
    actions = [e.action for e in alarm.events]
    assert actions == [
        "raise",
        *["escalate"] * 4,
        "acknowledge",
        "start_visit",
        "record_visit",
    ]
    # the visit record is on the work order too: an internal note, not shown to the resident
    db.expire(order, ["events"])
    note = order.events[-1]
    assert (note.kind, note.public) == ("noted", False)
    assert note.note.startswith(f"关爱告警 {alarm.id} 上门结果：平安") and "老人外出买菜" in note.note
    assert note.actor_id == gw.id and note.actor_label.startswith("关爱探视") and note.payload["outcome"] == "safe"
    # a new episode may open a new alarm
    clock.shift(timedelta(hours=1))
    assert jobs.evaluate_rules(db, None, utcnow()) == 1


def test_visit_deadline_passes_escalates_after_acknowledgement(db, clock, city, home):
    feed(db, home.meter, utcnow() - timedelta(hours=30), 30, per_hour=0.0)
    evaluate.evaluate_all(db, utcnow())
    alarm = db.scalar(select(Alarm).where(Alarm.household_id == home.household.id))
    al.acknowledge(db, alarm, actor=city.users["street_handler"])
    clock.shift(timedelta(hours=2, minutes=1))  # visit deadline (2 h) passed without a record
    assert evaluate.escalate_all(db, utcnow()) == 1
    assert alarm.next_escalation_at is not None
    clock.shift(timedelta(minutes=31))
    assert evaluate.escalate_all(db, utcnow()) == 1 and alarm.appeal_id is not None  # the work order
    clock.shift(timedelta(minutes=31))
    assert evaluate.escalate_all(db, utcnow()) == 1
    assert alarm.next_escalation_at is None  # the street was told: the top of the ladder
    assert outbox(db, alarm)[-1].recipient == str(city.units["street"].id)


def test_use_resuming_clears_an_unacknowledged_alarm(db, clock, home):
    last = feed(db, home.meter, utcnow() - timedelta(hours=30), 30, per_hour=0.0)
    evaluate.evaluate_all(db, utcnow())
    alarm = db.scalar(select(Alarm).where(Alarm.household_id == home.household.id))
    clock.shift(timedelta(hours=1))
    al.ingest(db, home.meter, utcnow(), last + 0.05)
    assert evaluate.evaluate_all(db, utcnow()) == 1
    assert alarm.status == AlarmStatus.CLEARED


def test_high_use_and_silence(db, clock, city, home):
    feed(db, home.meter, utcnow() - timedelta(hours=30), 30, per_hour=0.2)  # 4.8 m³/day: a leak
    evaluate.evaluate_all(db, utcnow())
    kinds = {a.kind.value for a in db.scalars(select(Alarm).where(Alarm.household_id == home.household.id))}
    assert kinds == {"high_usage"}
    clock.shift(timedelta(hours=49))  # the meter goes silent: a device fault, not a low-use welfare alarm
    evaluate.evaluate_all(db, utcnow())
    fault = db.scalar(select(Alarm).where(Alarm.household_id == home.household.id, Alarm.kind == "no_data"))
    assert fault.category.value == "maintenance"
    assert [n.recipient for n in outbox(db, fault)] == [str(city.units["community"].id)]
    assert not db.scalar(select(Alarm).where(Alarm.household_id == home.household.id, Alarm.kind == "low_usage"))
    with pytest.raises(InvalidInput):
        al.record_visit(db, fault, actor=None, outcome="safe", note="换电池")
    al.record_visit(db, fault, actor=None, outcome="repaired", note="更换电池")
    assert fault.status == AlarmStatus.RESOLVED


def test_button_raises_at_once_even_in_a_quiet_period(db, clock, city, home):
    svc.set_quiet(db, home.household, actor=None, until=utcnow() + timedelta(days=5), reason="住院")
    feed(db, home.meter, utcnow() - timedelta(hours=30), 30, per_hour=0.0)
    evaluate.evaluate_all(db, utcnow())
    assert not db.scalar(select(Alarm).where(Alarm.household_id == home.household.id))  # suppressed
    al.ingest(db, home.button, utcnow(), 1)
    alarm = db.scalar(select(Alarm).where(Alarm.household_id == home.household.id))
    assert alarm.kind.value == "button" and alarm.visit_due_at - alarm.raised_at == timedelta(minutes=30)
    al.ingest(db, home.button, utcnow() + timedelta(seconds=5), 1)  # pressed again: the same alarm
    assert db.scalar(select(func.count(Alarm.id)).where(Alarm.household_id == home.household.id)) == 1
    order = db.get(Appeal, alarm.appeal_id)  # the button's ladder makes the work order at once, 特急
    assert order.urgency.value == "critical" and order.appellant_id is not None
    evaluate.escalate_all(db, utcnow() + timedelta(hours=3))
    assert db.scalar(select(func.count(Appeal.id)).where(Appeal.channel == "sensor")) == 1  # once


def test_a_door_that_does_not_open_raises_a_welfare_alarm(db, clock, city, home):
    door = svc.register_device(db, home.household, actor=None, kind="door", external_id=f"D-{home.household.id}")
    start = utcnow() - timedelta(hours=30)
    for h in range(31):  # hourly heartbeats; the opening count stays at 7 after the first six hours
        al.ingest(db, door, start + timedelta(hours=h), float(min(h, 6) + 1))
    evaluate.evaluate_all(db, utcnow())
    alarm = db.scalar(select(Alarm).where(Alarm.household_id == home.household.id))
    assert alarm.rule.name == "门磁24小时未开门" and alarm.category.value == "welfare"
    override = svc.set_rule_override(
        db, home.household, actor=None, kind="low_usage", device_kind="door", window_h=12, threshold=1
    )
    assert override.window_h == 12
    clock.shift(timedelta(hours=1))
    al.ingest(db, door, utcnow(), 8.0)  # the door opened: the unacknowledged alarm clears
    assert evaluate.evaluate_all(db, utcnow()) == 1 and alarm.status == AlarmStatus.CLEARED


def test_real_alarms_flag_the_household_and_false_alarms_suggest_a_threshold(db, clock, city, home):
    gw = city.users["grid_worker"]
    for outcome in ("emergency", "needed_help"):
        al.ingest(db, home.button, utcnow(), 1)
        alarm = db.scalar(select(Alarm).where(Alarm.open_key.is_not(None), Alarm.household_id == home.household.id))
        al.start_visit(db, alarm, actor=gw)
        al.record_visit(db, alarm, actor=gw, outcome=outcome, note="已送医")
        clock.shift(timedelta(hours=1))
    assert home.household.flagged
    last = feed(db, home.meter, utcnow() - timedelta(hours=30), 30, per_hour=0.0)
    for _ in range(3):
        evaluate.evaluate_all(db, utcnow())
        alarm = db.scalar(select(Alarm).where(Alarm.open_key.is_not(None), Alarm.household_id == home.household.id))
        al.acknowledge(db, alarm, actor=gw)
        al.record_visit(db, alarm, actor=gw, outcome="false_alarm", note="老人在家，只是用水少")
        clock.shift(timedelta(hours=1))
        al.ingest(db, home.meter, utcnow(), last)
    figures = reports.stats(db, city.users["leader"])
    assert figures["total"] == 5 and figures["open"] == 0
    assert figures["false_alarm_rate"] == pytest.approx(0.6)
    assert figures["median_ack_min"] == 0
    assert figures["suggestions"][0]["kind"] == "low_usage" and figures["suggestions"][0]["rate"] == 1.0
    tl = reports.timeline(db, home.household)
    assert {i["kind"] for i in tl} >= {"register", "alarm", "visit"}


def test_staff_outside_the_grid_cannot_act(db, clock, city, home):
    al.ingest(db, home.button, utcnow(), 1)
    alarm = db.scalar(select(Alarm).where(Alarm.household_id == home.household.id))
    with pytest.raises(PermissionDenied):
        al.acknowledge(db, alarm, actor=city.users["street2_handler"])
    with pytest.raises(NotFound):
        al.get_alarm(db, city.users["grid_worker"], 10**9)
    assert al.get_alarm(db, city.users["grid_worker"], alarm.id) is alarm
    assert db.scalars(al.alarms(db, city.users["street2_handler"])).all() == []
