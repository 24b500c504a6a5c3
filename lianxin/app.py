"""The application factory: the health check, the web pages (``lianxin.web`` and each domain's
page router), the JSON API at ``/api`` and Open311 at ``/open311/v2``."""

from __future__ import annotations

from importlib import import_module

from fastapi import Depends, FastAPI
from sqlalchemy import text
from sqlalchemy.orm import Session

from lianxin import logs, web
from lianxin.api import mount_api
from lianxin.api.docs import serve_openapi
from lianxin.config import Settings, get_settings
from lianxin.db import make_engine, make_sessionmaker
from lianxin.open311 import mount_open311
from lianxin.web.deps import get_session

# Each domain's pages: a module with ``router`` (an APIRouter). Order matters only for equal paths.
PAGE_ROUTERS = [
    "lianxin.stats.views",
    "lianxin.assessment.views",
    "lianxin.ledger.views",
    "lianxin.dispatch.views",
    "lianxin.knowledge.views",
    "lianxin.routing.web",
    "lianxin.hotspots.views",
    "lianxin.pledges.views",
]


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    settings.check_production()
    logs.configure(settings.log_format, settings.log_level)
    engine = make_engine(settings, serving=True)
    factory = make_sessionmaker(engine, settings)
    # SQLite: unsafe requests take the write lock at BEGIN and queue on the busy timeout (see make_engine).
    writer = (make_sessionmaker(make_engine(settings, immediate=True, serving=True), settings)
              if engine.dialect.name == "sqlite" else factory)
    app = FastAPI(title="连心 Lianxin", docs_url=None, redoc_url=None, openapi_url=None)  # lianxin.api.docs serves it
    app.state.settings, app.state.sessionmaker, app.state.write_sessionmaker = settings, factory, writer

    @app.get("/healthz")
    def healthz(session: Session = Depends(get_session)) -> dict:
        session.execute(text("SELECT 1"))
        return {"status": "ok"}

    web.install(app, settings)
    for module in PAGE_ROUTERS:
        app.include_router(import_module(module).router)
    mount_api(app)
    serve_openapi(app)
    mount_open311(app)
    return app
