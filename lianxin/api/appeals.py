"""/api/v1/appeals: intake and reading (lifecycle actions are in ``actions.py``)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from lianxin.api.deps import Ctx, WriteCtx
from lianxin.api.errors import ERROR_RESPONSES
from lianxin.api.present import appeal_detail, appeal_out
from lianxin.api.schemas import AppealDetail, AppealIn, AppealOut
from lianxin.appeals.schemas import AppealCreate
from lianxin.appeals.service import submit_appeal

router = APIRouter(prefix="/appeals", tags=["诉求 appeals"], responses=ERROR_RESPONSES)


@router.post("", status_code=201, response_model=AppealOut, summary="受理诉求 / create an appeal")
def create_appeal(body: AppealIn, ctx: WriteCtx):
    def run():
        fields = body.model_dump(exclude={"jurisdiction_id"}) | {
            "jurisdiction_id": ctx.jurisdiction_id, "channel": body.channel or ctx.channel}
        appeal = submit_appeal(ctx.session, AppealCreate(**fields), actor=ctx.actor)
        return appeal_out(ctx.session, ctx.actor, appeal)

    return ctx.once(run, status_code=201)


@router.get("/{order_no}", response_model=AppealDetail, summary="工单详情与时间线 / an appeal with its timeline")
def get_appeal(order_no: str, ctx: Ctx, response: Response):
    appeal = ctx.appeal(order_no)
    response.headers["ETag"] = f'"{appeal.version}"'
    return appeal_detail(ctx.session, ctx.actor, appeal)
