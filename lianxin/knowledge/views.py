"""Web pages of the knowledge base: search for every staff member, editing for admins and for the
handlers of an entry's owner unit."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from lianxin.appeals.service import get_appeal
from lianxin.errors import Conflict, InvalidInput, NotFound
from lianxin.knowledge import service
from lianxin.orgs.models import Role, Unit, UnitKind, User
from lianxin.orgs.service import has_role
from lianxin.web.deps import get_session, require_roles, require_user
from lianxin.web.forms import FormErrors, posted_form
from lianxin.web.i18n import EN, pick_lang
from lianxin.web.templating import render

router = APIRouter()
EDITORS = (Role.ADMIN, Role.HANDLER)
FIELDS = ("question", "answer", "owner_unit_id", "valid_from", "valid_to", "tags")


def _owners(session: Session, user: User) -> list[Unit]:
    """The units whose entries the user may keep."""
    units = session.scalars(
        select(Unit)
        .where(Unit.jurisdiction_id == user.jurisdiction_id, Unit.active.is_(True), Unit.kind != UnitKind.GRID)
        .order_by(Unit.id)
    ).all()
    return [u for u in units if service.may_edit(session, user, u.id)]


def _date(value: str | None, field: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput("日期格式应为 YYYY-MM-DD", "dates are YYYY-MM-DD", field=field) from None


def _values(form: dict) -> dict:
    return dict(
        question=form.get("question") or "",
        answer=form.get("answer") or "",
        owner_unit_id=int(form["owner_unit_id"]) if str(form.get("owner_unit_id") or "").isdigit() else None,
        valid_from=_date(form.get("valid_from"), "valid_from"),
        valid_to=_date(form.get("valid_to"), "valid_to"),
        tags=form.get("tags") or "",
    )


def _page(
    request: Request,
    session: Session,
    user: User,
    *,
    q: str = "",
    errors: FormErrors | None = None,
    form: dict | None = None,
    status_code: int = 200,
) -> Response:
    owners = _owners(session, user)
    mine = {u.id for u in owners}
    entries = [
        e for e in service.list_entries(session, user.jurisdiction_id, include_inactive=True) if e.owner_unit_id in mine
    ]
    hits = service.search_entries(session, user.jurisdiction_id, q, limit=10) if q.strip() else []
    return render(
        request,
        "knowledge/index.html",
        {
            "q": q,
            "hits": hits,
            "entries": entries,
            "owners": owners,
            "errors": errors or FormErrors(pick_lang(request)),
            "form": form or {},
            "today": service.today_local(),
            "can_answer": has_role(session, user, (Role.OPERATOR, Role.DISPATCHER)),
        },
        status_code=status_code,
    )


@router.get("/kb")
def kb_page(
    request: Request, q: str = "", session: Session = Depends(get_session), user: User = Depends(require_user)
) -> Response:
    return _page(request, session, user, q=q[:500])


@router.post("/kb")
def add_entry(
    request: Request,
    data: FormData = Depends(posted_form()),
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(*EDITORS)),
) -> Response:
    form = {k: data.get(k) for k in FIELDS}
    try:
        with session.begin_nested():
            service.create_entry(session, actor=user, jurisdiction_id=user.jurisdiction_id, **_values(form))
    except InvalidInput as exc:
        errors = FormErrors(pick_lang(request))
        errors.add_exception(exc)
        return _page(request, session, user, errors=errors, form=form, status_code=422)
    return RedirectResponse("/kb", status_code=303)


@router.post("/kb/{entry_id}/answer")
def answer_from_entry(
    request: Request,
    entry_id: int,
    data: FormData = Depends(posted_form()),
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(Role.OPERATOR, Role.DISPATCHER)),
) -> Response:
    """Answer an appeal (by order number) from the entry; the entry is recorded on the appeal's event."""
    order_no = str(data.get("order_no") or "").strip()
    entry = service.get_entry(session, entry_id, user.jurisdiction_id)
    try:
        with session.begin_nested():
            appeal = get_appeal(session, order_no)
            if appeal.jurisdiction_id != user.jurisdiction_id:
                raise InvalidInput(f"工单 {order_no} 不存在", f"appeal {order_no} not found", field="order_no")
            service.answer_from_entry(session, appeal, entry, actor=user)
    except (InvalidInput, NotFound, Conflict) as exc:
        errors = FormErrors(pick_lang(request))
        errors.add(None, exc.message_en if errors.lang == EN else exc.message_zh)
        return _page(request, session, user, q=str(data.get("q") or ""), errors=errors, status_code=422)
    return render(request, "knowledge/answered.html", {"appeal": appeal, "entry": entry})


@router.get("/kb/{entry_id}")
def edit_form(
    request: Request,
    entry_id: int,
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(*EDITORS)),
) -> Response:
    entry = service.get_entry(session, entry_id, user.jurisdiction_id)
    form = {k: getattr(entry, k) for k in FIELDS} | {"tags": " ".join(entry.tags or []), "active": entry.active}
    return render(
        request,
        "knowledge/edit.html",
        {"entry": entry, "form": form, "owners": _owners(session, user), "errors": FormErrors(pick_lang(request))},
    )


@router.post("/kb/{entry_id}")
def save_entry(
    request: Request,
    entry_id: int,
    data: FormData = Depends(posted_form()),
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(*EDITORS)),
) -> Response:
    entry = service.get_entry(session, entry_id, user.jurisdiction_id)
    form = {k: data.get(k) for k in FIELDS} | {"active": data.get("active") == "1"}
    try:
        with session.begin_nested():
            service.update_entry(session, entry, actor=user, active=form["active"], **_values(form))
    except InvalidInput as exc:
        errors = FormErrors(pick_lang(request))
        errors.add_exception(exc)
        return render(
            request,
            "knowledge/edit.html",
            {"entry": entry, "form": form, "owners": _owners(session, user), "errors": errors},
            status_code=422,
        )
    return RedirectResponse("/kb", status_code=303)
