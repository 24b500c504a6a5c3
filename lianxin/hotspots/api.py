"""/api/v1: hotspots (the caller's scope, from the cached snapshot); 每月一题 is in ``lianxin.topics.api``."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field

from lianxin.api.deps import Ctx
from lianxin.api.errors import ERROR_RESPONSES
from lianxin.appeals.privacy import mask_text
from lianxin.hotspots.models import Hotspot
from lianxin.hotspots.service import get_hotspot, member_appeals, snapshot_for

router = APIRouter(tags=["热点 hotspots"], responses=ERROR_RESPONSES)


class HotspotOut(BaseModel):
    id: int
    rank: int
    heat: float
    start: datetime
    end: datetime
    place: str
    description: str
    terms: list[str]
    appeal_ids: list[int]
    order_nos: list[str] = []
    stats: dict
    trend: list[list] = Field(description="[[日期/周一, 件数], …] / [[day or week start, appeals], …]")
    points: list[dict]


class HotspotListOut(BaseModel):
    computed_at: datetime | None
    since: datetime | None
    until: datetime | None
    appeal_count: int
    hotspots: list[HotspotOut]


def _hotspot(h: Hotspot, order_nos: list[str] | None = None) -> HotspotOut:
    return HotspotOut(
        id=h.id,
        rank=h.rank,
        heat=h.heat,
        start=h.start_at,
        end=h.end_at,
        place=h.place,
        description=mask_text(h.description),
        terms=[mask_text(t) for t in h.terms],
        appeal_ids=h.appeal_ids,
        order_nos=order_nos or [],
        stats=h.stats,
        trend=h.trend,
        points=h.points,
    )


@router.get("/hotspots", response_model=HotspotListOut)
def list_hotspots(ctx: Ctx, top: int = 10):
    """热点问题：调用者可见范围内最新一次统计（每小时由任务刷新）/ the latest hotspots in the caller's scope."""
    snapshot = snapshot_for(ctx.session, ctx.actor)
    if snapshot is None:
        return HotspotListOut(computed_at=None, since=None, until=None, appeal_count=0, hotspots=[])
    return HotspotListOut(
        computed_at=snapshot.computed_at,
        since=snapshot.since,
        until=snapshot.until,
        appeal_count=snapshot.appeal_count,
        hotspots=[_hotspot(h) for h in snapshot.hotspots[: max(1, min(top, 50))]],
    )


@router.get("/hotspots/{hotspot_id}", response_model=HotspotOut)
def show_hotspot(hotspot_id: int, ctx: Ctx):
    hotspot = get_hotspot(ctx.session, hotspot_id, actor=ctx.actor)
    return _hotspot(hotspot, [a.order_no for a in member_appeals(ctx.session, hotspot, ctx.actor)])
