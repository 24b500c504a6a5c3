"""办实事 verbs: the only door through which commitment lists, items, meetings and ratings change.

Each verb checks the caller and the transition (``status.py``), sets fields, appends a ``PledgeEvent``
and flushes; none commits (the request, command or job does, once). Commitment content (titles,
owners, dates, targets, funds) is versioned: a change after publishing marks the list as having
pending changes, and the next ``publish_list`` stores a new version with the diff. Progress,
milestones, meetings and ratings are the live work and show at once."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session

from lianxin.clock import local_zone, utcnow
from lianxin.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from lianxin.orgs.models import Role, Unit, User
from lianxin.orgs.service import has_role
from lianxin.pledges.models import (
    PledgeEvent,
    PledgeItem,
    PledgeList,
    PledgeTarget,
)
from lianxin.pledges.status import (
    LIST_EDITABLE,
    ItemAction,
    ItemStatus,
    ListStatus,
    check_direction,
    next_item_status,
    progress_after,
    rollup,
)

WORKERS = (Role.LEADER, Role.HANDLER)
# item events that move an item: its followers are told (``follow.tell_followers``)
FOLLOWED = frozenset(
    {"progress", "milestone", "decision", "start", "complete", "suspend", "resume", "mark_delayed", "reopen", "cancel"}
)
PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
ITEM_FIELDS = (
    "title",
    "description",
    "owner_unit_id",
    "co_unit_ids",
    "lead_official",
    "category",
    "area",
    "lat",
    "lng",
    "start_on",
    "due_on",
    "budget_planned",
    "budget_spent",
    "fund_source",
    "weight",
    "parent_id",
    "external_id",
    "position",
)
# Fields whose change is a change of commitment (the rest, such as funds spent, are live work).
COMMITMENT_FIELDS = frozenset(ITEM_FIELDS) - {"budget_spent", "position", "description", "lat", "lng"}


def local_today() -> date:
    return utcnow().astimezone(local_zone()).date()


# ---------------------------------------------------------------- validation helpers


def _text(value: str | None, field: str, zh: str, en: str, *, shortest: int = 2, longest: int = 200) -> str:
    value = (value or "").strip()
    if len(value) < shortest:
        raise InvalidInput(f"{zh}至少需要 {shortest} 个字", f"{en} needs at least {shortest} characters", field=field)
    if len(value) > longest:
        raise InvalidInput(f"{zh}不能超过 {longest} 字", f"{en} is limited to {longest} characters", field=field)
    return value


def _optional_text(value: str | None, field: str, zh: str, en: str, longest: int) -> str:
    value = (value or "").strip()
    if len(value) > longest:
        raise InvalidInput(f"{zh}不能超过 {longest} 字", f"{en} is limited to {longest} characters", field=field)
    return value


def _unit(session: Session, jurisdiction_id: int, unit_id: int | None, field: str) -> Unit | None:
    if unit_id is None:
        return None
    unit = session.get(Unit, unit_id)
    if unit is None or unit.jurisdiction_id != jurisdiction_id or not unit.active:
        raise InvalidInput(f"单位 {unit_id} 不存在", f"unit {unit_id} not found", field=field)
    return unit


def _money(value, field: str) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise InvalidInput("金额应为数字（万元）", "amounts are numbers (10,000 yuan)", field=field) from None
    if amount < 0 or amount >= Decimal("1e12"):
        raise InvalidInput("金额超出范围", "the amount is out of range", field=field)
    return amount


def _number(value, field: str, *, required: bool = False) -> float | None:
    if value is None or value == "":
        if required:
            raise InvalidInput("请填写数值", "a number is required", field=field)
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidInput("应为数字", "must be a number", field=field) from None
    if number != number or abs(number) > 1e12:
        raise InvalidInput("数值超出范围", "the number is out of range", field=field)
    return number


def _progress(value, field: str = "progress") -> int | None:
    number = _number(value, field)
    if number is None:
        return None
    if not 0 <= number <= 100 or number != int(number):
        raise InvalidInput("进度应为 0 到 100 的整数", "progress is a whole number from 0 to 100", field=field)
    return int(number)


def _date(value, field: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise InvalidInput("日期格式应为 YYYY-MM-DD", "dates look like 2026-03-20", field=field) from None


def _event(
    session: Session,
    plist: PledgeList,
    kind: str,
    *,
    actor: User | None,
    item: PledgeItem | None = None,
    from_status: str | None = None,
    to_status: str | None = None,
    payload: dict | None = None,
) -> PledgeEvent:
    event = PledgeEvent(
        jurisdiction_id=plist.jurisdiction_id,
        list_id=plist.id,
        item_id=item.id if item else None,
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        payload=payload or {},
        actor_id=actor.id if actor else None,
        created_at=utcnow(),
    )
    session.add(event)
    if item is not None and kind in FOLLOWED:
        from lianxin.pledges.follow import tell_followers

        tell_followers(session, item, event)
    return event


# ---------------------------------------------------------------- permissions


def can_manage(session: Session, user: User | None, plist: PledgeList) -> bool:
    """Leaders and handlers covering the list's owner unit (any, for a list without one) edit it."""
    return has_role(session, user, WORKERS, unit_id=plist.owner_unit_id)


def can_work(session: Session, user: User | None, item: PledgeItem) -> bool:
    """The item's owner unit (or the list's managers) reports progress and milestones."""
    if item.owner_unit_id is not None and has_role(session, user, WORKERS, unit_id=item.owner_unit_id):
        return True
    return can_manage(session, user, item.pledge_list)


def can_decide(session: Session, user: User | None, plist: PledgeList) -> bool:
    """Approving, publishing and archiving is for leaders covering the owner unit."""
    return has_role(session, user, (Role.LEADER,), unit_id=plist.owner_unit_id)


def _require(ok: bool) -> None:
    if not ok:
        raise PermissionDenied("您无权办理该清单的此项操作", "you may not do this on this list")


def _require_editable(plist: PledgeList) -> None:
    if plist.status not in LIST_EDITABLE:
        raise Conflict(
            "清单已审定或归档，不能修改（已审定的清单可退回修改）",
            "the list is approved or archived and cannot be edited (send an approved list back first)",
            field="status",
        )


# ---------------------------------------------------------------- lookups


def get_list(session: Session, list_id: int, *, jurisdiction_id: int) -> PledgeList:
    plist = session.get(PledgeList, list_id)
    if plist is None or plist.jurisdiction_id != jurisdiction_id:
        raise NotFound(f"清单 {list_id} 不存在", f"list {list_id} not found", field="list")
    return plist


def get_item(session: Session, item_id: int, *, jurisdiction_id: int) -> PledgeItem:
    item = session.get(PledgeItem, item_id)
    if item is None or item.jurisdiction_id != jurisdiction_id:
        raise NotFound(f"事项 {item_id} 不存在", f"item {item_id} not found", field="item")
    return item


def children_of(session: Session, item: PledgeItem) -> list[PledgeItem]:
    return list(session.scalars(select(PledgeItem).where(PledgeItem.parent_id == item.id)))


# ---------------------------------------------------------------- lists


def _target_snapshot(t: PledgeTarget) -> dict:
    return {
        "name": t.name,
        "unit": t.unit,
        "baseline": t.baseline,
        "baseline_period": t.baseline_period,
        "target": t.target,
        "method": t.method,
        # only when not the default, so lists published before directions existed keep their digests and diffs
        **({"direction": t.direction} if t.direction == "down" else {}),
    }


def _mark_changed(plist: PledgeList) -> None:
    if plist.status == ListStatus.PUBLISHED:
        plist.pending_changes = True


# ---------------------------------------------------------------- items


def _check_parent(session: Session, plist: PledgeList, parent_id: int | None, item: PledgeItem | None = None) -> None:
    if parent_id is None:
        return
    parent = session.get(PledgeItem, parent_id)
    if parent is None or parent.list_id != plist.id:
        raise InvalidInput("上级事项不在本清单中", "the parent item is not in this list", field="parent_id")
    seen, cursor = set(), parent
    while cursor is not None:  # no cycles: the item must not be its own ancestor
        if item is not None and cursor.id == item.id:
            raise InvalidInput("上级事项不能是本事项或其下级", "an item cannot sit under itself", field="parent_id")
        if cursor.id in seen:
            break
        seen.add(cursor.id)
        cursor = session.get(PledgeItem, cursor.parent_id) if cursor.parent_id else None


def _clean_item_fields(session: Session, plist: PledgeList, fields: dict, item: PledgeItem | None = None) -> dict:
    unknown = set(fields) - set(ITEM_FIELDS)
    if unknown:
        raise InvalidInput(f"未知字段：{'、'.join(sorted(unknown))}", f"unknown fields: {', '.join(sorted(unknown))}")
    jid, clean = plist.jurisdiction_id, {}
    for key, value in fields.items():
        if key == "title":
            clean[key] = _text(value, "title", "事项名称", "Title")
        elif key == "description":
            clean[key] = _optional_text(value, key, "说明", "Description", 4000)
        elif key == "owner_unit_id":
            clean[key] = (
                _unit(session, jid, int(value) if value not in (None, "") else None, "owner_unit").id
                if value not in (None, "")
                else None
            )
        elif key == "co_unit_ids":
            clean[key] = [_unit(session, jid, int(v), "co_unit_ids").id for v in value or ()]
        elif key in ("lead_official", "category", "external_id"):
            clean[key] = _optional_text(
                value,
                key,
                {"lead_official": "领办领导", "category": "类别", "external_id": "外部编号"}[key],
                key,
                64 if key == "external_id" else 100,
            ) or (None if key == "external_id" else "")
        elif key in ("area", "fund_source"):
            clean[key] = _optional_text(value, key, "地点" if key == "area" else "资金来源", key, 200)
        elif key in ("lat", "lng"):
            clean[key] = _number(value, key)
        elif key in ("start_on", "due_on"):
            clean[key] = _date(value, key)
        elif key in ("budget_planned", "budget_spent"):
            clean[key] = _money(value, key)
        elif key == "weight":
            weight = _number(value, key)
            if weight is None or weight < 0 or weight > 1000:
                raise InvalidInput("权重应为 0 到 1000 之间的数", "the weight is a number from 0 to 1000", field=key)
            clean[key] = weight
        elif key == "parent_id":
            clean[key] = int(value) if value not in (None, "") else None
            _check_parent(session, plist, clean[key], item)
        elif key == "position":
            clean[key] = int(value or 0)
    start = clean.get("start_on", item.start_on if item else None)
    due = clean.get("due_on", item.due_on if item else None)
    if start and due and due < start:
        raise InvalidInput("完成时限不能早于开始日期", "the due date cannot be before the start date", field="due_on")
    return clean


def add_item(
    session: Session, plist: PledgeList, *, actor: User, targets: list[dict] | None = None, **fields
) -> PledgeItem:
    _require(can_manage(session, actor, plist))
    _require_editable(plist)
    if "title" not in fields:
        raise InvalidInput("事项名称至少需要 2 个字", "Title needs at least 2 characters", field="title")
    clean = _clean_item_fields(session, plist, fields)
    clean.setdefault("owner_unit_id", plist.owner_unit_id)
    clean.setdefault("weight", 1.0)
    item = PledgeItem(
        jurisdiction_id=plist.jurisdiction_id, list_id=plist.id, status=ItemStatus.PLANNED, progress=0, **clean
    )
    session.add(item)
    session.flush()
    for target in targets or ():
        add_target(session, item, actor=actor, **target)
    _mark_changed(plist)
    _event(session, plist, "item_added", actor=actor, item=item, to_status=item.status, payload={"title": item.title})
    session.flush()
    return item


def update_item(session: Session, item: PledgeItem, *, actor: User, **fields) -> dict:
    """Edit an item; returns ``{field: [old, new]}`` of what changed (recorded in the event)."""
    plist = item.pledge_list
    _require(can_work(session, actor, item))
    clean = _clean_item_fields(session, plist, fields, item)
    if set(clean) & COMMITMENT_FIELDS:
        _require(can_manage(session, actor, plist))
        _require_editable(plist)
    changes = {}
    for key, value in clean.items():
        old = getattr(item, key)
        if old != value:
            changes[key] = [_plain(old), _plain(value)]
            setattr(item, key, value)
    if not changes:
        return {}
    if set(changes) & COMMITMENT_FIELDS:
        _mark_changed(plist)
    _event(session, plist, "item_updated", actor=actor, item=item, payload={"changes": changes})
    session.flush()
    if "parent_id" in changes or "weight" in changes:
        for parent_id in {changes.get("parent_id", [item.parent_id])[0], item.parent_id} - {None}:
            _rollup_from(session, session.get(PledgeItem, parent_id))
    return changes


def _plain(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def add_target(
    session: Session,
    item: PledgeItem,
    *,
    actor: User,
    name: str,
    target,
    unit: str = "",
    baseline=None,
    baseline_period: str = "",
    method: str = "",
    direction: str = "",
) -> PledgeTarget:
    """An indicator; ``direction`` up (higher is better, e.g. households connected) or down (lower is better,
    e.g. complaints or algae blooms), checked against the baseline; empty: down when the target is below the
    baseline, else up."""
    plist = item.pledge_list
    _require(can_manage(session, actor, plist))
    _require_editable(plist)
    base_value, target_value = _number(baseline, "baseline"), _number(target, "target", required=True)
    row = PledgeTarget(
        jurisdiction_id=item.jurisdiction_id,
        item_id=item.id,
        name=_text(name, "target_name", "指标名称", "Indicator name"),
        unit=_optional_text(unit, "target_unit", "计量单位", "Unit", 32),
        baseline=base_value,
        baseline_period=_optional_text(baseline_period, "baseline_period", "基期", "Baseline period", 50),
        target=target_value,
        method=_optional_text(method, "method", "测算方法", "Method", 300),
        direction=check_direction(
            base_value,
            target_value,
            direction or ("down" if base_value is not None and target_value < base_value else "up"),
        ),
        source="manual",
    )
    session.add(row)
    _mark_changed(plist)
    session.flush()
    session.expire(item, ["targets"])
    _event(session, plist, "target_added", actor=actor, item=item, payload=_target_snapshot(row))
    return row


def _item_action(
    session: Session,
    item: PledgeItem,
    action: ItemAction,
    *,
    actor: User | None,
    payload: dict | None = None,
    kind: str | None = None,
) -> ItemStatus:
    before = item.status
    item.status = next_item_status(before, action)
    item.progress = progress_after(item.status, item.progress)
    if item.status != before:
        item.status_key = None  # the vocabulary's finer step belonged to the state the item left
    _event(
        session,
        item.pledge_list,
        kind or action.value,
        actor=actor,
        item=item,
        from_status=before,
        to_status=item.status,
        payload=payload,
    )
    return before


def _require_live(item: PledgeItem) -> None:
    if item.pledge_list.status == ListStatus.ARCHIVED:
        raise Conflict("清单已归档", "the list is archived", field="status")


def _rollup_from(session: Session, parent: PledgeItem | None) -> None:
    """Recompute progress up the tree from ``parent`` (weighted by the children's weights)."""
    seen = set()
    while parent is not None and parent.id not in seen:
        seen.add(parent.id)
        kids = children_of(session, parent)
        value = rollup((k.weight, k.progress, k.status) for k in kids)
        if value is not None and value != parent.progress:
            parent.progress = value
            if parent.status == ItemStatus.PLANNED and value > 0:
                _item_action(session, parent, ItemAction.START, actor=None, payload={"rollup": value})
        if (
            kids
            and all(k.status in (ItemStatus.COMPLETED, ItemStatus.CANCELLED) for k in kids)
            and any(k.status == ItemStatus.COMPLETED for k in kids)
            and parent.status != ItemStatus.COMPLETED
        ):
            if (parent.status, ItemAction.COMPLETE) in _complete_from():
                _item_action(session, parent, ItemAction.COMPLETE, actor=None, payload={"rollup": 100})
                parent.completed_on = max((k.completed_on for k in kids if k.completed_on), default=local_today())
        parent = session.get(PledgeItem, parent.parent_id) if parent.parent_id else None
    session.flush()


def _complete_from():
    from lianxin.pledges.status import ITEM_TRANSITIONS

    return {k for k in ITEM_TRANSITIONS if k[1] == ItemAction.COMPLETE}
