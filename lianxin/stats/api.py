"""/api/v1/stats: the dashboard data as JSON (the same dicts the web charts are drawn from)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from lianxin.api.deps import ApiContext, Ctx
from lianxin.api.errors import ERROR_RESPONSES
from lianxin.assessment.service import get_settings_row, weights_of
from lianxin.stats import dashboard
from lianxin.stats.views import parse_period

router = APIRouter(prefix="/stats", tags=["统计 stats"], responses=ERROR_RESPONSES)
Start = Annotated[date | None, Query(description="开始日期（含）/ first day, default 30 days before end")]
End = Annotated[date | None, Query(description="结束日期（含）/ last day, default today")]
UnitCode = Annotated[str | None, Query(max_length=32, description="单位编码，统计其下级 / unit code (its subtree)")]


def _scope(ctx: ApiContext, start: date | None, end: date | None, unit: str | None) -> tuple[date, date, int | None]:
    first, last = parse_period(start and start.isoformat(), end and end.isoformat())
    unit_id = ctx.unit(unit, "unit").id if unit else None
    return first, last, dashboard.dashboard_scope(ctx.session, ctx.actor, unit_id)


@router.get("/trend", summary="受理与办结趋势 / received and closed per day, week or month")
def trend(ctx: Ctx, start: Start = None, end: End = None, unit: UnitCode = None,
          bucket: Literal["day", "week", "month"] = "day") -> dict:
    first, last, unit_id = _scope(ctx, start, end, unit)
    return dashboard.trend(ctx.session, ctx.jurisdiction_id, first, last, bucket=bucket, unit_id=unit_id)


@router.get("/rates", summary="各单位三率及过程指标 / the rates of each unit below the chosen one")
def rates(ctx: Ctx, start: Start = None, end: End = None, unit: UnitCode = None) -> dict:
    first, last, unit_id = _scope(ctx, start, end, unit)
    weights = weights_of(get_settings_row(ctx.session, ctx.jurisdiction_id))
    return dashboard.rates_by_unit(ctx.session, ctx.jurisdiction_id, first, last, unit_id=unit_id, weights=weights)


@router.get("/categories", summary="问题分类构成 / appeals per category")
def categories(ctx: Ctx, start: Start = None, end: End = None, unit: UnitCode = None,
               level: Annotated[int, Query(ge=1, le=3)] = 1) -> dict:
    first, last, unit_id = _scope(ctx, start, end, unit)
    return dashboard.category_mix(ctx.session, ctx.jurisdiction_id, first, last, unit_id=unit_id, level=level)


@router.get("/overdue", summary="超期热力图 / overdue appeals per unit and week")
def overdue(ctx: Ctx, start: Start = None, end: End = None, unit: UnitCode = None) -> dict:
    first, last, unit_id = _scope(ctx, start, end, unit)
    return dashboard.overdue_heatmap(ctx.session, ctx.jurisdiction_id, first, last, unit_id=unit_id)


@router.get("/public", summary="公开统计（无个人信息）/ public statistics, no personal data")
def public(ctx: Ctx, start: Start = None, end: End = None) -> dict:
    first, last = parse_period(start and start.isoformat(), end and end.isoformat(), default_days=365)
    return dashboard.public_summary(ctx.session, ctx.jurisdiction_id, first, last)
