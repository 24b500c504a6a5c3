"""What the staff pages share: the appeal list's columns and filters, due marks, and the user's units."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, and_, case, or_, select
from sqlalchemy.orm import Session

from lianxin.appeals.access import is_overdue, overdue
from lianxin.appeals.choices import AppealType, Channel, UnitRole
from lianxin.appeals.models import Appeal, AppealUnit, Category
from lianxin.appeals.numbers import looks_like_order_no
from lianxin.appeals.search import SHORT_NOTE, indexable, words
from lianxin.appeals.status import HANDLING, AppealStatus
from lianxin.clock import local_text, utcnow
from lianxin.orgs.models import Unit, UnitKind
from lianxin.web.i18n import EN
from lianxin.web.staff.listing import Column, Filter, ListSpec

AMBER_WITHIN = timedelta(hours=24)


def due_mark(appeal: Appeal, now: datetime | None = None) -> str:
    """red: past the deadline; amber: due within 24 hours; green: time left; "" when no clock runs."""
    if appeal.due_at is None or AppealStatus(appeal.status) not in HANDLING:
        return ""
    now = now or utcnow()
    if is_overdue(appeal, now):
        return "red"
    return "amber" if appeal.due_at - now <= AMBER_WITHIN else "green"


# The clocks a unit runs against once an appeal is dispatched, in the order they fall due.
CLOCKS = (("sign", "签收", "Sign"), ("contact", "联系", "Contact"), ("resolve", "办结", "Resolve"))
SOON = {"sign": timedelta(hours=1), "contact": timedelta(hours=2), "resolve": AMBER_WITHIN}


@dataclass(frozen=True)
class NextDeadline:
    clock: str  # sign | contact | resolve
    at: datetime
    colour: str  # red (passed) | amber (soon) | green

    def text(self, lang: str) -> str:
        zh, en = next((z, e) for c, z, e in CLOCKS if c == self.clock)
        return f"{en if lang == EN else zh} {local_text(self.at)}"


def next_deadline(appeal: Appeal, now: datetime | None = None) -> NextDeadline | None:
    """The first clock still running on a dispatched appeal: 签收 until signed, 联系 until the first contact,
    办结 until replied — whichever falls due first; red once passed, amber within its warning time
    (1 h to sign, 2 h to contact, 24 h to resolve)."""
    if AppealStatus(appeal.status) not in HANDLING:
        return None
    now = now or utcnow()
    running = [
        (at, clock)
        for clock, at, done in (
            ("sign", appeal.sign_due_at, appeal.signed_at),
            ("contact", appeal.contact_due_at, appeal.first_contact_at),
            ("resolve", appeal.due_at, None),
        )
        if at is not None and done is None
    ]
    if not running:
        return None
    at, clock = min(running)
    colour = "red" if at < now else "amber" if at - now <= SOON[clock] else "green"
    return NextDeadline(clock, at, colour)


# SQL for sorting by the next deadline (sign ≤ contact ≤ resolve as the policies set them).
NEXT_DUE_SQL = case(
    (Appeal.status.not_in(HANDLING), None),
    (and_(Appeal.signed_at.is_(None), Appeal.sign_due_at.is_not(None)), Appeal.sign_due_at),
    (and_(Appeal.first_contact_at.is_(None), Appeal.contact_due_at.is_not(None)), Appeal.contact_due_at),
    else_=Appeal.due_at,
)


def waiting_minutes(appeal: Appeal, now: datetime | None = None) -> int:
    return max(0, int(((now or utcnow()) - appeal.received_at).total_seconds() // 60))


def waiting_text(minutes: int, lang: str) -> str:
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if lang == EN:
        parts = [f"{days} d" if days else "", f"{hours} h" if hours else "", f"{mins} min" if not days else ""]
    else:
        parts = [f"{days}天" if days else "", f"{hours}小时" if hours else "", f"{mins}分" if not days else ""]
    return " ".join(p for p in parts if p) or ("0 min" if lang == EN else "0分")


DUE_LABELS = {
    "red": ("已超期", "Overdue"),
    "amber": ("即将到期", "Due soon"),
    "green": ("正常", "On time"),
    "": ("", ""),
}


def categories(session: Session, jurisdiction_id: int) -> list[tuple[int, str]]:
    """Active categories as "一级 / 二级 / 三级" paths, in outline order."""
    rows = session.scalars(
        select(Category)
        .where(Category.jurisdiction_id == jurisdiction_id, Category.active.is_(True))
        .order_by(Category.sort)
    ).all()
    names = {c.id: c for c in rows}

    def path(c: Category) -> str:
        return f"{path(names[c.parent_id])} / {c.name}" if c.parent_id in names else c.name

    return [(c.id, path(c)) for c in rows]


def appeal_link(appeal: Appeal) -> str:
    return f"/staff/appeals/{appeal.order_no}"


PHONE_DIGITS = re.compile(r"\d{4,11}")


def phone_query(q: str) -> str | None:
    """The digits of a phone number typed into search (full, or its last 4+ digits); None if it is not one."""
    digits = re.sub(r"[\s\-()]", "", q)
    digits = digits.removeprefix("+86") if digits.startswith("+86") else digits
    return digits if PHONE_DIGITS.fullmatch(digits) else None


def searcher(*, confidential_phones: bool = False):
    """Search by order number (exactly a number: that appeal alone, by its index), words in title, content or
    address (``appeals.search.words``: trigram indexes on PostgreSQL), or the caller's phone (the whole number or
    its last digits). Only centre staff (``confidential_phones``) find a confidential appeal (举报人保护) by its
    caller's phone; the statement is already limited to what the user may see."""

    def search(stmt: Select, q: str) -> Select:
        if looks_like_order_no(q):
            return stmt.where(Appeal.order_no == q)
        conditions = [words(q)]
        digits = phone_query(q)
        if digits:
            by_phone = (
                Appeal.appellant_phone == digits
                if len(digits) == 11
                else Appeal.appellant_phone.endswith(digits, autoescape=True)
            )
            conditions.append(by_phone if confidential_phones else and_(by_phone, Appeal.confidential.is_(False)))
        return stmt.where(or_(*conditions))

    return search


def _labelled(enum) -> callable:
    return lambda: [(m.value, m.label_zh, m.label_en) for m in enum]


def _due_filter(stmt: Select, value: str) -> Select:
    now = utcnow()
    handling = Appeal.status.in_(HANDLING)
    if value == "red":
        return stmt.where(overdue(now))
    if value == "amber":
        return stmt.where(handling, Appeal.due_at >= now, Appeal.due_at <= now + AMBER_WITHIN)
    return stmt.where(handling, Appeal.due_at > now + AMBER_WITHIN)


STATUS_FILTER = Filter("status", "状态", "Status", _labelled(AppealStatus), lambda s, v: s.where(Appeal.status == v))
FILTERS = [
    STATUS_FILTER,
    Filter("type", "类型", "Type", _labelled(AppealType), lambda s, v: s.where(Appeal.appeal_type == v)),
    Filter("channel", "渠道", "Channel", _labelled(Channel), lambda s, v: s.where(Appeal.channel == v)),
    Filter("due", "时限", "Deadline", lambda: [(k, *DUE_LABELS[k]) for k in ("red", "amber", "green")], _due_filter),
]


def _unit_name(appeal: Appeal) -> str:
    return appeal.lead_unit.name if appeal.lead_unit else ""


def _nowrap(_row) -> str:
    return "nowrap"  # numbers, order numbers, unit names and times never break across lines


def _due_css(appeal: Appeal) -> str:
    found = next_deadline(appeal)
    return f"due due-{found.colour}" if found else ""


def _next_due_text(appeal: Appeal, lang: str) -> str:
    found = next_deadline(appeal)
    return found.text(lang) if found else ""


def appeal_columns(
    *, with_due: bool = True, dispatch_within: int | None = None, resolve_by: bool = False
) -> list[Column]:
    """The appeal list's columns; ``dispatch_within`` (minutes) adds the waiting time, flagged past it;
    ``resolve_by`` the resolve deadline (the overdue list sorts by it: an index range, the longest overdue first)."""
    columns = [
        Column(
            "order_no", "工单编号", "Order no.", lambda a: a.order_no, Appeal.order_no, link=appeal_link, css=_nowrap
        ),
        Column("title", "标题", "Title", lambda a: a.title, link=appeal_link),
        Column(
            "status",
            "状态",
            "Status",
            lambda a: AppealStatus(a.status).zh,
            Appeal.status,
            text=lambda a, lang: AppealStatus(a.status).label(lang),
            css=_nowrap,
        ),
        Column(
            "type",
            "类型",
            "Type",
            lambda a: AppealType(a.appeal_type).zh,
            text=lambda a, lang: AppealType(a.appeal_type).label(lang),
            css=_nowrap,
        ),
        Column("category", "分类", "Category", lambda a: a.category.name if a.category else ""),
        Column("lead_unit", "主办单位", "Lead unit", _unit_name, css=_nowrap),
        Column(
            "received_at", "受理时间", "Received", lambda a: local_text(a.received_at), Appeal.received_at, css=_nowrap
        ),
    ]
    if dispatch_within is not None:
        columns.append(
            Column(
                "waiting",
                "等待时间",
                "Waiting",
                waiting_minutes,
                text=lambda a, lang: (
                    waiting_text(waiting_minutes(a), lang) if a.status == AppealStatus.RECEIVED else ""
                ),
                css=lambda a: (
                    "due due-red"
                    if a.status == AppealStatus.RECEIVED and waiting_minutes(a) > dispatch_within
                    else "due-plain"
                ),
            )
        )
    if resolve_by:
        columns.append(
            Column(
                "due_at",
                "办结时限",
                "Resolve by",
                lambda a: local_text(a.due_at) if a.due_at else "",
                Appeal.due_at,
                css=_nowrap,
            )
        )
    if with_due:
        columns.append(
            Column(
                "next_due",
                "下一时限",
                "Next deadline",
                lambda a: _next_due_text(a, "zh-CN"),
                NEXT_DUE_SQL,
                css=_due_css,
                text=_next_due_text,
            )
        )
    return columns


def appeal_spec(
    name: str,
    default_sort: str = "-received_at",
    *,
    filters: list[Filter] | None = None,
    dispatch_within: int | None = None,
    centre: bool = False,
    resolve_by: bool = False,
) -> ListSpec:
    """``centre``: the user is centre staff (finds confidential appeals by phone too)."""
    return ListSpec(
        name,
        appeal_columns(dispatch_within=dispatch_within, resolve_by=resolve_by),
        default_sort,
        FILTERS if filters is None else filters,
        searcher(confidential_phones=centre),
        (
            "工单编号、标题、内容、地址或来电号码（可输后几位）",
            "Order no., title, content, address or caller's phone (or its last digits)",
        ),
        search_note,
        indexable,  # a short word is not counted: its window would be read twice
    )


def search_note(q: str) -> tuple[str, str] | None:
    """Beside the results of a word too short for the trigram index: where it was looked for."""
    return None if looks_like_order_no(q) or indexable(q) else SHORT_NOTE


def with_units(unit_ids: set[int], roles=(UnitRole.LEAD, UnitRole.CO, UnitRole.WHISTLED)) -> Select:
    """Appeals that one of ``unit_ids`` currently works on in one of ``roles``."""
    return select(AppealUnit.appeal_id).where(
        AppealUnit.unit_id.in_(unit_ids), AppealUnit.active.is_(True), AppealUnit.role.in_(roles)
    )


def unit_choices(session: Session, jurisdiction_id: int, kinds) -> list[Unit]:
    return list(
        session.scalars(
            select(Unit)
            .where(Unit.jurisdiction_id == jurisdiction_id, Unit.active.is_(True), Unit.kind.in_(kinds))
            .order_by(Unit.kind, Unit.code)
        )
    )


def unit_tree_options(units: list[Unit]) -> list[tuple[str, str]]:
    """``(id, label)`` in tree order — each unit after its parent, siblings by code — the label indented by its
    depth among the units given (a full-width space a level), so a picker reads as the org tree."""
    ids = {u.id for u in units}
    children: dict[int | None, list[Unit]] = {}
    for unit in units:
        children.setdefault(unit.parent_id if unit.parent_id in ids else None, []).append(unit)
    out: list[tuple[str, str]] = []

    def walk(parent: int | None, depth: int) -> None:
        for unit in sorted(children.get(parent, []), key=lambda u: (u.kind != UnitKind.DISTRICT, u.code)):
            out.append((str(unit.id), "\u3000" * depth + unit.name))
            walk(unit.id, depth + 1)

    walk(None, 0)
    return out
