"""The Open311 sub-application: the spec's own error format (XML or JSON by the path's suffix)."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from lianxin.errors import LianxinError, NotFound, PermissionDenied, as_busy, busy_errors


def _fmt(request: Request) -> str:
    return "json" if request.url.path.endswith(".json") else "xml"


def create_open311(parent: FastAPI) -> FastAPI:
    from lianxin.open311.api import router
    from lianxin.open311.render import errors_response

    app = FastAPI(title="Open311 GeoReport v2", docs_url=None, redoc_url=None, openapi_url=None)
    app.state = parent.state
    app.dependency_overrides = parent.dependency_overrides
    app.include_router(router)

    @app.exception_handler(LianxinError)
    async def domain_error(request: Request, exc: LianxinError):
        status = 404 if isinstance(exc, NotFound) else 403 if isinstance(exc, PermissionDenied) else 400
        status = 429 if exc.http_status == 429 else status  # rate limited, with Retry-After
        response = errors_response(_fmt(request), status, f"{exc.message_zh} / {exc.message_en}")
        response.headers.update(getattr(exc, "headers", None) or {})
        return response

    async def busy_error(request: Request, exc: Exception):
        busy = as_busy(exc)
        return errors_response(_fmt(request), 503, f"{busy.message_zh} / {busy.message_en}")

    for error in busy_errors():
        app.add_exception_handler(error, busy_error)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ())[1:])
        return errors_response(_fmt(request), 400, f"参数无效 / invalid parameter {where}: {first.get('msg', '')}")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        text = {404: "不存在 / not found", 405: "不支持该请求方法 / method not allowed"}.get(
            exc.status_code, str(exc.detail)
        )
        return errors_response(_fmt(request), exc.status_code, text)

    return app


def load_default_attributes(session, jurisdiction) -> int:
    """``lianxin init`` / ``lianxin demo``: the shipped extra questions (路灯 lamp-post number, 井盖 type, …)."""
    from lianxin.open311.defaults import load_category_attributes

    return load_category_attributes(session, jurisdiction.id)
