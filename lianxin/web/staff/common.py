"""What the staff pages share: the appeal list's columns and filters, due marks, and the user's units."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from lianxin.appeals.access import is_overdue, overdue
from lianxin.appeals.choices import AppealType, Channel, UnitRole
from lianxin.appeals.models import Appeal, AppealUnit, Category
from lianxin.appeals.status import HANDLING, AppealStatus
from lianxin.clock import local_text, utcnow
from lianxin.orgs.models import Unit
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


def _search(stmt: Select, q: str) -> Select:
    return stmt.where(
        or_(
            Appeal.order_no == q,
            Appeal.title.icontains(q, autoescape=True),
            Appeal.content.icontains(q, autoescape=True),
            Appeal.address.icontains(q, autoescape=True),
        )
    )


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


def appeal_columns(*, with_due: bool = True) -> list[Column]:
    columns = [
        Column("order_no", "工单编号", "Order no.", lambda a: a.order_no, Appeal.order_no, link=appeal_link),
        Column("title", "标题", "Title", lambda a: a.title, link=appeal_link),
        Column("status", "状态", "Status", lambda a: AppealStatus(a.status).label_zh, Appeal.status),
        Column("type", "类型", "Type", lambda a: AppealType(a.appeal_type).label_zh),
        Column("category", "分类", "Category", lambda a: a.category.name if a.category else ""),
        Column("lead_unit", "主办单位", "Lead unit", _unit_name),
        Column("received_at", "受理时间", "Received", lambda a: local_text(a.received_at), Appeal.received_at),
    ]
    if with_due:
        columns.append(
            Column(
                "due_at",
                "办理时限",
                "Deadline",
                lambda a: local_text(a.due_at) if a.due_at else "",
                Appeal.due_at,
                css=lambda a: f"due due-{due_mark(a)}" if due_mark(a) else "",
            )
        )
    return columns


def appeal_spec(name: str, default_sort: str = "-received_at", *, filters: list[Filter] | None = None) -> ListSpec:
    return ListSpec(
        name,
        appeal_columns(),
        default_sort,
        FILTERS if filters is None else filters,
        _search,
        ("工单编号、标题、内容或地址", "Order no., title, content or address"),
    )


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
