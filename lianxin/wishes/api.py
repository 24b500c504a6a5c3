"""/api/v1/wishes: list and read wishes (personal data masked), record one, act on it (one verb per action),
see the resident's contact (logged), 双报到, statistics, yearly quota progress and the party organisations'
boards."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select

from lianxin.api.deps import Ctx, VersionDep, WriteCtx
from lianxin.api.errors import ERROR_RESPONSES
from lianxin.api.schemas import DbId
from lianxin.errors import InvalidInput, NotFound, PermissionDenied
from lianxin.orgs.models import Role, Unit
from lianxin.orgs.service import has_role, user_unit_ids
from lianxin.wishes import claims, people, queries
from lianxin.wishes import service as svc
from lianxin.wishes.models import (
    DualReport,
    PartyOrg,
    QuotaScope,
    TriageClass,
    Wish,
    WishCategory,
    WishSource,
)
from lianxin.wishes.status import WishStatus

router = APIRouter(prefix="/wishes", tags=["微心愿 wishes"], responses=ERROR_RESPONSES)


class WishOut(BaseModel):
    id: int
    version: int
    status: WishStatus
    category: WishCategory
    source: WishSource
    community_id: int
    community: str
    grid_id: int | None
    triage_class: TriageClass | None
    public_text: str | None
    resident_name: str = Field(description="脱敏 / masked")
    resident_phone: str = Field(description="脱敏 / masked")
    reason: str | None
    review_on: date | None
    promised_on: date | None
    claimed_by: str = Field(description="认领人（党员姓名脱敏）/ claimant, a member's name masked")
    claimed_member_id: int | None
    claimed_org_id: int | None
    source_appeal_id: int | None
    delivered_at: datetime | None
    confirmed_at: datetime | None
    rating: int | None
    created_at: datetime


def _out(wish: Wish) -> WishOut:
    name, phone = queries.masked_resident(wish)
    return WishOut(
        id=wish.id,
        version=wish.version,
        status=wish.status,
        category=wish.category,
        source=wish.source,
        community_id=wish.community_id,
        community=wish.community.name,
        grid_id=wish.grid_id,
        triage_class=wish.triage_class,
        public_text=wish.public_text,
        resident_name=name,
        resident_phone=phone,
        reason=wish.reason,
        review_on=wish.review_on,
        promised_on=wish.promised_on,
        claimed_by=queries.public_name(wish),
        claimed_member_id=wish.claimed_member_id,
        claimed_org_id=wish.claimed_org_id,
        source_appeal_id=wish.source_appeal_id,
        delivered_at=wish.delivered_at,
        confirmed_at=wish.confirmed_at,
        rating=wish.rating,
        created_at=wish.created_at,
    )


class WishPage(BaseModel):
    total: int
    items: list[WishOut]


def _scope(ctx) -> list[int] | None:
    if has_role(ctx.session, ctx.actor, (Role.LEADER,)) or any(g.role == Role.ADMIN for g in ctx.actor.grants):
        return None  # leaders and admins read the jurisdiction (leaders' grants are scoped by the units below)
    return list(user_unit_ids(ctx.session, ctx.actor, svc.STAFF_ROLES))


@router.get("/stats")
def wish_stats(ctx: Ctx) -> dict:
    """按状态、按社区的件数 / counts by status and by community."""
    return {
        "by_status": {s.value: n for s, n in queries.status_counts(ctx.session, ctx.jurisdiction_id).items()},
        "by_community": queries.community_counts(ctx.session, ctx.jurisdiction_id),
    }


class ProgressOut(BaseModel):
    id: int
    name: str
    realised: int
    target: int
    claimed: int
    met: bool


@router.get("/quotas", response_model=list[ProgressOut])
def quotas(ctx: Ctx, scope: QuotaScope = QuotaScope.ORG, year: Annotated[int | None, Query(ge=2000, le=2100)] = None):
    """年度任务完成情况（只计群众确认的心愿）/ yearly quota progress, counting confirmed wishes only."""
    rows = queries.quota_progress(ctx.session, ctx.jurisdiction_id, scope, year or svc.today().year)
    return [
        ProgressOut(id=p.id, name=p.name, realised=p.realised, target=p.target, claimed=p.claimed, met=p.met)
        for p in rows
    ]


class OrgOut(BaseModel):
    id: int
    kind: str
    name: str
    parent_id: int | None
    unit: str | None
    secretary_user_id: int | None


@router.get("/orgs", response_model=list[OrgOut])
def orgs(ctx: Ctx):
    """党组织（领导：全部；书记：本组织）/ the party organisations the caller may read: all for leaders."""
    return [
        OrgOut(
            id=o.id,
            kind=o.kind.value,
            name=o.name,
            parent_id=o.parent_id,
            unit=o.unit.name if o.unit else None,
            secretary_user_id=o.secretary_user_id,
        )
        for o in people.orgs_led_by(ctx.session, ctx.actor)
    ]


class BoardOut(BaseModel):
    org_id: int
    year: int
    month: int | None
    orgs: list[ProgressOut]
    members: list[ProgressOut]
    months: dict[int, int]
    overdue: list[int] = Field(description="ids of the overdue wishes")
    reports: dict[str, int]


@router.get("/orgs/{org_id}/board", response_model=BoardOut)
def org_board(
    org_id: DbId,
    ctx: Ctx,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    month: Annotated[int | None, Query(ge=1, le=12)] = None,
):
    """书记看板：本组织及下级、党员的年度任务，按月实现，超期认领，双报到 / a party organisation's board."""
    org = next((o for o in people.orgs_led_by(ctx.session, ctx.actor) if o.id == org_id), None)
    if org is None:
        if ctx.session.get(PartyOrg, org_id) is None:
            raise NotFound(f"党组织 {org_id} 不存在", f"no party organisation {org_id}")
        raise PermissionDenied("只能查看您所在党组织的看板", "only your own organisation's board")
    b = queries.org_board(ctx.session, org, year or svc.today().year, month)

    def out(p):
        return ProgressOut(id=p.id, name=p.name, realised=p.realised, target=p.target, claimed=p.claimed, met=p.met)

    return BoardOut(
        org_id=org.id,
        year=b.year,
        month=b.month,
        orgs=[out(p) for p in b.orgs],
        members=[out(p) for p in b.members],
        months=b.months,
        overdue=[w.id for w in b.overdue],
        reports=b.reports,
    )


class QuotaIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scope: QuotaScope
    year: int = Field(ge=2000, le=2100)
    target: int = Field(ge=0, le=1000)


class QuotaOut(BaseModel):
    scope: QuotaScope
    year: int
    target: int


@router.post("/quotas", response_model=QuotaOut)
def set_quota(body: QuotaIn, ctx: WriteCtx):
    """设定年度任务（领导）/ set a yearly quota (leaders)."""
    return ctx.once(
        lambda: QuotaOut(
            scope=body.scope,
            year=body.year,
            target=queries.set_quota(
                ctx.session,
                jurisdiction_id=ctx.jurisdiction_id,
                scope=body.scope,
                year=body.year,
                target=body.target,
                actor=ctx.actor,
            ).target,
        )
    )


@router.get("", response_model=WishPage)
def list_wishes(
    ctx: Ctx,
    status: WishStatus | None = None,
    community_id: DbId | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
):
    """心愿列表（调用者所辖社区；群众信息脱敏）/ wishes in the caller's communities, personal data masked."""
    stmt = select(Wish).where(Wish.jurisdiction_id == ctx.jurisdiction_id)
    scope = _scope(ctx)
    if scope is not None:
        stmt = stmt.where(Wish.community_id.in_(scope))
    if status is not None:
        stmt = stmt.where(Wish.status == status)
    if community_id is not None:
        stmt = stmt.where(Wish.community_id == community_id)
    total = ctx.session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = ctx.session.scalars(stmt.order_by(Wish.id.desc()).limit(limit).offset(offset)).all()
    return WishPage(total=total or 0, items=[_out(w) for w in rows])


def _wish(ctx, wish_id: int) -> Wish:
    wish = queries.get_wish(ctx.session, wish_id, jurisdiction_id=ctx.jurisdiction_id)
    scope = _scope(ctx)
    member = people.member_for_user(ctx.session, ctx.actor)
    mine = member is not None and wish.claimed_member_id == member.id
    if scope is not None and wish.community_id not in scope and not mine and wish.status != WishStatus.PUBLISHED:
        raise PermissionDenied("无权查看该心愿", "this wish is outside your communities")
    return wish


@router.get("/{wish_id}", response_model=WishOut)
def show_wish(wish_id: DbId, ctx: Ctx):
    return _out(_wish(ctx, wish_id))


class WishIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    community_id: DbId
    category: WishCategory
    content: str = Field(max_length=2000)
    resident_phone: str = Field(max_length=32)
    resident_name: str | None = Field(default=None, max_length=64)
    resident_address: str | None = Field(default=None, max_length=200)
    grid_id: DbId | None = None
    source: WishSource = WishSource.GRID_VISIT
    source_appeal_id: DbId | None = None


@router.post("", status_code=201, response_model=WishOut)
def create_wish(body: WishIn, ctx: WriteCtx):
    """工作人员代为登记心愿（走访、说事箱、回访、诉求转办）/ staff record a wish for a resident."""

    def run():
        appeal = None
        if body.source_appeal_id is not None:
            from lianxin.appeals.models import Appeal

            appeal = ctx.session.get(Appeal, body.source_appeal_id)
            if appeal is None or appeal.jurisdiction_id != ctx.jurisdiction_id:
                raise InvalidInput("关联的诉求不存在", "the source appeal does not exist", field="source_appeal_id")
        return _out(
            svc.submit_wish(
                ctx.session,
                jurisdiction_id=ctx.jurisdiction_id,
                community_id=body.community_id,
                content=body.content,
                category=body.category,
                resident_phone=body.resident_phone,
                resident_name=body.resident_name,
                resident_address=body.resident_address,
                grid_id=body.grid_id,
                source=WishSource.APPEAL if appeal else body.source,
                source_appeal=appeal,
                actor=ctx.actor,
            )
        )

    return ctx.once(run, status_code=201)


Action = Literal["register", "publish", "reject", "file", "reopen", "claim", "release", "start", "deliver", "close"]


class ActionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    version: int | None = Field(default=None, ge=1, le=2_147_483_647)
    triage_class: TriageClass | None = None
    public_text: str | None = Field(default=None, max_length=500)
    reason: str | None = Field(default=None, max_length=500)
    note: str | None = Field(default=None, max_length=1000)
    review_on: date | None = None
    promised_on: date | None = None
    org_id: DbId | None = Field(default=None, description="以党组织名义认领 / claim for this organisation")


def _need(value, field: str):
    if value is None:
        raise InvalidInput("缺少必填项", f"{field} is required", field=field)
    return value


def _act(ctx, wish: Wish, action: str, b: ActionIn, version: int | None) -> Wish:
    s, u = ctx.session, ctx.actor
    member = people.member_for_user(s, u)
    if action == "register":
        return svc.register_wish(
            s,
            wish,
            actor=u,
            triage_class=_need(b.triage_class, "triage_class"),
            public_text=b.public_text,
            version=version,
        )
    if action == "publish":
        return svc.publish_wish(s, wish, actor=u, public_text=b.public_text, version=version)
    if action == "reject":
        return svc.reject_wish(s, wish, actor=u, reason=b.reason or "", version=version)
    if action == "file":
        return svc.file_wish(
            s, wish, actor=u, reason=b.reason or "", review_on=_need(b.review_on, "review_on"), version=version
        )
    if action == "reopen":
        return svc.reopen_wish(s, wish, actor=u, note=b.note or "")
    if action == "close":
        return claims.close_wish(s, wish, actor=u, version=version)
    if action == "claim":
        promised_on = _need(b.promised_on, "promised_on")
        if b.org_id is not None:
            org = s.get(PartyOrg, b.org_id)
            if org is None or org.jurisdiction_id != ctx.jurisdiction_id:
                raise InvalidInput("党组织不存在", "no such organisation", field="org_id")
            return claims.claim_wish(s, wish, org=org, promised_on=promised_on, actor=u, version=version)
        if member is None:
            raise PermissionDenied("您还不是登记的党员或志愿者", "you are not registered as a member or volunteer")
        return claims.claim_wish(s, wish, member=member, promised_on=promised_on, actor=u, version=version)
    if member is not None and wish.claimed_member_id != member.id:
        member = None
    if action == "release":
        return claims.release_wish(s, wish, member=member, actor=u, reason=b.reason or "", version=version)
    if action == "start":
        return claims.start_wish(s, wish, member=member, actor=u, note=b.note or "", version=version)
    return claims.deliver_wish(s, wish, member=member, actor=u, note=b.note or "", version=version)


@router.post("/{wish_id}/actions/{action}", response_model=WishOut)
def act(wish_id: DbId, action: Action, body: ActionIn, ctx: WriteCtx, if_match: VersionDep):
    """一个动作一个接口：登记、发布、不予采纳、待办档案、重新审核、认领、取消认领、落实、反馈、销号。
    ``If-Match`` 或 ``version`` 过期返回 409 / one verb per action; a stale version answers 409."""
    return ctx.once(
        lambda: _out(
            _act(
                ctx,
                queries.get_wish(ctx.session, wish_id, jurisdiction_id=ctx.jurisdiction_id),
                action,
                body,
                if_match if if_match is not None else body.version,
            )
        )
    )


class ContactOut(BaseModel):
    name: str | None
    phone: str
    address: str | None


@router.post("/{wish_id}/contact", response_model=ContactOut)
def contact(wish_id: DbId, ctx: WriteCtx):
    """群众联系方式：认领人和社区工作人员可见，每次查看都记录 / the resident's contact, every view logged."""

    def run():
        wish = queries.get_wish(ctx.session, wish_id, jurisdiction_id=ctx.jurisdiction_id)
        member = people.member_for_user(ctx.session, ctx.actor)
        if member is not None and wish.claimed_member_id != member.id:
            member = None
        c = claims.view_contact(ctx.session, wish, member=member, actor=ctx.actor)
        return ContactOut(name=c.name, phone=c.phone, address=c.address)

    return ctx.once(run)


class ReportIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    community_id: DbId
    note: str = Field(default="", max_length=500)


class ReportOut(BaseModel):
    id: int
    community_id: int
    member_id: int | None
    org_id: int | None
    status: str


def _report(r: DualReport) -> ReportOut:
    return ReportOut(id=r.id, community_id=r.community_id, member_id=r.member_id, org_id=r.org_id, status=r.status)


@router.post("/reports", status_code=201, response_model=ReportOut)
def dual_report(body: ReportIn, ctx: WriteCtx):
    """双报到：登记的党员向居住地社区报到 / a registered member reports to their home community."""

    def run():
        member = people.member_for_user(ctx.session, ctx.actor)
        if member is None:
            raise PermissionDenied("您还不是登记的党员或志愿者", "you are not registered as a member or volunteer")
        community = ctx.session.get(Unit, body.community_id)
        if community is None:
            raise InvalidInput("请选择社区", "choose a community", field="community_id")
        return _report(people.report_to_community(ctx.session, community=community, member=member, note=body.note))

    return ctx.once(run, status_code=201)


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    confirm: bool
    note: str = Field(default="", max_length=500)


@router.post("/reports/{report_id}/decision", response_model=ReportOut)
def decide_report(report_id: DbId, body: DecisionIn, ctx: WriteCtx):
    """社区确认或退回双报到 / the community confirms or declines a report."""

    def run():
        report = ctx.session.get(DualReport, report_id)
        if report is None or report.jurisdiction_id != ctx.jurisdiction_id:
            raise NotFound("报到记录不存在", "no such report")
        return _report(people.decide_report(ctx.session, report, actor=ctx.actor, confirm=body.confirm, note=body.note))

    return ctx.once(run)
