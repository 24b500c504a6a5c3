"""每月一题 verbs: leaders turn a hotspot into a topic; the owner unit's handlers work its tasks;
and the measured effect compares the appeals about the topic per week before and after it started."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lianxin.appeals.models import Appeal, Category
from lianxin.appeals.status import AppealStatus
from lianxin.clock import local_zone, utcnow
from lianxin.errors import Conflict, InvalidInput, NotFound
from lianxin.hotspots.service import get_hotspot
from lianxin.orgs.models import Role, Unit, User
from lianxin.orgs.service import require_role
from lianxin.topics.models import TOPIC_STATUS_LABELS, Topic, TopicPolicy, TopicStatus, TopicTask

MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
WORKERS = (Role.LEADER, Role.HANDLER)  # the owner unit's handlers and the leaders above it


def _text(value: str | None, field: str, label_zh: str, label_en: str, *, longest: int = 200) -> str:
    value = (value or "").strip()
    if len(value) < 2:
        raise InvalidInput(f"{label_zh}至少需要 2 个字", f"{label_en} needs at least 2 characters", field=field)
    if len(value) > longest:
        raise InvalidInput(
            f"{label_zh}不能超过 {longest} 字", f"{label_en} is limited to {longest} characters", field=field
        )
    return value


def _unit(session: Session, jurisdiction_id: int, unit_id: int, field: str) -> Unit:
    unit = session.get(Unit, unit_id)
    if unit is None or unit.jurisdiction_id != jurisdiction_id or not unit.active:
        raise InvalidInput(f"单位 {unit_id} 不存在", f"unit {unit_id} not found", field=field)
    return unit


def _month(value: str) -> str:
    if not MONTH_RE.match((value or "").strip()):
        raise InvalidInput("月份格式应为 YYYY-MM，例如 2026-03", "month must look like 2026-03", field="month")
    return value.strip()


def _clean_list(values, field: str) -> list[str]:
    cleaned = [v.strip() for v in values or () if v and v.strip()]
    if any(len(v) > 50 for v in cleaned):
        raise InvalidInput(
            "关键词和地点每项不能超过 50 字", "each term or place is limited to 50 characters", field=field
        )
    return list(dict.fromkeys(cleaned))[:10]


def get_topic(session: Session, topic_id: int, *, jurisdiction_id: int) -> Topic:
    topic = session.get(Topic, topic_id)
    if topic is None or topic.jurisdiction_id != jurisdiction_id:
        raise NotFound(f"每月一题 {topic_id} 不存在", f"topic {topic_id} not found", field="topic")
    return topic


def topics_of_hotspot(session: Session, hotspot) -> list[Topic]:
    """The ``hotspot_topics`` hook: the topics made from ``hotspot`` (listed on the hotspot's page)."""
    return list(session.scalars(select(Topic).where(Topic.source_hotspot_id == hotspot.id).order_by(Topic.id)))


def list_topics(session: Session, jurisdiction_id: int, *, month: str | None = None) -> list[Topic]:
    stmt = select(Topic).where(Topic.jurisdiction_id == jurisdiction_id)
    if month:
        stmt = stmt.where(Topic.month == _month(month))
    return list(session.scalars(stmt.order_by(Topic.month.desc(), Topic.id.desc())))


def create_topic(
    session: Session,
    *,
    actor: User,
    title: str,
    month: str,
    owner_unit_id: int,
    description: str = "",
    terms=(),
    places=(),
    category_id: int | None = None,
    source_hotspot_id: int | None = None,
    started_at: datetime | None = None,
) -> Topic:
    """A leader sets a topic of the month and names the unit that owns it.

    ``terms``, ``places`` and ``category_id`` say which appeals are about the topic (for the effect);
    at least one is required.
    """
    jid = actor.jurisdiction_id
    owner = _unit(session, jid, owner_unit_id, "owner_unit")
    require_role(session, actor, (Role.LEADER,), unit_id=owner.id)
    terms, places = _clean_list(terms, "terms"), _clean_list(places, "places")
    if category_id is not None:
        category = session.get(Category, category_id)
        if category is None or category.jurisdiction_id != jid:
            raise InvalidInput(f"问题分类 {category_id} 不存在", f"category {category_id} not found", field="category")
    if not (terms or places or category_id):
        raise InvalidInput(
            "请至少填写关键词、地点或问题分类之一，用于统计成效",
            "give terms, places or a category so the effect can be measured",
            field="terms",
        )
    topic = Topic(
        jurisdiction_id=jid,
        title=_text(title, "title", "标题", "title"),
        month=_month(month),
        owner_unit_id=owner.id,
        description=(description or "").strip()[:5000],
        terms=terms,
        places=places,
        category_id=category_id,
        source_hotspot_id=source_hotspot_id,
        started_at=started_at or utcnow(),
        created_by_id=actor.id,
        status=TopicStatus.ACTIVE,
    )
    session.add(topic)
    session.flush()
    return topic


def create_topic_from_hotspot(
    session: Session,
    hotspot_id: int,
    *,
    actor: User,
    month: str,
    owner_unit_id: int,
    title: str | None = None,
    description: str | None = None,
) -> Topic:
    """每月一题 from a hotspot: its description, place and key terms become the topic's."""
    hotspot = get_hotspot(session, hotspot_id, actor=actor)
    summary = f"热点：{hotspot.description}（{hotspot.place or '多处'}，{len(hotspot.appeal_ids)} 件诉求）"
    return create_topic(
        session,
        actor=actor,
        title=title or hotspot.description[:200],
        month=month,
        owner_unit_id=owner_unit_id,
        description=description or summary,
        terms=hotspot.terms[:3],
        places=[hotspot.place] if hotspot.place else [],
        source_hotspot_id=hotspot.id,
    )


def _active(topic: Topic) -> None:
    if topic.status != TopicStatus.ACTIVE:
        label = TOPIC_STATUS_LABELS[topic.status]
        raise Conflict(f"该题目{label[0]}，不能再修改", f"the topic is {label[1].lower()} and cannot change")


def set_topic_status(session: Session, topic: Topic, *, actor: User, status: TopicStatus | str) -> Topic:
    """Leaders complete, cancel or reopen a topic."""
    require_role(session, actor, (Role.LEADER,), unit_id=topic.owner_unit_id)
    try:
        status = TopicStatus(status)
    except ValueError:
        options = "、".join(f"{s.value}({TOPIC_STATUS_LABELS[s][0]})" for s in TopicStatus)
        raise InvalidInput(
            f"无效的状态「{status}」，可选：{options}", f"unknown status {status!r}", field="status"
        ) from None
    if status == topic.status:
        raise Conflict(f"该题目已是「{TOPIC_STATUS_LABELS[status][0]}」", f"the topic is already {status.value}")
    topic.status = status
    session.flush()
    return topic


def add_task(
    session: Session, topic: Topic, *, actor: User, title: str, owner_unit_id: int, deadline: date, note: str = ""
) -> TopicTask:
    """A task of the topic with its owner unit and deadline (leaders, or the topic owner's handlers)."""
    require_role(session, actor, WORKERS, unit_id=topic.owner_unit_id)
    _active(topic)
    owner = _unit(session, topic.jurisdiction_id, owner_unit_id, "owner_unit")
    if not isinstance(deadline, date):
        raise InvalidInput("请填写完成期限", "a deadline is required", field="deadline")
    if deadline < utcnow().astimezone(local_zone()).date():
        raise InvalidInput("完成期限不能早于今天", "the deadline cannot be in the past", field="deadline")
    task = TopicTask(
        jurisdiction_id=topic.jurisdiction_id,
        topic=topic,
        title=_text(title, "title", "任务", "task"),
        owner_unit_id=owner.id,
        deadline=deadline,
        note=(note or "").strip()[:2000],
    )
    session.add(task)
    session.flush()
    return task


def update_task(
    session: Session, task: TopicTask, *, actor: User, done: bool | None = None, note: str | None = None
) -> TopicTask:
    """The task owner's handlers (or leaders above them) record progress and mark it done or not."""
    require_role(session, actor, WORKERS, unit_id=task.owner_unit_id)
    _active(task.topic)
    if done is None and note is None:
        raise InvalidInput("没有要更新的内容", "nothing to update", field="note")
    if note is not None:
        task.note = note.strip()[:2000]
    if done is not None:
        task.done_at = (task.done_at or utcnow()) if done else None
    session.flush()
    return task


def get_task(session: Session, task_id: int, *, jurisdiction_id: int) -> TopicTask:
    task = session.get(TopicTask, task_id)
    if task is None or task.jurisdiction_id != jurisdiction_id:
        raise NotFound(f"任务 {task_id} 不存在", f"task {task_id} not found", field="task")
    return task


def add_policy(
    session: Session,
    topic: Topic,
    *,
    actor: User,
    title: str,
    issued_at: date,
    url: str | None = None,
    text: str | None = None,
) -> TopicPolicy:
    """A policy issued for the topic: a link to it, its text, or both."""
    require_role(session, actor, WORKERS, unit_id=topic.owner_unit_id)
    url, text = (url or "").strip() or None, (text or "").strip() or None
    if url and not re.match(r"^https?://\S+$", url):
        raise InvalidInput(
            "链接须以 http:// 或 https:// 开头", "the link must start with http:// or https://", field="url"
        )
    if not (url or text):
        raise InvalidInput("请填写政策链接或正文", "give the policy's link or text", field="url")
    if not isinstance(issued_at, date):
        raise InvalidInput("请填写发布日期", "the issue date is required", field="issued_at")
    policy = TopicPolicy(
        jurisdiction_id=topic.jurisdiction_id,
        topic=topic,
        issued_at=issued_at,
        url=url,
        text=text,
        title=_text(title, "title", "政策名称", "policy title"),
    )
    session.add(policy)
    session.flush()
    return policy


def matches(topic: Topic, appeal: Appeal, community: str | None) -> bool:
    """Is the appeal about the topic? Each criterion the topic sets must hold: its category, one of its
    places (in the text, address or community), and at least two of its terms (all if it has fewer)."""
    text = f"{appeal.title} {appeal.content} {appeal.address or ''} {community or ''}"
    if topic.category_id is not None and appeal.category_id != topic.category_id:
        return False
    if topic.places and not any(p in text for p in topic.places):
        return False
    return not topic.terms or sum(t in text for t in topic.terms) >= min(2, len(topic.terms))


@dataclass(frozen=True)
class Effect:
    weeks: list[dict]  # {"start": ISO date, "count": appeals, "after": bool}
    before_per_week: float
    after_per_week: float | None  # None until a full week has passed since the start
    change: float | None  # (after − before) / before, None when there is nothing to compare
    too_early: bool = False  # started less than a week ago: a few days are no week, nothing is compared yet


def topic_effect(session: Session, topic: Topic, *, weeks: int = 8, now: datetime | None = None) -> Effect:
    """Appeals about the topic per week, ``weeks`` weeks before its start and the weeks since (at most
    ``weeks``), counted from the database; merged repeats count, as each is a resident asking."""
    if not 1 <= weeks <= 52:
        raise InvalidInput("周数应在 1 到 52 之间", "weeks must be between 1 and 52", field="weeks")
    now = now or utcnow()
    start = topic.started_at
    begin, end = start - timedelta(weeks=weeks), min(start + timedelta(weeks=weeks), now)
    rows = session.execute(
        select(Appeal, Unit.name)
        .outerjoin(Unit, Unit.id == Appeal.community_id)
        .where(
            Appeal.jurisdiction_id == topic.jurisdiction_id,
            Appeal.received_at >= begin,
            Appeal.received_at < end,
            Appeal.status != AppealStatus.NOT_ACCEPTED,
        )
    ).all()
    counts: dict[int, int] = {}
    for appeal, community in rows:
        if matches(topic, appeal, community):
            index = (appeal.received_at - start) // timedelta(weeks=1)
            counts[index] = counts.get(index, 0) + 1
    after_weeks = [k for k in range(weeks) if start + timedelta(weeks=k) < now]
    series = [
        {
            "start": (start + timedelta(weeks=k)).astimezone(local_zone()).date().isoformat(),
            "count": counts.get(k, 0),
            "after": k >= 0,
        }
        for k in range(-weeks, len(after_weeks))
    ]
    before = sum(counts.get(k, 0) for k in range(-weeks, 0)) / weeks
    too_early = start <= now < start + timedelta(weeks=1)
    measured = after_weeks and not too_early
    after = sum(counts.get(k, 0) for k in after_weeks) / len(after_weeks) if measured else None
    change = round((after - before) / before, 3) if after is not None and before else None
    return Effect(series, round(before, 2), None if after is None else round(after, 2), change, too_early)
