"""The application factory. The full web interface arrives domain by domain; this serves the
resident's tracking page, a status overview and a health check on the same service code."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from fastapi import Depends, FastAPI, Form, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy import text
from sqlalchemy.orm import Session

from lianxin.api import mount_api
from lianxin.appeals import queries
from lianxin.appeals.service import local_text
from lianxin.appeals.status import AppealStatus
from lianxin.config import Settings, get_settings
from lianxin.open311 import mount_open311
from lianxin.db import make_engine, make_sessionmaker

TEMPLATES = Path(__file__).resolve().parent / "web" / "templates"


def get_session(request: Request) -> Iterator[Session]:
    """One session per request; the request commits once at the end (the edge owns the transaction)."""
    with request.app.state.sessionmaker() as session:
        yield session
        session.commit()


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    settings.check_production()
    factory = make_sessionmaker(make_engine(settings), settings)
    templates = Jinja2Templates(directory=str(TEMPLATES))
    templates.env.filters["local"] = local_text
    app = FastAPI(title="连心 Lianxin", docs_url=None, redoc_url=None)
    app.state.settings, app.state.sessionmaker = settings, factory

    @app.get("/healthz")
    def healthz(session: Session = Depends(get_session)) -> dict:
        session.execute(text("SELECT 1"))
        return {"status": "ok"}

    @app.get("/", response_class=HTMLResponse)
    def home(request: Request, session: Session = Depends(get_session)):
        counts = queries.count_by_status(session)
        return templates.TemplateResponse(request, "home.html", {
            "counts": counts, "statuses": list(AppealStatus), "total": sum(counts.values()),
            "hotline": settings.hotline_number,
        })

    @app.get("/track", response_class=HTMLResponse)
    def track_form(request: Request):
        return templates.TemplateResponse(request, "track.html", {"appeal": None, "error": None})

    @app.post("/track", response_class=HTMLResponse)
    def track(request: Request, order_no: str = Form(""), phone: str = Form(""), session: Session = Depends(get_session)):
        appeal = queries.find_for_resident(session, order_no, phone) if order_no and phone else None
        if appeal is None:
            return templates.TemplateResponse(
                request, "track.html", {"appeal": None, "error": "未找到工单，请核对工单编号和手机号"}, status_code=404
            )
        steps = queries.timeline(session, appeal, public_only=True)
        return templates.TemplateResponse(request, "track.html", {"appeal": appeal, "steps": steps, "error": None})

    mount_api(app)
    mount_open311(app)
    return app
