"""Readings and alarms: ``ingest`` (idempotent on device + timestamp; a button press raises at once),
``raise_alarm`` (one open alarm per household and rule, the unique ``open_key`` decides), ``acknowledge``,
``start_visit``, ``record_visit`` (required to close), ``clear_alarm``, ``escalate_due`` (the ladder on the
clock, through the notification outbox); the scheduled ``evaluate_all`` / ``escalate_all``; the leaders'
``stats`` and the household ``timeline``. Like ``service``: checks, changes, events, flush — never commits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from lianxin.appeals.privacy import mask_phone
from lianxin.care.models import Alarm, AlarmEvent, AlertRule, Device, DeviceKind, Household, Reading
from lianxin.care.service import _event, require_access, rules_for, scoped
from lianxin.care.status import (
    DEFAULT_LADDER,
    OPEN_STATUSES,
    OUTCOME_LABELS,
    REAL_OUTCOMES,
    RULE_LABELS,
    AlarmAction,
    AlarmStatus,
    Outcome,
    RuleKind,
    Rung,
    category_of,
    next_escalation,
    next_status,
    work_order_urgency,
)
from lianxin.clock import local_zone, utcnow
from lianxin.db import insert_or_ignore
from lianxin.errors import Conflict, InvalidInput, LianxinError, NotFound
from lianxin.notify import queue_notification
from lianxin.orgs.models import User

REAL_ALARMS_TO_FLAG = 2  # real alarms within FLAG_DAYS flag the household for monitoring
FLAG_DAYS = 90
VISIT_OVERDUE_STEP_MIN = 30


# --- readings ------------------------------------------------------------------------------------------------


class UnknownDevice(NotFound):
    pass


def device_by_external_id(session: Session, external_id: str) -> Device:
    device = session.scalar(select(Device).where(Device.external_id == external_id))
    if device is None or not device.active:
        raise UnknownDevice(f"设备 {external_id} 未登记", f"device {external_id} is not registered", field="device")
    return device


def parse_ts(value) -> datetime:
    if isinstance(value, datetime):
        ts = value
    else:
        try:
            ts = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            raise InvalidInput("时间格式不对", "ts must be ISO 8601 with a time zone", field="ts") from None
    if ts.tzinfo is None:
        raise InvalidInput("时间须带时区", "ts needs a time zone", field="ts")
    return ts.astimezone(UTC)


def ingest(session: Session, device: Device, ts: datetime, value: float, *, source: str = "mqtt") -> bool:
    """Store one reading; True if new. A duplicate (same device and ts) or a late message changes nothing but
    its own row: the device's last reading only moves forward. An emergency button press raises at once."""
    value = check_value(value)
    now = utcnow()
    new_id = insert_or_ignore(
        session,
        Reading.__table__,
        dict(
            jurisdiction_id=device.jurisdiction_id,
            device_id=device.id,
            ts=ts,
            value=value,
            source=source,
            received_at=now,
        ),
        ["device_id", "ts"],
    )
    if new_id is None:
        return False
    if device.last_reading_at is None or ts > device.last_reading_at:
        device.last_reading_at, device.last_value = ts, value
    if device.kind == DeviceKind.BUTTON and value >= 1:
        rule = rules_for(session, device.household).get((RuleKind.BUTTON.value, DeviceKind.BUTTON.value))
        if rule is not None:
            raise_alarm(
                session,
                device.household,
                rule,
                device=device,
                value=value,
                detail="按下紧急按钮 / button pressed",
                now=now,
            )
    session.flush()
    return True


def device_for(session: Session, external_id: str, cache: dict | None = None) -> Device:
    """The registered device (``cache`` maps external ids to row ids across a batch)."""
    device = None
    if cache is not None and external_id in cache:
        device = session.get(Device, cache[external_id])
    if device is None:
        device = device_by_external_id(session, external_id)
        if cache is not None:
            cache[external_id] = device.id
    return device


def ingest_message(
    session: Session, external_id: str, payload: dict, *, source: str = "mqtt", cache: dict | None = None
) -> bool:
    """One message ``{"ts": ISO 8601, "value": number}`` for device ``external_id``."""
    if not isinstance(payload, dict):
        raise InvalidInput("消息须为 JSON 对象", "the message must be a JSON object", field="payload")
    device = device_for(session, external_id, cache)
    return ingest(session, device, parse_ts(payload.get("ts")), payload.get("value"), source=source)


def check_value(value) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise InvalidInput("读数须为数字", "value must be a number", field="value") from None
    if value != value or value in (float("inf"), float("-inf")) or value < 0:
        raise InvalidInput("读数须为非负数", "value must be a non-negative number", field="value")
    return value


def ingest_many(session: Session, items: list[tuple[str, object]], *, source: str = "mqtt", cache: dict | None = None):
    """Many messages ``(device external id, {"ts", "value"})`` in one statement: the same rules as
    :func:`ingest` (idempotent on device + ts, the last reading only moves forward, a button press raises at
    once). Returns ``(stored, duplicates, rejected)``; a rejected item (unknown device, bad ts or value) is
    skipped and changes nothing. ``cache`` maps external ids to ``(id, jurisdiction id)`` across batches."""
    cache = {} if cache is None else cache
    unknown = {external_id for external_id, _ in items if external_id not in cache}
    if unknown:
        for device_id, external_id, jid in session.execute(
            select(Device.id, Device.external_id, Device.jurisdiction_id).where(
                Device.external_id.in_(unknown), Device.active.is_(True)
            )
        ):
            cache[external_id] = (device_id, jid)
    rows: dict[tuple[int, datetime], dict] = {}
    rejected = duplicates = 0
    now = utcnow()
    for external_id, payload in items:
        try:
            if external_id not in cache:
                raise NotFound("设备未登记", "device not registered", field="device")
            if not isinstance(payload, dict):
                raise InvalidInput("消息须为 JSON 对象", "the message must be a JSON object", field="payload")
            device_id, jid = cache[external_id]
            row = dict(
                jurisdiction_id=jid,
                device_id=device_id,
                ts=parse_ts(payload.get("ts")),
                value=check_value(payload.get("value")),
                source=source,
                received_at=now,
            )
        except LianxinError:
            rejected += 1
            continue
        if (device_id, row["ts"]) in rows:
            duplicates += 1
        else:
            rows[(device_id, row["ts"])] = row
    if not rows:
        return 0, duplicates, rejected
    dialect = session.get_bind().dialect.name
    table = Reading.__table__
    stmt = (pg_insert if dialect == "postgresql" else sqlite_insert)(table).on_conflict_do_nothing(
        index_elements=["device_id", "ts"]
    )
    new = session.execute(stmt.returning(table.c.device_id, table.c.ts), list(rows.values())).all()
    duplicates += len(rows) - len(new)
    latest: dict[int, dict] = {}
    for device_id, ts in new:
        row = rows[(device_id, ts if ts.tzinfo else ts.replace(tzinfo=UTC))]
        if device_id not in latest or row["ts"] > latest[device_id]["ts"]:
            latest[device_id] = row
    presses = {device_id for device_id, ts in new}
    devices = session.scalars(select(Device).where(Device.id.in_(latest))).all()
    for device in devices:
        row = latest[device.id]
        if device.last_reading_at is None or row["ts"] > device.last_reading_at:
            device.last_reading_at, device.last_value = row["ts"], row["value"]
        if device.kind == DeviceKind.BUTTON and device.id in presses:
            pressed = [r for (d, _), r in rows.items() if d == device.id and r["value"] >= 1]
            rule = rules_for(session, device.household).get((RuleKind.BUTTON.value, DeviceKind.BUTTON.value))
            if pressed and rule is not None:
                raise_alarm(
                    session,
                    device.household,
                    rule,
                    device=device,
                    value=1.0,
                    detail="按下紧急按钮 / button pressed",
                    now=now,
                )
    session.flush()
    return len(new), duplicates, rejected


# --- alarms --------------------------------------------------------------------------------------------------


def _alarm_event(
    session: Session,
    alarm: Alarm,
    action: AlarmAction,
    *,
    actor: User | None,
    before: str | None,
    note: str | None = None,
    **payload,
) -> AlarmEvent:
    event = AlarmEvent(
        jurisdiction_id=alarm.jurisdiction_id,
        alarm_id=alarm.id,
        action=action.value,
        from_status=before,
        to_status=alarm.status.value,
        actor_id=actor.id if actor else None,
        note=note,
        payload=payload,
        at=utcnow(),
    )
    session.add(event)
    return event


def open_key(household: Household, rule: AlertRule) -> str:
    return f"{household.id}:{rule.kind.value}:{rule.device_kind.value}"


def open_alarm(session: Session, household: Household, rule: AlertRule) -> Alarm | None:
    return session.scalar(select(Alarm).where(Alarm.open_key == open_key(household, rule)))


def quiet(household: Household, now: datetime) -> bool:
    return household.quiet_until is not None and household.quiet_until > now


def raise_alarm(
    session: Session,
    household: Household,
    rule: AlertRule,
    *,
    device: Device | None,
    value: float | None,
    detail: str,
    now: datetime | None = None,
) -> Alarm | None:
    """Raise the (household, rule) alarm, or return the one already open (never two). A quiet period
    suppresses everything but the emergency button (None is returned)."""
    now = now or utcnow()
    existing = open_alarm(session, household, rule)
    if existing is not None:
        return existing
    if rule.kind != RuleKind.BUTTON and quiet(household, now):
        return None
    ladder = list(rule.ladder) or list(DEFAULT_LADDER)
    values = dict(
        jurisdiction_id=household.jurisdiction_id,
        household_id=household.id,
        device_id=device.id if device else None,
        rule_id=rule.id,
        kind=rule.kind.value,
        category=category_of(rule.kind).value,
        status=AlarmStatus.RAISED.value,
        open_key=open_key(household, rule),
        detail=detail[:200],
        value=value,
        raised_at=now,
        visit_due_at=now + timedelta(hours=rule.visit_hours),
        step=-1,
        next_escalation_at=now + timedelta(minutes=int(ladder[0]["after_min"])),
        version=1,
    )
    with session.begin_nested():
        new_id = insert_or_ignore(session, Alarm.__table__, values, ["open_key"])
    if new_id is None:  # another process raised it first
        return open_alarm(session, household, rule)
    alarm = session.get(Alarm, new_id)
    _alarm_event(session, alarm, AlarmAction.RAISE, actor=None, before=None, value=value, detail=detail)
    session.flush()
    escalate_due(session, alarm, now)
    return alarm


def _recipients(session: Session, alarm: Alarm, rung: Rung) -> list[tuple[str, str]]:
    household = alarm.household
    if rung == Rung.CONTACT:
        return [("contact", c.phone) for c in household.contacts[:1]]  # family first: the first contact
    if rung == Rung.GRID:
        return [("unit", str(household.grid_id))] if household.grid_id else [("unit", str(household.community_id))]
    if rung == Rung.COMMUNITY:
        return [("unit", str(household.community_id))]
    if rung == Rung.WORK_ORDER:
        return []  # the work order is the message (``_work_order``)
    street = household.community.parent_id
    return [("unit", str(street))] if street else []


def _message(alarm: Alarm, rung: Rung) -> str:
    zh = RULE_ZH.get(alarm.kind.value, alarm.kind.value)
    where = alarm.household.address
    due = alarm.visit_due_at.astimezone(local_zone()).strftime("%m-%d %H:%M")
    if rung == Rung.CONTACT:
        return f"【连心关爱】您的家人（{where}）触发「{zh}」提醒，请尽快联系确认平安；社区将同步上门。"
    return f"【连心关爱】{where} 触发「{zh}」告警（{alarm.detail}），请于 {due} 前上门并登记结果。告警号 {alarm.id}。"


RULE_ZH = {k.value: v[0] for k, v in RULE_LABELS.items()}


def _work_order(session: Session, alarm: Alarm, now: datetime) -> str | None:
    """The alarm becomes a 12345 work order (channel sensor, type 求助, 紧急 / 特急), once: its number is kept on
    the alarm and the appeal goes through the core's intake like any other (deadlines when dispatched)."""
    from lianxin.appeals.schemas import AppealCreate
    from lianxin.appeals.service import submit_appeal

    if alarm.appeal_id is not None:
        return None
    household = alarm.household
    person = next((p for p in household.people if p.active), None)
    zh = RULE_ZH.get(alarm.kind.value, alarm.kind.value)
    due = alarm.visit_due_at.astimezone(local_zone()).strftime("%m-%d %H:%M")
    appeal = submit_appeal(
        session,
        AppealCreate(
            jurisdiction_id=alarm.jurisdiction_id,
            channel="sensor",
            appeal_type="help",
            urgency=work_order_urgency(alarm.kind),
            title=f"关爱告警：{household.address[:60]} {zh}",
            content=(
                f"感知设备告警（告警号 {alarm.id}）：{zh}，{alarm.detail}。请于 {due} 前上门探视并在关爱告警中登记结果。"
                f"地址：{household.address}"
            ),
            address=household.address,
            lat=household.lat,
            lng=household.lon,
            community_id=household.community_id,
            grid_id=household.grid_id,
            appellant_name=person.name if person else None,
            appellant_phone=person.phone if person and person.phone else None,
            anonymous=person is None or not person.phone,
        ),
        actor=None,
        idempotency_key=f"care-alarm-{alarm.id}",
        now=now,
    )
    alarm.appeal_id = appeal.id
    return appeal.order_no


def _tell(session: Session, alarm: Alarm, step: int, now: datetime, *, reason: str) -> None:
    rung = Rung(alarm.rule.ladder[step]["to"] if alarm.rule.ladder else DEFAULT_LADDER[step]["to"])
    sent = []
    if rung == Rung.WORK_ORDER:
        order_no = _work_order(session, alarm, now)
        if order_no:
            sent.append(order_no)
    for audience, recipient in _recipients(session, alarm, rung):
        queue_notification(
            session,
            jurisdiction_id=alarm.jurisdiction_id,
            kind=f"care_{alarm.kind.value}"[:32],
            audience=audience,
            recipient=recipient,
            message=_message(alarm, rung),
            dedupe_key=f"care:{alarm.id}:{step}:{reason}",
        )
        sent.append(recipient if audience == "unit" else mask_phone(recipient))
    before = alarm.status.value
    alarm.step = step
    _alarm_event(
        session,
        alarm,
        AlarmAction.ESCALATE,
        actor=None,
        before=before,
        rung=rung.value,
        step=step,
        reason=reason,
        to=sent,
    )
    del now


def escalate_due(session: Session, alarm: Alarm, now: datetime) -> int:
    """Tell every ladder rung whose timer has run out (while nobody acknowledged), or, once acknowledged, the
    next rung when the visit deadline passes without a visit record. Returns the number of rungs told."""
    if alarm.status not in OPEN_STATUSES or alarm.next_escalation_at is None or alarm.next_escalation_at > now:
        return 0
    ladder = list(alarm.rule.ladder) or list(DEFAULT_LADDER)
    told = 0
    if alarm.status == AlarmStatus.RAISED:
        while alarm.next_escalation_at is not None and alarm.next_escalation_at <= now:
            step = alarm.step + 1
            _tell(session, alarm, step, now, reason="timer")
            told += 1
            alarm.next_escalation_at = next_escalation(ladder, step, alarm.next_escalation_at)
    else:  # acknowledged or visiting: the visit deadline has passed
        step = min(alarm.step + 1, len(ladder) - 1)
        _tell(session, alarm, step, now, reason=f"overdue{now:%Y%m%d%H%M}")
        told += 1
        alarm.next_escalation_at = now + timedelta(minutes=VISIT_OVERDUE_STEP_MIN) if step + 1 < len(ladder) else None
    alarm.version += 1
    session.flush()
    return told


def require_alarm_access(session: Session, actor: User | None, alarm: Alarm) -> None:
    require_access(session, actor, alarm.household)


def get_alarm(session: Session, user: User | None, alarm_id: int) -> Alarm:
    alarm = session.get(Alarm, alarm_id)
    if alarm is None or (user is not None and alarm.jurisdiction_id != user.jurisdiction_id):
        raise NotFound("告警不存在", "alarm not found")
    require_alarm_access(session, user, alarm)
    return alarm


def _check_version(alarm: Alarm, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != alarm.version:
        raise Conflict("告警已被他人更新，请刷新", "the alarm was changed by someone else; reload", field="version")


def acknowledge(
    session: Session, alarm: Alarm, *, actor: User | None, note: str | None = None, expected_version: int | None = None
) -> Alarm:
    """响应: someone has taken it; the ladder pauses until the visit deadline."""
    require_alarm_access(session, actor, alarm)
    _check_version(alarm, expected_version)
    before = alarm.status.value
    alarm.status = next_status(alarm.status, AlarmAction.ACKNOWLEDGE)
    alarm.acknowledged_at = utcnow()
    alarm.next_escalation_at = alarm.visit_due_at
    alarm.version += 1
    _alarm_event(session, alarm, AlarmAction.ACKNOWLEDGE, actor=actor, before=before, note=note)
    session.flush()
    return alarm


def start_visit(
    session: Session, alarm: Alarm, *, actor: User | None, note: str | None = None, expected_version: int | None = None
) -> Alarm:
    require_alarm_access(session, actor, alarm)
    _check_version(alarm, expected_version)
    before = alarm.status.value
    alarm.status = next_status(alarm.status, AlarmAction.START_VISIT)
    now = utcnow()
    alarm.acknowledged_at = alarm.acknowledged_at or now
    alarm.visit_started_at = now
    alarm.next_escalation_at = alarm.visit_due_at
    alarm.version += 1
    _alarm_event(session, alarm, AlarmAction.START_VISIT, actor=actor, before=before, note=note)
    session.flush()
    return alarm


def record_visit(
    session: Session,
    alarm: Alarm,
    *,
    actor: User | None,
    outcome: Outcome | str,
    note: str,
    photo_key: str | None = None,
    expected_version: int | None = None,
) -> Alarm:
    """The visit record closes the alarm: outcome plus a note (and a photo if taken). Real outcomes count
    towards flagging the household for the monitoring module."""
    require_alarm_access(session, actor, alarm)
    _check_version(alarm, expected_version)
    note = (note or "").strip()
    if len(note) < 2 and not photo_key:
        raise InvalidInput("请填写上门情况或上传照片", "write what you found, or add a photo", field="note")
    before = alarm.status.value
    alarm.status = next_status(alarm.status, AlarmAction.RECORD_VISIT, outcome=outcome, category=alarm.category)
    now = utcnow()
    alarm.outcome, alarm.visit_note, alarm.photo_key = Outcome(outcome), note, photo_key
    alarm.closed_at, alarm.open_key, alarm.next_escalation_at = now, None, None
    alarm.version += 1
    _alarm_event(session, alarm, AlarmAction.RECORD_VISIT, actor=actor, before=before, note=note, outcome=str(outcome))
    session.flush()
    _note_on_work_order(session, alarm, actor)
    if alarm.outcome in REAL_OUTCOMES:
        _maybe_flag(session, alarm.household, now)
    return alarm


def _note_on_work_order(session: Session, alarm: Alarm, actor: User | None) -> None:
    """The visit record is written on the alarm's 12345 work order too (an internal note), so whoever handles or
    supervises the work order sees what was found without opening the care board."""
    if alarm.appeal_id is None:
        return
    from lianxin.appeals.models import Appeal
    from lianxin.appeals.service import add_module_note

    appeal = session.get(Appeal, alarm.appeal_id)
    if appeal is None:
        return
    outcome = OUTCOME_LABELS[alarm.outcome][0]
    text = f"关爱告警 {alarm.id} 上门结果：{outcome}。{alarm.visit_note}" + (
        "（附现场照片）" if alarm.photo_key else ""
    )
    add_module_note(
        session,
        appeal,
        actor=actor,
        note=text,
        label="关爱探视",
        payload={"alarm_id": alarm.id, "outcome": alarm.outcome.value},
    )


def _maybe_flag(session: Session, household: Household, now: datetime) -> None:
    real = session.scalar(
        select(func.count(Alarm.id)).where(
            Alarm.household_id == household.id,
            Alarm.outcome.in_([o.value for o in REAL_OUTCOMES]),
            Alarm.closed_at >= now - timedelta(days=FLAG_DAYS),
        )
    )
    if real >= REAL_ALARMS_TO_FLAG and not household.flagged:
        household.flagged = True
        _event(session, household, "flagged", None, real_alarms=real, days=FLAG_DAYS)
        session.flush()


def clear_alarm(session: Session, alarm: Alarm, *, reason: str) -> Alarm:
    """The condition went away before anyone acknowledged the alarm (use resumed, the device reports again)."""
    before = alarm.status.value
    alarm.status = next_status(alarm.status, AlarmAction.CLEAR)
    alarm.closed_at, alarm.open_key, alarm.next_escalation_at = utcnow(), None, None
    alarm.version += 1
    _alarm_event(session, alarm, AlarmAction.CLEAR, actor=None, before=before, note=reason)
    session.flush()
    return alarm


# --- reading ---------------------------------------------------------------------------------------------------


def alarms(session: Session, user: User, *, open_only: bool = True, household_id: int | None = None) -> Select:
    stmt = scoped(select(Alarm).join(Household, Alarm.household_id == Household.id), session, user)
    if open_only:
        stmt = stmt.where(Alarm.status.in_([s.value for s in OPEN_STATUSES]))
    if household_id is not None:
        stmt = stmt.where(Alarm.household_id == household_id)
    return stmt.order_by(Alarm.raised_at.desc(), Alarm.id.desc())
