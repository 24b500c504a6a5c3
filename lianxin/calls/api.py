"""``POST /api/v1/calls/events``: the telephone switch's CTI / PBX adapter reports ringing, answered and ended.

Authenticated by the deployment's own bearer token (``LIANXIN_CTI_TOKEN``), not by a staff API key: the switch is
a machine of the hotline centre, not a user. A repeat of an event already recorded answers 200 with
``applied: false`` and changes nothing, so the adapter may retry freely."""

from __future__ import annotations

import hmac
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from lianxin.api.errors import ERROR_RESPONSES, Unauthenticated
from lianxin.calls.service import record_switch_event
from lianxin.errors import NotFound
from lianxin.orgs.models import Jurisdiction, User
from lianxin.web.deps import get_session

router = APIRouter(prefix="/calls", tags=["来电 calls"], responses=ERROR_RESPONSES)


class CallEventIn(BaseModel):
    call_id: str = Field(description="交换机的通话编号 / the switch's call id", max_length=64)
    event: str = Field(description="ringing | answered | ended", max_length=32)
    caller: str | None = Field(
        None, description="来电号码（振铃时必填）/ caller number (required on ringing)", max_length=40
    )
    dialled: str | None = Field(None, description="被叫号码，如 12345、12333 / the number dialled", max_length=40)
    seat: str | None = Field(None, description="座席号 / operator seat", max_length=16)
    recording_ref: str | None = Field(None, description="录音编号或地址 / recording reference", max_length=500)
    at: datetime | None = Field(None, description="事件时间（带时区），默认收到时 / when (with a zone); default now")
    jurisdiction: str | None = Field(None, description="辖区代码，默认第一个 / jurisdiction code", max_length=32)


class CallOut(BaseModel):
    call_id: str
    status: str
    applied: bool = Field(description="false：重复上报，未作改动 / a repeat: nothing changed")
    operator: str | None = None
    hotline: str | None = None


def switch_caller(request: Request) -> None:
    """``Authorization: Bearer <LIANXIN_CTI_TOKEN>`` (read here, not declared as a security scheme: the API's
    documented schemes stay the staff's API keys)."""
    expected = request.app.state.settings.cti_token
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    given = given.strip() if scheme.lower() == "bearer" else ""
    if not expected or not given or not hmac.compare_digest(given.encode(), expected.encode()):
        raise Unauthenticated("CTI 令牌缺失或不正确", "missing or wrong CTI token")


@router.post("/events", response_model=CallOut, dependencies=[Depends(switch_caller)])
def post_event(body: CallEventIn, session: Annotated[Session, Depends(get_session)]) -> CallOut:
    stmt = select(Jurisdiction)
    stmt = stmt.where(Jurisdiction.code == body.jurisdiction) if body.jurisdiction else stmt.order_by(Jurisdiction.id)
    jurisdiction = session.scalars(stmt.limit(1)).first()
    if jurisdiction is None:
        raise NotFound("辖区不存在", "no such jurisdiction", field="jurisdiction")
    call, applied = record_switch_event(session, jurisdiction.id, **body.model_dump(exclude={"jurisdiction"}))
    operator = session.get(User, call.operator_id) if call.operator_id else None
    return CallOut(
        call_id=call.call_id,
        status=call.status.value,
        applied=applied,
        operator=operator.username if operator else None,
        hotline=call.hotline_number,
    )
