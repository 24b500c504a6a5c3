"""客货邮 API under /api/v1/logistics: receive a parcel (couriers' systems), read a parcel with its plan and
reason, run a plan and read a plan run."""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field

from lianxin.api.deps import Ctx, WriteCtx
from lianxin.api.errors import ERROR_RESPONSES
from lianxin.logistics import plans
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
