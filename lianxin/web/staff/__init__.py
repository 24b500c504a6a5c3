"""The staff workbench and admin pages (under ``/staff``): queues, the appeal page with its actions,
intake, the leader's overview and the admin editors. ``install(app)`` adds the routers and nav entries."""

from __future__ import annotations

from fastapi import FastAPI

from lianxin.appeals.status import EVENT_LABELS_ZH
from lianxin.web.templating import register_nav, templates


def install(app: FastAPI) -> None:
    from lianxin.web.staff import admin, audit, detail, intake, overview, queues, visits

    templates.env.filters["event_zh"] = lambda kind: EVENT_LABELS_ZH.get(kind, kind)
    for path, zh, en, roles in queues.WORKBENCHES:
        register_nav(path, zh, en, {str(r) for r in roles})
    register_nav("/staff/admin", "系统管理", "Admin", {"admin"})
    for module in (intake, queues, visits, overview, detail, admin, audit):
        app.include_router(module.router)
