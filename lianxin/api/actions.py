"""Every lifecycle action as ``POST /api/v1/appeals/{order_no}/{action}``: one service verb each.

The body is the verb's input (units by code); ``If-Match`` (or ``version`` in the body) carries the
version the client last saw, and a stale one gets 409 ``stale_version``; an action the status does not
allow gets 409 ``illegal_transition``. The response is the appeal as ``GET`` returns it, with its new
version (also as ``ETag``).
(No ``from __future__ import annotations`` here: the routes are built from the table at import time.)
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from fastapi import APIRouter, Body
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from lianxin.api.deps import ApiContext, VersionDep, WriteCtx
from lianxin.api.errors import ERROR_RESPONSES
from lianxin.api.present import appeal_detail
from lianxin.api.schemas import AppealDetail, DbId
from lianxin.appeals import requests as appeal_requests
from lianxin.appeals import service, supervision
from lianxin.appeals.choices import NotAcceptedReason, RequestKind, Satisfaction
from lianxin.appeals.models import Appeal, AppealRequest
from lianxin.errors import NotFound
from lianxin.orgs.models import Unit
from lianxin.visits.service import record_return_visit

router = APIRouter(prefix="/appeals", tags=["工单操作 actions"], responses=ERROR_RESPONSES)


def Text(**kw):  # noqa: N802 (a field factory, read like a type)
    return Field(max_length=5000, **kw)


def UnitCode(**kw):  # noqa: N802
    return Field(max_length=32, description="单位编码 / unit code", **kw)


class ActionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    version: int | None = Field(
        default=None, ge=1, le=2_147_483_647, description="工单版本（也可用 If-Match）/ or send If-Match"
    )


class NoteIn(ActionIn):
    note: str = Text()


class OptionalNoteIn(ActionIn):
    note: str | None = Text(default=None)


class ReasonIn(ActionIn):
    reason: str = Text()


class AnswerIn(ActionIn):
    answer: str = Text()
    kb_entry_id: DbId | None = None


class NotAcceptIn(ActionIn):
    reason: NotAcceptedReason
    note: str = Text()


class DispatchIn(ActionIn):
    lead_unit: str = UnitCode()
    co_units: list[str] = Field(default=[], max_length=20)
    note: str | None = Text(default=None)
    designated: bool = False


class ReplyIn(ActionIn):
    text: str = Text()


class MergeIn(ActionIn):
    into: str = Field(max_length=20, description="主工单编号 / the main appeal's order number")
    note: str | None = Text(default=None)


class ReturnIn(ActionIn):
    reason: str = Text()
    kind: RequestKind = RequestKind.RETURN
    suggested_unit: str | None = UnitCode(default=None)


class DecideReturnIn(ActionIn):
    request_id: int
    approve: bool
    note: str | None = Text(default=None)
    new_lead_unit: str | None = UnitCode(default=None)
    co_units: list[str] = Field(default=[], max_length=20)


class ExtensionIn(ActionIn):
    reason: str = Text()
    new_due_at: AwareDatetime


class DecideExtensionIn(ActionIn):
    request_id: int
    approve: bool
    note: str | None = Text(default=None)
    new_due_at: AwareDatetime | None = None


class DeferIn(ActionIn):
    plan: str = Text()
    reason: str = Text()
    target_date: date


class ReviewDeferralIn(ActionIn):
    note: str = Text()
    new_target_date: date | None = None


class ClearDeferralIn(ActionIn):
    reply: str = Text()


class SuperviseIn(ActionIn):
    note: str = Text()
    listed: bool = False


class WhistleIn(ActionIn):
    departments: list[str] = Field(max_length=20)
    note: str = Text()


class ReportIn(ActionIn):
    unit: str = UnitCode()
    text: str = Text()


class RecategorizeIn(ActionIn):
    category_id: int
    predicted_category_id: int | None = Field(default=None, description="模型当时的首选 / the model's suggestion")
    note: str | None = Text(default=None)


class VisitIn(ActionIn):
    contacted: bool
    solved: bool | None = None
    satisfaction: Satisfaction | None = None
    unreasonable: bool = False
    comment: str | None = Text(default=None)


def request_of(appeal: Appeal, request_id: int) -> AppealRequest:
    found = next((r for r in appeal.requests if r.id == request_id), None)
    if found is None:
        raise NotFound(
            f"该工单没有编号为 {request_id} 的申请", f"no request {request_id} on this appeal", field="request_id"
        )
    return found


def _units(ctx: ApiContext, codes: list[str], field: str) -> list[Unit]:
    return [ctx.unit(code, field) for code in codes]


@dataclass(frozen=True)
class ActionSpec:
    name: str
    summary: str
    body: type[ActionIn]
    run: Callable  # (ctx, appeal, body, version) -> None


S = service
ACTIONS = [
    ActionSpec(
        "answer",
        "直接答复 / answer directly",
        AnswerIn,
        lambda c, a, b, v: S.answer_directly(
            c.session, a, actor=c.actor, answer=b.answer, kb_entry_id=b.kb_entry_id, expected_version=v
        ),
    ),
    ActionSpec(
        "not-accept",
        "不予受理 / not accepted",
        NotAcceptIn,
        lambda c, a, b, v: S.not_accept(c.session, a, actor=c.actor, reason=b.reason, note=b.note, expected_version=v),
    ),
    ActionSpec(
        "dispatch",
        "派单 / dispatch",
        DispatchIn,
        lambda c, a, b, v: S.dispatch_appeal(
            c.session,
            a,
            c.unit(b.lead_unit, "lead_unit"),
            actor=c.actor,
            co_units=_units(c, b.co_units, "co_units"),
            note=b.note,
            designated=b.designated,
            expected_version=v,
        ),
    ),
    ActionSpec(
        "redispatch",
        "改派 / redispatch",
        DispatchIn,
        lambda c, a, b, v: S.redispatch_appeal(
            c.session,
            a,
            c.unit(b.lead_unit, "lead_unit"),
            actor=c.actor,
            co_units=_units(c, b.co_units, "co_units"),
            note=b.note or "",
            designated=b.designated,
            expected_version=v,
        ),
    ),
    ActionSpec(
        "sign",
        "签收 / sign for",
        ActionIn,
        lambda c, a, b, v: S.sign_appeal(c.session, a, actor=c.actor, expected_version=v),
    ),
    ActionSpec(
        "contact",
        "联系诉求人 / record contact",
        NoteIn,
        lambda c, a, b, v: S.record_contact(c.session, a, actor=c.actor, note=b.note, expected_version=v),
    ),
    ActionSpec(
        "reply",
        "答复 / reply",
        ReplyIn,
        lambda c, a, b, v: S.reply_to_appeal(c.session, a, actor=c.actor, text=b.text, expected_version=v),
    ),
    ActionSpec(
        "close",
        "办结 / close",
        OptionalNoteIn,
        lambda c, a, b, v: S.close_appeal(c.session, a, actor=c.actor, note=b.note, expected_version=v),
    ),
    ActionSpec(
        "reopen",
        "重办 / reopen",
        ReasonIn,
        lambda c, a, b, v: S.reopen_appeal(c.session, a, actor=c.actor, reason=b.reason, expected_version=v),
    ),
    ActionSpec(
        "merge",
        "并单 / merge into another appeal",
        MergeIn,
        lambda c, a, b, v: S.merge_appeal(
            c.session, a, c.appeal(b.into), actor=c.actor, note=b.note, expected_version=v
        ),
    ),
    ActionSpec(
        "terminate",
        "终止 / terminate",
        ReasonIn,
        lambda c, a, b, v: S.terminate_appeal(c.session, a, actor=c.actor, reason=b.reason, expected_version=v),
    ),
    ActionSpec(
        "note",
        "内部备注 / internal note",
        NoteIn,
        lambda c, a, b, v: (S.check_version(a, v), S.add_note(c.session, a, actor=c.actor, note=b.note)),
    ),
    ActionSpec(
        "request-return",
        "退单或派单异议 / ask to return",
        ReturnIn,
        lambda c, a, b, v: appeal_requests.request_return(
            c.session,
            a,
            actor=c.actor,
            reason=b.reason,
            kind=b.kind,
            expected_version=v,
            suggested_unit=c.unit(b.suggested_unit, "suggested_unit") if b.suggested_unit else None,
        ),
    ),
    ActionSpec(
        "decide-return",
        "审核退单 / rule on a return",
        DecideReturnIn,
        lambda c, a, b, v: appeal_requests.decide_return(
            c.session,
            request_of(a, b.request_id),
            actor=c.actor,
            approve=b.approve,
            note=b.note,
            new_lead_unit=c.unit(b.new_lead_unit, "new_lead_unit") if b.new_lead_unit else None,
            co_units=_units(c, b.co_units, "co_units"),
            expected_version=v,
        ),
    ),
    ActionSpec(
        "request-extension",
        "申请延期 / ask for an extension",
        ExtensionIn,
        lambda c, a, b, v: appeal_requests.request_extension(
            c.session, a, actor=c.actor, reason=b.reason, new_due_at=b.new_due_at, expected_version=v
        ),
    ),
    ActionSpec(
        "decide-extension",
        "审核延期 / rule on an extension",
        DecideExtensionIn,
        lambda c, a, b, v: appeal_requests.decide_extension(
            c.session,
            request_of(a, b.request_id),
            actor=c.actor,
            approve=b.approve,
            note=b.note,
            new_due_at=b.new_due_at,
            expected_version=v,
        ),
    ),
    ActionSpec(
        "defer",
        "挂账 / defer",
        DeferIn,
        lambda c, a, b, v: appeal_requests.defer_appeal(
            c.session, a, actor=c.actor, plan=b.plan, target_date=b.target_date, reason=b.reason, expected_version=v
        ),
    ),
    ActionSpec(
        "review-deferral",
        "挂账复核 / review a deferral",
        ReviewDeferralIn,
        lambda c, a, b, v: appeal_requests.review_deferral(
            c.session, a, actor=c.actor, note=b.note, new_target_date=b.new_target_date, expected_version=v
        ),
    ),
    ActionSpec(
        "clear-deferral",
        "销账 / clear a deferral",
        ClearDeferralIn,
        lambda c, a, b, v: appeal_requests.clear_deferral(
            c.session, a, actor=c.actor, reply=b.reply, expected_version=v
        ),
    ),
    ActionSpec(
        "urge",
        "催办 / urge",
        NoteIn,
        lambda c, a, b, v: supervision.urge_appeal(c.session, a, actor=c.actor, note=b.note, expected_version=v),
    ),
    ActionSpec(
        "supervise",
        "督办 / supervise",
        SuperviseIn,
        lambda c, a, b, v: supervision.supervise_appeal(
            c.session, a, actor=c.actor, note=b.note, listed=b.listed, expected_version=v
        ),
    ),
    ActionSpec(
        "whistle",
        "吹哨 / call departments in",
        WhistleIn,
        lambda c, a, b, v: supervision.whistle(
            c.session, a, _units(c, b.departments, "departments"), actor=c.actor, note=b.note, expected_version=v
        ),
    ),
    ActionSpec(
        "report",
        "协办反馈 / co-unit report",
        ReportIn,
        lambda c, a, b, v: supervision.report_to_lead(
            c.session, a, c.unit(b.unit, "unit"), actor=c.actor, text=b.text, expected_version=v
        ),
    ),
    ActionSpec(
        "visit",
        "回访 / return visit",
        VisitIn,
        lambda c, a, b, v: record_return_visit(
            c.session,
            a,
            actor=c.actor,
            contacted=b.contacted,
            solved=b.solved,
            satisfaction=b.satisfaction,
            unreasonable=b.unreasonable,
            comment=b.comment,
            expected_version=v,
        ),
    ),
    ActionSpec(
        "recategorize",
        "改分类（记为训练标注）/ correct the category (a routing label)",
        RecategorizeIn,
        lambda c, a, b, v: S.recategorize_appeal(
            c.session,
            a,
            b.category_id,
            actor=c.actor,
            predicted_category_id=b.predicted_category_id,
            note=b.note,
            expected_version=v,
        ),
    ),
]


def _endpoint(spec: ActionSpec):
    model = spec.body

    def endpoint(order_no: str, ctx: WriteCtx, if_match: VersionDep, body: model | None = Body(default=None)):
        def run():
            appeal = ctx.appeal(order_no)
            data = body or model()
            version = if_match if if_match is not None else data.version
            service.check_version(appeal, version)  # before the verb's permission check: a lost race is 409, not 403
            spec.run(ctx, appeal, data, version)
            return appeal_detail(ctx.session, ctx.actor, appeal)

        response = ctx.once(run)
        response.headers["ETag"] = f'"{json.loads(response.body)["version"]}"'
        return response

    return endpoint


for _spec in ACTIONS:
    router.add_api_route(
        f"/{{order_no}}/{_spec.name}",
        _endpoint(_spec),
        methods=["POST"],
        response_model=AppealDetail,
        summary=_spec.summary,
        name=f"appeal_{_spec.name.replace('-', '_')}",
    )
