"""客货邮 API under /api/v1/logistics: receive a parcel (couriers' systems), read a parcel with its plan and
reason, run a plan and read a plan run."""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field

from lianxin.api.deps import Ctx, WriteCtx
from lianxin.api.errors import ERROR_RESPONSES
from lianxin.logistics import measures, plans
from lianxin.logistics import service as svc
from lianxin.logistics.models import PlanKind

router = APIRouter(prefix="/logistics", tags=["客货邮 logistics"], responses=ERROR_RESPONSES)


class ParcelIn(BaseModel):
    tracking_no: str = Field(max_length=40)
    point: str = Field(max_length=32, description="service point code")
    recipient_phone: str = Field(max_length=32)
    recipient_name: str = Field("", max_length=64)
    ready_at: datetime
    due_by: datetime
    size: str = Field("s", max_length=1)
    kg: float = 1.0
    courier: str = Field("", max_length=40)


class ParcelOut(BaseModel):
    tracking_no: str
    status: str
    point: str
    mode: str | None
    trip: str | None
    van: str | None
    service_date: date | None
    eta: datetime | None
    reason: str


class PlanIn(BaseModel):
    service_date: date
    what_if: bool = False
    changes: dict[str, float | dict[str, str]] = Field(
        default_factory=dict, description="capacity_factor, shift_minutes, extra_vans, point_stops {point: stop}"
    )


class PlanOut(BaseModel):
    id: int
    service_date: date
    kind: str
    adopted: bool
    parcels: int
    by_bus: int
    by_van: int
    unassigned: list[int]
    objective: float
    penalised: float | None = Field(description="成本 + 未排件数 × 罚金 / cost + unassigned × penalty")
    lower_bound: float | None = Field(description="任何方案都不会更低 / no plan of this input costs less")
    gap: float | None = Field(description="(penalised − lower_bound) / penalised")
    assignment_optimum: float | None
    solve_ms: int


def _parcel(p) -> ParcelOut:
    return ParcelOut(
        tracking_no=p.tracking_no,
        status=p.status,
        point=p.point.code,
        mode=p.planned_mode,
        trip=p.trip.code if p.trip else None,
        van=p.van.code if p.van else None,
        service_date=p.service_date,
        eta=p.eta,
        reason=p.reason,
    )


def _plan(run) -> PlanOut:
    return PlanOut(
        id=run.id,
        service_date=run.service_date,
        kind=run.kind,
        adopted=run.adopted,
        parcels=run.parcels,
        by_bus=run.by_bus,
        by_van=run.by_van,
        unassigned=run.unassigned,
        objective=run.objective,
        penalised=run.result.get("penalised"),
        lower_bound=run.lower_bound,
        gap=plans.plan_gap(run),
        assignment_optimum=run.bus_bound,
        solve_ms=run.solve_ms,
    )


@router.post("/parcels", status_code=201, response_model=ParcelOut)
def receive(body: ParcelIn, ctx: WriteCtx):
    def act():
        point = svc.point_by_code(ctx.session, ctx.jurisdiction_id, body.point)
        fields = body.model_dump(exclude={"point"})
        return _parcel(
            svc.receive_parcel(ctx.session, jurisdiction_id=ctx.jurisdiction_id, point=point, actor=ctx.actor, **fields)
        )

    return ctx.once(act, status_code=201)


@router.get("/parcels/{tracking_no}", response_model=ParcelOut)
def read_parcel(tracking_no: str, ctx: Ctx):
    parcel = svc.parcel_by_no(ctx.session, ctx.jurisdiction_id, tracking_no)
    svc.require_point(ctx.session, ctx.actor, parcel.point)
    return _parcel(parcel)


@router.post("/plans", status_code=201, response_model=PlanOut)
def run_plan(body: PlanIn, ctx: WriteCtx):
    kind = PlanKind.WHAT_IF if body.what_if else PlanKind.ON_DEMAND
    return ctx.once(
        lambda: _plan(
            plans.run_plan(
                ctx.session,
                ctx.jurisdiction_id,
                body.service_date,
                actor=ctx.actor,
                kind=kind,
                changes=body.changes or None,
            )
        ),
        status_code=201,
    )


@router.get("/plans/{run_id}", response_model=PlanOut)
def read_plan(run_id: int, ctx: Ctx):
    svc.require_desk(ctx.session, ctx.actor)
    return _plan(plans.plan_run(ctx.session, ctx.jurisdiction_id, run_id))


class PointOut(BaseModel):
    code: str
    name: str
    kind: str
    village: str | None
    place_id: int | None = Field(description="地名库中的地点 / the gazetteer's place")
    place: str | None
    stop: str | None
    lat: float
    lng: float
    hours: str
    before_hours: float | None = Field(description="客货邮之前中心到村时长（调查） / surveyed time before")


@router.get("/points", response_model=list[PointOut])
def points(ctx: Ctx):
    """村级服务点 / the county's service points with their village, gazetteer place and bus stop."""
    return [
        PointOut(
            code=p.code,
            name=p.name,
            kind=p.kind,
            village=p.unit.name if p.unit else None,
            place_id=p.place_id,
            place=p.place.name if p.place else None,
            stop=p.stop.code if p.stop else None,
            lat=p.lat,
            lng=p.lng,
            hours=p.hours,
            before_hours=p.before_hours,
        )
        for p in svc.points_for(ctx.session, ctx.actor)
    ]


class VillageOut(BaseModel):
    point: str
    before_hours: float | None
    median_hours: float | None
    arrived: int
    appeals: list[str] = Field(description="快递相关诉求工单号 / order numbers of appeals about parcels")


class MeasuresOut(BaseModel):
    start: date
    end: date
    arrived: int
    median_dwell_hours: float | None
    before_hours: float | None = Field(description="客货邮之前（各村调查中位数）/ before 客货邮, the villages' median")
    bus_share: float | None
    cost_per_parcel: float | None
    unassigned: int
    villages: list[VillageOut]


@router.get("/measures", response_model=MeasuresOut)
def read_measures(ctx: Ctx, start: date, end: date):
    """成效：中心到村中位时长（前后对比）、公交占比、每件成本、未排、各村快递诉求 / the measures for [start, end)."""
    svc.require_desk(ctx.session, ctx.actor)
    m = measures.measures(ctx.session, ctx.jurisdiction_id, start, end)
    return MeasuresOut(
        start=start,
        end=end,
        **{k: m[k] for k in ("arrived", "median_dwell_hours", "before_hours", "bus_share", "cost_per_parcel")},
        unassigned=m["unassigned"],
        villages=[
            VillageOut(
                point=row["point"].code,
                before_hours=row["before_hours"],
                median_hours=row["median_hours"],
                arrived=row["arrived"],
                appeals=[order_no for order_no, _ in m["appeals"].get(row["point"].id, [])],
            )
            for row in m["villages"]
        ],
    )
