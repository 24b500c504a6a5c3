"""/api/v1/volunteers: open activities, signing oneself up, an activity's sign-ups and the organiser's
confirmation (organisers), certificate lookup, the 爱心超市's goods and a redemption."""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field

from lianxin.api.deps import Ctx, WriteCtx
from lianxin.api.errors import ERROR_RESPONSES
from lianxin.appeals.privacy import mask_name, mask_phone
from lianxin.errors import InvalidInput
from lianxin.points import service as points
from lianxin.volunteers import market
from lianxin.volunteers import service as svc
from lianxin.volunteers.models import Activity, Enrollment
from lianxin.volunteers.views import member_by_phone
from lianxin.wishes.people import member_for_user

router = APIRouter(prefix="/volunteers", tags=["志愿服务 volunteers"], responses=ERROR_RESPONSES)


class ActivityOut(BaseModel):
    id: int
    title: str
    community: str
    place: str
    starts_at: datetime
    ends_at: datetime
    slots: int
    taken: int
    min_age: int | None
    max_age: int | None
    training: str | None
    status: str


class EnrollmentOut(BaseModel):
    id: int
    activity_id: int
    member: str = Field(description="姓名（组织者可见）/ the volunteer's name")
    phone: str = Field(description="脱敏手机号 / masked phone")
    status: str
    role: str
    checked_in_at: datetime | None
    checked_out_at: datetime | None
    minutes: int | None


class ConfirmIn(BaseModel):
    evaluation: str = Field("", max_length=200)
    training: str = Field("", max_length=200)


class RecordOut(BaseModel):
    certificate_no: str
    volunteer: str = Field(description="脱敏姓名 / masked name")
    served_on: date
    hours: float
    content: str
    evaluation: str
    recorder_unit: str


class GoodOut(BaseModel):
    id: int
    name: str
    unit: str
    price_points: int
    stock: int


class LineIn(BaseModel):
    good_id: int
    quantity: int = Field(ge=1, le=10000)


class RedeemIn(BaseModel):
    phone: str | None = Field(None, max_length=32, description="the volunteer's phone (or household_account_id)")
    household_account_id: int | None = Field(
        None, description="a household's account (爱心存折) of the shop's community"
    )
    lines: list[LineIn] = Field(min_length=1, max_length=50)


class RedemptionOut(BaseModel):
    id: int
    receipt_no: str
    points: int
    balance: int
    lines: list[dict]


def _activity(session, a: Activity) -> ActivityOut:
    return ActivityOut(
        id=a.id,
        title=a.title,
        community=a.community.name,
        place=a.place,
        starts_at=a.starts_at,
        ends_at=a.ends_at,
        slots=a.slots,
        taken=svc.taken(session, a),
        min_age=a.min_age,
        max_age=a.max_age,
        training=a.training,
        status=a.status.value,
    )


def _enrollment(r: Enrollment) -> EnrollmentOut:
    return EnrollmentOut(
        id=r.id,
        activity_id=r.activity_id,
        member=r.member.name,
        phone=mask_phone(r.member.phone),
        status=r.status.value,
        role=r.role.value,
        checked_in_at=r.checked_in_at,
        checked_out_at=r.checked_out_at,
        minutes=r.minutes,
    )


@router.get("/activities", response_model=list[ActivityOut])
def activities(ctx: Ctx, community_id: int | None = None):
    """招募中的活动 / open activities, soonest first."""
    return [
        _activity(ctx.session, a) for a in svc.upcoming(ctx.session, ctx.jurisdiction_id, community_id=community_id)
    ]


@router.post("/activities/{activity_id}/signup", response_model=EnrollmentOut, status_code=201)
def sign_up(activity_id: int, ctx: WriteCtx):
    """为自己报名（调用者须是登记的志愿者）/ sign the caller up (full: the waiting list)."""

    def run():
        member = member_for_user(ctx.session, ctx.actor)
        if member is None:
            raise InvalidInput("您还不是登记的志愿者", "the caller is not a registered volunteer")
        activity = svc.get_activity(ctx.session, activity_id, jurisdiction_id=ctx.jurisdiction_id)
        return _enrollment(svc.sign_up(ctx.session, activity, member, actor=ctx.actor))

    return ctx.once(run, status_code=201)


@router.get("/activities/{activity_id}/enrollments", response_model=list[EnrollmentOut])
def activity_enrollments(activity_id: int, ctx: Ctx):
    """活动的报名与考勤（组织者）/ an activity's sign-ups (the community's staff)."""
    activity = svc.get_activity(ctx.session, activity_id, jurisdiction_id=ctx.jurisdiction_id)
    svc.require_organiser(ctx.session, ctx.actor, activity.community_id)
    return [_enrollment(r) for r in svc.enrollments(ctx.session, activity)]


@router.post("/enrollments/{enrollment_id}/confirm", response_model=RecordOut)
def confirm(enrollment_id: int, body: ConfirmIn, ctx: WriteCtx):
    """确认时长：写入服务记录并计积分 / confirm: the service record and the points."""

    def run():
        row = svc.get_enrollment(ctx.session, enrollment_id, jurisdiction_id=ctx.jurisdiction_id)
        record = svc.confirm_attendance(
            ctx.session, row, actor=ctx.actor, evaluation=body.evaluation, training=body.training
        )
        return _record(record)

    return ctx.once(run)


def _record(r) -> RecordOut:
    return RecordOut(
        certificate_no=r.certificate_no,
        volunteer=mask_name(r.member.name),
        served_on=r.served_on,
        hours=r.hours,
        content=r.content,
        evaluation=r.evaluation,
        recorder_unit=r.recorder_unit,
    )


@router.get("/records/{certificate_no}", response_model=RecordOut)
def record(certificate_no: str, ctx: Ctx):
    """核验证明编号 / check a certificate number."""
    return _record(svc.record_by_number(ctx.session, certificate_no[:32]))


@router.get("/market/goods", response_model=list[GoodOut])
def goods(community_id: int, ctx: Ctx):
    """爱心超市物品与库存 / a shop's goods and stock."""
    return [
        GoodOut(id=g.id, name=g.name, unit=g.unit, price_points=g.price_points, stock=g.stock)
        for g in market.goods(ctx.session, community_id, active_only=True)
        if g.jurisdiction_id == ctx.jurisdiction_id
    ]


@router.post("/market/redeem", response_model=RedemptionOut, status_code=201)
def redeem(body: RedeemIn, ctx: WriteCtx):
    """兑换（社区工作人员操作）：积分与库存同时变动 / an exchange: points and stock move together or not at all."""

    def run():
        if (body.phone is None) == (body.household_account_id is None):
            raise InvalidInput(
                "请填写志愿者手机号或家庭账户之一", "give either phone or household_account_id", field="phone"
            )
        if body.household_account_id is not None:
            payer = points.get_account(ctx.session, body.household_account_id, jurisdiction_id=ctx.jurisdiction_id)
        else:
            payer = member_by_phone(ctx.session, ctx.jurisdiction_id, body.phone)
        lines = [
            (market.get_good(ctx.session, x.good_id, jurisdiction_id=ctx.jurisdiction_id), x.quantity)
            for x in body.lines
        ]
        with ctx.session.begin_nested():
            row = market.redeem(ctx.session, payer, lines, actor=ctx.actor)
        ctx.session.refresh(row.account)
        return RedemptionOut(
            id=row.id,
            receipt_no=row.receipt_no,
            points=row.points,
            balance=row.account.balance,
            lines=[{"good": m.good.name, "quantity": m.quantity} for m in row.moves],
        )

    return ctx.once(run, status_code=201)
