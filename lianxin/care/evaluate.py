"""Rules evaluated on the clock (the ``care_evaluate_rules`` and ``care_escalate_alarms`` jobs): every active
device's rules from what is in the database, so a meter that goes silent is noticed and nothing is lost on a
restart; and the ladder steps whose timers ran out."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from lianxin.care.alarms import clear_alarm, escalate_due, open_alarm, open_key, raise_alarm
from lianxin.care.models import Alarm, AlertRule, Device, Reading
from lianxin.care.status import OPEN_STATUSES, AlarmStatus, RuleKind, in_hours, judge_silence, judge_usage
from lianxin.clock import local_zone


def _readings(session: Session, device: Device, start: datetime, now: datetime, window: dict | None = None) -> list:
    """The readings in (start, now] plus the last one at or before ``start`` (the window's opening value).
    ``window`` (device id → readings already loaded for a longer span) saves the queries when it covers both."""
    loaded = (window or {}).get(device.id)
    if loaded is not None and any(t <= start for t, _ in loaded):
        opening = [max(((t, v) for t, v in loaded if t <= start), key=lambda r: r[0])]
        return opening + [(t, v) for t, v in loaded if start < t <= now]
    opening = session.execute(
        select(Reading.ts, Reading.value)
        .where(Reading.device_id == device.id, Reading.ts <= start)
        .order_by(Reading.ts.desc())
        .limit(1)
    ).all()
    inside = session.execute(
        select(Reading.ts, Reading.value).where(Reading.device_id == device.id, Reading.ts > start, Reading.ts <= now)
    ).all()
    return [(t, v) for t, v in [*opening, *inside]]


def evaluate_device(
    session: Session,
    device: Device,
    rules: dict,
    now: datetime,
    *,
    window: dict | None = None,
    open_alarms: dict | None = None,
) -> int:
    """Apply the device's rules now: raise, keep or clear alarms. Returns alarms raised or cleared.
    ``window`` and ``open_alarms`` are what ``evaluate_all`` loaded for every device at once."""
    household = device.household
    acted = 0
    local_hour = now.astimezone(local_zone()).hour
    for (kind, device_kind), rule in rules.items():
        if device_kind != device.kind.value or kind == RuleKind.BUTTON.value:
            continue
        if kind == RuleKind.NO_DATA.value:
            verdict = judge_silence(device.last_reading_at, device.registered_at, now, window_h=rule.window_h)
        else:
            if not in_hours(local_hour, rule.active_hours):
                continue
            # A silent meter is a fault, not a welfare case: no low-use alarm without fresh data.
            silent = device.last_reading_at is None or device.last_reading_at < now - timedelta(
                hours=min(rule.window_h, 6)
            )
            if kind == RuleKind.LOW_USAGE.value and silent:
                continue
            start = now - timedelta(hours=rule.window_h)
            readings = _readings(session, device, start, now, window)
            verdict = judge_usage(kind, readings, now, window_h=rule.window_h, threshold=rule.threshold)
        if open_alarms is None:
            current = open_alarm(session, household, rule)
        else:
            current = open_alarms.get(open_key(household, rule))
        if verdict.fire and current is None:
            if raise_alarm(
                session, household, rule, device=device, value=verdict.value, detail=verdict.detail, now=now
            ):
                acted += 1
        elif verdict.clear and current is not None and current.status == AlarmStatus.RAISED:
            clear_alarm(session, current, reason=verdict.detail)
            acted += 1
    return acted


def evaluate_all(session: Session, now: datetime, jurisdiction_id: int | None = None) -> int:
    """Every active device's rules, now. Loads in a few queries what the per-device checks need: the rules,
    the open alarms and the readings of the longest usage window (plus six hours for the opening value)."""
    stmt = select(Device).where(Device.active.is_(True)).order_by(Device.id).options(selectinload(Device.household))
    if jurisdiction_id is not None:
        stmt = stmt.where(Device.jurisdiction_id == jurisdiction_id)
    devices = session.scalars(stmt).all()
    if not devices:
        return 0
    jids = {d.jurisdiction_id for d in devices}
    rules = session.scalars(select(AlertRule).where(AlertRule.jurisdiction_id.in_(jids))).all()
    defaults: dict[int, list[AlertRule]] = {}
    overrides: dict[int, list[AlertRule]] = {}
    for rule in rules:
        if rule.household_id is None:
            defaults.setdefault(rule.jurisdiction_id, []).append(rule)
        else:
            overrides.setdefault(rule.household_id, []).append(rule)
    span = max([r.window_h for r in rules if r.kind in (RuleKind.LOW_USAGE, RuleKind.HIGH_USAGE)] or [24]) + 6
    window: dict[int, list] = {}
    readings = select(Reading.device_id, Reading.ts, Reading.value).where(
        Reading.ts > now - timedelta(hours=span), Reading.ts <= now
    )
    if jurisdiction_id is not None:
        readings = readings.where(Reading.jurisdiction_id == jurisdiction_id)
    for device_id, ts, value in session.execute(readings):
        window.setdefault(device_id, []).append((ts, value))
    open_rows = session.scalars(select(Alarm).where(Alarm.open_key.is_not(None), Alarm.jurisdiction_id.in_(jids)))
    open_alarms = {a.open_key: a for a in open_rows}
    acted = 0
    for device in devices:
        household = device.household
        applicable: dict[tuple[str, str], AlertRule] = {}
        for rule in [*defaults.get(device.jurisdiction_id, []), *overrides.get(household.id, [])]:
            applicable[(rule.kind.value, rule.device_kind.value)] = rule
        applicable = {k: r for k, r in applicable.items() if r.enabled}
        acted += evaluate_device(session, device, applicable, now, window=window, open_alarms=open_alarms)
    return acted


def escalate_all(session: Session, now: datetime) -> int:
    due = session.scalars(
        select(Alarm)
        .where(Alarm.status.in_([s.value for s in OPEN_STATUSES]), Alarm.next_escalation_at <= now)
        .order_by(Alarm.id)
        .with_for_update(skip_locked=True, of=Alarm)
    ).all()
    return sum(escalate_due(session, alarm, now) for alarm in due)
