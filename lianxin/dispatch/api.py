"""/api/v1: the dispatch suggestion, likely repeats, the catalogue (admins) and location lookups.

Units and categories are named by code, as everywhere in the API. Suggestions and repeats are for the
hotline centre (operators and dispatchers); the catalogue is read by the centre and edited by admins.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from lianxin.api.deps import ApiContext, Ctx, WriteCtx
from lianxin.api.errors import ERROR_RESPONSES
from lianxin.api.present import appeal_out
from lianxin.api.schemas import AppealOut, Ref
from lianxin.appeals.models import Category
from lianxin.dispatch import catalogue
from lianxin.dispatch.models import DispatchRule, LeadKind
from lianxin.dispatch.repeats import find_repeats, repeats_of
from lianxin.errors import InvalidInput
from lianxin.geo.service import Location, boundaries_geojson, resolve_location
from lianxin.orgs.models import Role, Unit
from lianxin.orgs.service import require_role

router = APIRouter(responses=ERROR_RESPONSES)
CENTRE = (Role.OPERATOR, Role.DISPATCHER)
STAFF = tuple(Role)


def _ref(obj) -> Ref | None:
    return Ref(id=obj.id, code=obj.code, name=obj.name) if obj is not None else None


class LocationOut(BaseModel):
    street: Ref | None = None
    community: Ref | None = None
    grid: Ref | None = None
    source: str | None = Field(default=None, description="point | text | appeal")
    place: str | None = Field(default=None, description="文本中匹配到的地名 / the place name matched in the text")


def _location_out(where: Location) -> LocationOut:
    return LocationOut(
        street=_ref(where.street),
        community=_ref(where.community),
        grid=_ref(where.grid),
        source=where.source,
        place=where.place,
    )


class SuggestionOut(BaseModel):
    lead_unit: Ref | None
    co_units: list[Ref]
    informed_units: list[Ref]
    rule_id: int | None
    reason: str
    reason_en: str
    location: LocationOut


def _category_id(ctx: ApiContext, code: str | None) -> int | None:
    if not code:
        return None
    category_id = ctx.session.scalar(
        select(Category.id).where(Category.jurisdiction_id == ctx.jurisdiction_id, Category.code == code)
    )
    if category_id is None:
        raise InvalidInput(f"分类编码「{code}」不存在", f"unknown category code {code!r}", field="category")
    return category_id


@router.get(
    "/dispatch/suggest",
    response_model=SuggestionOut,
    tags=["派单 dispatch"],
    summary="派单建议 / the catalogue's suggestion",
)
def suggest(
    ctx: Ctx,
    order_no: Annotated[str | None, Query(max_length=20)] = None,
    category: Annotated[str | None, Query(max_length=32, description="分类编码 / category code")] = None,
    community: Annotated[str | None, Query(max_length=32, description="社区编码 / community code")] = None,
    lat: Annotated[float | None, Query(ge=-90, le=90)] = None,
    lng: Annotated[float | None, Query(ge=-180, le=180)] = None,
    address: Annotated[str | None, Query(max_length=300)] = None,
    text: Annotated[str | None, Query(max_length=5000)] = None,
):
    """For a stored appeal (``order_no``) or for what the operator has typed so far."""
    require_role(ctx.session, ctx.actor, CENTRE)
    if order_no:
        source = ctx.appeal(order_no)
    else:
        source = dict(
            jurisdiction_id=ctx.jurisdiction_id,
            category_id=_category_id(ctx, category),
            community_id=ctx.unit(community, "community").id if community else None,
            lat=lat,
            lng=lng,
            address=address,
            content=text,
        )
    s = catalogue.suggest_units(ctx.session, source)
    return SuggestionOut(
        lead_unit=_ref(s.lead_unit),
        co_units=[_ref(u) for u in s.co_units],
        informed_units=[_ref(u) for u in s.informed_units],
        rule_id=s.rule.id if s.rule else None,
        reason=s.reason_zh,
        reason_en=s.reason_en,
        location=_location_out(s.location),
    )


class RepeatOut(BaseModel):
    appeal: AppealOut
    score: float = Field(description="0–1")
    reasons: list[str]
    reasons_en: list[str]


@router.get("/repeats", response_model=list[RepeatOut], tags=["派单 dispatch"], summary="疑似重复件 / likely repeats")
def repeats(
    ctx: Ctx,
    order_no: Annotated[str | None, Query(max_length=20)] = None,
    phone: Annotated[str | None, Query(max_length=32)] = None,
    text: Annotated[str | None, Query(max_length=5000)] = None,
    address: Annotated[str | None, Query(max_length=300)] = None,
    community: Annotated[str | None, Query(max_length=32, description="社区编码 / community code")] = None,
    lat: Annotated[float | None, Query(ge=-90, le=90)] = None,
    lng: Annotated[float | None, Query(ge=-180, le=180)] = None,
    window_days: Annotated[int, Query(ge=1, le=366)] = 30,
    limit: Annotated[int, Query(ge=1, le=50)] = 5,
):
    """Of a stored appeal (``order_no``), or of the phone, text and place being taken, best first."""
    require_role(ctx.session, ctx.actor, CENTRE)
    if order_no:
        found = repeats_of(ctx.session, ctx.appeal(order_no), window_days=window_days, limit=limit)
    else:
        found = find_repeats(
            ctx.session,
            ctx.jurisdiction_id,
            phone=phone,
            text=text,
            address=address,
            community_id=ctx.unit(community, "community").id if community else None,
            lat=lat,
            lng=lng,
            window_days=window_days,
            limit=limit,
        )
    return [
        RepeatOut(
            appeal=appeal_out(ctx.session, ctx.actor, c.appeal),
            score=c.score,
            reasons=c.reasons,
            reasons_en=c.reasons_en,
        )
        for c in found
    ]


# --- the catalogue ---------------------------------------------------------------------------------------


class RuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    category: str | None = Field(default=None, max_length=32, description="分类编码，空为所有分类 / category code")
    area_unit: str | None = Field(default=None, max_length=32, description="区县或街道编码，空为全辖区")
    lead_kind: LeadKind = LeadKind.FIXED
    lead_unit: str | None = Field(default=None, max_length=32, description="主办单位编码（fixed）")
    co_units: list[str] = Field(default=[], max_length=20)
    inform_units: list[str] = Field(default=[], max_length=20)
    priority: int = Field(default=0, ge=-1000, le=1000)
    note: str | None = Field(default=None, max_length=500)
    active: bool = True


class RulePatch(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    category: str | None = Field(default=None, max_length=32)
    area_unit: str | None = Field(default=None, max_length=32)
    lead_kind: LeadKind | None = None
    lead_unit: str | None = Field(default=None, max_length=32)
    co_units: list[str] | None = Field(default=None, max_length=20)
    inform_units: list[str] | None = Field(default=None, max_length=20)
    priority: int | None = Field(default=None, ge=-1000, le=1000)
    note: str | None = Field(default=None, max_length=500)
    active: bool | None = None


class RuleOut(BaseModel):
    id: int
    category: Ref | None
    area_unit: Ref | None
    lead_kind: LeadKind
    lead_unit: Ref | None
    co_units: list[Ref]
    inform_units: list[Ref]
    priority: int
    note: str | None
    active: bool


def _rule_out(ctx: ApiContext, rule: DispatchRule) -> RuleOut:
    units = lambda ids: [_ref(ctx.session.get(Unit, i)) for i in ids]  # noqa: E731
    return RuleOut(
        id=rule.id,
        category=_ref(rule.category),
        area_unit=_ref(rule.area_unit),
        lead_kind=rule.lead_kind,
        lead_unit=_ref(rule.lead_unit),
        co_units=units(rule.co_unit_ids),
        inform_units=units(rule.inform_unit_ids),
        priority=rule.priority,
        note=rule.note,
        active=rule.active,
    )


def _rule_values(ctx: ApiContext, body: BaseModel) -> dict:
    """Codes → ids for the service (which validates kinds, Art. 17 and the rest)."""
    given = body.model_dump(exclude_unset=True)
    values = {k: v for k, v in given.items() if k in ("lead_kind", "priority", "note", "active")}
    if "category" in given:
        values["category_id"] = _category_id(ctx, given["category"])
    for field, target in (("area_unit", "area_unit_id"), ("lead_unit", "lead_unit_id")):
        if field in given:
            values[target] = ctx.unit(given[field], field).id if given[field] else None
    for field, target in (("co_units", "co_unit_ids"), ("inform_units", "inform_unit_ids")):
        if field in given:
            values[target] = [ctx.unit(code, field).id for code in given[field] or []]
    return values


@router.get("/catalogue", response_model=list[RuleOut], tags=["派单目录 catalogue"], summary="派单目录 / the catalogue")
def list_rules(ctx: Ctx):
    require_role(ctx.session, ctx.actor, (Role.DISPATCHER, Role.ADMIN))
    return [_rule_out(ctx, r) for r in catalogue.list_rules(ctx.session, ctx.jurisdiction_id)]


@router.post(
    "/catalogue",
    status_code=201,
    response_model=RuleOut,
    tags=["派单目录 catalogue"],
    summary="新增规则（管理员）/ add a rule (admins)",
)
def create_rule(body: RuleIn, ctx: WriteCtx):
    def run():
        require_role(ctx.session, ctx.actor, (Role.ADMIN,))
        values = _rule_values(ctx, body)
        return _rule_out(
            ctx, catalogue.create_rule(ctx.session, actor=ctx.actor, jurisdiction_id=ctx.jurisdiction_id, **values)
        )

    return ctx.once(run, status_code=201)


@router.patch(
    "/catalogue/{rule_id}",
    response_model=RuleOut,
    tags=["派单目录 catalogue"],
    summary="修改规则（管理员）/ change a rule (admins)",
)
def update_rule(rule_id: int, body: RulePatch, ctx: WriteCtx):
    require_role(ctx.session, ctx.actor, (Role.ADMIN,))
    rule = catalogue.get_rule(ctx.session, rule_id, ctx.jurisdiction_id)
    return _rule_out(ctx, catalogue.update_rule(ctx.session, rule, actor=ctx.actor, **_rule_values(ctx, body)))


@router.delete(
    "/catalogue/{rule_id}",
    status_code=204,
    tags=["派单目录 catalogue"],
    summary="删除规则（管理员）/ delete a rule (admins)",
)
def delete_rule(rule_id: int, ctx: WriteCtx):
    require_role(ctx.session, ctx.actor, (Role.ADMIN,))
    catalogue.delete_rule(ctx.session, catalogue.get_rule(ctx.session, rule_id, ctx.jurisdiction_id), actor=ctx.actor)


# --- location --------------------------------------------------------------------------------------------


@router.get(
    "/geo/locate",
    response_model=LocationOut,
    tags=["地理 geo"],
    summary="定位到街道、社区、网格 / street, community and grid of a point or an address",
)
def locate(
    ctx: Ctx,
    lat: Annotated[float | None, Query(ge=-90, le=90)] = None,
    lng: Annotated[float | None, Query(ge=-180, le=180)] = None,
    address: Annotated[str | None, Query(max_length=300)] = None,
):
    require_role(ctx.session, ctx.actor, STAFF)
    if (lat is None) != (lng is None) or (lat is None and not address):
        raise InvalidInput("请提供经纬度（同时）或地址", "give lat and lng together, or an address", field="lat")
    return _location_out(resolve_location(ctx.session, ctx.jurisdiction_id, lat=lat, lng=lng, address=address))


@router.get(
    "/geo/boundaries.geojson",
    tags=["地理 geo"],
    summary="区域边界 GeoJSON / boundaries as GeoJSON",
    response_description="GeoJSON FeatureCollection",
)
def boundaries(ctx: Ctx, kind: Annotated[Literal["district", "street", "community", "grid"] | None, Query()] = None):
    require_role(ctx.session, ctx.actor, STAFF)
    return boundaries_geojson(ctx.session, ctx.jurisdiction_id, kind)
