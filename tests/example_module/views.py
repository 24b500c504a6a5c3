"""The example's page: staff only, rendered in the site's layout (so the navigation shows)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from lianxin.orgs.models import Role, User
from lianxin.web.deps import get_session, require_roles
from lianxin.web.templating import page_context, templates
from tests.example_module.service import desk_of

router = APIRouter()

# A real module keeps this in lianxin/web/templates/<module>/page.html and calls render(request, ...).
PAGE = templates.env.from_string(
    '{% extends "base.html" %}{% block main %}<h1>示例模块</h1><p id="desk">{{ desk }}</p>{% endblock %}'
)


@router.get("/example", response_class=HTMLResponse)
def example_page(
    request: Request, session: Session = Depends(get_session), user: User = Depends(require_roles(Role.LEADER))
) -> HTMLResponse:
    desk = desk_of(session, user.jurisdiction_id)
    return HTMLResponse(PAGE.render(page_context(request) | {"request": request, "desk": desk.name if desk else "—"}))
