"""Pressure and help from outside the lead unit: urge (催办), supervise (督办 / 挂牌督办),
whistle (吹哨: call departments in) and the reports co-units and called-in departments owe."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from lianxin.appeals.choices import UnitRole
from lianxin.appeals.models import Appeal, AppealUnit
from lianxin.appeals.service import (
    active_units,
    flush,
    handling_unit,
    local_text,
    notify_unit,
    require_lead_handler,
    require_text,
    transition,
)
from lianxin.appeals.status import Action
from lianxin.clock import utcnow
from lianxin.errors import InvalidInput, PermissionDenied
from lianxin.orgs.models import Role, Unit, UnitKind, User
from lianxin.orgs.service import has_role, require_role

URGED, SUPERVISED, LISTED = 1, 2, 3
LEVEL_LABELS = {0: "无", URGED: "催办", SUPERVISED: "督办", LISTED: "挂牌督办"}
SUPERVISORS = (Role.DISPATCHER, Role.LEADER)
WHISTLERS = frozenset({UnitKind.STREET, UnitKind.DISTRICT})


def urge_appeal(
    session: Session,
    appeal: Appeal,
    *,
    actor: User | None,
    note: str,
    payload: dict | None = None,
    notify: bool = True,
    expected_version: int | None = None,
) -> Appeal:
    """催办: remind the lead unit; raises the supervision level to at least 1.

    ``actor=None`` is the urge job (``lianxin.jobs.send_urges``): it has already queued its own deduplicated
    notice, so it passes ``notify=False``, and says in ``payload`` which threshold fired."""
    require_role(session, actor, SUPERVISORS, unit_id=appeal.lead_unit_id)
    note = require_text(note, "note", "催办内容", "note")
    transition(
        session,
        appeal,
        Action.URGE,
        actor=actor,
        unit_id=appeal.lead_unit_id,
        note=note,
        payload=payload,
        expected_version=expected_version,
    )
    appeal.supervision_level = max(appeal.supervision_level, URGED)
    if notify:
        notify_unit(
            session, appeal, appeal.lead_unit_id, "urged", f"催办：{note}（办理时限 {local_text(appeal.due_at)}）"
        )
    flush(session)
    return appeal


def supervise_appeal(
    session: Session,
    appeal: Appeal,
    *,
    actor: User | None,
    note: str,
    listed: bool = False,
    expected_version: int | None = None,
) -> Appeal:
    """督办, or 挂牌督办 when ``listed``: the level never goes down."""
    require_role(session, actor, SUPERVISORS, unit_id=appeal.lead_unit_id)
    note = require_text(note, "note", "督办意见", "note")
    level = LISTED if listed else SUPERVISED
    transition(
        session,
        appeal,
        Action.SUPERVISE,
        actor=actor,
        unit_id=appeal.lead_unit_id,
        note=note,
        payload={"level": level, "label": LEVEL_LABELS[level]},
        expected_version=expected_version,
    )
    appeal.supervision_level = max(appeal.supervision_level, level)
    notify_unit(session, appeal, appeal.lead_unit_id, "supervised", f"{LEVEL_LABELS[level]}：{note}")
    flush(session)
    return appeal


def whistle(
    session: Session,
    appeal: Appeal,
    departments: Iterable[Unit | int],
    *,
    actor: User | None,
    note: str,
    expected_version: int | None = None,
) -> list[AppealUnit]:
    """吹哨: a street (or district) leading the appeal calls departments in; each must report (报到)."""
    unit_id = require_lead_handler(session, appeal, actor)
    if appeal.lead_unit.kind not in WHISTLERS:
        raise InvalidInput("只有街道/乡镇或区县主办时可以吹哨", "only a street or district lead unit can whistle")
    note = require_text(note, "note", "吹哨事由", "reason")
    already = {row.unit_id for row in active_units(appeal)}
    called: list[Unit] = []
    for department in departments:
        unit = handling_unit(session, appeal, department, field="departments")
        if unit.kind not in (UnitKind.DEPARTMENT, UnitKind.ENTERPRISE):
            raise InvalidInput(
                f"「{unit.name}」不是职能部门或公共服务企业", "only departments can be called in", field="departments"
            )
        if unit.id not in already and unit.id not in {u.id for u in called}:
            called.append(unit)
    if not called:
        raise InvalidInput(
            "请选择需要报到的部门", "choose at least one department not yet involved", field="departments"
        )
    now = utcnow()
    transition(
        session,
        appeal,
        Action.WHISTLE,
        actor=actor,
        unit_id=unit_id,
        note=note,
        payload={"departments": [u.name for u in called]},
        expected_version=expected_version,
        now=now,
    )
    rows = []
    for unit in called:
        row = AppealUnit(
            jurisdiction_id=appeal.jurisdiction_id,
            unit=unit,
            role=UnitRole.WHISTLED,
            active=True,
            assigned_at=now,
            report_due_at=appeal.due_at,
        )
        appeal.units.append(row)
        rows.append(row)
        notify_unit(
            session,
            appeal,
            unit.id,
            "whistled",
            f"{appeal.lead_unit.name}吹哨：{note}。请于 {local_text(appeal.due_at)} 前报到并反馈。",
        )
    flush(session)
    return rows


def report_to_lead(
    session: Session,
    appeal: Appeal,
    unit: Unit | int,
    *,
    actor: User | None,
    text: str,
    expected_version: int | None = None,
) -> AppealUnit:
    """A co-unit (协办) or a called-in department (报到) reports its part to the lead unit."""
    unit_id = unit if isinstance(unit, int) else unit.id
    row = next((r for r in active_units(appeal, UnitRole.CO, UnitRole.WHISTLED) if r.unit_id == unit_id), None)
    if row is None:
        raise PermissionDenied("该单位不是本工单的协办或报到单位", "the unit is not a co-unit of this appeal")
    if actor is not None and not has_role(session, actor, (Role.HANDLER,), unit_id=unit_id):
        raise PermissionDenied("您不属于该协办单位", "you do not belong to that unit")
    text = require_text(text, "text", "反馈内容", "report", minimum=5)
    now = utcnow()
    transition(
        session,
        appeal,
        Action.REPORT,
        actor=actor,
        unit_id=unit_id,
        note=text,
        payload={"role": str(row.role), "on_time": row.report_due_at is None or now <= row.report_due_at},
        expected_version=expected_version,
        now=now,
    )
    row.reported_at = row.reported_at or now
    row.report_text = text
    if appeal.lead_unit_id:
        notify_unit(session, appeal, appeal.lead_unit_id, "reported", f"{row.unit.name}反馈：{text}")
    flush(session)
    return row
