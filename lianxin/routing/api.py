"""/api/v1/routing: category suggestions for an appeal's text, the model versions, and training (admins)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from lianxin.api.deps import Ctx, WriteCtx
from lianxin.api.errors import ERROR_RESPONSES
from lianxin.orgs.models import Role
from lianxin.orgs.service import require_role
from lianxin.routing.models import RoutingModel
from lianxin.routing.service import can_auto_dispatch, suggest_categories, train_model

router = APIRouter(prefix="/routing", tags=["分类建议 routing"], responses=ERROR_RESPONSES)


class SuggestionOut(BaseModel):
    category_id: int
    label: str = Field(description="分类路径 / category path, e.g. 城乡建设 / 市政设施 / 路灯故障")
    confidence: float = Field(description="校准后的概率 / calibrated probability 0..1")
    words: list[str] = Field(description="支持该分类的关键词 / the words that drove this suggestion")
    model_version: int


class SuggestOut(BaseModel):
    suggestions: list[SuggestionOut] = Field(
        description="最多 3 个，按置信度降序；尚无模型时为空 / top 3; empty without a model"
    )
    auto_dispatch: bool = Field(description="首选置信度达到阈值 / the best suggestion reaches the threshold")
    threshold: float


class TrainIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    cross_validate: bool = Field(
        default=False, description="先做交叉验证并保存指标（较慢）/ cross-validate first (slower)"
    )


class ModelOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    version: int
    created_at: datetime
    n_samples: int
    classes: list[int]
    metrics: dict


def _suggest(ctx, text: str) -> SuggestOut:
    suggestions = suggest_categories(ctx.session, ctx.jurisdiction_id, text, actor=ctx.actor)
    threshold = ctx.request.app.state.settings.routing_auto_threshold
    return SuggestOut(
        suggestions=[SuggestionOut(**vars(s)) for s in suggestions],
        auto_dispatch=can_auto_dispatch(suggestions, threshold),
        threshold=threshold,
    )


@router.get("/suggest", response_model=SuggestOut, summary="分类建议 / suggest categories for a text")
def suggest(ctx: Ctx, text: Annotated[str, Query(min_length=1, max_length=10000, description="诉求标题和内容")]):
    return _suggest(ctx, text)


class SuggestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=10000)


@router.post("/suggest", response_model=SuggestOut, summary="分类建议（长文本）/ suggest categories (long text)")
def suggest_post(body: SuggestIn, ctx: WriteCtx):
    return ctx.once(lambda: _suggest(ctx, body.text))


@router.get("/models", response_model=list[ModelOut], summary="模型版本 / model versions, newest (active) first")
def list_models(ctx: Ctx):
    require_role(ctx.session, ctx.actor, (Role.ADMIN, Role.LEADER))
    rows = ctx.session.scalars(
        select(RoutingModel)
        .where(RoutingModel.jurisdiction_id == ctx.jurisdiction_id)
        .order_by(RoutingModel.version.desc())
    ).all()
    return [ModelOut.model_validate(r) for r in rows]


@router.post("/train", status_code=201, response_model=ModelOut, summary="训练新版本 / train a new version (admins)")
def train(body: TrainIn, ctx: WriteCtx):
    return ctx.once(
        lambda: ModelOut.model_validate(
            train_model(ctx.session, ctx.jurisdiction_id, actor=ctx.actor, cross_validate=body.cross_validate)
        ),
        status_code=201,
    )
