"""/api/v1/pledges: 办实事 lists (with items, targets, progress and ratings), the leader's completion
figures per unit, and the owners' writes (report progress, add a milestone, complete an item)."""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from lianxin.api.deps import Ctx, SessionDep, WriteCtx
from lianxin.api.errors import ERROR_RESPONSES
from lianxin.orgs.models import Role
from lianxin.orgs.service import require_role
from lianxin.pledges import overview as figures
from lianxin.pledges import queries, service, work
from lianxin.pledges.models import PledgeList

router = APIRouter(prefix="/pledges", tags=["办实事 pledges"], responses=ERROR_RESPONSES)
READERS = (Role.LEADER, Role.HANDLER)


class TargetOut(BaseModel):
    name: str
    unit: str
    baseline: float | None
    baseline_period: str
    target: float
    actual: float | None
    progress: int | None
    direction: str = Field("up", description="up: 越高越好 higher is better; down: 越低越好 lower is better")
    met: bool = Field(False, description="已达到目标 / the target is reached")


class ItemOut(BaseModel):
    id: int
    parent_id: int | None
    external_id: str | None
    title: str
    owner_unit: str | None
    lead_official: str
    category: str
    area: str
    start_on: date | None
    due_on: date | None
    budget_planned: float | None
    budget_spent: float | None
    weight: float
    progress: int
    status: str
    overdue: bool
    completed_on: date | None
    targets: list[TargetOut]
    ratings: dict = Field(description="三评: self, public (mean, 0–100), public_count, review, composite")


class ListOut(BaseModel):
    id: int
    title: str
    year: int
    campaign: str
    owner_unit: str | None
    party_org_id: int | None
    status: str
    version: int
    pending_changes: bool
    published_at: datetime | None


class ListDetailOut(ListOut):
    items: list[ItemOut]


class UnitOut(BaseModel):
    unit: str
    total: int
    completed: int
    overdue: int
    completion_rate: float | None
    on_time_rate: float | None
    change: float | None = Field(None, description="completion rate now minus at the end of last month (points)")
    rating: float | None = Field(None, description="mean 三评 composite of the unit's rated items")


class ProgressIn(BaseModel):
    progress: int | None = Field(None, ge=0, le=100)
    target_id: int | None = None
    value: float | None = None
    note: str = Field("", max_length=1000)


class MilestoneIn(BaseModel):
    title: str = Field(max_length=200)
    dated: date | None = None
    text: str = Field("", max_length=2000)
    progress: int | None = Field(None, ge=0, le=100)


class CompleteIn(BaseModel):
    note: str = Field("", max_length=1000)
    completed_on: date | None = None


def _list(pl: PledgeList) -> dict:
    return dict(
        id=pl.id,
        title=pl.title,
        year=pl.year,
        campaign=pl.campaign,
        owner_unit=pl.owner_unit.name if pl.owner_unit else None,
        party_org_id=pl.party_org_id,
        status=pl.status.value,
        version=pl.version,
        pending_changes=pl.pending_changes,
        published_at=pl.published_at,
    )


def _item(row) -> ItemOut:
    i = row.item
    return ItemOut(
        id=i.id,
        parent_id=i.parent_id,
        external_id=i.external_id,
        title=i.title,
        owner_unit=i.owner_unit.name if i.owner_unit else None,
        lead_official=i.lead_official,
        category=i.category,
        area=i.area,
        start_on=i.start_on,
        due_on=i.due_on,
        budget_planned=float(i.budget_planned) if i.budget_planned is not None else None,
        budget_spent=float(i.budget_spent) if i.budget_spent is not None else None,
        weight=i.weight,
        progress=i.progress,
        status=i.status.value,
        overdue=row.overdue,
        completed_on=i.completed_on,
        targets=[
            TargetOut(
                name=n, unit=u, baseline=b, baseline_period=p, target=t, actual=a, progress=g, direction=d, met=g == 100
            )
            for n, u, b, p, t, a, g, d in row.targets
        ],
        ratings=row.ratings,
    )


@router.get("/lists", response_model=list[ListOut])
def list_lists(ctx: Ctx, year: int | None = None):
    """清单（本辖区全部状态）/ every list of the caller's jurisdiction, newest year first."""
    require_role(ctx.session, ctx.actor, READERS)
    lists = queries.staff_lists(ctx.session, ctx.jurisdiction_id)
    return [ListOut(**_list(pl)) for pl in lists if year is None or pl.year == year]


@router.get("/lists/{list_id}", response_model=ListDetailOut)
def show_list(list_id: int, ctx: Ctx, published: bool = False):
    """一个清单及其事项；``published=true`` 只给已公示版本中的事项 / one list with its items (or only the published ones)."""
    require_role(ctx.session, ctx.actor, READERS)
    plist = service.get_list(ctx.session, list_id, jurisdiction_id=ctx.jurisdiction_id)
    rows = queries.ledger(ctx.session, plist, public=published)
    return ListDetailOut(**_list(plist), items=[_item(r) for r in rows])


@router.get("/overview", response_model=list[UnitOut])
def overview(ctx: Ctx, year: int | None = None):
    """各单位完成率、按时完成率和逾期数（已公示清单的末级事项）/ completion by unit."""
    require_role(ctx.session, ctx.actor, READERS)
    rows, _ = figures.unit_overview(ctx.session, ctx.jurisdiction_id, year=year)
    return [
        UnitOut(
            unit=r.unit,
            total=r.total,
            completed=r.completed,
            overdue=r.overdue,
            completion_rate=r.completion_rate,
            on_time_rate=r.on_time_rate,
            change=r.change,
            rating=r.rating,
        )
        for r in rows
    ]


def _row(ctx, item):
    ctx.session.flush()
    rows = queries.ledger(ctx.session, item.pledge_list, public=False)
    return _item(next(r for r in rows if r.item.id == item.id))


@router.post("/items/{item_id}/progress", response_model=ItemOut)
def report_progress(item_id: int, body: ProgressIn, ctx: WriteCtx):
    """报送进度：百分比，或某个指标的实际值 / report progress (a percentage or an indicator's value)."""

    def run():
        item = service.get_item(ctx.session, item_id, jurisdiction_id=ctx.jurisdiction_id)
        work.report_progress(
            ctx.session,
            item,
            actor=ctx.actor,
            progress=body.progress,
            target_id=body.target_id,
            value=body.value,
            note=body.note,
        )
        return _row(ctx, item)

    return ctx.once(run)


@router.post("/items/{item_id}/milestones", response_model=ItemOut, status_code=201)
def add_milestone(item_id: int, body: MilestoneIn, ctx: WriteCtx):
    def run():
        item = service.get_item(ctx.session, item_id, jurisdiction_id=ctx.jurisdiction_id)
        work.add_milestone(
            ctx.session,
            item,
            actor=ctx.actor,
            title=body.title,
            dated=body.dated,
            text=body.text,
            progress=body.progress,
        )
        return _row(ctx, item)

    return ctx.once(run, status_code=201)


@router.post("/items/{item_id}/complete", response_model=ItemOut)
def complete(item_id: int, body: CompleteIn, ctx: WriteCtx):
    def run():
        item = service.get_item(ctx.session, item_id, jurisdiction_id=ctx.jurisdiction_id)
        work.complete_item(ctx.session, item, actor=ctx.actor, note=body.note, completed_on=body.completed_on)
        return _row(ctx, item)

    return ctx.once(run)


# ---------------------------------------------------------------- /api/v1/commitments: the public ledger

public_router = APIRouter(prefix="/commitments", tags=["办实事 commitments (public)"], responses=ERROR_RESPONSES)


class PublicItemOut(BaseModel):
    id: int
    parent_id: int | None
    depth: int
    title: str = Field(description="as published (the latest version)")
    owner_unit: str
    lead_official: str
    category: str
    area: str
    start_on: str | None
    due_on: str | None
    budget_planned: str | None
    fund_source: str
    progress: int
    status: str
    status_key: str | None
    overdue: bool
    completed_on: date | None
    targets: list[TargetOut]
    milestones: list[dict]
    ratings: dict


class PublicListOut(BaseModel):
    id: int
    title: str
    year: int
    campaign: str
    owner_unit: str | None
    version: int
    published_at: datetime | None
    status: str
    figures: dict


class PublicLedgerOut(PublicListOut):
    page: int
    pages: int
    matched: int
    items: list[PublicItemOut]


def _public_item(row) -> PublicItemOut:
    i, p = row.item, row.promised
    return PublicItemOut(
        id=i.id,
        parent_id=i.parent_id,
        depth=row.depth,
        title=p.get("title") or i.title,
        owner_unit=p.get("owner_unit") or "",
        lead_official=p.get("lead_official") or "",
        category=p.get("category") or "",
        area=p.get("area") or "",
        start_on=p.get("start_on"),
        due_on=p.get("due_on"),
        budget_planned=p.get("budget_planned"),
        fund_source=p.get("fund_source") or "",
        progress=i.progress,
        status=i.status.value,
        status_key=i.status_key,
        overdue=row.overdue,
        completed_on=i.completed_on,
        targets=[
            TargetOut(
                name=n,
                unit=u,
                baseline=b,
                baseline_period=pp,
                target=t,
                actual=a,
                progress=g,
                direction=d,
                met=g == 100,
            )
            for n, u, b, pp, t, a, g, d in row.targets
        ],
        milestones=[
            {"dated": m.dated.isoformat(), "title": m.title, "text": m.text, "progress": m.progress}
            for m in i.milestones[:20]
        ],
        ratings=row.ratings,
    )


def _public_list(session, request, list_id: int) -> PledgeList:
    from lianxin.errors import NotFound
    from lianxin.web.deps import public_jurisdiction

    jurisdiction = public_jurisdiction(request, session)
    plist = session.get(PledgeList, list_id)
    if (
        plist is None
        or plist.jurisdiction_id != jurisdiction.id
        or plist.status not in queries.PUBLIC_STATUSES
        or plist.version == 0
    ):
        raise NotFound(f"清单 {list_id} 不存在或尚未公示", f"list {list_id} not found or not published", field="list")
    return plist


def _public_list_out(plist: PledgeList, figures: dict) -> dict:
    return dict(
        id=plist.id,
        title=plist.title,
        year=plist.year,
        campaign=plist.campaign,
        owner_unit=plist.owner_unit.name if plist.owner_unit else None,
        version=plist.version,
        published_at=plist.published_at,
        status=plist.status.value,
        figures=figures,
    )


@public_router.get("", response_model=list[PublicListOut])
def public_lists(request: Request, session: SessionDep, year: int | None = None):
    """公示的办实事清单（无需登录）/ the published commitment lists, no login needed."""
    from lianxin.web.deps import public_jurisdiction

    jurisdiction = public_jurisdiction(request, session)
    lists = queries.published_lists(session, jurisdiction.id, year=year)
    figures = queries.list_figures(session, [pl.id for pl in lists])
    return [PublicListOut(**_public_list_out(pl, figures[pl.id])) for pl in lists]


@public_router.get("/{list_id}", response_model=PublicLedgerOut)
def public_ledger(
    list_id: int,
    request: Request,
    session: SessionDep,
    page: int = Query(1, ge=1, le=10**6),
    status: str = Query("", max_length=20),
    q: str = Query("", max_length=50),
    unit: int | None = Query(None, ge=1, le=2**31 - 1),
):
    """一份清单的公示台账（分页，每页 50 项）/ one published ledger, 50 items a page, with the whole list's figures."""
    plist = _public_list(session, request, list_id)
    result = queries.ledger_page(session, plist, public=True, page=page, status=status, q=q, unit_id=unit)
    return PublicLedgerOut(
        **_public_list_out(plist, result.summary),
        page=result.page,
        pages=result.pages,
        matched=result.matched,
        items=[_public_item(r) for r in result.rows],
    )


@public_router.get("/{list_id}/history")
def public_history(list_id: int, request: Request, session: SessionDep) -> list[dict]:
    """变更记录：每个公示版本及其变更 / the published versions and what each changed."""
    plist = _public_list(session, request, list_id)
    return [
        {
            "number": v["number"],
            "published_at": v["published_at"].isoformat(),
            "note": v["note"],
            "initial_count": v["initial_count"],
            "added": v["added"],
            "removed": v["removed"],
            "changed": [{"item": t, "fields": {f: [o, n] for f, o, n in fields}} for t, fields in v["changed"]],
        }
        for v in queries.history(session, plist)
    ]


@public_router.get("/items/{item_id}", response_model=PublicItemOut)
def public_item(item_id: int, request: Request, session: SessionDep):
    """一件公示事项：承诺、进度、指标、节点、三评 / one published item."""
    from lianxin.errors import NotFound
    from lianxin.web.deps import public_jurisdiction

    item = service.get_item(session, item_id, jurisdiction_id=public_jurisdiction(request, session).id)
    plist = _public_list(session, request, item.list_id)
    promised = queries.promised_items(session, plist)
    if str(item.id) not in promised:
        raise NotFound(f"事项 {item_id} 尚未公示", f"item {item_id} is not published", field="item")
    rows = queries.ledger(session, plist, public=True, only=[item.id], promised=promised, depths={item.id: 0})
    return _public_item(rows[0])
