"""Every lifecycle action as ``POST /api/v1/appeals/{order_no}/{action}``, one per verb of the verb table
(``lianxin.appeals.verbs.VERBS``) — the same table the staff appeal page's forms come from.

The body is the verb's API inputs (units by code, requests by ``request_id``); ``If-Match`` (or ``version`` in
the body) carries the version the client last saw, and a stale one gets 409 ``stale_version``; an action the
status does not allow gets 409 ``illegal_transition``. The response is the appeal as ``GET`` returns it, with
its new version (also as ``ETag``).
(No ``from __future__ import annotations`` here: the routes are built from the table at import time.)
"""

import json
from datetime import date
from typing import Any

from fastapi import APIRouter, Body
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, create_model

from lianxin.api.deps import ApiContext, VersionDep, WriteCtx
from lianxin.api.errors import ERROR_RESPONSES
from lianxin.api.present import appeal_detail
from lianxin.api.schemas import AppealDetail, DbId
from lianxin.appeals import service
from lianxin.appeals.models import Appeal, AppealRequest
from lianxin.appeals.verbs import API, VERBS, Input, Verb
from lianxin.errors import NotFound

router = APIRouter(prefix="/appeals", tags=["工单操作 actions"], responses=ERROR_RESPONSES)
TEXT, CODE, ORDER_NO, LIST = 5000, 32, 20, 20  # longest text, unit code, order number; most units in a list


class ActionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    version: int | None = Field(
        default=None, ge=1, le=2_147_483_647, description="工单版本（也可用 If-Match）/ or send If-Match"
    )


def _field(item: Input) -> tuple[Any, Any]:
    """The body field of one input: (type, pydantic Field)."""
    described = f"{item.zh} / {item.en}"
    kind, required = item.kind, item.required
    if kind in ("unit", "own_unit"):
        described += "（单位编码 / unit code）"
    if kind in ("units",):
        described += "（单位编码 / unit codes）"
    types: dict[str, tuple[Any, dict]] = {
        "text": (str, {"max_length": TEXT}),
        "line": (str, {"max_length": TEXT}),
        "appeal": (str, {"max_length": ORDER_NO}),
        "choice": (item.enum, {}),
        "yesno": (bool, {}),
        "flag": (bool, {}),
        "date": (date, {}),
        "datetime": (AwareDatetime, {}),
        "unit": (str, {"max_length": CODE}),
        "own_unit": (str, {"max_length": CODE}),
        "units": (list[str], {"max_length": LIST}),
        "category": (int, {}),
        "request": (int, {}),
        "int": (DbId, {}),
    }
    kind_type, limits = types[kind]
    if kind == "flag":
        return bool, Field(default=False, description=described)
    if kind == "units":
        default = {} if required else {"default": []}
        return kind_type, Field(description=described, **default, **limits)
    if required:
        return kind_type, Field(description=described, **limits)
    if item.default is not None:
        return kind_type, Field(default=item.default, description=described, **limits)
    return kind_type | None, Field(default=None, description=described, **limits)


def body_model(verb: Verb) -> type[ActionIn]:
    name = "".join(part.title() for part in verb.name.split("-")) + "In"
    fields = {item.name: _field(item) for item in verb.inputs_for(API)}
    return create_model(name, __base__=ActionIn, **fields)


def request_of(appeal: Appeal, request_id: int) -> AppealRequest:
    found = next((r for r in appeal.requests if r.id == request_id), None)
    if found is None:
        raise NotFound(
            f"该工单没有编号为 {request_id} 的申请", f"no request {request_id} on this appeal", field="request_id"
        )
    return found


def values_of(ctx: ApiContext, appeal: Appeal, verb: Verb, body: ActionIn) -> dict:
    """The verb's values from the body: unit codes become units, order numbers appeals, ids requests."""
    values = {}
    for item in verb.inputs_for(API):
        value = getattr(body, item.name)
        if item.kind in ("unit", "own_unit"):
            value = ctx.unit(value, item.name) if value else None
        elif item.kind == "units":
            value = [ctx.unit(code, item.name) for code in value]
        elif item.kind == "appeal":
            value = ctx.appeal(value)
        elif item.kind == "request":
            value = request_of(appeal, value)
        values[item.name] = value
    return values


def _endpoint(verb: Verb):
    model = body_model(verb)

    def endpoint(order_no: str, ctx: WriteCtx, if_match: VersionDep, body: model | None = Body(default=None)):
        def run():
            appeal = ctx.appeal(order_no)
            data = body or model()
            version = if_match if if_match is not None else data.version
            service.check_version(appeal, version)  # before the verb's permission check: a lost race is 409, not 403
            verb.call(ctx.session, appeal, ctx.actor, values_of(ctx, appeal, verb, data), version)
            return appeal_detail(ctx.session, ctx.actor, appeal)

        response = ctx.once(run)
        response.headers["ETag"] = f'"{json.loads(response.body)["version"]}"'
        return response

    return endpoint


for _verb in VERBS:
    router.add_api_route(
        f"/{{order_no}}/{_verb.name}",
        _endpoint(_verb),
        methods=["POST"],
        response_model=AppealDetail,
        summary=f"{_verb.zh} / {_verb.en}",
        name=f"appeal_{_verb.name.replace('-', '_')}",
    )
