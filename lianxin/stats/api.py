"""/api/v1/stats: the dashboard data as JSON (the same dicts the web charts are drawn from)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials
from sqlalchemy import select

from lianxin.api.deps import ApiContext, Ctx, SessionDep, api_key_header, bearer
from lianxin.api.errors import ERROR_RESPONSES
from lianxin.clock import utcnow
from lianxin.errors import NotFound
from lianxin.stats import dashboard
from lianxin.stats.cache import cached_public_summary
from lianxin.stats.views import local_day, parse_period

router = APIRouter(prefix="/stats", tags=["统计 stats"], responses=ERROR_RESPONSES)
Start = Annotated[date | None, Query(description="开始日期（含）/ first day, default 30 days before end")]
End = Annotated[date | None, Query(description="结束日期（含）/ last day, default today")]
UnitCode = Annotated[str | None, Query(max_length=32, description="单位编码，统计其下级 / unit code (its subtree)")]


def _scope(ctx: ApiContext, start: date | None, end: date | None, unit: str | None) -> tuple[date, date, int | None]:
    first, last = parse_period(start and start.isoformat(), end and end.isoformat())
    unit_id = ctx.unit(unit, "unit").id if unit else None
    return first, last, dashboard.dashboard_scope(ctx.session, ctx.actor, unit_id)


@router.get("/trend", summary="受理与办结趋势 / received and closed per day, week or month")
def trend(
    ctx: Ctx,
    start: Start = None,
    end: End = None,
    unit: UnitCode = None,
    bucket: Literal["day", "week", "month"] = "day",
) -> dict:
    first, last, unit_id = _scope(ctx, start, end, unit)
    return dashboard.trend(ctx.session, ctx.jurisdiction_id, first, last, bucket=bucket, unit_id=unit_id)


@router.get("/rates", summary="各单位三率及过程指标 / the rates of each unit below the chosen one")
def rates(ctx: Ctx, start: Start = None, end: End = None, unit: UnitCode = None) -> dict:
    first, last, unit_id = _scope(ctx, start, end, unit)
    weights = dashboard.weights_for(ctx.session, ctx.jurisdiction_id)
    return dashboard.rates_by_unit(ctx.session, ctx.jurisdiction_id, first, last, unit_id=unit_id, weights=weights)


@router.get("/categories", summary="问题分类构成 / appeals per category")
def categories(
    ctx: Ctx, start: Start = None, end: End = None, unit: UnitCode = None, level: Annotated[int, Query(ge=1, le=3)] = 1
) -> dict:
    first, last, unit_id = _scope(ctx, start, end, unit)
    return dashboard.category_mix(ctx.session, ctx.jurisdiction_id, first, last, unit_id=unit_id, level=level)


@router.get("/overdue", summary="超期热力图 / overdue appeals per unit and week")
def overdue(ctx: Ctx, start: Start = None, end: End = None, unit: UnitCode = None) -> dict:
    first, last, unit_id = _scope(ctx, start, end, unit)
    return dashboard.overdue_heatmap(ctx.session, ctx.jurisdiction_id, first, last, unit_id=unit_id)


def _public_jurisdiction_id(request: Request, session, code: str | None, credentials, header_key) -> int:
    """Whose figures: the ``jurisdiction`` asked for, else the caller's (a key or a logged-in session), else the
    deployment's public jurisdiction (the one /stats shows). No login is needed."""
    from lianxin.api.keys import authenticate
    from lianxin.orgs.models import Jurisdiction, User
    from lianxin.web.deps import public_jurisdiction

    if code:
        found = session.scalar(select(Jurisdiction.id).where(Jurisdiction.code == code))
        if found is None:
            raise NotFound(f"辖区 {code} 不存在", f"jurisdiction {code} not found", field="jurisdiction")
        return found
    raw = credentials.credentials if credentials else header_key
    key = authenticate(session, raw) if raw else None
    if key is not None:
        return key.user.jurisdiction_id
    uid = request.session.get("uid") if "session" in request.scope else None
    user = session.get(User, uid) if isinstance(uid, int) else None
    if user is not None and user.active:
        return user.jurisdiction_id
    return public_jurisdiction(request, session).id


@router.get("/public", summary="公开统计（无个人信息，无需登录）/ public statistics: no personal data, no login")
def public(
    request: Request,
    session: SessionDep,
    start: Start = None,
    end: End = None,
    jurisdiction: Annotated[str | None, Query(max_length=32, description="辖区编码 / jurisdiction code")] = None,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)] = None,
    header_key: Annotated[str | None, Depends(api_key_header)] = None,
) -> dict:
    """The same figures as the public page /stats, from the same rollups with the same rates: by default
    the last 12 calendar months."""
    jid = _public_jurisdiction_id(request, session, jurisdiction, credentials, header_key)
    first, last = dashboard.public_period(local_day(utcnow()))
    if start or end:
        first, last = parse_period(start and start.isoformat(), end and end.isoformat(), default_days=365)
    weights = dashboard.weights_for(session, jid)
    ttl = request.app.state.settings.public_stats_cache_seconds
    return cached_public_summary(session, jid, first, last, weights=weights, ttl=ttl)
