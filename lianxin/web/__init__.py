"""The web interface: sessions, CSRF, languages, static assets, error pages and the page routers.

``install(app, settings)`` installs the core's pages; ``create_app`` then includes the enabled modules'
page routers (``Module.page_routers``, see ``lianxin.modules``). Their pages call
``lianxin.web.templating.render`` and use the dependencies in ``lianxin.web.deps``.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import Receive, Scope, Send

from lianxin.config import Settings
from lianxin.errors import LianxinError, as_busy, busy_errors, out_of_range, out_of_range_errors
from lianxin.logs import RequestLogMiddleware
from lianxin.web.csrf import EXEMPT_PREFIXES, CSRFMiddleware
from lianxin.web.deps import LoginRequired, TransactionMiddleware, login_url
from lianxin.web.guard import InputGuardMiddleware
from lianxin.web.htmx import is_htmx, redirect_for_htmx
from lianxin.web.i18n import EN, translate
from lianxin.web.templating import WEB_DIR, render

SESSION_COOKIE = "lianxin_session"


def wants_json(request: Request) -> bool:
    return request.url.path.startswith(EXEMPT_PREFIXES) or "application/json" in request.headers.get("accept", "")


def error_page(request: Request, status_code: int, message_zh: str, message_en: str) -> Response:
    return render(
        request,
        "error.html",
        {"message_zh": message_zh, "message_en": message_en, "status": status_code},
        status_code=status_code,
    )


async def csrf_failed(scope: Scope, receive: Receive, send: Send) -> None:
    request = Request(scope, receive)
    zh, en = translate("error.csrf", "zh-CN"), translate("error.csrf", EN)
    if wants_json(request):
        response: Response = JSONResponse({"code": "csrf", "message_zh": zh, "message_en": en}, status_code=403)
    else:
        response = error_page(request, 403, zh, en)
    await response(scope, receive, send)


def lianxin_error(request: Request, exc: LianxinError) -> Response:
    if wants_json(request):
        response: Response = JSONResponse(
            {"code": exc.code, "message_zh": exc.message_zh, "message_en": exc.message_en, "field": exc.field},
            status_code=exc.http_status,
        )
    else:
        response = error_page(request, exc.http_status, exc.message_zh, exc.message_en)
    response.headers.update(getattr(exc, "headers", None) or {})  # Retry-After on 429
    return response


def retry_later(response: Response) -> Response:
    response.headers["Retry-After"] = "2"
    return response


def login_required(request: Request, exc: LoginRequired) -> Response:
    if is_htmx(request):
        return redirect_for_htmx(login_url(exc.next_path))
    return RedirectResponse(login_url(exc.next_path), status_code=303)


def http_error(request: Request, exc: HTTPException) -> Response:
    if request.url.path.startswith("/api/"):  # e.g. a path with a newline, which no mount matches
        from lianxin.api.errors import http_error_response

        return http_error_response(exc)
    if wants_json(request):
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
    if exc.status_code == 404:
        return error_page(request, 404, translate("error.not_found", "zh-CN"), translate("error.not_found", EN))
    return error_page(request, exc.status_code, str(exc.detail), str(exc.detail))


def invalid_request(request: Request, exc: RequestValidationError) -> Response:
    if wants_json(request):
        return JSONResponse({"detail": exc.errors()}, status_code=422)
    return error_page(request, 422, translate("field.invalid", "zh-CN"), translate("field.invalid", EN))


def favicon() -> FileResponse:
    """Browsers ask for /favicon.ico whatever the page links; a week in their cache."""
    return FileResponse(
        WEB_DIR / "static/img/favicon.ico",
        media_type="image/x-icon",
        headers={"Cache-Control": "public, max-age=604800"},
    )


def install(app: FastAPI, settings: Settings) -> None:
    from lianxin.web import auth, files, intake, public, resident, staff

    app.add_middleware(TransactionMiddleware)
    app.add_middleware(CSRFMiddleware, on_failure=csrf_failed)
    app.add_middleware(InputGuardMiddleware)  # before CSRF parses any form; inside the session (error pages)
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key,
        session_cookie=SESSION_COOKIE,
        same_site="lax",
        https_only=settings.env == "production",
        max_age=12 * 3600,
    )
    app.add_middleware(RequestLogMiddleware)  # outermost: times and logs every request once
    app.mount("/static", StaticFiles(directory=WEB_DIR / "static"), name="static")
    app.add_api_route("/favicon.ico", favicon, include_in_schema=False)
    app.add_exception_handler(LianxinError, lianxin_error)
    for error in out_of_range_errors():
        app.add_exception_handler(error, lambda request, exc: lianxin_error(request, out_of_range()))
    for error in busy_errors():
        app.add_exception_handler(error, lambda request, exc: retry_later(lianxin_error(request, as_busy(exc))))
    app.add_exception_handler(LoginRequired, login_required)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(RequestValidationError, invalid_request)
    for module in (auth, resident, intake, files, public):
        app.include_router(module.router)
    staff.install(app)
