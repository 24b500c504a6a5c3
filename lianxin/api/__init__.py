"""The JSON API at ``/api/v1`` (OpenAPI document at ``/api/openapi.json``, docs at ``/api/docs``; both for
signed-in staff and API keys only, see ``lianxin.api.docs``).

It is a FastAPI sub-application mounted on the main app, so it has its own error handlers and
OpenAPI document; it shares the main app's state and ``dependency_overrides`` (tests override
``lianxin.web.deps.get_session`` once for both).

Adding endpoints (a router module in ten minutes):

1. Write ``lianxin/<domain>/api.py``::

       from fastapi import APIRouter
       from lianxin.api.deps import Ctx, WriteCtx          # caller, session, scope, idempotency
       from lianxin.api.errors import ERROR_RESPONSES      # the documented error shape

       router = APIRouter(prefix="/kb", tags=["知识库 kb"], responses=ERROR_RESPONSES)

       @router.get("/entries", response_model=list[EntryOut])
       def list_entries(ctx: Ctx, q: str = ""):
           return [EntryOut.model_validate(e) for e in kb.search(ctx.session, ctx.jurisdiction_id, q, actor=ctx.actor)]

       @router.post("/entries", status_code=201, response_model=EntryOut)
       def create_entry(body: EntryIn, ctx: WriteCtx):
           return ctx.once(lambda: EntryOut.model_validate(kb.create(ctx.session, body, actor=ctx.actor)), status_code=201)

2. Name it in the domain's ``MODULE`` (``api_routers=("lianxin.<domain>.api:router",)`` in
   ``lianxin/<domain>/__init__.py``, see ``lianxin.modules``). Nothing else: ``create_app`` includes the
   enabled modules' routers after the core's ``ROUTERS`` below, and a switched-off module's paths are
   in neither the API nor its OpenAPI document.

Rules: a handler parses input, calls one service function (which checks permissions itself and raises
``LianxinError``s), and renders; the request commits once. Every POST goes through ``ctx.once`` so an
``Idempotency-Key`` retry never acts twice. ``ctx.actor`` is a ``User`` (an API key acts through its own
service user, whose grants are the key's roles and units); ``ctx.appeal(order_no)`` applies the same
unit scoping as the web (404 outside the jurisdiction, 403 outside the caller's units). Raise
``lianxin.errors`` exceptions; never build error responses by hand.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib import import_module

from fastapi import APIRouter, FastAPI

# The core's routers; the modules' come from their declarations.
ROUTERS = [
    "lianxin.api.appeals",
    "lianxin.api.actions",
    "lianxin.api.orgs",
    "lianxin.api.audit",
]


def create_api(parent: FastAPI, module_routers: Sequence[APIRouter] = ()) -> FastAPI:
    from fastapi_offline import FastAPIOffline

    from lianxin.api.docs import guard_api_docs
    from lianxin.api.errors import install_error_handlers

    api = FastAPIOffline(
        title="连心 Lianxin API",
        version="1",
        description="接诉即办平台的 JSON 接口。认证：`Authorization: Bearer <API 密钥>`、`X-API-Key` 或浏览器登录会话。"
        "所有 POST 接受 `Idempotency-Key`；工单操作接受 `If-Match`（版本号），版本过期返回 409。\n\n"
        "The JSON API of the appeals platform. Authenticate with an API key (Bearer or X-API-Key) or the "
        "browser session. Every POST honours `Idempotency-Key`; appeal actions honour `If-Match` (stale → 409).",
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
        static_url="/docs-static",
    )
    guard_api_docs(api, static_url="/docs-static")  # the document and /docs: staff and API keys only
    api.state = parent.state
    api.dependency_overrides = parent.dependency_overrides
    install_error_handlers(api)
    for name in ROUTERS:
        api.include_router(import_module(name).router, prefix="/v1")
    for router in module_routers:
        api.include_router(router, prefix="/v1")
    return api


def mount_api(app: FastAPI, module_routers: Sequence[APIRouter] = ()) -> None:
    app.mount("/api", create_api(app, module_routers))
