"""Admin pages: units, users and roles, categories, time limits and holidays, each a list (the list
component) with a form to add a row and an edit form per row. The dispatch catalogue and the knowledge
base have one editor each, in their own domain (/admin/catalogue, /kb). Every save goes through the owning service verb; a refused value is shown next to its
field and nothing is saved."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import Select, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from lianxin.appeals import categories as category_service
from lianxin.appeals.choices import AppealType, Urgency
from lianxin.appeals.models import Category
from lianxin.errors import InvalidInput, LianxinError, NotFound
from lianxin.orgs import service as org_service
from lianxin.orgs.models import ROLE_LABELS, UNIT_KIND_LABELS, Role, Unit, UnitKind, User
from lianxin.sla import service as sla_service
from lianxin.sla.models import CalendarOverride, TimeLimitPolicy
from lianxin.web.deps import get_session, require_roles
from lianxin.web.forms import FormErrors, posted_form
from lianxin.web.i18n import pick_lang
from lianxin.web.staff.actions import Field, Form
from lianxin.web.staff.detail import read_form
from lianxin.web.staff.limits import LIMIT_UNITS, limit_column, limit_texts
from lianxin.web.staff.listing import Column, Filter, ListPage, ListSpec, run_list
from lianxin.web.templating import render

router = APIRouter(prefix="/staff/admin")
ADMIN = require_roles(Role.ADMIN)


# --- options and parsing ------------------------------------------------------------------------


def unit_options(session: Session, user: User) -> list[tuple[str, str]]:
    rows = session.scalars(
        select(Unit).where(Unit.jurisdiction_id == user.jurisdiction_id).order_by(Unit.kind, Unit.code)
    )
    return [(str(u.id), f"{u.name}（{UNIT_KIND_LABELS[u.kind]}）") for u in rows]


def category_options(session: Session, user: User) -> list[tuple[str, str]]:
    rows = session.scalars(
        select(Category).where(Category.jurisdiction_id == user.jurisdiction_id).order_by(Category.sort)
    )
    return [(str(c.id), f"{'　' * (c.level - 1)}{c.name}") for c in rows]


def fixed(pairs) -> Callable:
    options = list(pairs)
    return lambda session, user: options


KINDS = fixed((k.value, v) for k, v in UNIT_KIND_LABELS.items())
ROLES = fixed((r.value, label) for r, label in ROLE_LABELS.items())
ACTIVE = fixed((("1", "启用"), ("0", "停用")))
WORKDAY = fixed((("0", "休息日（节假日）"), ("1", "工作日（调休上班）")))
TYPES = fixed([("", "全部类型")] + [(m.value, m.label_zh) for m in AppealType])
URGENCIES = fixed([("", "全部")] + [(m.value, m.label_zh) for m in Urgency])


def own(session: Session, user: User, model, value: str, field: str, *, required: bool = True):
    """A row of ``model`` in the admin's jurisdiction by the id in the form."""
    if not value:
        if required:
            raise InvalidInput("请选择一项", "choose one of the options", field=field)
        return None
    row = session.get(model, int(value)) if value.isdigit() else None
    if row is None or row.jurisdiction_id != user.jurisdiction_id:
        raise InvalidInput("所选项不存在", "unknown choice", field=field)
    return row


def number(form: Form, name: str, default: int | None = None) -> int | None:
    value = form.text(name)
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise InvalidInput("请输入整数", "enter a whole number", field=name) from None


def choice(form: Form, name: str, options: Callable, session: Session, user: User) -> str:
    value = form.text(name)
    if value not in {v for v, _ in options(session, user)}:
        raise InvalidInput("请选择一项", "choose one of the options", field=name)
    return value


# --- sections -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    key: str
    zh: str
    en: str
    spec: ListSpec
    query: Callable[[User], Select]
    create_fields: tuple[Field, ...]
    create: Callable[[Session, User, Form], object]
    edit_fields: tuple[Field, ...]
    current: Callable[[object], dict]  # an existing row's values for its edit form
    update: Callable[[Session, User, object, Form], object]
    model: type


def edit_link(key: str) -> Callable:
    return lambda row: f"/staff/admin/{key}/{row.id}"


def _unit_create(session: Session, user: User, form: Form) -> Unit:
    kind = UnitKind(choice(form, "kind", KINDS, session, user))
    code = form.text("code")
    if session.scalar(select(Unit.id).where(Unit.jurisdiction_id == user.jurisdiction_id, Unit.code == code)):
        raise InvalidInput(f"单位编码「{code}」已存在", f"unit code {code!r} is taken", field="code")
    return org_service.create_unit(
        session,
        jurisdiction_id=user.jurisdiction_id,
        kind=kind,
        code=code,
        name=form.text("name"),
        parent=own(session, user, Unit, form.text("parent"), "parent", required=False),
        phone=form.text("phone") or None,
    )


def _user_create(session: Session, user: User, form: Form) -> User:
    role = choice(form, "role", ROLES, session, user)
    unit = own(session, user, Unit, form.text("unit"), "unit")
    return org_service.create_user(
        session,
        jurisdiction_id=user.jurisdiction_id,
        username=form.text("username"),
        display_name=form.text("display_name"),
        password=form.text("password"),
        phone=form.text("phone") or None,
        grants=[(role, unit)],
    )


def _user_update(session: Session, admin: User, user: User, form: Form) -> User:
    org_service.set_user_active(
        session, user, active=form.text("active") == "1", display_name=form.text("display_name")
    )
    if form.text("role") or form.text("unit"):
        role = choice(form, "role", ROLES, session, admin)
        unit = own(session, admin, Unit, form.text("unit"), "unit")
        if not any(g.role == role and g.unit_id == unit.id for g in user.grants):
            org_service.grant_role(session, user, role, unit)
            session.flush()
    return user


def _category_update(session: Session, user: User, category: Category, form: Form) -> Category:
    if form.text("name") != category.name:
        category_service.rename_category(session, category, actor=user, name=form.text("name"))
    active = form.text("active") == "1"
    if active != category.active:
        category_service.set_category_active(session, category, actor=user, active=active)
    return category


def _policy_save(session: Session, user: User, policy: TimeLimitPolicy | None, form: Form) -> TimeLimitPolicy:
    name = form.text("name")
    if len(name) < 2:
        raise InvalidInput("请填写规则名称", "name the rule", field="name")
    sign, contact, handle = limit_texts(form, "sign_limit", "contact_limit", "handle_limit")
    return sla_service.set_policy(
        session,
        jurisdiction_id=user.jurisdiction_id,
        name=name,
        sign=sign,
        contact=contact,
        handle=handle,
        appeal_type=choice(form, "appeal_type", TYPES, session, user) or None,
        urgency=choice(form, "urgency", URGENCIES, session, user) or None,
        category_id=getattr(
            own(session, user, Category, form.text("category_id"), "category_id", required=False), "id", None
        ),
        policy=policy,
    )


def _holiday_save(session: Session, user: User, form: Form) -> CalendarOverride:
    try:
        day = date.fromisoformat(form.text("day"))
    except ValueError:
        raise InvalidInput("请填写正确的日期", "enter a valid date", field="day") from None
    return sla_service.set_calendar_day(
        session,
        jurisdiction_id=user.jurisdiction_id,
        day=day,
        is_workday=choice(form, "is_workday", WORKDAY, session, user) == "1",
        name=form.text("name")[:64],
    )


def _search(*columns) -> Callable[[Select, str], Select]:
    return lambda stmt, q: stmt.where(or_(*[c.icontains(q, autoescape=True) for c in columns]))


ACTIVE_FILTER = lambda model: Filter(
    "active",
    "状态",
    "State",
    lambda: [("1", "启用", "Active"), ("0", "停用", "Inactive")],  # noqa: E731
    lambda s, v: s.where(model.active.is_(v == "1")),
)
LIMITS_HINT = ("填写数字并选择单位，如 2 小时、5 工作日", "a number and its unit, e.g. 2 hours, 5 working days")
POLICY_FIELDS = (
    Field("name", "规则名称", "Name", "text"),
    Field("appeal_type", "诉求类型", "Type", "select", False, TYPES),
    Field("category_id", "分类（选填）", "Category", "select", False, category_options),
    Field("urgency", "紧急程度", "Urgency", "select", False, URGENCIES),
    Field("sign_limit", "签收时限", "Sign within", "limit", True, LIMIT_UNITS, hint=LIMITS_HINT),
    Field("contact_limit", "联系时限", "Contact within", "limit", True, LIMIT_UNITS, hint=LIMITS_HINT),
    Field("handle_limit", "办结时限", "Handle within", "limit", True, LIMIT_UNITS, hint=LIMITS_HINT),
)

SECTIONS: dict[str, Section] = {
    s.key: s
    for s in [
        Section(
            "units",
            "单位",
            "Units",
            ListSpec(
                "units",
                [
                    Column("code", "编码", "Code", lambda u: u.code, Unit.code, link=edit_link("units")),
                    Column("name", "名称", "Name", lambda u: u.name, Unit.name, link=edit_link("units")),
                    Column("kind", "类型", "Kind", lambda u: UNIT_KIND_LABELS[u.kind], Unit.kind),
                    Column("parent", "上级", "Parent", lambda u: u.parent.name if u.parent else ""),
                    Column("active", "状态", "State", lambda u: "启用" if u.active else "停用"),
                ],
                "code",
                [
                    Filter(
                        "kind",
                        "类型",
                        "Kind",
                        lambda: [(k.value, v, k.value) for k, v in UNIT_KIND_LABELS.items()],
                        lambda s, v: s.where(Unit.kind == v),
                    ),
                    ACTIVE_FILTER(Unit),
                ],
                _search(Unit.name, Unit.code),
            ),
            lambda user: select(Unit).where(Unit.jurisdiction_id == user.jurisdiction_id),
            (
                Field("kind", "类型", "Kind", "select", options=KINDS),
                Field("code", "编码", "Code", "text"),
                Field("name", "名称", "Name", "text"),
                Field("parent", "上级单位", "Parent", "select", False, unit_options),
                Field("phone", "电话（选填）", "Phone", "text", False),
            ),
            _unit_create,
            (
                Field("name", "名称", "Name", "text"),
                Field("phone", "电话（选填）", "Phone", "text", False),
                Field("active", "状态", "State", "radio", options=ACTIVE),
            ),
            lambda u: {"name": u.name, "phone": u.phone or "", "active": "1" if u.active else "0"},
            lambda s, user, u, f: org_service.update_unit(
                s, u, name=f.text("name"), phone=f.text("phone"), active=f.text("active") == "1"
            ),
            Unit,
        ),
        Section(
            "users",
            "用户和角色",
            "Users and roles",
            ListSpec(
                "users",
                [
                    Column(
                        "username", "用户名", "Username", lambda u: u.username, User.username, link=edit_link("users")
                    ),
                    Column("display_name", "姓名", "Name", lambda u: u.display_name, User.display_name),
                    Column(
                        "roles",
                        "角色",
                        "Roles",
                        lambda u: "；".join(f"{ROLE_LABELS[g.role]}@{g.unit.name}" for g in u.grants),
                    ),
                    Column("active", "状态", "State", lambda u: "启用" if u.active else "停用"),
                ],
                "username",
                [ACTIVE_FILTER(User)],
                _search(User.username, User.display_name),
            ),
            lambda user: select(User).where(User.jurisdiction_id == user.jurisdiction_id),
            (
                Field("username", "用户名", "Username", "text"),
                Field("display_name", "姓名", "Name", "text"),
                Field("password", "初始密码（至少 8 位）", "Password (8+)", "password"),
                Field("phone", "电话（选填）", "Phone", "text", False),
                Field("role", "角色", "Role", "select", options=ROLES),
                Field("unit", "所属单位", "Unit", "select", options=unit_options),
            ),
            _user_create,
            (
                Field("display_name", "姓名", "Name", "text"),
                Field("active", "状态", "State", "radio", options=ACTIVE),
                Field("role", "增加角色（选填）", "Add a role", "select", False, ROLES),
                Field("unit", "角色所在单位", "In unit", "select", False, unit_options),
            ),
            lambda u: {"display_name": u.display_name, "active": "1" if u.active else "0"},
            _user_update,
            User,
        ),
        Section(
            "categories",
            "问题分类",
            "Categories",
            ListSpec(
                "categories",
                [
                    Column("code", "编码", "Code", lambda c: c.code, Category.sort, link=edit_link("categories")),
                    Column("name", "名称", "Name", lambda c: c.name, Category.name, link=edit_link("categories")),
                    Column("level", "级别", "Level", lambda c: c.level, Category.level),
                    Column("parent", "上级", "Parent", lambda c: c.parent.name if c.parent else ""),
                    Column("active", "状态", "State", lambda c: "启用" if c.active else "停用"),
                ],
                "code",
                [ACTIVE_FILTER(Category)],
                _search(Category.name, Category.code),
            ),
            lambda user: select(Category).where(Category.jurisdiction_id == user.jurisdiction_id),
            (
                Field("name", "名称", "Name", "text"),
                Field("parent", "上级分类（不选为一级）", "Parent", "select", False, category_options),
            ),
            lambda s, user, f: category_service.create_category(
                s,
                actor=user,
                jurisdiction_id=user.jurisdiction_id,
                name=f.text("name"),
                parent_id=getattr(own(s, user, Category, f.text("parent"), "parent", required=False), "id", None),
            ),
            (
                Field("name", "名称", "Name", "text"),
                Field("active", "状态（停用含下级）", "State", "radio", options=ACTIVE),
            ),
            lambda c: {"name": c.name, "active": "1" if c.active else "0"},
            _category_update,
            Category,
        ),
        Section(
            "time-limits",
            "办理时限",
            "Time limits",
            ListSpec(
                "time-limits",
                [
                    Column(
                        "name", "规则", "Rule", lambda p: p.name, TimeLimitPolicy.name, link=edit_link("time-limits")
                    ),
                    Column(
                        "appeal_type",
                        "类型",
                        "Type",
                        lambda p: AppealType(p.appeal_type).label_zh if p.appeal_type else "全部",
                    ),
                    Column(
                        "urgency", "紧急程度", "Urgency", lambda p: Urgency(p.urgency).label_zh if p.urgency else "全部"
                    ),
                    limit_column("sign_limit", "签收", "Sign"),
                    limit_column("contact_limit", "联系", "Contact"),
                    limit_column("handle_limit", "办结", "Handle"),
                ],
                "name",
                [],
                _search(TimeLimitPolicy.name),
            ),
            lambda user: select(TimeLimitPolicy).where(TimeLimitPolicy.jurisdiction_id == user.jurisdiction_id),
            POLICY_FIELDS,
            lambda s, user, f: _policy_save(s, user, None, f),
            POLICY_FIELDS,
            lambda p: {
                "name": p.name,
                "appeal_type": p.appeal_type or "",
                "category_id": str(p.category_id or ""),
                "urgency": p.urgency or "",
                "sign_limit": p.sign_limit,
                "contact_limit": p.contact_limit,
                "handle_limit": p.handle_limit,
            },
            lambda s, user, p, f: _policy_save(s, user, p, f),
            TimeLimitPolicy,
        ),
        Section(
            "holidays",
            "节假日调整",
            "Holidays",
            ListSpec(
                "holidays",
                [
                    Column(
                        "day",
                        "日期",
                        "Date",
                        lambda d: d.day.isoformat(),
                        CalendarOverride.day,
                        link=edit_link("holidays"),
                    ),
                    Column("is_workday", "类型", "Kind", lambda d: "工作日（调休）" if d.is_workday else "休息日"),
                    Column("name", "说明", "Name", lambda d: d.name),
                ],
                "-day",
                [],
                _search(CalendarOverride.name),
            ),
            lambda user: select(CalendarOverride).where(CalendarOverride.jurisdiction_id == user.jurisdiction_id),
            (
                Field("day", "日期", "Date", "date"),
                Field("is_workday", "类型", "Kind", "radio", options=WORKDAY),
                Field("name", "说明（如 春节）", "Name", "text", False),
            ),
            _holiday_save,
            (
                Field("day", "日期", "Date", "date"),
                Field("is_workday", "类型", "Kind", "radio", options=WORKDAY),
                Field("name", "说明", "Name", "text", False),
            ),
            lambda d: {"day": d.day.isoformat(), "is_workday": "1" if d.is_workday else "0", "name": d.name},
            lambda s, user, d, f: _holiday_save(s, user, f),
            CalendarOverride,
        ),
    ]
}


# --- routes -------------------------------------------------------------------------------------


def section_of(key: str) -> Section:
    if key not in SECTIONS:
        raise NotFound("页面不存在", "no such admin page")
    return SECTIONS[key]


def row_of(session: Session, user: User, section: Section, row_id: int):
    row = session.get(section.model, row_id)
    if row is None or row.jurisdiction_id != user.jurisdiction_id:
        raise NotFound("记录不存在", "no such row")
    return row


def options_for(session: Session, user: User, fields) -> dict:
    return {f.name: f.options(session, user) for f in fields if f.options}


@router.get("")
def admin_home(request: Request, user: User = Depends(ADMIN)) -> Response:
    return render(request, "staff/admin_home.html", {"sections": list(SECTIONS.values())})


def section_page(
    request: Request,
    session: Session,
    user: User,
    section: Section,
    *,
    values=None,
    errors=None,
    status_code: int = 200,
    notice: str = "",
) -> Response:
    result = run_list(session, request, section.spec, section.query(user))
    if not isinstance(result, ListPage):
        return result
    return render(
        request,
        "staff/admin_section.html",
        {
            "section": section,
            "lp": result,
            "fields": section.create_fields,
            "options": options_for(session, user, section.create_fields),
            "values": values or {},
            "errors": errors or FormErrors(pick_lang(request)),
            "action": f"/staff/admin/{section.key}",
            "notice": notice,
        },
        status_code=status_code,
    )


@router.get("/{key}")
def admin_section(
    request: Request, key: str, user: User = Depends(ADMIN), session: Session = Depends(get_session)
) -> Response:
    return section_page(
        request, session, user, section_of(key), notice=request.query_params.get("saved") and "已保存" or ""
    )


def save(session: Session, run: Callable[[], object], errors: FormErrors) -> bool:
    savepoint = session.begin_nested()
    try:
        run()
        savepoint.commit()
        return True
    except LianxinError as exc:
        savepoint.rollback()
        errors.add_exception(exc)
    except IntegrityError:
        savepoint.rollback()
        errors.add(
            None, "与已有记录重复，未保存" if errors.lang != "en" else "duplicates an existing row; nothing saved"
        )
    return False


@router.post("/{key}")
def admin_create(
    request: Request,
    key: str,
    posted: FormData = Depends(posted_form()),
    user: User = Depends(ADMIN),
    session: Session = Depends(get_session),
) -> Response:
    section = section_of(key)
    form, _ = read_form(posted)
    errors = FormErrors(pick_lang(request))
    if save(session, lambda: section.create(session, user, form), errors):
        return RedirectResponse(f"/staff/admin/{key}?saved=1", status_code=303)
    return section_page(request, session, user, section, values=form.values, errors=errors, status_code=422)


def edit_page(
    request: Request,
    session: Session,
    user: User,
    section: Section,
    row,
    *,
    values=None,
    errors=None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "staff/admin_edit.html",
        {
            "section": section,
            "row": row,
            "fields": section.edit_fields,
            "options": options_for(session, user, section.edit_fields),
            "values": values or {k: v if isinstance(v, list) else [v] for k, v in section.current(row).items()},
            "errors": errors or FormErrors(pick_lang(request)),
            "action": f"/staff/admin/{section.key}/{row.id}",
        },
        status_code=status_code,
    )


@router.get("/{key}/{row_id}")
def admin_edit(
    request: Request, key: str, row_id: int, user: User = Depends(ADMIN), session: Session = Depends(get_session)
) -> Response:
    section = section_of(key)
    return edit_page(request, session, user, section, row_of(session, user, section, row_id))


@router.post("/{key}/{row_id}")
def admin_update(
    request: Request,
    key: str,
    row_id: int,
    posted: FormData = Depends(posted_form()),
    user: User = Depends(ADMIN),
    session: Session = Depends(get_session),
) -> Response:
    section = section_of(key)
    row = row_of(session, user, section, row_id)
    form, _ = read_form(posted)
    errors = FormErrors(pick_lang(request))
    if save(session, lambda: section.update(session, user, row, form), errors):
        return RedirectResponse(f"/staff/admin/{key}?saved=1", status_code=303)
    session.refresh(row)
    return edit_page(request, session, user, section, row, values=form.values, errors=errors, status_code=422)
