"""The application factory: the health check, the core's web pages (``lianxin.web``), the JSON API at
``/api`` and, for each enabled module (``lianxin.modules``), its pages, API routers, mounts and
navigation entries."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from sqlalchemy import text
from sqlalchemy.orm import Session

from lianxin import logs, web
from lianxin.api import mount_api
from lianxin.api.docs import serve_openapi
from lianxin.config import Settings, get_settings
from lianxin.db import make_engine, make_sessionmaker
from lianxin.modules import Module, each, resolve, select_modules
from lianxin.web.deps import get_session


def create_app(settings: Settings | None = None, modules: Sequence[Module | str] | None = None) -> FastAPI:
    """``modules``: the modules to serve (``Module`` s or names, requirements checked); by default the
    ones ``settings.modules`` (``LIANXIN_MODULES``) enables. Tests pass extra modules this way."""
    settings = settings or get_settings()
    settings.check_production()
    enabled = select_modules(modules, settings)
    logs.configure(settings.log_format, settings.log_level)
    engine = make_engine(settings, serving=True)
    factory = make_sessionmaker(engine, settings)
    # SQLite: unsafe requests take the write lock at BEGIN and queue on the busy timeout (see make_engine).
    writer = (
        make_sessionmaker(make_engine(settings, immediate=True, serving=True), settings)
        if engine.dialect.name == "sqlite"
        else factory
    )
    app = FastAPI(  # lianxin.api.docs serves the OpenAPI document and its pages
        title="连心 Lianxin", docs_url=None, redoc_url=None, openapi_url=None, lifespan=_lifespan
    )
    app.state.settings, app.state.sessionmaker, app.state.write_sessionmaker = settings, factory, writer
    app.state.modules = enabled
    app.state.module_names = frozenset(m.name for m in enabled)
    app.state.nav = [nav for _, nav in each(enabled, "nav")]

    @app.get("/healthz")
    def healthz(session: Session = Depends(get_session)) -> dict:
        session.execute(text("SELECT 1"))
        return {"status": "ok"}

    # The API first: the app's routes are matched in order, and a request for /api/… would otherwise be
    # compared with every page of every module first (a few hundred routes, ~1 ms of CPU a request).
    mount_api(app, [resolve(router) for _, router in each(enabled, "api_routers")])
    web.install(app, settings)
    for _, router in each(enabled, "page_routers"):
        app.include_router(resolve(router))
    serve_openapi(app)
    for _, (path, factory_ref) in each(enabled, "mounts"):
        app.mount(path, resolve(factory_ref)(app))
    return app


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    settle_heap()
    yield


_settled = False


def settle_heap() -> None:
    """Put what the process built before serving (the imported packages, the app, its routes, the models) out of
    the cyclic garbage collector's reach (``gc.freeze``), once per process. A full collection walked ~490,000
    objects in 350 ms on the 2-core reference machine, inside whichever request happened to trigger it: one
    request in 20–30 of a 100 ms page took 450–800 ms. Frozen objects are still freed when nothing refers to them;
    the collector reads only what the requests built since.

    Young objects are collected every ``YOUNG`` allocations instead of 700: a request that builds a large answer
    (Open311's 1,000 requests with their notes, ~100,000 objects) kept them alive across a hundred young
    collections, which promoted them to the oldest generation and set off a full collection (70–90 ms) in 6 of 20
    such requests; with this none ran in 20, and their p95 fell from 348 to 147 ms at 10 M appeals."""
    global _settled
    if not _settled:
        gc.collect()
        gc.freeze()
        gc.set_threshold(YOUNG, *gc.get_threshold()[1:])
        _settled = True


YOUNG = 20_000  # allocations between two young collections (``settle_heap``; CPython's default is 700)
