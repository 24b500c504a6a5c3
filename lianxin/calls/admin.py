"""The admin's page of the telephone side (/admin/calls): the hotline table (一号通 lines with their channel and
default category, utility lines for transfers), the expert domains, which categories go to an expert queue, and
each operator's seat and domains. A refusal re-renders the page with the message and changes nothing."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from lianxin.appeals.choices import Channel
from lianxin.appeals.models import Category
from lianxin.calls import tables
from lianxin.calls.choices import HotlineKind
from lianxin.calls.models import CallSeat, CategorySkill, OperatorSkill
from lianxin.calls.service import skills
from lianxin.errors import InvalidInput, LianxinError
from lianxin.orgs.models import Role, RoleGrant, User
from lianxin.web.deps import get_session, require_roles
from lianxin.web.forms import posted_form
from lianxin.web.i18n import pick_lang
from lianxin.web.staff.common import categories
from lianxin.web.templating import render

router = APIRouter(prefix="/admin/calls")


def _text(form: FormData, name: str) -> str:
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def page_context(session: Session, user: User, number: str = "") -> dict:
    jid = user.jurisdiction_id
    lines = tables.hotlines(session, jid)
    desk_users = session.scalars(
        select(User)
        .where(
            User.jurisdiction_id == jid,
            User.active.is_(True),
            User.id.in_(select(RoleGrant.user_id).where(RoleGrant.role.in_((Role.OPERATOR, Role.DISPATCHER)))),
        )
        .order_by(User.username)
        .limit(500)
    ).all()
    seats = dict(session.execute(select(CallSeat.user_id, CallSeat.seat).where(CallSeat.jurisdiction_id == jid)).all())
    held: dict[int, list[str]] = {}
    for user_id, code in session.execute(
        select(OperatorSkill.user_id, OperatorSkill.skill).where(OperatorSkill.jurisdiction_id == jid)
    ):
        held.setdefault(user_id, []).append(code)
    category_skills = session.execute(
        select(Category, CategorySkill.skill)
        .join(CategorySkill, CategorySkill.category_id == Category.id)
        .where(CategorySkill.jurisdiction_id == jid)
        .order_by(Category.code)
    ).all()
    return {
        "lines": lines,
        "editing": next((line for line in lines if line.number == number), None),
        "kinds": list(HotlineKind),
        "channels": list(Channel),
        "categories": categories(session, jid),
        "category_codes": {
            c.id: c.code for c in session.scalars(select(Category).where(Category.jurisdiction_id == jid))
        },
        "skills": skills(session, jid),
        "operators": [(u, seats.get(u.id, ""), held.get(u.id, [])) for u in desk_users],
        "category_skills": category_skills,
        "error": "",
    }


@router.get("")
def admin_page(
    request: Request,
    number: str = "",
    user: User = Depends(require_roles(Role.ADMIN)),
    session: Session = Depends(get_session),
) -> Response:
    return render(request, "calls/admin.html", page_context(session, user, number[:32]))


def _save(request: Request, session: Session, user: User, act) -> Response:
    savepoint = session.begin_nested()
    try:
        act()
        savepoint.commit()
    except LianxinError as exc:
        savepoint.rollback()
        context = page_context(session, user)
        context["error"] = exc.message_en if pick_lang(request) == "en" else exc.message_zh
        return render(request, "calls/admin.html", context, status_code=422)
    return RedirectResponse("/admin/calls", status_code=303)


@router.post("/hotlines")
def save_hotline(
    request: Request,
    form: FormData = Depends(posted_form(max_files=0)),
    user: User = Depends(require_roles(Role.ADMIN)),
    session: Session = Depends(get_session),
) -> Response:
    category_id = _text(form, "category_id")
    code = None
    if category_id:
        category = session.get(Category, int(category_id)) if category_id.isdigit() and len(category_id) < 10 else None
        code = category.code if category and category.jurisdiction_id == user.jurisdiction_id else "?"
    return _save(
        request,
        session,
        user,
        lambda: tables.save_hotline(
            session,
            user.jurisdiction_id,
            number=_text(form, "number"),
            kind=_text(form, "kind"),
            name_zh=_text(form, "name_zh"),
            name_en=_text(form, "name_en"),
            channel=_text(form, "channel") or Channel.HOTLINE.value,
            category_code=code,
            active=_text(form, "active") == "1",
        ),
    )


@router.post("/skills")
def save_skill(
    request: Request,
    form: FormData = Depends(posted_form(max_files=0)),
    user: User = Depends(require_roles(Role.ADMIN)),
    session: Session = Depends(get_session),
) -> Response:
    return _save(
        request,
        session,
        user,
        lambda: tables.save_skill(
            session, user.jurisdiction_id, _text(form, "code"), _text(form, "name_zh"), _text(form, "name_en")
        ),
    )


def _picked(session: Session, model, raw_id: str, jurisdiction_id: int):
    """The row a picker posted by id, if it is one of this jurisdiction's; None otherwise."""
    row = session.get(model, int(raw_id)) if raw_id.isdigit() and len(raw_id) < 10 else None
    return row if row is not None and row.jurisdiction_id == jurisdiction_id else None


@router.post("/operators")
def save_operator(
    request: Request,
    form: FormData = Depends(posted_form(max_files=0)),
    user: User = Depends(require_roles(Role.ADMIN)),
    session: Session = Depends(get_session),
) -> Response:
    def act() -> None:
        operator = _picked(session, User, _text(form, "user_id"), user.jurisdiction_id)
        if operator is None:
            raise InvalidInput("请选择话务员", "choose an operator", field="user_id")
        if _text(form, "seat"):
            tables.set_seat(session, operator, _text(form, "seat"))
        tables.set_operator_skills(session, operator, [c for c in form.getlist("skills") if isinstance(c, str) and c])

    return _save(request, session, user, act)


@router.post("/categories")
def save_category_skill(
    request: Request,
    form: FormData = Depends(posted_form(max_files=0)),
    user: User = Depends(require_roles(Role.ADMIN)),
    session: Session = Depends(get_session),
) -> Response:
    def act() -> None:
        category = _picked(session, Category, _text(form, "category_id"), user.jurisdiction_id)
        if category is None:
            raise InvalidInput("请选择问题分类", "choose a category", field="category_id")
        tables.set_category_skill(session, user.jurisdiction_id, category.id, _text(form, "skill") or None)

    return _save(request, session, user, act)
