"""Web pages: the dispatch catalogue for admins (dispatchers read it), and the suggestion panel
(a fragment the dispatcher's appeal page can load with htmx: the catalogue's suggestion, why, and
the likely repeats)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from lianxin.appeals.access import require_can_see
from lianxin.appeals.models import Category
from lianxin.appeals.service import get_appeal
from lianxin.dispatch import catalogue
from lianxin.dispatch.repeats import repeats_of
from lianxin.errors import InvalidInput, NotFound
from lianxin.orgs.models import UNIT_KIND_LABELS, Role, Unit, User
from lianxin.orgs.service import has_role
from lianxin.web.deps import get_session, require_roles
from lianxin.web.forms import FormErrors, posted_form
from lianxin.web.htmx import render_partial
from lianxin.web.i18n import pick_lang
from lianxin.web.templating import render

router = APIRouter()
READERS = (Role.ADMIN, Role.DISPATCHER)


def _choices(session: Session, jurisdiction_id: int) -> dict:
    paths: dict[int, str] = {}
    for c in session.scalars(
        select(Category)
        .where(Category.jurisdiction_id == jurisdiction_id, Category.active.is_(True))
        .order_by(Category.level, Category.sort, Category.id)
    ):
        paths[c.id] = f"{paths[c.parent_id]}/{c.name}" if c.parent_id in paths else c.name
    units = session.scalars(
        select(Unit).where(Unit.jurisdiction_id == jurisdiction_id, Unit.active.is_(True)).order_by(Unit.id)
    ).all()
    return {
        "categories": sorted(paths.items(), key=lambda item: item[1]),
        "areas": [u for u in units if u.kind in catalogue.AREA_KINDS],
        "leads": [u for u in units if u.kind in catalogue.LEAD_KINDS],
        "informs": [u for u in units if u.kind in catalogue.INFORM_KINDS],
        "kind_labels": UNIT_KIND_LABELS,
        "lead_kinds": catalogue.LEAD_KIND_LABELS,
    }


def _page(request: Request, session: Session, user: User, errors: FormErrors, form: dict, status_code: int = 200):
    rules = catalogue.list_rules(session, user.jurisdiction_id)
    names = {u.id: u.name for u in session.scalars(select(Unit).where(Unit.jurisdiction_id == user.jurisdiction_id))}
    notice = request.session.pop("catalogue_notice", None)
    return render(
        request,
        "dispatch/catalogue.html",
        {
            "notice": notice[pick_lang(request) == "en"] if notice else "",
            "describe": describe,
            "rules": rules,
            "names": names,
            "errors": errors,
            "form": form,
            "can_edit": has_role(session, user, (Role.ADMIN,)),
            **_choices(session, user.jurisdiction_id),
        },
        status_code=status_code,
    )


def _int(value: str | None) -> int | None:
    return int(value) if value and value.strip().lstrip("-").isdigit() else None


@router.get("/admin/catalogue")
def catalogue_page(
    request: Request, session: Session = Depends(get_session), user: User = Depends(require_roles(*READERS))
) -> Response:
    return _page(request, session, user, FormErrors(pick_lang(request)), {"lead_kind": "fixed", "priority": 0})


@router.post("/admin/catalogue")
def add_rule(
    request: Request,
    data: FormData = Depends(posted_form()),
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(Role.ADMIN)),
) -> Response:
    form = {k: data.get(k) for k in ("category_id", "area_unit_id", "lead_kind", "lead_unit_id", "priority", "note")}
    form["co_unit_ids"] = [int(v) for v in data.getlist("co_unit_ids") if str(v).isdigit()]
    form["inform_unit_ids"] = [int(v) for v in data.getlist("inform_unit_ids") if str(v).isdigit()]
    errors = FormErrors(pick_lang(request))
    try:
        with session.begin_nested():
            catalogue.create_rule(
                session,
                actor=user,
                jurisdiction_id=user.jurisdiction_id,
                category_id=_int(form["category_id"]),
                area_unit_id=_int(form["area_unit_id"]),
                lead_kind=form["lead_kind"] or "fixed",
                lead_unit_id=_int(form["lead_unit_id"]),
                co_unit_ids=form["co_unit_ids"],
                inform_unit_ids=form["inform_unit_ids"],
                priority=_int(form["priority"]) or 0,
                note=form["note"],
            )
    except InvalidInput as exc:
        errors.add_exception(exc)
        return _page(request, session, user, errors, form, status_code=422)
    return RedirectResponse("/admin/catalogue", status_code=303)


@router.post("/admin/catalogue/{rule_id}/toggle")
def toggle_rule(
    request: Request,
    rule_id: int,
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(Role.ADMIN)),
) -> Response:
    rule = catalogue.get_rule(session, rule_id, user.jurisdiction_id)
    catalogue.update_rule(session, rule, actor=user, active=not rule.active)
    zh, en = describe(rule, "zh-CN"), describe(rule, "en")
    if rule.active:
        _done(request, f"已启用派单规则 {zh}", f"Enabled the dispatch rule {en}")
    else:
        _done(
            request,
            f"已停用派单规则 {zh}（可随时启用）",
            f"Disabled the dispatch rule {en} (enable it again at any time)",
        )
    return RedirectResponse("/admin/catalogue", status_code=303)


def describe(rule, lang: str) -> str:
    """A rule in one line, for the confirmation and the notice of what was done."""
    en = lang == "en"
    category = rule.category.name if rule.category else ("all categories" if en else "所有分类")
    area = rule.area_unit.name if rule.area_unit else ("whole jurisdiction" if en else "全辖区")
    lead = rule.lead_unit.name if rule.lead_unit else ("local street" if en else "属地街道乡镇")
    return f"#{rule.id} {category} · {area} → {lead}"


def _done(request: Request, zh: str, en: str) -> None:
    request.session["catalogue_notice"] = [zh, en]  # shown once on the next page


@router.post("/admin/catalogue/{rule_id}/delete")
def remove_rule(
    request: Request,
    rule_id: int,
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(Role.ADMIN)),
) -> Response:
    rule = catalogue.get_rule(session, rule_id, user.jurisdiction_id)
    zh, en = describe(rule, "zh-CN"), describe(rule, "en")
    catalogue.delete_rule(session, rule, actor=user)
    _done(request, f"已删除派单规则 {zh}", f"Deleted the dispatch rule {en}")
    return RedirectResponse("/admin/catalogue", status_code=303)


def _edit_page(
    request: Request,
    session: Session,
    user: User,
    rule,
    form: dict,
    errors: FormErrors | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "dispatch/rule_edit.html",
        {
            "rule": rule,
            "form": form,
            "errors": errors or FormErrors(pick_lang(request)),
            **_choices(session, user.jurisdiction_id),
        },
        status_code=status_code,
    )


@router.get("/admin/catalogue/{rule_id}")
def edit_rule_page(
    request: Request,
    rule_id: int,
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(Role.ADMIN)),
) -> Response:
    rule = catalogue.get_rule(session, rule_id, user.jurisdiction_id)
    return _edit_page(request, session, user, rule, {name: getattr(rule, name) for name in catalogue.RULE_FIELDS})


@router.post("/admin/catalogue/{rule_id}")
def edit_rule(
    request: Request,
    rule_id: int,
    category_id: str = Form(""),
    area_unit_id: str = Form(""),
    lead_kind: str = Form(""),
    lead_unit_id: str = Form(""),
    co_unit_ids: list[str] = Form([]),
    inform_unit_ids: list[str] = Form([]),
    priority: str = Form("0"),
    note: str = Form(""),
    active: str = Form("1"),
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(Role.ADMIN)),
) -> Response:
    """Every field of a rule, 告知单位 and the state included, through ``catalogue.update_rule``."""
    rule = catalogue.get_rule(session, rule_id, user.jurisdiction_id)
    form = {
        "category_id": category_id,
        "area_unit_id": area_unit_id,
        "lead_kind": lead_kind,
        "lead_unit_id": lead_unit_id,
        "priority": priority,
        "note": note,
        "active": active != "0",
        "co_unit_ids": [int(v) for v in co_unit_ids if v.isdigit()],
        "inform_unit_ids": [int(v) for v in inform_unit_ids if v.isdigit()],
    }
    errors = FormErrors(pick_lang(request))
    try:
        if priority.strip() and _int(priority) is None:
            raise InvalidInput("请输入整数", "enter a whole number", field="priority")
        with session.begin_nested():
            catalogue.update_rule(
                session,
                rule,
                actor=user,
                category_id=_int(category_id),
                area_unit_id=_int(area_unit_id),
                lead_kind=lead_kind or "fixed",
                lead_unit_id=_int(lead_unit_id),
                co_unit_ids=form["co_unit_ids"],
                inform_unit_ids=form["inform_unit_ids"],
                priority=_int(priority) or 0,
                note=note or None,
                active=form["active"],
            )
    except InvalidInput as exc:
        errors.add_exception(exc)
        session.refresh(rule)
        return _edit_page(request, session, user, rule, form, errors, status_code=422)
    return RedirectResponse("/admin/catalogue", status_code=303)


@router.get("/dispatch/panel/{order_no}")
def suggestion_panel(
    request: Request,
    order_no: str,
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(Role.OPERATOR, Role.DISPATCHER)),
) -> Response:
    """A fragment: the catalogue's suggestion with its reason, and likely repeats with their scores."""
    appeal = get_appeal(session, order_no)
    if appeal.jurisdiction_id != user.jurisdiction_id:
        raise NotFound(f"工单 {order_no} 不存在", f"appeal {order_no} not found")
    require_can_see(session, appeal, user)
    return render_partial(
        request,
        "dispatch/_panel.html",
        {
            "appeal": appeal,
            "suggestion": catalogue.suggest_units(session, appeal),
            "repeats": repeats_of(session, appeal),
        },
    )
