"""Time limits on the admin pages: entered as a number and a unit (小时, 工作日, 天, …), shown in words, stored in
the compact form the policies read ("2h", "5wd", see ``lianxin.sla.policy.Limit``)."""

from __future__ import annotations

from lianxin.errors import InvalidInput
from lianxin.sla.policy import Limit, LimitUnit
from lianxin.web.i18n import EN
from lianxin.web.staff.actions import Form
from lianxin.web.staff.listing import Column
from lianxin.web.templating import templates


def fixed(pairs):
    options = list(pairs)
    return lambda session, user: options


# The units offered for a time limit, most used first (the stored form is compact: "2h", "5wd").
LIMIT_UNITS = fixed(
    (u.value, u.value)
    for u in (LimitUnit.HOURS, LimitUnit.WORKING_DAYS, LimitUnit.DAYS, LimitUnit.WORKING_HOURS, LimitUnit.MINUTES)
)


def limit_texts(form: Form, *names: str) -> list[str]:
    """``limit_text`` of each name; every one is composed (and kept on the form) before the first error is raised."""
    texts, first_error = [], None
    for name in names:
        try:
            texts.append(limit_text(form, name))
        except InvalidInput as exc:
            first_error = first_error or exc
    if first_error:
        raise first_error
    return texts


def limit_text(form: Form, name: str) -> str:
    """A limit posted as a number (``NAME_amount``) and a unit (``NAME_unit``) in compact form ("5wd"); a
    compact value posted as ``NAME`` (the API's and older forms' way) is taken as it is. The composed value is
    kept on the form, so a refused form shows what was typed."""
    amount, unit = form.text(f"{name}_amount"), form.text(f"{name}_unit")
    if not amount and not unit:
        return form.text(name)
    if not amount.isdigit() or int(amount) <= 0 or unit not in {u.value for u in LimitUnit}:
        form.values[name] = [f"{amount}{unit}"]
        raise InvalidInput("请填写正整数并选择单位", "enter a whole number above 0 and choose a unit", field=name)
    form.values[name] = [f"{int(amount)}{unit}"]
    return form.values[name][0]


def limit_label(value: str | None, lang: str) -> str:
    """ "5wd" → "5个工作日" / "5 working days" (the text itself when it is no limit)."""
    try:
        limit = Limit.parse(value or "")
    except ValueError:
        return value or ""
    return f"{limit.amount} {limit.unit.en}" if lang == EN else limit.label_zh()


def limit_parts(value: str | None) -> tuple[str, str]:
    try:
        limit = Limit.parse(value or "")
    except ValueError:
        return "", "h"
    return str(limit.amount), limit.unit.value


templates.env.filters["limit_parts"] = limit_parts
templates.env.filters["limit_unit"] = lambda value, lang: LimitUnit(value).label(lang)


def limit_column(attr: str, zh: str, en: str) -> Column:
    """A list column showing a policy's limit in words; the export keeps the compact value."""
    return Column(
        attr.removesuffix("_limit"),
        zh,
        en,
        lambda p: getattr(p, attr),
        text=lambda p, lang: limit_label(getattr(p, attr), lang),
    )
