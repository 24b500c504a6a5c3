"""联席会议 (joint meetings): the record, a decision per item (ticking writes the item's milestone, completing
completes it, a follow-up carries an owner and a date) and new items raised at the meeting. One verb; it never
commits."""

from __future__ import annotations

from sqlalchemy.orm import Session

from lianxin.clock import utcnow
from lianxin.errors import Conflict, InvalidInput
from lianxin.orgs.models import User
from lianxin.pledges.models import PledgeDecision, PledgeItem, PledgeList, PledgeMeeting, PledgeMilestone
from lianxin.pledges.service import (
    _date,
    _event,
    _optional_text,
    _require,
    _text,
    add_item,
    can_manage,
    local_today,
)
from lianxin.pledges.status import ListStatus
from lianxin.pledges.work import complete_item


def record_meeting(
    session: Session,
    plist: PledgeList,
    *,
    actor: User,
    title: str,
    held_on,
    attendees=(),
    minutes: str = "",
    decisions: list[dict] | None = None,
    new_items: list[dict] | None = None,
) -> PledgeMeeting:
    """联席会议: the record, and per item a decision; ``ticked`` writes the item's milestone, ``completes``
    also completes the item; a follow-up carries an owner and a date. ``new_items`` (a new need raised
    at the meeting: title, owner unit, parent, due date, decision) become items of the list, each with
    its decision. The list's meeting secretaries (``secretary_ids``) record meetings too; a new item still
    needs a manager of the list."""
    _require(can_manage(session, actor, plist) or actor.id in (plist.secretary_ids or []))
    _require_live_list(plist)
    people = [p.strip() for p in attendees if p and p.strip()]
    if not people:
        raise InvalidInput("请填写参会人员", "list who attended", field="attendees")
    if any(len(p) > 50 for p in people) or len(people) > 100:
        raise InvalidInput(
            "参会人员每人不超过 50 字、最多 100 人", "at most 100 attendees of 50 characters each", field="attendees"
        )
    meeting = PledgeMeeting(
        jurisdiction_id=plist.jurisdiction_id,
        list_id=plist.id,
        unit_id=plist.owner_unit_id,
        title=_text(title, "title", "会议名称", "Meeting title"),
        held_on=_date(held_on, "held_on") or local_today(),
        attendees=people,
        minutes=_optional_text(minutes, "minutes", "会议纪要", "Minutes", 20000),
        created_by_id=actor.id,
        created_at=utcnow(),
    )
    if meeting.held_on > local_today():
        raise InvalidInput("会议日期不能晚于今天", "the meeting date cannot be in the future", field="held_on")
    session.add(meeting)
    session.flush()
    _event(
        session,
        plist,
        "meeting",
        actor=actor,
        payload={"meeting_id": meeting.id, "title": meeting.title, "decisions": len(decisions or ())},
    )
    seen = set()
    for raw in decisions or ():
        item = session.get(PledgeItem, int(raw.get("item_id") or 0))
        if item is None or item.list_id != plist.id:
            raise InvalidInput(
                "会议决定的事项不在本清单中", "a decision names an item outside this list", field="item_id"
            )
        if item.id in seen:
            raise InvalidInput("同一事项在一次会议中只记一条决定", "one decision per item per meeting", field="item_id")
        seen.add(item.id)
        decision = PledgeDecision(
            jurisdiction_id=plist.jurisdiction_id,
            meeting_id=meeting.id,
            item_id=item.id,
            decision=_text(raw.get("decision"), "decision", "会议决定", "Decision", longest=2000),
            ticked=bool(raw.get("ticked")) or bool(raw.get("completes")),
            completes=bool(raw.get("completes")),
            follow_up=_optional_text(raw.get("follow_up"), "follow_up", "后续事项", "Follow-up", 1000),
            follow_up_owner=_optional_text(raw.get("follow_up_owner"), "follow_up_owner", "后续责任人", "Owner", 100),
            follow_up_due=_date(raw.get("follow_up_due"), "follow_up_due"),
        )
        if decision.follow_up and not (decision.follow_up_owner and decision.follow_up_due):
            raise InvalidInput(
                "后续事项须有责任人和完成日期", "a follow-up needs an owner and a date", field="follow_up"
            )
        session.add(decision)
        session.flush()
        if decision.completes:
            complete_item(
                session,
                item,
                actor=actor,
                note=f"{meeting.title}：{decision.decision}",
                completed_on=meeting.held_on,
                meeting_id=meeting.id,
                check=False,
            )
            decision.milestone_id = item.milestones[0].id if item.milestones else None
        elif decision.ticked:
            milestone = PledgeMilestone(
                jurisdiction_id=item.jurisdiction_id,
                item_id=item.id,
                dated=meeting.held_on,
                title=f"{meeting.title}：{decision.decision}"[:200],
                text=decision.follow_up,
                meeting_id=meeting.id,
                photos=[],
                created_by_id=actor.id,
                created_at=utcnow(),
            )
            session.add(milestone)
            session.flush()
            decision.milestone_id = milestone.id
            session.expire(item, ["milestones"])
        _event(
            session,
            plist,
            "decision",
            actor=actor,
            item=item,
            payload={
                "meeting_id": meeting.id,
                "decision": decision.decision,
                "ticked": decision.ticked,
                "completes": decision.completes,
                "follow_up": decision.follow_up,
            },
        )
    for raw in new_items or ():
        fields = {k: raw[k] for k in ("title", "owner_unit_id", "parent_id", "due_on") if raw.get(k) not in (None, "")}
        fields.setdefault("title", "")
        item = add_item(session, plist, actor=actor, **fields)
        text = _optional_text(raw.get("decision"), "decision", "会议决定", "Decision", 2000) or "会议决定新增事项"
        session.add(
            PledgeDecision(
                jurisdiction_id=plist.jurisdiction_id,
                meeting_id=meeting.id,
                item_id=item.id,
                decision=text,
                created_item_id=item.id,
            )
        )
        _event(
            session,
            plist,
            "decision",
            actor=actor,
            item=item,
            payload={"meeting_id": meeting.id, "decision": text, "created_item": True},
        )
    session.flush()
    session.expire(meeting, ["decisions"])
    return meeting


def _require_live_list(plist: PledgeList) -> None:
    if plist.status == ListStatus.ARCHIVED:
        raise Conflict("清单已归档", "the list is archived", field="status")
