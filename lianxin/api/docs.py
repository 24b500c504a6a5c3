"""OpenAPI documents and the docs page, for signed-in staff and API keys only.

The web app's ``/openapi.json`` lists every staff and admin page, and the API's lists every endpoint:
a map for an attacker, so neither is public. ``/openapi.json`` and ``/api/openapi.json`` answer a
signed-in user (the browser session) or an API key (``Authorization: Bearer`` / ``X-API-Key``; how
schemathesis reads it in ``scripts/api_fuzz.sh``), else 401. ``/api/docs`` (Swagger UI, served offline)
sends a browser that is not signed in to the login page.
"""

from __future__ import annotations

from fastapi import Depends, FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from lianxin.api.deps import actor
from lianxin.orgs.models import User
from lianxin.web.deps import get_session, login_url


def _without(app: FastAPI, *paths: str) -> None:
    app.router.routes[:] = [route for route in app.router.routes if getattr(route, "path", None) not in paths]


def _with_server(document: dict, root_path: str) -> dict:
    """The document with the mount point as its server, as FastAPI's own route adds it: the sub-app's paths
    are relative to ``/api``, and a client (schemathesis, Swagger UI) must call them there."""
    if not root_path:
        return document
    return {**document, "servers": [{"url": root_path}]}


def serve_openapi(app: FastAPI) -> None:
    """The web app's OpenAPI document at ``/openapi.json``, for staff and API keys (create the app with
    ``openapi_url=None`` so FastAPI's public one is never added)."""
    _without(app, "/openapi.json")

    @app.get("/openapi.json", include_in_schema=False, dependencies=[Depends(actor)])
    def openapi_document() -> JSONResponse:
        return JSONResponse(app.openapi())


def guard_api_docs(api: FastAPI, *, static_url: str) -> None:
    """Replace the API sub-app's public ``/openapi.json`` (and any ``/docs``) with guarded ones."""
    _without(api, "/openapi.json", "/docs", "/docs/oauth2-redirect")

    @api.get("/openapi.json", include_in_schema=False, dependencies=[Depends(actor)])
    def openapi_document(request: Request) -> JSONResponse:
        return JSONResponse(_with_server(api.openapi(), request.scope.get("root_path", "")))

    @api.get("/docs", include_in_schema=False)
    def docs_page(request: Request, session: Session = Depends(get_session)) -> Response:
        uid = request.session.get("uid") if "session" in request.scope else None
        user = session.get(User, uid) if isinstance(uid, int) else None
        if user is None or not user.active:
            return RedirectResponse(login_url(request.scope.get("root_path", "") + "/docs"), status_code=303)
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=f"{root}/openapi.json",
            title=f"{api.title} - Swagger UI",
            oauth2_redirect_url=f"{root}/docs/oauth2-redirect",
            swagger_js_url=f"{root}{static_url}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{static_url}/swagger-ui.css",
            swagger_favicon_url=f"{root}{static_url}/favicon.png",
            swagger_ui_parameters=api.swagger_ui_parameters,
        )

    @api.get("/docs/oauth2-redirect", include_in_schema=False)
    def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()
