"""/api/v1/webhooks: a unit registers its system's HTTPS endpoint and reads the delivery log."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from lianxin.api.deps import Ctx, WriteCtx
from lianxin.api.errors import ERROR_RESPONSES
from lianxin.api.schemas import DbId
from lianxin.webhooks import service
from lianxin.webhooks.models import Webhook

router = APIRouter(prefix="/webhooks", tags=["回调 webhooks"], responses=ERROR_RESPONSES)


class WebhookIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    unit: str = Field(max_length=32, description="单位编码 / unit code")
    url: str = Field(max_length=500, description="https:// 回调地址 / HTTPS endpoint")


class WebhookOut(BaseModel):
    id: int
    unit: str
    url: str
    active: bool
    created_at: datetime


class NewWebhookOut(WebhookOut):
    secret: str = Field(description="签名密钥，仅此一次 / HMAC secret, shown once")


class DeliveryOut(BaseModel):
    id: int
    event_id: int
    event_kind: str
    state: str
    attempts: int
    next_attempt_at: datetime
    last_status: int | None = None
    last_error: str | None = None
    delivered_at: datetime | None = None
    log: list[dict]


def _out(hook: Webhook, model=WebhookOut, **extra):
    return model(id=hook.id, unit=hook.unit.code, url=hook.url, active=hook.active, created_at=hook.created_at, **extra)


@router.post("", status_code=201, response_model=NewWebhookOut, summary="登记回调 / register a webhook")
def register(body: WebhookIn, ctx: WriteCtx):
    def run():
        hook, secret = service.register_webhook(
            ctx.session, actor=ctx.actor, unit=ctx.unit(body.unit, "unit"), url=body.url
        )
        return _out(hook, NewWebhookOut, secret=secret)

    return ctx.once(run, status_code=201)


@router.get("", response_model=list[WebhookOut], summary="本单位的回调 / webhooks of my units")
def list_(ctx: Ctx):
    return [_out(h) for h in service.list_webhooks(ctx.session, actor=ctx.actor)]


@router.get("/{webhook_id}/deliveries", response_model=list[DeliveryOut], summary="投递记录 / delivery log")
def deliveries(webhook_id: DbId, ctx: Ctx):
    hook = service.get_webhook(ctx.session, webhook_id, actor=ctx.actor)
    return [DeliveryOut.model_validate(d, from_attributes=True) for d in service.recent_deliveries(ctx.session, hook)]


@router.post("/{webhook_id}/deactivate", response_model=WebhookOut, summary="停用 / deactivate")
def deactivate(webhook_id: DbId, ctx: WriteCtx):
    return ctx.once(
        lambda: _out(
            service.deactivate_webhook(ctx.session, service.get_webhook(ctx.session, webhook_id, actor=ctx.actor))
        )
    )
