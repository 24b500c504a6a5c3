"""/api/v1/households (the register, masked; the unmasked view is its own logged call) and /api/v1/alerts
(alarms, their actions, statistics, and the authenticated HTTP batch of readings)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from sqlalchemy import func, select

from lianxin.api.deps import Ctx, WriteCtx
from lianxin.api.errors import ERROR_RESPONSES
from lianxin.api.schemas import DbId
from lianxin.care import alarms as al
from lianxin.care import reports
from lianxin.care import service as svc
from lianxin.care.models import Alarm, Household
from lianxin.care.status import AlarmCategory, AlarmStatus, Outcome, RuleKind
from lianxin.errors import InvalidInput, PermissionDenied

households = APIRouter(prefix="/households", tags=["关爱台账 households"], responses=ERROR_RESPONSES)
alerts = APIRouter(prefix="/alerts", tags=["关爱告警 alerts"], responses=ERROR_RESPONSES)


class PersonOut(BaseModel):
    id: int
    name: str = Field(description="脱敏 / masked")
    id_number: str = Field(description="脱敏 / masked")
    phone: str = Field(description="脱敏 / masked")
    relation: str
    birth_year: int | None
    tags: list[str]


class DeviceOut(BaseModel):
    id: int
    kind: str
    external_id: str
    last_reading_at: datetime | None
    last_value: float | None


class HouseholdOut(BaseModel):
    id: int
    community_id: int
    community: str
    grid_id: int | None
    address: str
    lat: float | None
    lon: float | None
    quiet_until: datetime | None
    quiet_reason: str | None
    flagged: bool
    people: list[PersonOut]
    devices: list[DeviceOut]


class HouseholdPage(BaseModel):
    total: int
    items: list[HouseholdOut]


def _household(h: Household) -> HouseholdOut:
    return HouseholdOut(
        id=h.id,
        community_id=h.community_id,
        community=h.community.name,
        grid_id=h.grid_id,
        address=h.address,
        lat=h.lat,
        lon=h.lon,
        quiet_until=h.quiet_until,
        quiet_reason=h.quiet_reason,
        flagged=h.flagged,
        people=[PersonOut(**svc.masked_person(p)) for p in h.people],
        devices=[
            DeviceOut(
                id=d.id,
                kind=d.kind.value,
                external_id=d.external_id,
                last_reading_at=d.last_reading_at,
                last_value=d.last_value,
            )
            for d in h.devices
        ],
    )


@households.get("", response_model=HouseholdPage)
def list_households(
    ctx: Ctx,
    q: Annotated[str, Query(max_length=50)] = "",
    tag: str = "",
    flagged: bool = False,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> HouseholdPage:
    """本人网格内的住户（个人信息脱敏）/ the households in the caller's grids, personal data masked."""
    stmt = svc.households(ctx.session, ctx.actor, q=q, tag=tag, flagged=flagged)
    rows = ctx.session.scalars(stmt.offset(offset).limit(limit)).all()
    total = ctx.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    return HouseholdPage(total=total, items=[_household(h) for h in rows])


@households.get("/{household_id}", response_model=HouseholdOut)
def read_household(household_id: DbId, ctx: Ctx) -> HouseholdOut:
    return _household(svc.get_household(ctx.session, ctx.actor, household_id))


class UnmaskedOut(BaseModel):
    id: int
    name: str
    id_number: str = ""
    phone: str
    relation: str
    contact: bool = False


@households.get("/{household_id}/unmasked", response_model=list[UnmaskedOut])
def read_unmasked(household_id: DbId, ctx: Ctx) -> list[UnmaskedOut]:
    """身份证号和电话明文（每次查看都记录）/ ID numbers and phones in the clear; each call is logged."""
    household = svc.get_household(ctx.session, ctx.actor, household_id)
    return [UnmaskedOut(**row) for row in svc.reveal(ctx.session, ctx.actor, household, "api")]


class AlarmOut(BaseModel):
    id: int
    version: int
    household_id: int
    address: str
    kind: RuleKind
    category: AlarmCategory
    status: AlarmStatus
    detail: str
    value: float | None
    raised_at: datetime
    acknowledged_at: datetime | None
    closed_at: datetime | None
    visit_due_at: datetime
    escalation_step: str = Field(description="已通知到的升级层级 / the ladder rung last told")
    outcome: Outcome | None
    work_order: str | None = Field(None, description="12345 工单编号（升级到工单时） / the work order's number")
    has_photo: bool = False


def _alarm(a: Alarm) -> AlarmOut:
    return AlarmOut(
        id=a.id,
        version=a.version,
        household_id=a.household_id,
        address=a.household.address,
        kind=a.kind,
        category=a.category,
        status=a.status,
        detail=a.detail,
        value=a.value,
        raised_at=a.raised_at,
        acknowledged_at=a.acknowledged_at,
        closed_at=a.closed_at,
        visit_due_at=a.visit_due_at,
        escalation_step=reports.rung_label(a)[1],
        outcome=a.outcome,
        work_order=a.appeal.order_no if a.appeal else None,
        has_photo=bool(a.photo_key),
    )


@alerts.get("", response_model=list[AlarmOut])
def list_alarms(
    ctx: Ctx,
    all: bool = False,
    household_id: DbId | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[AlarmOut]:
    """未关闭的告警（all=true 含已关闭）/ open alarms in the caller's grids (all=true: closed ones too)."""
    stmt = al.alarms(ctx.session, ctx.actor, open_only=not all, household_id=household_id).limit(limit)
    return [_alarm(a) for a in ctx.session.scalars(stmt)]


@alerts.get("/stats")
def alarm_stats(ctx: Ctx) -> dict:
    """告警数、响应时长、误报率、阈值调整建议 / counts, response times, false-alarm rate, threshold suggestions."""
    return reports.stats(ctx.session, ctx.actor)


@alerts.get("/{alarm_id}", response_model=AlarmOut)
def read_alarm(alarm_id: DbId, ctx: Ctx) -> AlarmOut:
    return _alarm(al.get_alarm(ctx.session, ctx.actor, alarm_id))


class ActionIn(BaseModel):
    version: int | None = Field(None, description="乐观锁 / the version you saw")
    note: str | None = Field(None, max_length=2000)


class VisitIn(ActionIn):
    outcome: Outcome
    note: str = Field(..., max_length=2000)


@alerts.post("/{alarm_id}/acknowledge", response_model=AlarmOut)
def acknowledge(alarm_id: DbId, body: ActionIn, ctx: WriteCtx):
    alarm = al.get_alarm(ctx.session, ctx.actor, alarm_id)
    return ctx.once(
        lambda: _alarm(
            al.acknowledge(ctx.session, alarm, actor=ctx.actor, note=body.note, expected_version=body.version)
        )
    )


@alerts.post("/{alarm_id}/visit", response_model=AlarmOut)
def start_visit(alarm_id: DbId, body: ActionIn, ctx: WriteCtx):
    alarm = al.get_alarm(ctx.session, ctx.actor, alarm_id)
    return ctx.once(
        lambda: _alarm(
            al.start_visit(ctx.session, alarm, actor=ctx.actor, note=body.note, expected_version=body.version)
        )
    )


@alerts.post("/{alarm_id}/record", response_model=AlarmOut)
def record_visit(alarm_id: DbId, body: VisitIn, ctx: WriteCtx):
    """上门记录（关闭告警）/ the visit record, which closes the alarm."""
    alarm = al.get_alarm(ctx.session, ctx.actor, alarm_id)
    return ctx.once(
        lambda: _alarm(
            al.record_visit(
                ctx.session, alarm, actor=ctx.actor, outcome=body.outcome, note=body.note, expected_version=body.version
            )
        )
    )


class ReadingIn(BaseModel):
    device: str = Field(..., min_length=2, max_length=64)
    ts: datetime
    value: float = Field(..., ge=0, le=1e12)


class ReadingsIn(BaseModel):
    readings: list[ReadingIn] = Field(..., min_length=1, max_length=1000)


class ReadingsOut(BaseModel):
    stored: int
    duplicates: int


@alerts.post("/readings", response_model=ReadingsOut)
def post_readings(body: ReadingsIn, ctx: WriteCtx):
    """批量上报读数（按设备+时间幂等）/ a batch of readings, idempotent on (device, ts). Needs an admin or an
    API key with the admin role (the meter gateway's key)."""
    if not svc.is_admin(ctx.actor):
        raise PermissionDenied(
            "只有管理员或数据网关可以上报读数", "only an admin or the meter gateway's key may post readings"
        )

    def run() -> ReadingsOut:
        stored = 0
        cache: dict[str, int] = {}
        for item in body.readings:
            if item.ts.tzinfo is None:
                raise InvalidInput("时间须带时区", "ts needs a time zone", field="ts")
            device = al.device_for(ctx.session, item.device, cache)
            if device.jurisdiction_id != ctx.jurisdiction_id:
                raise InvalidInput(
                    f"设备 {item.device} 未登记", f"device {item.device} is not registered", field="device"
                )
            stored += al.ingest(ctx.session, device, al.parse_ts(item.ts), item.value, source="http")
        return ReadingsOut(stored=stored, duplicates=len(body.readings) - stored)

    return ctx.once(run)
