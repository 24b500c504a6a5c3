"""/api/v1/knowledge: entries (admins and the owner unit's handlers edit), search, answering from an entry."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from lianxin.api.deps import ApiContext, Ctx, VersionDep, WriteCtx
from lianxin.api.errors import ERROR_RESPONSES
from lianxin.api.present import appeal_detail
from lianxin.api.schemas import AppealDetail, Ref
from lianxin.knowledge import service
from lianxin.knowledge.models import KbEntry
from lianxin.orgs.models import Role
from lianxin.orgs.service import require_role

router = APIRouter(prefix="/knowledge", tags=["知识库 knowledge"], responses=ERROR_RESPONSES)
STAFF = tuple(Role)


class EntryIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    question: str = Field(max_length=300)
    answer: str = Field(max_length=5000)
    owner_unit: str = Field(max_length=32, description="负责单位编码 / owner unit code")
    valid_from: date | None = None
    valid_to: date | None = None
    tags: list[str] = Field(default=[], max_length=20)
    active: bool = True


class EntryPatch(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    question: str | None = Field(default=None, max_length=300)
    answer: str | None = Field(default=None, max_length=5000)
    owner_unit: str | None = Field(default=None, max_length=32)
    valid_from: date | None = None
    valid_to: date | None = None
    tags: list[str] | None = Field(default=None, max_length=20)
    active: bool | None = None


class EntryOut(BaseModel):
    id: int
    question: str
    answer: str
    owner_unit: Ref
    valid_from: date | None
    valid_to: date | None
    tags: list[str]
    active: bool
    use_count: int
    updated_at: datetime


class HitOut(BaseModel):
    entry: EntryOut
    score: float


class AnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    order_no: str = Field(max_length=20)
    answer: str | None = Field(default=None, max_length=5000, description="可修改后的答复；空则用条目答案")
    version: int | None = Field(default=None, ge=1)


def _out(entry: KbEntry) -> EntryOut:
    unit = entry.owner_unit
    return EntryOut(
        id=entry.id,
        question=entry.question,
        answer=entry.answer,
        owner_unit=Ref(id=unit.id, code=unit.code, name=unit.name),
        valid_from=entry.valid_from,
        valid_to=entry.valid_to,
        tags=entry.tags or [],
        active=entry.active,
        use_count=entry.use_count,
        updated_at=entry.updated_at,
    )


def _values(ctx: ApiContext, body: BaseModel) -> dict:
    values = body.model_dump(exclude_unset=True)
    if "owner_unit" in values:
        values["owner_unit_id"] = ctx.unit(values.pop("owner_unit"), "owner_unit").id
    return values


@router.get("/entries", response_model=list[EntryOut], summary="知识条目 / entries")
def list_entries(
    ctx: Ctx, owner_unit: Annotated[str | None, Query(max_length=32)] = None, include_inactive: bool = False
):
    require_role(ctx.session, ctx.actor, STAFF)
    owner_id = ctx.unit(owner_unit, "owner_unit").id if owner_unit else None
    return [
        _out(e)
        for e in service.list_entries(
            ctx.session, ctx.jurisdiction_id, owner_unit_id=owner_id, include_inactive=include_inactive
        )
    ]


@router.get("/search", response_model=list[HitOut], summary="检索 / search (BM25)")
def search(
    ctx: Ctx, q: Annotated[str, Query(min_length=1, max_length=500)], limit: Annotated[int, Query(ge=1, le=50)] = 5
):
    require_role(ctx.session, ctx.actor, STAFF)
    return [
        HitOut(entry=_out(h.entry), score=h.score)
        for h in service.search_entries(ctx.session, ctx.jurisdiction_id, q, limit=limit)
    ]


@router.get("/entries/{entry_id}", response_model=EntryOut, summary="一个条目 / one entry")
def get_entry(entry_id: int, ctx: Ctx):
    require_role(ctx.session, ctx.actor, STAFF)
    return _out(service.get_entry(ctx.session, entry_id, ctx.jurisdiction_id))


@router.post("/entries", status_code=201, response_model=EntryOut, summary="新增条目 / add an entry")
def create_entry(body: EntryIn, ctx: WriteCtx):
    return ctx.once(
        lambda: _out(
            service.create_entry(
                ctx.session, actor=ctx.actor, jurisdiction_id=ctx.jurisdiction_id, **_values(ctx, body)
            )
        ),
        status_code=201,
    )


@router.patch("/entries/{entry_id}", response_model=EntryOut, summary="修改条目 / change an entry")
def update_entry(entry_id: int, body: EntryPatch, ctx: WriteCtx):
    entry = service.get_entry(ctx.session, entry_id, ctx.jurisdiction_id)
    return _out(service.update_entry(ctx.session, entry, actor=ctx.actor, **_values(ctx, body)))


@router.delete("/entries/{entry_id}", response_model=EntryOut, summary="停用条目 / retire an entry")
def retire_entry(entry_id: int, ctx: WriteCtx):
    """Entries are retired, not deleted: appeals answered from them keep pointing at them."""
    entry = service.get_entry(ctx.session, entry_id, ctx.jurisdiction_id)
    return _out(service.update_entry(ctx.session, entry, actor=ctx.actor, active=False))


@router.post(
    "/entries/{entry_id}/answer",
    response_model=AppealDetail,
    summary="用条目直接答复咨询 / answer an appeal from the entry",
)
def answer(entry_id: int, body: AnswerIn, ctx: WriteCtx, if_match: VersionDep):
    def run():
        appeal = ctx.appeal(body.order_no)
        entry = service.get_entry(ctx.session, entry_id, ctx.jurisdiction_id)
        service.answer_from_entry(
            ctx.session, appeal, entry, actor=ctx.actor, answer=body.answer, expected_version=body.version or if_match
        )
        return appeal_detail(ctx.session, ctx.actor, appeal)

    return ctx.once(run)
