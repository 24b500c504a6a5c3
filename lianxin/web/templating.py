"""Rendering: one Jinja2 environment for every domain's templates, and ``render`` which gives every
page the language, the message helpers, the CSRF token, the signed-in user's navigation and the
site settings. Domain packages put templates under ``lianxin/web/templates/<domain>/`` and declare
their navigation entries in their ``MODULE`` (``lianxin.modules.Nav``); ``create_app`` keeps the enabled
modules' entries on ``app.state.nav``, so a switched-off module has no menu item. ``NAV`` holds the
core's entries (``register_nav`` adds one, for the core and tests).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from urllib.parse import urlencode

from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response

from lianxin.appeals.privacy import mask_text
from lianxin.choices import colour_of, label_of
from lianxin.clock import local_text
from lianxin.modules import Nav
from lianxin.web.csrf import csrf_token
from lianxin.web.i18n import EN, LANG_COOKIE, ZH, bilingual, event_label, pick_lang, translate

WEB_DIR = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=str(WEB_DIR / "templates"))
templates.env.filters["local"] = local_text
templates.env.filters["masked"] = mask_text  # free text for viewers without the right to personal data
# {{ appeal.status | label }}: a lianxin.choices.Choice in the page's language; {{ x | colour }}: its colour
templates.env.filters["label"] = pass_context(lambda context, value: label_of(value, context.get("lang")))
templates.env.filters["colour"] = colour_of
templates.env.filters["tojson_attr"] = lambda value: Markup.escape(json.dumps(value, ensure_ascii=False))
BIG_TEXT_COOKIE = "lianxin_big"
STATIC_VERSION = "4"


NavItem = Nav  # path, zh, en, roles — None: everyone; empty: any signed-in user

NAV: list[NavItem] = [
    NavItem("/", "首页", "Home", None),
    NavItem("/appeal", "我要反映", "Submit an appeal", None),
    NavItem("/track", "查询进度", "Track an appeal", None),
    NavItem("/stats", "数据公开", "Public statistics", None),
]


def register_nav(path: str, zh: str, en: str, roles: set[str] | frozenset[str] | None) -> None:
    """Show a link in the main navigation to users holding one of ``roles`` (None: to everyone)."""
    if all(item.path != path for item in NAV):
        NAV.append(NavItem(path, zh, en, frozenset(str(r) for r in roles) if roles is not None else None))


def nav_for(request: Request) -> list[NavItem]:
    """The core's entries, then the enabled modules' (``app.state.nav``), that the session's roles may see."""
    signed_in = "uid" in request.session
    roles = set(request.session.get("roles", ()))
    items = [*NAV, *getattr(request.app.state, "nav", ())]
    return [
        item
        for item in items
        if item.roles is None
        or (signed_in and (not item.roles or roles & item.roles or ("admin" in roles and item.roles != AUDIT_ONLY)))
    ]


AUDIT_ONLY = frozenset({"auditor"})  # the personal-data log is the auditors' alone, not the admins'

# The staff menu's dropdowns: the first group whose prefix starts an entry's path takes it.
NAV_GROUPS = (
    ("admin", "管理", "Admin", ("/staff/admin", "/admin/", "/assessment/settings", "/kb", "/routing")),
    ("community", "社区", "Community", ("/care/", "/volunteer/", "/wishes/", "/points/", "/logistics/points")),
    ("desk", "工作台", "Desk", ("/staff/", "/logistics")),
    (
        "analysis",
        "分析",
        "Analysis",
        ("/leader/", "/assessment/", "/hotspots", "/topics", "/ledger"),
    ),
)


@dataclass(frozen=True)
class NavGroup:
    key: str
    zh: str
    en: str
    items: tuple[NavItem, ...]
    current: bool  # the page is one of its entries


def _group_of(item: NavItem) -> str:
    if item.roles is None:
        return "public"
    return next((key for key, _zh, _en, prefixes in NAV_GROUPS if item.path.startswith(prefixes)), "more")


def nav_menu(items: list[NavItem], path: str, *, signed_in: bool) -> list[NavItem | NavGroup]:
    """The navigation as shown: flat for the public; for staff, home, then each group — a dropdown when it holds
    more than one entry — so the menu stays on one row at 1280 px."""
    if not signed_in:
        return list(items)
    labels = {key: (zh, en) for key, zh, en, _ in NAV_GROUPS} | {"public": ("公开", "Public"), "more": ("更多", "More")}
    order = [key for key, *_ in NAV_GROUPS[2:]] + ["community", "admin", "more", "public"]
    grouped: dict[str, list[NavItem]] = {}
    menu: list[NavItem | NavGroup] = []
    for item in items:
        if item.path == "/":
            menu.append(item)
        else:
            grouped.setdefault(_group_of(item), []).append(item)
    for key in order:
        entries = grouped.get(key, [])
        if len(entries) == 1:
            menu.append(entries[0])
        elif entries:
            zh, en = labels[key]
            menu.append(NavGroup(key, zh, en, tuple(entries), any(e.path == path for e in entries)))
    return menu


def module_enabled(request: Request, name: str) -> bool:
    """Whether this app serves module ``name`` (for the core's links into optional modules)."""
    return name in getattr(request.app.state, "module_names", ())


def switch_lang_url(request: Request, lang: str) -> str:
    other = ZH if lang == EN else EN
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"] + [("lang", other)]
    return f"{request.url.path}?{urlencode(query)}"


def page_context(request: Request) -> dict:
    lang = pick_lang(request)
    settings = request.app.state.settings
    return {
        "lang": lang,
        "t": partial(translate, lang=lang),
        "tr": partial(bilingual, lang=lang),
        "event_label": partial(event_label, lang=lang),
        "csrf_token": csrf_token(request),
        "nav": nav_menu(nav_for(request), request.url.path, signed_in="uid" in request.session),
        "path": request.url.path,
        "module_enabled": partial(module_enabled, request),
        "switch_lang_url": switch_lang_url(request, lang),
        "user_name": request.session.get("name"),
        "signed_in": "uid" in request.session,
        "big_text": request.cookies.get(BIG_TEXT_COOKIE) == "1",
        "hotline": settings.hotline_number,
        "static_version": STATIC_VERSION,
        "map_tiles": {"url": settings.map_tile_url, "attribution": settings.map_tile_attribution},
    }


def render(
    request: Request, name: str, context: dict | None = None, *, status_code: int = 200, headers: dict | None = None
) -> Response:
    """Render ``name`` with the page context; remembers an explicit ``?lang=`` in a cookie."""
    full = page_context(request) | (context or {})
    response = templates.TemplateResponse(request, name, full, status_code=status_code, headers=headers)
    if "lang" in request.query_params:
        response.set_cookie(LANG_COOKIE, full["lang"], max_age=365 * 86400, samesite="lax")
    return response
