"""/api/v1/services for the hall: a centre's windows, today's queue, issuing a walk-in's number (a kiosk or the
front desk's system), calling the next number to a window, and serving or skipping a number. Phones are
masked; the rating token is returned only when the number is issued (it goes on the printed slip)."""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlalchemy import select

from lianxin.api.deps import Ctx, WriteCtx
from lianxin.api.errors import ERROR_RESPONSES
from lianxin.errors import NotFound
from lianxin.orgs.service import require_role
from lianxin.services import catalogue
from lianxin.services import service as svc
from lianxin.services import windows as win
from lianxin.services.models import ServiceLocation, ServiceWindow, Ticket
from lianxin.services.status import TicketAction, TicketStatus

router = APIRouter(prefix="/services", tags=["政务服务 services"], responses=ERROR_RESPONSES)


def _location(ctx, code: str) -> ServiceLocation:
    found = ctx.session.scalar(
        select(ServiceLocation).where(
            ServiceLocation.jurisdiction_id == ctx.jurisdiction_id, ServiceLocation.code == code
        )
    )
    if found is None:
        raise NotFound("大厅不存在", "no such location")
    return found


class WindowOut(BaseModel):
    id: int
    code: str
    name: str
    items: list[str] = Field(description="事项编码，空为综合窗口 / item codes; empty: every item")
    slot_capacity: int
    active: bool


def _window(ctx, w: ServiceWindow) -> WindowOut:
    codes = [
        i.code for i in catalogue.search_items(ctx.session, ctx.jurisdiction_id, "", limit=500) if i.id in w.item_ids
    ]
    return WindowOut(id=w.id, code=w.code, name=w.name, items=codes, slot_capacity=w.slot_capacity, active=w.active)


@router.get("/windows", response_model=list[WindowOut])
def windows(ctx: Ctx, location: str):
    """大厅窗口 / a centre's windows and the items each handles."""
    return [_window(ctx, w) for w in win.windows_of(ctx.session, _location(ctx, location), active_only=False)]


class TicketOut(BaseModel):
    id: int
    number: str
    kind: str = Field(description="walk_in | appointment")
    day: date
    item: str | None
    window: str | None
    status: TicketStatus
    phone: str = Field(description="脱敏 / masked")
    issued_at: datetime
    called_at: datetime | None
    finished_at: datetime | None


class IssuedOut(TicketOut):
    rate_url: str = Field(description="印在取号单上的评价链接 / the rating link printed on the slip")


def _ticket(t: Ticket) -> dict:
    return dict(
        id=t.id,
        number=t.number,
        kind=t.kind,
        day=t.day,
        item=t.item.code if t.item else None,
        window=t.window.code if t.window else None,
        status=t.status,
        phone=svc.mask_phone(t.phone) if t.phone else "",
        issued_at=t.issued_at,
        called_at=t.called_at,
        finished_at=t.finished_at,
    )


@router.get("/queue", response_model=list[TicketOut])
def queue(ctx: Ctx, location: str, day: date | None = None):
    """叫号队列 / a centre's numbers for a day (today by default), in calling order: bookings, then walk-ins."""
    require_role(ctx.session, ctx.actor, svc.STAFF_ROLES)
    return [TicketOut(**_ticket(t)) for t in win.queue(ctx.session, _location(ctx, location), day or svc.today())]


class TicketIn(BaseModel):
    location: str
    item: str
    phone: str = Field("", max_length=32)


@router.post("/tickets", response_model=IssuedOut, status_code=201)
def take(body: TicketIn, ctx: WriteCtx):
    """现场取号 / issue a walk-in's number."""

    def run():
        ticket = win.take_ticket(
            ctx.session,
            location=_location(ctx, body.location),
            item=catalogue.item_by_code(ctx.session, ctx.jurisdiction_id, body.item),
            phone=body.phone,
            actor=ctx.actor,
        )
        return IssuedOut(**_ticket(ticket), rate_url=f"/services/rate/{ticket.rate_token}")

    return ctx.once(run, status_code=201)


@router.post("/windows/{window_id}/call-next", response_model=TicketOut)
def call_next(window_id: int, ctx: WriteCtx):
    """叫下一位 / call the next number this window may serve."""

    def run():
        window = win.window_by_id(ctx.session, ctx.jurisdiction_id, window_id)
        return TicketOut(**_ticket(win.call_next(ctx.session, window, actor=ctx.actor)))

    return ctx.once(run)


class TicketActionIn(BaseModel):
    window_id: int | None = None


@router.post("/tickets/{ticket_id}/actions/{action}", response_model=TicketOut)
def ticket_action(ticket_id: int, action: TicketAction, body: TicketActionIn, ctx: WriteCtx):
    """叫号 call (to ``window_id``) · 办理完成 serve · 过号 skip · 重新排队 recall."""

    def run():
        ticket = win.ticket_by_id(ctx.session, ctx.jurisdiction_id, ticket_id)
        window = win.window_by_id(ctx.session, ctx.jurisdiction_id, body.window_id) if body.window_id else ticket.window
        return TicketOut(**_ticket(win.act_on_ticket(ctx.session, ticket, action, window=window, actor=ctx.actor)))

    return ctx.once(run)
