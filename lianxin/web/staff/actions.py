"""The staff appeal page's action forms, built from the verb table (``lianxin.appeals.verbs.VERBS``): for each
verb the user may take now (``appeals.status.allowed_actions`` + ``Verb.may``), a form with the verb's page
inputs; a posted form is parsed into the verb's typed values and handed to ``Verb.call`` — the same call the
JSON API makes. This module only knows HTML forms: which option lists a select offers and how a posted value
becomes a unit, a date or a yes/no."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lianxin.appeals.models import Appeal
from lianxin.appeals.service import HANDLING_UNIT_KINDS
from lianxin.appeals.status import Action, AppealStatus, allowed_actions
from lianxin.appeals.verbs import VERBS, WEB, Input, Verb, pending, reporting_unit
from lianxin.clock import local_zone
from lianxin.errors import InvalidInput, NotFound
from lianxin.orgs.models import Unit, UnitKind, User
from lianxin.web.staff.common import categories, unit_choices, unit_tree_options


@dataclass(frozen=True)
class Field:
    name: str
    zh: str
    en: str
    kind: str = (
        "textarea"  # textarea | text | select | multi | unit | units | date | datetime | radio | check | file | limit
    )
    required: bool = True
    options: Callable[[Session, Appeal], list[tuple[str, str]]] | None = None  # (value, label)
    hint: tuple[str, str] | None = None


@dataclass
class Form:
    """The posted values, with parsing that reports errors against the field."""

    values: dict[str, list]
    photos: list[dict] = field(default_factory=list)

    def text(self, name: str) -> str:
        return str((self.values.get(name) or [""])[-1]).strip()

    def texts(self, name: str) -> list[str]:
        return [str(v) for v in self.values.get(name, []) if str(v).strip()]

    def flag(self, name: str) -> bool:
        return self.text(name) in ("1", "on", "true", "yes")

    def date(self, name: str, *, required: bool = True) -> date | None:
        value = self.text(name)
        if not value and not required:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise InvalidInput("请填写正确的日期", "enter a valid date", field=name) from None

    def moment(self, name: str, *, required: bool = True) -> datetime | None:
        """A ``datetime-local`` value in Beijing time."""
        value = self.text(name)
        if not value and not required:
            return None
        try:
            return datetime.fromisoformat(value).replace(tzinfo=local_zone())
        except ValueError:
            raise InvalidInput("请填写正确的日期和时间", "enter a valid date and time", field=name) from None

    def unit(self, session: Session, appeal: Appeal, name: str, *, required: bool = True) -> Unit | None:
        value = self.text(name)
        if not value:
            if required:
                raise InvalidInput("请选择单位", "choose a unit", field=name)
            return None
        return self._unit(session, appeal, value, name)

    def units(self, session: Session, appeal: Appeal, name: str) -> list[Unit]:
        return [self._unit(session, appeal, value, name) for value in self.texts(name)]

    @staticmethod
    def _unit(session: Session, appeal: Appeal, value: str, name: str) -> Unit:
        unit = session.get(Unit, int(value)) if value.isdigit() else None
        if unit is None or unit.jurisdiction_id != appeal.jurisdiction_id:
            raise InvalidInput("单位不存在", "unknown unit", field=name)
        return unit


# --- options ------------------------------------------------------------------------------------


def handling_units(session: Session, appeal: Appeal) -> list[tuple[str, str]]:
    return unit_tree_options(unit_choices(session, appeal.jurisdiction_id, HANDLING_UNIT_KINDS))


def departments(session: Session, appeal: Appeal) -> list[tuple[str, str]]:
    return unit_tree_options(unit_choices(session, appeal.jurisdiction_id, (UnitKind.DEPARTMENT, UnitKind.ENTERPRISE)))


def category_options(session: Session, appeal: Appeal) -> list[tuple[str, str]]:
    return [(str(cid), path) for cid, path in categories(session, appeal.jurisdiction_id)]


def yes_no(session: Session, appeal: Appeal) -> list[tuple[str, str, str]]:
    return [("1", "是", "Yes"), ("0", "否", "No")]


def approve_options(session: Session, appeal: Appeal) -> list[tuple[str, str, str]]:
    return [("1", "同意", "Approve"), ("0", "驳回", "Refuse")]


OPTIONS: dict[str, Callable[[Session, Appeal], list[tuple[str, str]]]] = {
    "handling_units": handling_units,
    "departments": departments,
    "categories": category_options,
    "approve": approve_options,
}
WIDGETS = {  # input kind -> form control
    "text": "textarea",
    "line": "text",
    "appeal": "text",
    "choice": "select",
    "yesno": "radio",
    "flag": "check",
    "date": "date",
    "datetime": "datetime",
    "unit": "unit",  # a select of units in tree order, with a search box
    "units": "units",
    "category": "select",
    "photos": "file",
}


def field_of(item: Input) -> Field:
    if item.options:
        options = OPTIONS[item.options]
    elif item.kind == "choice":
        options = lambda session, appeal, item=item: item.choices()  # noqa: E731
    elif item.kind == "yesno":
        options = yes_no
    else:
        options = None
    return Field(item.name, item.zh, item.en, WIDGETS[item.kind], item.required, options, item.hint)


# --- parsing a posted form into the verb's values ----------------------------------------------


def _yesno(form: Form, item: Input) -> bool | None:
    value = form.text(item.name)
    if not value and not item.required:
        return None
    if value not in ("0", "1"):
        raise InvalidInput("请选择一项", "choose one of the options", field=item.name)
    return value == "1"


def _into(session: Session, form: Form, name: str) -> Appeal:
    order_no = form.text(name)
    found = session.scalar(select(Appeal).where(Appeal.order_no == order_no)) if order_no else None
    if found is None:
        raise InvalidInput("请填写存在的主工单编号", "enter the order number of an existing appeal", field=name)
    return found


def _category(form: Form, name: str) -> int:
    value = form.text(name)
    if not value.isdigit():
        raise InvalidInput("请选择问题分类", "choose a category", field=name)
    return int(value)


def _request(appeal: Appeal, item: Input):
    found = pending(appeal, *item.request_kinds)
    if found is None:
        raise NotFound("没有待审核的申请", "no pending request")
    return found


def _own_unit(session: Session, user: User, appeal: Appeal) -> int:
    unit_id = reporting_unit(session, user, appeal)
    if unit_id is None:
        raise InvalidInput("您不属于本工单的协办或报到单位", "you are not in a co-unit of this appeal")
    return unit_id


def parse(session: Session, appeal: Appeal, user: User, form: Form, item: Input):
    """The value of ``item`` from the posted form, as the verb takes it."""
    kind, name = item.kind, item.name
    if kind in ("text", "line", "choice"):
        return form.text(name) if item.required else (form.text(name) or None)
    parsers = {
        "yesno": lambda: _yesno(form, item),
        "flag": lambda: form.flag(name),
        "date": lambda: form.date(name, required=item.required),
        "datetime": lambda: form.moment(name, required=item.required),
        "unit": lambda: form.unit(session, appeal, name, required=item.required),
        "units": lambda: form.units(session, appeal, name),
        "own_unit": lambda: _own_unit(session, user, appeal),
        "category": lambda: _category(form, name),
        "appeal": lambda: _into(session, form, name),
        "request": lambda: _request(appeal, item),
        "photos": lambda: form.photos,
    }
    return parsers[kind]()


@dataclass(frozen=True)
class ActionForm:
    """A verb as the page shows it: its label, its page inputs as form fields, and the run that parses a form."""

    verb: Verb
    fields: tuple[Field, ...]

    @property
    def name(self) -> str:
        return self.verb.name

    @property
    def status_action(self) -> Action:
        return self.verb.action

    @property
    def danger(self) -> bool:
        return self.verb.danger

    def label(self, lang: str) -> str:
        return self.verb.label(lang)

    def may(self, session: Session, user: User, appeal: Appeal) -> bool:
        return self.verb.may(session, user, appeal)

    def run(self, session: Session, appeal: Appeal, user: User, form: Form, version: int | None):
        inputs = self.verb.inputs_for(WEB)
        values = {item.name: parse(session, appeal, user, form, item) for item in inputs}
        return self.verb.call(session, appeal, user, values, version)


def form_of(verb: Verb) -> ActionForm:
    shown = tuple(field_of(item) for item in verb.inputs_for(WEB) if item.kind in WIDGETS)
    return ActionForm(verb, shown)


ACTION_FORMS: list[ActionForm] = [form_of(verb) for verb in VERBS]
BY_NAME = {form.name: form for form in ACTION_FORMS}


def forms_for(session: Session, user: User, appeal: Appeal) -> list[ActionForm]:
    """The actions this user may take on the appeal now."""
    allowed = set(allowed_actions(AppealStatus(appeal.status)))
    return [form for form in ACTION_FORMS if form.status_action in allowed and form.may(session, user, appeal)]
