"""Who hears about an item, and when: followers (residents with accounts, and the appellants of the appeals an
item is linked to) told when it moves; reminders to the owner unit before a due date and the overdue flag, on
the working-day calendar; the joint meeting's schedule and secretaries; follow-up actions reported done.

Every change goes through one function here and appends a ``PledgeEvent``; none commits."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lianxin.errors import InvalidInput, NotFound, PermissionDenied
from lianxin.notify import queue_notification
from lianxin.orgs.models import User
from lianxin.pledges import service as svc
from lianxin.pledges.models import PledgeDecision, PledgeFollower, PledgeItem, PledgeLink, PledgeList, PledgeMeeting
from lianxin.pledges.status import ITEM_LABELS, ItemStatus, ListStatus

REMIND_WORKING_DAYS = 5  # the owner unit is reminded this many working days before the due date
LIVE = (ItemStatus.PLANNED, ItemStatus.IN_PROGRESS, ItemStatus.DELAYED)
WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MOVES = svc.FOLLOWED  # the item events a follower hears about (progress, milestones and status changes)


# ---------------------------------------------------------------- followers


def follow(session: Session, item: PledgeItem, account) -> PledgeFollower:
    """A resident follows a published item (again: nothing changes)."""
    if item.pledge_list.status not in (ListStatus.PUBLISHED, ListStatus.ARCHIVED):
        raise NotFound("事项未公开", "the item is not public")
    if account is None:
        raise PermissionDenied("请先用手机号登录", "sign in with your phone first")
    existing = session.scalar(
        select(PledgeFollower).where(PledgeFollower.item_id == item.id, PledgeFollower.account_id == account.id)
    )
    if existing is not None:
        return existing
    row = PledgeFollower(jurisdiction_id=item.jurisdiction_id, item_id=item.id, account_id=account.id)
    session.add(row)
    session.flush()
    return row


def unfollow(session: Session, item: PledgeItem, account) -> bool:
    row = session.scalar(
        select(PledgeFollower).where(PledgeFollower.item_id == item.id, PledgeFollower.account_id == account.id)
    )
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True


def follows(session: Session, item: PledgeItem, account) -> bool:
    return account is not None and (
        session.scalar(
            select(PledgeFollower.id).where(PledgeFollower.item_id == item.id, PledgeFollower.account_id == account.id)
        )
        is not None
    )


def follower_phones(session: Session, item: PledgeItem) -> list[str]:
    """The phones told when the item moves: its followers' accounts, then the appellants of its linked appeals."""
    from lianxin.appeals.models import Appeal, Appellant
    from lianxin.residents.models import ResidentAccount

    phones = list(
        session.scalars(
            select(ResidentAccount.phone)
            .join(PledgeFollower, PledgeFollower.account_id == ResidentAccount.id)
            .where(PledgeFollower.item_id == item.id)
            .order_by(PledgeFollower.id)
        )
    )
    phones += session.scalars(
        select(Appellant.phone)
        .join(Appeal, Appeal.appellant_id == Appellant.id)
        .join(PledgeLink, (PledgeLink.kind == "appeal") & (PledgeLink.target_id == Appeal.id))
        .where(PledgeLink.item_id == item.id, Appeal.anonymous.is_(False), Appellant.phone.is_not(None))
    )
    return list(dict.fromkeys(p for p in phones if p))


def _what(kind: str, to_status: str | None, payload: dict) -> str:
    if kind == "milestone":
        return f"新进展节点“{payload.get('title', '')}”"
    if kind == "decision":
        return f"在联席会议上有了决定：{str(payload.get('decision', ''))[:60]}"
    if kind == "progress":
        pct = (payload.get("progress") or [None, None])[-1]
        return f"进度更新为 {pct}%" if pct is not None else "进度已更新"
    if to_status:
        return f"状态变为“{ITEM_LABELS[ItemStatus(to_status)][0]}”"
    return "有新动态"


def tell_followers(session: Session, item: PledgeItem, event) -> int:
    """Queue one SMS per follower for an item event that moves it; deduplicated per event and phone."""
    if event.kind not in MOVES or item.pledge_list.status != ListStatus.PUBLISHED:
        return 0
    phones = follower_phones(session, item)
    if not phones:
        return 0
    session.flush()  # the event's id is the dedupe key
    message = (
        f"【连心·办实事】您关注的“{item.title[:40]}”{_what(event.kind, event.to_status, event.payload or {})}。"
        f"详情：/pledges/items/{item.id}"
    )
    told = 0
    for phone in phones:
        told += (
            queue_notification(
                session,
                jurisdiction_id=item.jurisdiction_id,
                kind="pledge_moved",
                audience="appellant",
                recipient=phone,
                message=message,
                dedupe_key=f"pledge:{item.id}:{event.id}:{phone}",
            )
            is not None
        )
    return told


# ---------------------------------------------------------------- reminders and overdue on working days


def effective_due(calendar, due_on: date) -> date:
    """A due date on a holiday or weekend moves to the next working day (调休 make-up days count as work)."""
    day = due_on
    for _ in range(30):
        if calendar.is_workday(day):
            return day
        day += timedelta(days=1)
    return due_on


def working_days_until(calendar, today: date, due_on: date) -> int:
    """Working days after today up to and including the effective due date (0: due today; < 0: overdue)."""
    due = effective_due(calendar, due_on)
    if due < today:
        return -1
    return sum(1 for n in range(1, (due - today).days + 1) if calendar.is_workday(today + timedelta(days=n)))


def remind_due(session: Session, *, today: date | None = None) -> int:
    """Job: tell each live item's owner unit once per due date, ``REMIND_WORKING_DAYS`` working days before it
    (through the notification outbox); the item remembers the due date it was reminded of. Idempotent."""
    from lianxin.sla.service import get_calendar

    today = today or svc.local_today()
    horizon = today + timedelta(days=REMIND_WORKING_DAYS * 3)
    stmt = (
        select(PledgeItem)
        .join(PledgeList, PledgeList.id == PledgeItem.list_id)
        .where(
            PledgeList.status == ListStatus.PUBLISHED,
            PledgeItem.status.in_(LIVE),
            PledgeItem.due_on.is_not(None),
            PledgeItem.due_on >= today,
            PledgeItem.due_on <= horizon,
            PledgeItem.owner_unit_id.is_not(None),
        )
        .with_for_update(skip_locked=True, of=PledgeItem)
    )
    calendars: dict[int, object] = {}
    count = 0
    for item in session.scalars(stmt):
        if item.reminded_due_on == item.due_on or svc.children_of(session, item):
            continue
        calendar = calendars.get(item.jurisdiction_id) or calendars.setdefault(
            item.jurisdiction_id, get_calendar(session, item.jurisdiction_id)
        )
        left = working_days_until(calendar, today, item.due_on)
        if left > REMIND_WORKING_DAYS:
            continue
        queue_notification(
            session,
            jurisdiction_id=item.jurisdiction_id,
            kind="pledge_due",
            audience="unit",
            recipient=item.owner_unit_id,
            message=(
                f"【连心·办实事】“{item.title[:40]}”将于 {item.due_on:%m月%d日} 到期（还有 {left} 个工作日），"
                f"当前进度 {item.progress}%，请及时推进并报送进展。"
            ),
            dedupe_key=f"pledge_due:{item.id}:{item.due_on.isoformat()}",
        )
        item.reminded_due_on = item.due_on
        svc._event(
            session,
            item.pledge_list,
            "reminded",
            actor=None,
            item=item,
            payload={"due_on": item.due_on.isoformat(), "working_days_left": left},
        )
        count += 1
    session.flush()
    return count


# ---------------------------------------------------------------- the meeting's schedule, secretaries, follow-ups


def set_schedule(
    session: Session,
    plist: PledgeList,
    *,
    actor: User,
    weekday,
    time: str = "",
    place: str = "",
    participants=(),
    secretary_ids=(),
) -> PledgeList:
    """The joint meeting's schedule (e.g. every Tuesday 09:00), who takes part, and who keeps the minutes."""
    svc._require(svc.can_manage(session, actor, plist))
    if weekday in (None, ""):
        day = None
    else:
        try:
            day = int(weekday)
        except (TypeError, ValueError):
            day = -1
        if not 0 <= day <= 6:
            raise InvalidInput("请选择每周哪一天开会", "choose the weekday of the meeting", field="meeting_weekday")
    time = (time or "").strip()
    if time and (len(time) != 5 or time[2] != ":" or not (time[:2] + time[3:]).isdigit() or int(time[:2]) > 23):
        raise InvalidInput("时间格式如 09:00", "the time looks like 09:00", field="meeting_time")
    names = [str(p).strip()[:50] for p in participants if str(p).strip()][:50]
    secretaries = []
    for raw in secretary_ids:
        user = session.get(User, int(raw)) if str(raw).isdigit() else None
        if user is None or user.jurisdiction_id != plist.jurisdiction_id:
            raise InvalidInput(
                "会议秘书不是本辖区的工作人员", "the secretary is not a staff member here", field="secretary"
            )
        secretaries.append(user.id)
    plist.meeting_weekday, plist.meeting_time = day, time
    plist.meeting_place = (place or "").strip()[:100]
    plist.meeting_participants, plist.secretary_ids = names, list(dict.fromkeys(secretaries))
    svc._event(
        session,
        plist,
        "schedule",
        actor=actor,
        payload={"weekday": day, "time": time, "place": plist.meeting_place, "participants": names},
    )
    session.flush()
    return plist


def next_meeting_on(plist: PledgeList, today: date) -> date | None:
    """The next scheduled meeting day on or after today (None without a schedule)."""
    if plist.meeting_weekday is None:
        return None
    return today + timedelta(days=(plist.meeting_weekday - today.weekday()) % 7)


def schedule_text(plist: PledgeList, lang: str = "zh") -> str:
    if plist.meeting_weekday is None:
        return ""
    day = (WEEKDAYS_EN if lang == "en" else WEEKDAYS)[plist.meeting_weekday]
    when = f"{'every ' if lang == 'en' else '每'}{day}{' ' + plist.meeting_time if plist.meeting_time else ''}"
    return f"{when}{' · ' + plist.meeting_place if plist.meeting_place else ''}"


def is_secretary(user: User | None, plist: PledgeList) -> bool:
    return user is not None and user.id in (plist.secretary_ids or [])


def can_minute(session: Session, user: User | None, plist: PledgeList) -> bool:
    """The list's managers and its meeting secretaries record meetings and follow-ups."""
    return is_secretary(user, plist) or svc.can_manage(session, user, plist)


def open_follow_ups(session: Session, plist: PledgeList) -> list[PledgeDecision]:
    """Decisions with a follow-up action not yet reported done, oldest due first."""
    return list(
        session.scalars(
            select(PledgeDecision)
            .join(PledgeMeeting, PledgeMeeting.id == PledgeDecision.meeting_id)
            .where(
                PledgeMeeting.list_id == plist.id,
                PledgeDecision.follow_up != "",
                PledgeDecision.follow_up_done_on.is_(None),
            )
            .order_by(PledgeDecision.follow_up_due.is_(None), PledgeDecision.follow_up_due, PledgeDecision.id)
        )
    )


def finish_follow_up(
    session: Session, decision: PledgeDecision, *, actor: User, result: str, done_on=None
) -> PledgeDecision:
    """A follow-up action reported done, with what was done (shown at the next meeting)."""
    plist = session.get(PledgeList, decision.meeting.list_id) if decision.meeting.list_id else None
    if plist is None:
        raise NotFound("会议不属于任何清单", "the meeting belongs to no list")
    svc._require(can_minute(session, actor, plist) or svc.can_work(session, actor, decision.item))
    if not decision.follow_up:
        raise InvalidInput("该决定没有待办事项", "the decision has no follow-up action", field="decision")
    if decision.follow_up_done_on is not None:
        raise InvalidInput("该待办已办结", "the follow-up is already done", field="decision")
    text = (result or "").strip()
    if len(text) < 2:
        raise InvalidInput("请填写办理结果", "say what was done", field="result")
    decision.follow_up_done_on = svc._date(done_on, "done_on") or svc.local_today()
    decision.follow_up_result = text[:2000]
    svc._event(
        session,
        plist,
        "follow_up_done",
        actor=actor,
        item=decision.item,
        payload={"decision_id": decision.id, "follow_up": decision.follow_up, "result": decision.follow_up_result},
    )
    session.flush()
    return decision


# ---------------------------------------------------------------- what a workbench page needs beside its rows


def agenda_rows(session: Session, plist: PledgeList, today: date | None = None) -> list:
    """The meeting's agenda (``queries.agenda``) from the candidates only: open leaf items delayed, suspended
    or due within the agenda window, found in SQL, so a workbench page never loads the whole list."""
    from sqlalchemy import or_
    from sqlalchemy.orm import aliased

    from lianxin.pledges import queries
    from lianxin.pledges.status import ITEM_OPEN

    today = today or svc.local_today()
    child = aliased(PledgeItem)
    ids = list(
        session.scalars(
            select(PledgeItem.id).where(
                PledgeItem.list_id == plist.id,
                PledgeItem.status.in_(ITEM_OPEN),
                or_(
                    PledgeItem.status.in_([ItemStatus.DELAYED, ItemStatus.SUSPENDED]),
                    PledgeItem.due_on <= today + timedelta(days=queries.AGENDA_DAYS),
                ),
                ~select(child.id).where(child.parent_id == PledgeItem.id).exists(),
            )
        )
    )
    rows = queries.ledger(session, plist, public=False, only=ids, today=today) if ids else []
    return queries.agenda(rows, today)


def parent_options(session: Session, plist: PledgeList, limit: int = 2000) -> list[tuple[int, str, int]]:
    """(id, title, depth) of the items a new item can sit under, in tree order: the items that already have
    children and the top-level ones (a list of thousands of leaves offers its branches, not every leaf)."""
    rows = session.execute(
        select(PledgeItem.id, PledgeItem.title, PledgeItem.parent_id, PledgeItem.position).where(
            PledgeItem.list_id == plist.id
        )
    ).all()
    parents = {r.parent_id for r in rows if r.parent_id}
    by_parent: dict[int | None, list] = {}
    for r in rows:
        by_parent.setdefault(r.parent_id, []).append(r)
    out: list[tuple[int, str, int]] = []

    def walk(parent_id, depth):
        for r in sorted(by_parent.get(parent_id, []), key=lambda r: (r.position, r.id)):
            if len(out) >= limit:
                return
            if r.id in parents or parent_id is None:
                out.append((r.id, r.title, depth))
                walk(r.id, depth + 1)

    walk(None, 0)
    return out
