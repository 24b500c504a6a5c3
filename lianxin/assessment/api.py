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
from lianxin.assessment.service import (
    get_settings_row,
    monthly_ranking,
    parse_month,
    previous_month,
    settings_changes,
    update_settings,
)
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
def ranking(
    ctx: Ctx,
    month: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM，默认上月")] = None,
    kind: Annotated[str, Query(description="district / street / department / enterprise")] = "street",
) -> dict:
    require_role(ctx.session, ctx.actor, READERS)
    first = parse_month(month) if month else previous_month(local_day(utcnow()))
    return monthly_ranking(ctx.session, ctx.jurisdiction_id, first, kind)


@router.get("/assessment/supervision", response_model=list[SupervisedOut], summary="督办清单 / supervised appeals")
def supervision(ctx: Ctx, min_level: Annotated[int, Query(ge=1, le=3)] = 1):
    require_role(ctx.session, ctx.actor, READERS)
    return leader_supervision_list(ctx.session, ctx.actor, min_level=min_level)


@router.get(
    "/appeals/{order_no}/exclusion", response_model=list[ExclusionOut], summary="考评剔除申请 / exclusion requests"
)
def list_exclusions(order_no: str, ctx: Ctx):
    return exclusions.exclusions_of(ctx.session, ctx.appeal(order_no))


@router.post(
    "/appeals/{order_no}/exclusion",
    status_code=201,
    response_model=ExclusionOut,
    summary="申请考评剔除 / request exclusion from assessment (lead handler)",
)
def request_exclusion(order_no: str, body: ExclusionIn, ctx: WriteCtx):
    def run():
        appeal = ctx.appeal(order_no)
        made = exclusions.request_exclusion(
            ctx.session, appeal, actor=ctx.actor, reason=body.reason, explanation=body.explanation
        )
        return ExclusionOut.model_validate(made)

    return ctx.once(run, status_code=201)


@router.post(
    "/appeals/{order_no}/exclusion/{exclusion_id}/decision",
    response_model=ExclusionOut,
    summary="审核考评剔除 / approve or refuse (centre)",
)
def decide_exclusion(order_no: str, exclusion_id: int, body: DecisionIn, ctx: WriteCtx):
    def run():
        appeal = ctx.appeal(order_no)
        exclusion = exclusions.get_exclusion(ctx.session, exclusion_id)
        if exclusion.appeal_id != appeal.id:
            raise NotFound("该申请不属于此工单", "the request belongs to another appeal", field="exclusion_id")
        decided = exclusions.decide_exclusion(
            ctx.session, exclusion, actor=ctx.actor, approve=body.approve, note=body.note
        )
        return ExclusionOut.model_validate(decided)

    return ctx.once(run)


class SettingsOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    weight_response: float = Field(description="响应率权重 / weight of the response rate")
    weight_resolution: float = Field(description="解决率权重 / weight of the resolution rate")
    weight_satisfaction: float = Field(description="满意率权重 / weight of the satisfaction rate")
    basic_satisfied_weight: float = Field(description="基本满意折算系数 / what 基本满意 counts as (0..1)")
    red_list_size: int
    black_list_size: int
    black_list_below: float
    min_valid_visits: int
    supervise_overdue_working_days: int = Field(description="超期几个工作日督办，0 不启用 / 0: off")
    supervise_reopen_count: int = Field(description="重办几次督办，0 不启用 / 0: off")
    list_repeat_count: int = Field(description="并入几件重复诉求挂牌督办，0 不启用 / 0: off")


class SettingsIn(BaseModel):
    """Only the values given change; the three weights must still sum to 1."""

    weight_response: float | None = None
    weight_resolution: float | None = None
    weight_satisfaction: float | None = None
    basic_satisfied_weight: float | None = None
    red_list_size: int | None = None
    black_list_size: int | None = None
    black_list_below: float | None = None
    min_valid_visits: int | None = None
    supervise_overdue_working_days: int | None = None
    supervise_reopen_count: int | None = None
    list_repeat_count: int | None = None
    note: str | None = Field(default=None, max_length=2000, description="修改说明 / reason for the change")


class SettingsChangeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    changed_at: datetime
    changed_by_id: int | None
    changes: dict[str, list]
    note: str | None


@router.get("/assessment/settings", response_model=SettingsOut, summary="考评设置 / assessment settings")
def get_settings(ctx: Ctx):
    require_role(ctx.session, ctx.actor, (*READERS, Role.ADMIN))
    return get_settings_row(ctx.session, ctx.jurisdiction_id)


@router.put(
    "/assessment/settings",
    response_model=SettingsOut,
    summary="修改考评权重与督办阈值（管理员，记入修改记录）/ change weights and thresholds (admins, logged)",
)
def put_settings(body: SettingsIn, ctx: Ctx):
    values = {name: value for name, value in body.model_dump(exclude={"note"}).items() if value is not None}
    return update_settings(ctx.session, ctx.jurisdiction_id, actor=ctx.actor, note=body.note, **values)


@router.get(
    "/assessment/settings/changes",
    response_model=list[SettingsChangeOut],
    summary="考评设置修改记录 / the settings' change log",
)
def get_settings_changes(ctx: Ctx):
    require_role(ctx.session, ctx.actor, (*READERS, Role.ADMIN))
    return settings_changes(ctx.session, ctx.jurisdiction_id)
