"""/api/v1/assessment (monthly ranking, supervision list) and /api/v1/appeals/{no}/exclusion
(the exclusion request and the centre's decision)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from lianxin.api.deps import Ctx, WriteCtx
from lianxin.api.errors import ERROR_RESPONSES
from lianxin.assessment import exclusions
from lianxin.assessment.choices import ExclusionReason, ExclusionState
from lianxin.assessment.service import monthly_ranking, parse_month, previous_month
from lianxin.assessment.supervision import leader_supervision_list
from lianxin.clock import utcnow
from lianxin.errors import NotFound
from lianxin.orgs.models import Role
from lianxin.orgs.service import require_role
from lianxin.stats.fold import local_day

router = APIRouter(tags=["考评 assessment"], responses=ERROR_RESPONSES)
READERS = (Role.LEADER, Role.DISPATCHER)


class ExclusionIn(BaseModel):
    reason: ExclusionReason = Field(description="剔除原因 / reason code")
    explanation: str = Field(max_length=2000, description="情况说明 / explanation")


class DecisionIn(BaseModel):
    approve: bool
    note: str | None = Field(default=None, max_length=2000, description="驳回时必填 / required to refuse")


class ExclusionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    reason: ExclusionReason
    explanation: str
    state: ExclusionState
    unit_id: int
    requested_at: datetime
    decided_at: datetime | None
    decision_note: str | None


class SupervisedOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    order_no: str
    title: str
    status: str
    supervision_level: int
    lead_unit_id: int | None
    due_at: datetime | None
    reopen_count: int


@router.get("/assessment/ranking", summary="月度考评排名 / monthly ranking within a unit kind")
def ranking(ctx: Ctx, month: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM，默认上月")] = None,
            kind: Annotated[str, Query(description="district / street / department / enterprise")] = "street") -> dict:
    require_role(ctx.session, ctx.actor, READERS)
    first = parse_month(month) if month else previous_month(local_day(utcnow()))
    return monthly_ranking(ctx.session, ctx.jurisdiction_id, first, kind)


@router.get("/assessment/supervision", response_model=list[SupervisedOut], summary="督办清单 / supervised appeals")
def supervision(ctx: Ctx, min_level: Annotated[int, Query(ge=1, le=3)] = 1):
    require_role(ctx.session, ctx.actor, READERS)
    return leader_supervision_list(ctx.session, ctx.actor, min_level=min_level)


@router.get("/appeals/{order_no}/exclusion", response_model=list[ExclusionOut], summary="考评剔除申请 / exclusion requests")
def list_exclusions(order_no: str, ctx: Ctx):
    return exclusions.exclusions_of(ctx.session, ctx.appeal(order_no))


@router.post("/appeals/{order_no}/exclusion", status_code=201, response_model=ExclusionOut,
             summary="申请考评剔除 / request exclusion from assessment (lead handler)")
def request_exclusion(order_no: str, body: ExclusionIn, ctx: WriteCtx):
    def run():
        appeal = ctx.appeal(order_no)
        made = exclusions.request_exclusion(ctx.session, appeal, actor=ctx.actor, reason=body.reason,
                                            explanation=body.explanation)
        return ExclusionOut.model_validate(made)

    return ctx.once(run, status_code=201)


@router.post("/appeals/{order_no}/exclusion/{exclusion_id}/decision", response_model=ExclusionOut,
             summary="审核考评剔除 / approve or refuse (centre)")
def decide_exclusion(order_no: str, exclusion_id: int, body: DecisionIn, ctx: WriteCtx):
    def run():
        appeal = ctx.appeal(order_no)
        exclusion = exclusions.get_exclusion(ctx.session, exclusion_id)
        if exclusion.appeal_id != appeal.id:
            raise NotFound("该申请不属于此工单", "the request belongs to another appeal", field="exclusion_id")
        decided = exclusions.decide_exclusion(ctx.session, exclusion, actor=ctx.actor, approve=body.approve, note=body.note)
        return ExclusionOut.model_validate(decided)

    return ctx.once(run)
