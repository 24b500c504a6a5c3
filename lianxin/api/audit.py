"""/api/v1/audit: the personal-data audit log for the auditor role (审计员), as on ``/staff/audit``."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from lianxin.api.deps import Ctx
from lianxin.api.errors import ERROR_RESPONSES
from lianxin.appeals.audit import page_of_views

router = APIRouter(prefix="/audit", tags=["审计 audit"], responses=ERROR_RESPONSES)


class PersonalDataViewOut(BaseModel):
    at: datetime
    user_id: int
    username: str
    display_name: str
    order_no: str
    interface: str


class PersonalDataViewPage(BaseModel):
    items: list[PersonalDataViewOut]
    total: int
    page: int
    page_size: int


@router.get(
    "/personal-data-views",
    response_model=PersonalDataViewPage,
    summary="个人信息查看日志 / views of unmasked personal data (auditors only)",
)
def personal_data_views(
    ctx: Ctx,
    user_id: Annotated[int | None, Query(ge=1, le=2**31 - 1, description="查看人 / the viewing user's id")] = None,
    order_no: Annotated[str | None, Query(max_length=20, description="工单编号 / the appeal's order number")] = None,
    since: Annotated[date | None, Query(alias="from", description="开始日期（含，北京时间）/ first day")] = None,
    until: Annotated[date | None, Query(alias="to", description="结束日期（含）/ last day")] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
):
    rows, total = page_of_views(
        ctx.session,
        ctx.actor,
        page=page,
        page_size=page_size,
        user_id=user_id,
        order_no=order_no,
        since=since,
        until=until,
    )
    items = [
        PersonalDataViewOut(
            at=r.at,
            user_id=r.user_id,
            username=r.user.username,
            display_name=r.user.display_name,
            order_no=r.appeal.order_no,
            interface=r.interface,
        )
        for r in rows
    ]
    return PersonalDataViewPage(items=items, total=total, page=page, page_size=page_size)
