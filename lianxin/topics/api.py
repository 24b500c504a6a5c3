"""/api/v1: 每月一题 (topics, tasks, policies, measured effect)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from lianxin.api.deps import Ctx, WriteCtx
from lianxin.api.errors import ERROR_RESPONSES
from lianxin.errors import InvalidInput
from lianxin.topics.models import Topic, TopicPolicy, TopicStatus, TopicTask
from lianxin.topics.service import (
    add_policy,
    add_task,
    create_topic,
    create_topic_from_hotspot,
    get_task,
    get_topic,
    list_topics,
    set_topic_status,
    topic_effect,
    update_task,
)

router = APIRouter(tags=["每月一题 topics"], responses=ERROR_RESPONSES)


class TaskOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    title: str
    owner_unit_id: int
    deadline: date
    done_at: datetime | None
    note: str


class PolicyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    title: str
    issued_at: date
    url: str | None
    text: str | None


class TopicOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    title: str
    month: str
    status: TopicStatus
    owner_unit_id: int
    description: str
    source_hotspot_id: int | None
    terms: list[str]
    places: list[str]
    category_id: int | None
    started_at: datetime
    tasks: list[TaskOut] = []
    policies: list[PolicyOut] = []


class EffectOut(BaseModel):
    weeks: list[dict]
    before_per_week: float
    after_per_week: float | None
    change: float | None
    too_early: bool = Field(
        False, description="开始不满一周，尚不比较 / started less than a week ago: nothing compared yet"
    )


class TopicDetailOut(TopicOut):
    effect: EffectOut


class TopicIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    month: str = Field(description="YYYY-MM")
    owner_unit: str = Field(max_length=32, description="牵头单位编码 / owner unit code")
    hotspot_id: int | None = Field(None, description="从热点生成 / make it from this hotspot")
    title: str | None = Field(None, max_length=200)
    description: str | None = Field(None, max_length=5000)
    terms: list[str] = []
    places: list[str] = []
    category_id: int | None = None


class TaskIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(max_length=200)
    owner_unit: str = Field(max_length=32, description="责任单位编码 / owner unit code")
    deadline: date
    note: str = Field("", max_length=2000)


class TaskUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    done: bool | None = None
    note: str | None = Field(None, max_length=2000)


class PolicyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(max_length=200)
    issued_at: date
    url: str | None = Field(None, max_length=500)
    text: str | None = None


class StatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: TopicStatus


def _detail(ctx, topic: Topic) -> TopicDetailOut:
    effect = topic_effect(ctx.session, topic)
    return TopicDetailOut(**TopicOut.model_validate(topic).model_dump(), effect=EffectOut(**asdict(effect)))


@router.get("/topics", response_model=list[TopicOut])
def topics(ctx: Ctx, month: str | None = None):
    """每月一题列表 / topics of the month, newest first."""
    return [TopicOut.model_validate(t) for t in list_topics(ctx.session, ctx.jurisdiction_id, month=month)]


@router.get("/topics/{topic_id}", response_model=TopicDetailOut)
def show_topic(topic_id: int, ctx: Ctx):
    """题目、任务、政策与成效（开始前后每周相关诉求数）/ the topic with tasks, policies and measured effect."""
    return _detail(ctx, get_topic(ctx.session, topic_id, jurisdiction_id=ctx.jurisdiction_id))


@router.post("/topics", status_code=201, response_model=TopicDetailOut)
def new_topic(body: TopicIn, ctx: WriteCtx):
    """领导设立每月一题（可从热点生成）/ a leader sets a topic, optionally from a hotspot."""

    def run():
        owner = ctx.unit(body.owner_unit, "owner_unit")
        if body.hotspot_id is not None:
            topic = create_topic_from_hotspot(
                ctx.session,
                body.hotspot_id,
                actor=ctx.actor,
                month=body.month,
                owner_unit_id=owner.id,
                title=body.title,
                description=body.description,
            )
        else:
            topic = create_topic(
                ctx.session,
                actor=ctx.actor,
                title=body.title or "",
                month=body.month,
                owner_unit_id=owner.id,
                description=body.description or "",
                terms=body.terms,
                places=body.places,
                category_id=body.category_id,
            )
        return _detail(ctx, topic)

    return ctx.once(run, status_code=201)


def _task_of(ctx, topic_id: int, task_id: int) -> TopicTask:
    topic = get_topic(ctx.session, topic_id, jurisdiction_id=ctx.jurisdiction_id)
    task = get_task(ctx.session, task_id, jurisdiction_id=ctx.jurisdiction_id)
    if task.topic_id != topic.id:
        raise InvalidInput("任务不属于该题目", "the task belongs to another topic", field="task")
    return task


@router.post("/topics/{topic_id}/tasks", status_code=201, response_model=TaskOut)
def new_task(topic_id: int, body: TaskIn, ctx: WriteCtx):
    def run() -> TaskOut:
        topic = get_topic(ctx.session, topic_id, jurisdiction_id=ctx.jurisdiction_id)
        owner = ctx.unit(body.owner_unit, "owner_unit")
        return TaskOut.model_validate(
            add_task(
                ctx.session,
                topic,
                actor=ctx.actor,
                title=body.title,
                owner_unit_id=owner.id,
                deadline=body.deadline,
                note=body.note,
            )
        )

    return ctx.once(run, status_code=201)


@router.post("/topics/{topic_id}/tasks/{task_id}", response_model=TaskOut)
def change_task(topic_id: int, task_id: int, body: TaskUpdate, ctx: WriteCtx):
    """责任单位更新任务进展或完成情况 / the owner unit records progress or completion."""
    return ctx.once(
        lambda: TaskOut.model_validate(
            update_task(ctx.session, _task_of(ctx, topic_id, task_id), actor=ctx.actor, done=body.done, note=body.note)
        )
    )


@router.post("/topics/{topic_id}/policies", status_code=201, response_model=PolicyOut)
def new_policy(topic_id: int, body: PolicyIn, ctx: WriteCtx):
    def run() -> PolicyOut:
        topic = get_topic(ctx.session, topic_id, jurisdiction_id=ctx.jurisdiction_id)
        policy: TopicPolicy = add_policy(
            ctx.session,
            topic,
            actor=ctx.actor,
            title=body.title,
            issued_at=body.issued_at,
            url=body.url,
            text=body.text,
        )
        return PolicyOut.model_validate(policy)

    return ctx.once(run, status_code=201)


@router.post("/topics/{topic_id}/status", response_model=TopicOut)
def change_status(topic_id: int, body: StatusIn, ctx: WriteCtx):
    """领导完成、撤销或重新启动题目 / a leader completes, cancels or reopens the topic."""
    return ctx.once(
        lambda: TopicOut.model_validate(
            set_topic_status(
                ctx.session,
                get_topic(ctx.session, topic_id, jurisdiction_id=ctx.jurisdiction_id),
                actor=ctx.actor,
                status=body.status,
            )
        )
    )
