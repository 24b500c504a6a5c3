"""The application factory: the health check here, every page through ``lianxin.web``."""

from __future__ import annotations

from fastapi import Depends, FastAPI
from sqlalchemy import text
from sqlalchemy.orm import Session

from lianxin import web
from lianxin.api import mount_api
from lianxin.config import Settings, get_settings
from lianxin.open311 import mount_open311
from lianxin.db import make_engine, make_sessionmaker
from lianxin.web.deps import get_session


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    settings.check_production()
    factory = make_sessionmaker(make_engine(settings), settings)
    app = FastAPI(title="连心 Lianxin", docs_url=None, redoc_url=None)
    app.state.settings, app.state.sessionmaker = settings, factory

    @app.get("/healthz")
    def healthz(session: Session = Depends(get_session)) -> dict:
        session.execute(text("SELECT 1"))
        return {"status": "ok"}

    web.install(app, settings)
    from lianxin.assessment.views import router as assessment_pages
    from lianxin.ledger.views import router as ledger_pages
    from lianxin.stats.views import router as dashboard_pages

    for router in (dashboard_pages, assessment_pages, ledger_pages):
        app.include_router(router)
    mount_api(app)
    mount_open311(app)
    return app
