"""The live work on an item: progress reports (a percentage or an indicator's value), milestones with photos
and documents, status changes, completion, and the overdue sweep on the working-day calendar. Each verb goes
through the state machine (``status.py``) and appends an event; none commits."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from lianxin.clock import utcnow
from lianxin.errors import Conflict, InvalidInput
from lianxin.orgs.models import User
from lianxin.pledges.models import (
    PledgeItem,
    PledgeList,
    PledgeMilestone,
    PledgeTarget,
)
from lianxin.pledges.service import (
    _date,
    _event,
    _item_action,
    _mark_changed,
    _number,
    _optional_text,
    _progress,
    _require,
    _require_editable,
    _require_live,
    _rollup_from,
    _text,
    can_manage,
    can_work,
    children_of,
    local_today,
)
from lianxin.pledges.status import (
    ItemAction,
    ItemStatus,
    ListStatus,
    target_progress,
)


def report_progress(
    session: Session,
    item: PledgeItem,
    *,
    actor: User,
    progress=None,
    target_id: int | None = None,
    value=None,
    note: str = "",
    measured_on=None,
) -> PledgeItem:
    """报送进度: a percentage, or a measured value against one of the item's targets (the percentage then
    follows from the targets), with a note."""
    _require(can_work(session, actor, item))
    _require_live(item)
    pct = _progress(progress)
    payload: dict = {"note": _optional_text(note, "note", "进展说明", "Note", 1000)}
    if target_id is not None:
        target = session.get(PledgeTarget, target_id)
        if target is None or target.item_id != item.id:
            raise InvalidInput("该指标不属于此事项", "the indicator belongs to another item", field="target_id")
        target.actual = _number(value, "value", required=True)
        target.measured_on = _date(measured_on, "measured_on") or local_today()
        payload.update(target_id=target.id, value=target.actual, target=target.target, baseline=target.baseline)
        if pct is None:
            shares = [target_progress(t.baseline, t.target, t.actual, t.direction) for t in item.targets]
            shares = [s for s in shares if s is not None]
            pct = round(sum(shares) / len(shares)) if shares else None
    if pct is None:
        raise InvalidInput(
            "请填写进度或指标实际值", "give a percentage or an indicator's measured value", field="progress"
        )
    if children_of(session, item):
        raise Conflict(
            "有下级事项的进度由下级汇总，不能直接填报",
            "a parent's progress is rolled up from its children",
            field="progress",
        )
    pct = min(pct, 99)  # 100 % is reached by completing
    payload.update(progress=[item.progress, pct])
    _item_action(session, item, ItemAction.REPORT, actor=actor, payload=payload, kind="progress")
    item.progress = pct
    session.flush()
    _rollup_from(session, session.get(PledgeItem, item.parent_id) if item.parent_id else None)
    return item


def add_milestone(
    session: Session,
    item: PledgeItem,
    *,
    actor: User,
    title: str,
    dated=None,
    text: str = "",
    progress=None,
    meeting_id: int | None = None,
    photos: list[str] | tuple = (),
    documents: list[dict] | tuple = (),
) -> PledgeMilestone:
    """A dated milestone with text, photos (storage keys of re-encoded uploads), documents (``{"key", "name",
    "type"}`` of checked PDF / Office files) and optionally a progress."""
    _require(can_work(session, actor, item))
    _require_live(item)
    pct = _progress(progress)
    milestone = PledgeMilestone(
        jurisdiction_id=item.jurisdiction_id,
        item_id=item.id,
        dated=_date(dated, "dated") or local_today(),
        title=_text(title, "milestone_title", "节点名称", "Milestone"),
        text=_optional_text(text, "milestone_text", "节点说明", "Text", 2000),
        progress=pct,
        meeting_id=meeting_id,
        photos=list(photos)[:9],
        documents=list(documents)[:5],
        created_by_id=actor.id,
        created_at=utcnow(),
    )
    session.add(milestone)
    session.flush()
    session.expire(item, ["milestones"])
    _event(
        session,
        item.pledge_list,
        "milestone",
        actor=actor,
        item=item,
        payload={"milestone_id": milestone.id, "title": milestone.title, "progress": pct},
    )
    if (
        pct is not None
        and pct != item.progress
        and item.status in (ItemStatus.PLANNED, ItemStatus.IN_PROGRESS, ItemStatus.DELAYED)
    ):
        report_progress(session, item, actor=actor, progress=pct, note=milestone.title)
    return milestone


def change_item_status(
    session: Session, item: PledgeItem, action: ItemAction | str, *, actor: User, note: str = ""
) -> PledgeItem:
    """开工 / 暂缓 / 恢复 / 标记滞后 / 重新推进 / 撤销 (撤销 is a change of commitment). 办结: ``complete_item``."""
    action = ItemAction(action) if action in set(ItemAction) else action
    if action in (ItemAction.COMPLETE, ItemAction.REPORT) or not isinstance(action, ItemAction):
        raise InvalidInput("不支持的操作", "unsupported action", field="action")
    if action in (ItemAction.CANCEL, ItemAction.REOPEN):
        _require(can_manage(session, actor, item.pledge_list))
    else:
        _require(can_work(session, actor, item))
    _require_live(item)
    if action == ItemAction.CANCEL:
        _require_editable(item.pledge_list)
        if len(note.strip()) < 2:
            raise InvalidInput("撤销事项请说明原因", "say why the item is cancelled", field="note")
    _item_action(session, item, action, actor=actor, payload={"note": note.strip()[:1000]})
    if action == ItemAction.CANCEL:
        _mark_changed(item.pledge_list)
    if action == ItemAction.REOPEN:
        item.completed_on = None
        item.progress = 90
    session.flush()
    _rollup_from(session, session.get(PledgeItem, item.parent_id) if item.parent_id else None)
    return item


def complete_item(
    session: Session,
    item: PledgeItem,
    *,
    actor: User | None,
    note: str = "",
    completed_on=None,
    meeting_id: int | None = None,
    check: bool = True,
) -> PledgeItem:
    """办结: progress 100 %, the completion date, and a milestone saying so."""
    if check:
        _require(can_work(session, actor, item))
    _require_live(item)
    if children_of(session, item):
        raise Conflict(
            "有下级事项的，在下级全部办结后自动办结", "a parent completes when all its children have", field="status"
        )
    when = _date(completed_on, "completed_on") or local_today()
    _item_action(
        session,
        item,
        ItemAction.COMPLETE,
        actor=actor,
        payload={"note": note.strip()[:1000], "completed_on": when.isoformat()},
    )
    item.completed_on = when
    session.add(
        PledgeMilestone(
            jurisdiction_id=item.jurisdiction_id,
            item_id=item.id,
            dated=when,
            title="办结",
            text=note.strip()[:2000],
            progress=100,
            meeting_id=meeting_id,
            photos=[],
            created_by_id=actor.id if actor else None,
            created_at=utcnow(),
        )
    )
    session.flush()
    session.expire(item, ["milestones"])
    _rollup_from(session, session.get(PledgeItem, item.parent_id) if item.parent_id else None)
    return item


def mark_overdue(session: Session, jurisdiction_id: int | None = None, *, today: date | None = None) -> int:
    """Job: items past their due date and still planned or in progress become 滞后. Idempotent. On the
    working-day calendar: a due date on a holiday or weekend falls due on the next working day."""
    from lianxin.pledges.follow import effective_due
    from lianxin.sla.service import get_calendar

    today = today or local_today()
    calendars: dict = {}
    stmt = (
        select(PledgeItem)
        .join(PledgeList, PledgeList.id == PledgeItem.list_id)
        .where(
            PledgeItem.due_on < today,
            PledgeItem.status.in_([ItemStatus.PLANNED, ItemStatus.IN_PROGRESS]),
            PledgeList.status == ListStatus.PUBLISHED,
        )
    )
    if jurisdiction_id is not None:
        stmt = stmt.where(PledgeItem.jurisdiction_id == jurisdiction_id)
    count = 0
    for item in session.scalars(stmt):
        if item.jurisdiction_id not in calendars:
            calendars[item.jurisdiction_id] = get_calendar(session, item.jurisdiction_id)
        if effective_due(calendars[item.jurisdiction_id], item.due_on) >= today:
            continue
        _item_action(session, item, ItemAction.MARK_DELAYED, actor=None, payload={"due_on": item.due_on.isoformat()})
        count += 1
    session.flush()
    return count
