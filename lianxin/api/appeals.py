"""/api/v1/appeals: intake, list/filter/search, reading with the timeline, and basic counts
(lifecycle actions are in ``actions.py``). ``/counts`` comes before ``/{order_no}``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response
from pydantic import AwareDatetime

from lianxin.api.deps import Ctx, WriteCtx
from lianxin.api.errors import ERROR_RESPONSES
from lianxin.api.listing import AppealFilter, SortKey, count_appeals, list_appeals
from lianxin.api.present import appeal_detail, appeal_out
from lianxin.api.schemas import AppealDetail, AppealIn, AppealOut, AppealPage, CountRow, Counts
from lianxin.appeals.access import shown_to_all
from lianxin.appeals.choices import AppealType, Channel, Urgency
from lianxin.appeals.schemas import AppealCreate
from lianxin.appeals.service import submit_appeal
from lianxin.appeals.status import AppealStatus
from lianxin.errors import InvalidInput

router = APIRouter(prefix="/appeals", tags=["诉求 appeals"], responses=ERROR_RESPONSES)


@dataclass
class FilterQuery:
    status: Annotated[list[AppealStatus] | None, Query(description="状态，可多个 / statuses")] = None
    channel: Annotated[list[Channel] | None, Query()] = None
    appeal_type: Annotated[list[AppealType] | None, Query()] = None
    urgency: Annotated[list[Urgency] | None, Query()] = None
    category: Annotated[str | None, Query(max_length=32, description="分类编码（含下级）/ category code")] = None
    lead_unit: Annotated[str | None, Query(max_length=32, description="主办单位编码 / lead unit code")] = None
    received_from: Annotated[AwareDatetime | None, Query()] = None
    received_to: Annotated[AwareDatetime | None, Query()] = None
    overdue: Annotated[bool | None, Query(description="仅超期（或仅未超期）/ overdue only (or not)")] = None
    q: Annotated[
        str | None,
        Query(
            max_length=100,
            description="工单号或标题、内容、地址中的文字（少于三个字只查最近的诉求，见 search_window）/ order number or words of the title, letter or address (shorter than 3 characters: the newest appeals only, see search_window)",
        ),
    ] = None

    def to_filter(self) -> AppealFilter:
        return AppealFilter(
            status=self.status,
            channel=self.channel,
            appeal_type=self.appeal_type,
            urgency=self.urgency,
            category=self.category or None,
            lead_unit=self.lead_unit or None,
            received_from=self.received_from,
            received_to=self.received_to,
            overdue=self.overdue,
            q=(self.q or "").strip() or None,
        )


Filters = Annotated[FilterQuery, Depends()]


@router.post("", status_code=201, response_model=AppealOut, summary="受理诉求 / create an appeal")
def create_appeal(body: AppealIn, ctx: WriteCtx):
    def run():
        fields = body.model_dump(exclude={"jurisdiction_id"}) | {
            "jurisdiction_id": ctx.jurisdiction_id,
            "channel": body.channel or ctx.channel,
        }
        appeal = submit_appeal(ctx.session, AppealCreate(**fields), actor=ctx.actor)
        return appeal_out(ctx.session, ctx.actor, appeal)

    return ctx.once(run, status_code=201)


@router.get("", response_model=AppealPage, summary="工单列表、筛选与搜索 / list, filter, search")
def list_(
    ctx: Ctx,
    filters: Filters,
    sort: Annotated[SortKey, Query()] = "-received_at",
    page: Annotated[
        int,
        Query(
            ge=1,
            le=10_000,
            description="页码：只到前 1,000 条，之后用 cursor / numbered pages reach the first 1,000 rows, then the "
            "cursor",
        ),
    ] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=500, description="the next_cursor of the previous page")] = None,
):
    if cursor and page != 1:
        raise InvalidInput("page 与 cursor 只能用其一", "give either page or cursor, not both", field="cursor")
    flt = filters.to_filter()
    rows, total, next_cursor = list_appeals(
        ctx.session, ctx.actor, flt, sort=sort, page=page, page_size=page_size, cursor=cursor
    )
    return AppealPage(
        items=[
            appeal_out(ctx.session, ctx.actor, a, view=view)
            for a, view in zip(rows, shown_to_all(ctx.session, ctx.actor, rows, "api"), strict=True)
        ],
        total=total.n if total else None,
        total_capped=bool(total and total.capped),
        page=page,
        page_size=page_size,
        next_cursor=next_cursor,
        search_window=flt.search_window,
    )


@router.get("/counts", response_model=Counts, summary="按状态、单位、分类、渠道或时段计数 / counts")
def counts(
    ctx: Ctx,
    filters: Filters,
    by: Annotated[Literal["status", "lead_unit", "category", "channel", "day", "month", "year"], Query()] = "status",
):
    rows = count_appeals(ctx.session, ctx.actor, filters.to_filter(), by)
    return Counts(by=by, total=sum(n for _, n in rows), rows=[CountRow(key=k, count=n) for k, n in rows])


@router.get("/{order_no}", response_model=AppealDetail, summary="工单详情与时间线 / an appeal with its timeline")
def get_appeal(order_no: str, ctx: Ctx, response: Response):
    appeal = ctx.appeal(order_no)
    response.headers["ETag"] = f'"{appeal.version}"'
    return appeal_detail(ctx.session, ctx.actor, appeal)
