"""Web pages: the routing model page (versions, figures, training, a text box to try suggestions) and
the suggestion fragment that intake forms fetch with htmx as the operator types
(``hx-get="/routing/suggest" hx-trigger="keyup changed delay:600ms" hx-target=...``, parameter ``text``)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lianxin.errors import InvalidInput
from lianxin.orgs.models import Role, User
from lianxin.orgs.service import has_role
from lianxin.routing.models import RoutingLabel, RoutingModel
from lianxin.routing.service import INTAKE_ROLES, can_auto_dispatch, suggest_categories, train_model
from lianxin.web.deps import get_session, require_roles
from lianxin.web.htmx import render_partial
from lianxin.web.templating import render

router = APIRouter()
PAGE_ROLES = (Role.ADMIN, Role.LEADER)


def _page(
    request: Request, session: Session, user: User, *, error: InvalidInput | None = None, status_code: int = 200
) -> Response:
    models = session.scalars(
        select(RoutingModel)
        .where(RoutingModel.jurisdiction_id == user.jurisdiction_id)
        .order_by(RoutingModel.version.desc())
    ).all()
    names = _category_names(session, models)
    labels = session.scalar(
        select(func.count()).select_from(RoutingLabel).where(RoutingLabel.jurisdiction_id == user.jurisdiction_id)
    )
    return render(
        request,
        "routing/models.html",
        {
            "models": models,
            "names": names,
            "labels": labels,
            "error": error,
            "trained": request.query_params.get("trained"),
            "threshold": request.app.state.settings.routing_auto_threshold,
            "can_try": has_role(session, user, INTAKE_ROLES),
            "can_train": has_role(session, user, (Role.ADMIN,)),
        },
        status_code=status_code,
    )


def _category_names(session: Session, models) -> dict[str, str]:
    """Category id (as stored in a model's per-class figures) → its path, for every class any version reports."""
    from lianxin.appeals.models import Category
    from lianxin.routing.service import category_path

    ids = {int(c) for m in models for c in ((m.metrics.get("cv") or {}).get("report") or {}).get("classes", ())}
    if not ids:
        return {}
    return {str(c.id): category_path(session, c) for c in session.scalars(select(Category).where(Category.id.in_(ids)))}


@router.get("/routing")
def models_page(
    request: Request, session: Session = Depends(get_session), user: User = Depends(require_roles(*PAGE_ROLES))
) -> Response:
    return _page(request, session, user)


@router.post("/routing/train")
def train(
    request: Request,
    cross_validate: bool = Form(False),
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(Role.ADMIN)),
) -> Response:
    try:
        row = train_model(session, user.jurisdiction_id, actor=user, cross_validate=cross_validate)
    except InvalidInput as exc:
        return _page(request, session, user, error=exc, status_code=422)
    return RedirectResponse(f"/routing?trained={row.version}", status_code=303)


@router.get("/routing/suggest")
def suggest_fragment(
    request: Request,
    text: str = Query("", max_length=10000),
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(*INTAKE_ROLES)),
) -> Response:
    """The top 3 categories as an HTML fragment (empty text: nothing to suggest yet)."""
    suggestions = suggest_categories(session, user.jurisdiction_id, text, actor=user) if text.strip() else []
    threshold = request.app.state.settings.routing_auto_threshold
    return render_partial(
        request,
        "routing/_suggestions.html",
        {
            "suggestions": suggestions,
            "auto": can_auto_dispatch(suggestions, threshold),
            "asked": bool(text.strip()),
        },
    )
