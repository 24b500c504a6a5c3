"""/api/v1/services: the catalogue (search, items, bundles; admins save items), the department's
applications (queue, one, window application, actions), a centre's slots for a day, 好差评 statistics and the
bad ratings with the centre's decisions. Applicants' names and phones are masked."""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlalchemy import select

from lianxin.api.deps import Ctx, WriteCtx
from lianxin.api.errors import ERROR_RESPONSES
from lianxin.errors import NotFound, PermissionDenied
from lianxin.orgs.models import Role
from lianxin.orgs.service import has_role, require_role
from lianxin.services import appointments as ap
from lianxin.services import catalogue, ratings
from lianxin.services import service as svc
from lianxin.services.models import Application, Evaluation, ServiceItem, ServiceLocation
from lianxin.services.status import AppAction, AppStatus, EvalAction, EvalStatus, ItemKind, ItemStatus, ServiceChannel

router = APIRouter(prefix="/services", tags=["政务服务 services"], responses=ERROR_RESPONSES)


class ItemOut(BaseModel):
    code: str
    name: str
    department: str
    department_code: str
    kind: ItemKind
    channels: list[ServiceChannel]
    legal_limit_days: int = Field(description="法定时限（工作日）/ legal limit in working days")
    promised_limit_days: int = Field(description="承诺时限（工作日）/ promised limit in working days")
    documents: list[str]
    fees: str
    eligibility: str
    status: ItemStatus
    alert: str
    assured_on: date | None = Field(description="信息核验日期 / when the information was last checked")
    location: str | None


def _item(item: ServiceItem) -> ItemOut:
    return ItemOut(
        code=item.code,
        name=item.name,
        department=item.department.name,
        department_code=item.department.code,
        kind=item.kind,
        channels=item.channels,
        legal_limit_days=item.legal_limit_days,
        promised_limit_days=item.promised_limit_days,
        documents=item.documents,
        fees=item.fees,
        eligibility=item.eligibility,
        status=item.status,
        alert=item.alert,
        assured_on=item.assured_on,
        location=item.location.code if item.location else None,
    )


@router.get("/items", response_model=list[ItemOut])
def search(ctx: Ctx, q: str = ""):
    """事项搜索（中文分词）/ search the catalogue in Chinese; empty lists it by code."""
    return [_item(i) for i in catalogue.search_items(ctx.session, ctx.jurisdiction_id, q[:100])]


@router.get("/items/{code}", response_model=ItemOut)
def item(code: str, ctx: Ctx):
    return _item(catalogue.item_by_code(ctx.session, ctx.jurisdiction_id, code))


class ItemIn(BaseModel):
    code: str = Field(max_length=64)
    name: str = Field(max_length=200)
    department_code: str
    kind: ItemKind = ItemKind.PUBLIC_SERVICE
    channels: list[ServiceChannel] = [ServiceChannel.WINDOW, ServiceChannel.ONLINE]
    legal_limit_days: int = Field(ge=0, le=365)
    promised_limit_days: int = Field(ge=0, le=365)
    documents: list[str] = []
    fees: str = "不收费"
    eligibility: str = ""
    process: str = ""
    status: ItemStatus = ItemStatus.ACTIVE
    alert: str = ""
    assured_on: date | None = None
    location: str | None = None


@router.post("/items", response_model=ItemOut)
def save_item(body: ItemIn, ctx: WriteCtx):
    """新增或更新事项（按编码，管理员）/ create or update an item by code (admins)."""

    def run():
        location = None
        if body.location:
            location = ctx.session.scalar(
                select(ServiceLocation).where(
                    ServiceLocation.jurisdiction_id == ctx.jurisdiction_id, ServiceLocation.code == body.location
                )
            )
            if location is None:
                raise NotFound("大厅不存在", "no such location")
        saved = catalogue.save_item(
            ctx.session,
            jurisdiction_id=ctx.jurisdiction_id,
            department=ctx.unit(body.department_code, "department_code"),
            location=location,
            actor=ctx.actor,
            **body.model_dump(exclude={"department_code", "location"}),
        )
        return _item(saved)

    return ctx.once(run)


class StatusIn(BaseModel):
    status: ItemStatus
    alert: str = Field(default="", max_length=300)


@router.post("/items/{code}/status", response_model=ItemOut)
def item_status(code: str, body: StatusIn, ctx: WriteCtx):
    """暂停/恢复办理（须说明原因）/ close an item for now (with the reason) or reopen it (admins)."""

    def run():
        found = catalogue.item_by_code(ctx.session, ctx.jurisdiction_id, code)
        return _item(catalogue.set_item_status(ctx.session, found, body.status, alert=body.alert, actor=ctx.actor))

    return ctx.once(run)


class BundleOut(BaseModel):
    code: str
    name: str
    lead_department: str
    items: list[str]
    documents: list[str]


@router.get("/bundles", response_model=list[BundleOut])
def bundles(ctx: Ctx):
    """一件事 / bundles: the items each covers."""
    return [
        BundleOut(
            code=b.code,
            name=b.name,
            lead_department=b.lead_department.name,
            items=[p.item.code for p in b.parts],
            documents=b.documents,
        )
        for b in catalogue.bundles(ctx.session, ctx.jurisdiction_id)
    ]


class ApplicationOut(BaseModel):
    number: str
    item: str | None
    bundle: str | None
    parent: str | None
    department: str
    channel: str
    status: AppStatus
    applicant_name: str = Field(description="脱敏 / masked")
    applicant_phone: str = Field(description="脱敏 / masked")
    by_proxy: bool
    documents: list[str]
    missing: str
    decision: str
    submitted_at: datetime | None
    due_at: datetime | None
    clock: str = Field(description="green / amber / red / grey")
    remaining_working_days: int | None
    version: int
    parts: list[str]


def _app(ctx, app: Application) -> ApplicationOut:
    clock = svc.clock(ctx.session, app)
    parent = ctx.session.get(Application, app.parent_id) if app.parent_id else None
    return ApplicationOut(
        number=app.number,
        item=app.item.code if app.item else None,
        bundle=app.bundle.code if app.bundle else (parent.bundle.code if parent else None),
        parent=parent.number if parent else None,
        department=app.department.name,
        channel=app.channel,
        status=app.status,
        applicant_name=svc.mask_name(app.applicant_name),
        applicant_phone=svc.mask_phone(app.applicant_phone),
        by_proxy=app.proxy_id is not None,
        documents=app.documents,
        missing=app.missing,
        decision=app.decision,
        submitted_at=app.submitted_at,
        due_at=app.due_at,
        clock=clock.colour,
        remaining_working_days=clock.remaining,
        version=app.version,
        parts=[p.number for p in app.parts],
    )


def _staff_app(ctx, number: str) -> Application:
    app = svc.application_by_number(ctx.session, ctx.jurisdiction_id, number)
    if not svc.can_handle(ctx.session, ctx.actor, app):
        raise PermissionDenied("不是本部门的办件", "not an application of your department")
    return app


@router.get("/applications", response_model=list[ApplicationOut])
def queue(ctx: Ctx, all: bool = False):
    """本部门办件（含一件事中本部门的部分），最紧急的在前 / the department's queue, most urgent first."""
    require_role(ctx.session, ctx.actor, svc.STAFF_ROLES)
    return [_app(ctx, a) for a in svc.staff_queue(ctx.session, ctx.actor, open_only=not all)]


@router.get("/applications/{number}", response_model=ApplicationOut)
def application(number: str, ctx: Ctx):
    return _app(ctx, _staff_app(ctx, number))


class WindowIn(BaseModel):
    item: str
    applicant_name: str
    applicant_phone: str
    form: dict[str, str] = {}
    documents: list[str] = []


@router.post("/applications", response_model=ApplicationOut, status_code=201)
def window_application(body: WindowIn, ctx: WriteCtx):
    """窗口受理 / a window records an application for the person in front of it."""

    def run():
        app = svc.apply(
            ctx.session,
            item=catalogue.item_by_code(ctx.session, ctx.jurisdiction_id, body.item),
            form=body.form,
            documents=body.documents,
            applicant_name=body.applicant_name,
            applicant_phone=body.applicant_phone,
            actor=ctx.actor,
        )
        return _app(ctx, app)

    return ctx.once(run, status_code=201)


class ActionIn(BaseModel):
    note: str = ""
    expected_version: int | None = None


@router.post("/applications/{number}/actions/{action}", response_model=ApplicationOut)
def act(number: str, action: AppAction, body: ActionIn, ctx: WriteCtx):
    """受理 accept · 补正 ask_more · 准予 approve · 不予办理 reject · 送达 deliver."""

    def run():
        app = _staff_app(ctx, number)
        svc.act(ctx.session, app, action, actor=ctx.actor, note=body.note, expected_version=body.expected_version)
        return _app(ctx, app)

    return ctx.once(run)


class SlotOut(BaseModel):
    id: int
    starts_at: datetime
    ends_at: datetime
    capacity: int
    booked: int


@router.get("/slots", response_model=list[SlotOut])
def slots(ctx: Ctx, location: str, day: date):
    """一天的预约时段（节假日不开放，调休日与特别开放日开放）/ a centre's slots for a day."""
    found = ctx.session.scalar(
        select(ServiceLocation).where(
            ServiceLocation.jurisdiction_id == ctx.jurisdiction_id, ServiceLocation.code == location
        )
    )
    if found is None:
        raise NotFound("大厅不存在", "no such location")
    return [
        SlotOut(id=s.id, starts_at=s.starts_at, ends_at=s.ends_at, capacity=s.capacity, booked=s.booked)
        for s in ap.ensure_slots(ctx.session, found, day)
    ]


@router.get("/stats")
def stats(ctx: Ctx) -> dict:
    """网办率、按时办结率、满意率，按事项/部门/渠道排名 / online share, on-time rate, satisfaction ranked."""
    require_role(ctx.session, ctx.actor, (Role.LEADER, Role.DISPATCHER))
    return ratings.statistics(ctx.session, ctx.jurisdiction_id)


class RatingOut(BaseModel):
    id: int
    item: str | None
    bundle: str | None
    department: str
    channel: str
    level: int
    scores: dict[str, int]
    text: str
    status: EvalStatus
    appeal: str | None = Field(description="整改工单编号 / the rectification work order")
    rectify_due_at: datetime | None
    review_note: str


def _rating(e: Evaluation) -> RatingOut:
    return RatingOut(
        id=e.id,
        item=e.item.code if e.item else None,
        bundle=e.bundle.code if e.bundle else None,
        department=e.department.name,
        channel=e.channel,
        level=e.level,
        scores=e.scores,
        text=e.text,
        status=e.status,
        appeal=e.appeal.order_no if e.appeal else None,
        rectify_due_at=e.rectify_due_at,
        review_note=e.review_note,
    )


@router.get("/ratings/bad", response_model=list[RatingOut])
def bad(ctx: Ctx):
    """差评及其整改工单 / bad ratings with their work orders (the centre and leaders: all; departments: theirs)."""
    rows = ratings.bad_ratings(ctx.session, ctx.jurisdiction_id)
    if not has_role(ctx.session, ctx.actor, (Role.LEADER, Role.DISPATCHER)):
        rows = [e for e in rows if has_role(ctx.session, ctx.actor, svc.STAFF_ROLES, unit_id=e.department_id)]
    return [_rating(e) for e in rows]


@router.post("/ratings/{rating_id}/actions/{action}", response_model=RatingOut)
def rating_action(rating_id: int, action: EvalAction, body: ActionIn, ctx: WriteCtx):
    """派单整改 dispatch · 申诉复核 appeal · 差评成立 uphold · 作废 void."""

    def run():
        evaluation = ratings.evaluation_by_id(ctx.session, ctx.jurisdiction_id, rating_id)
        ratings.act_on_rating(ctx.session, evaluation, action, actor=ctx.actor, note=body.note)
        return _rating(evaluation)

    return ctx.once(run)
