"""台账 export: one row per appeal in the usual column layout, names and phones masked, as xlsx or CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta

from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from lianxin.appeals.choices import Satisfaction
from lianxin.appeals.models import Appeal, Category
from lianxin.appeals.privacy import mask_name, mask_phone, mask_text
from lianxin.appeals.status import AppealStatus
from lianxin.clock import local_text, local_zone
from lianxin.errors import InvalidInput, PermissionDenied
from lianxin.orgs.models import Role, Unit, User
from lianxin.orgs.service import CENTRE_ROLES, descendant_ids, has_role, user_unit_ids

COLUMNS = [
    "序号",
    "工单编号",
    "受理时间",
    "诉求人",
    "联系电话",
    "诉求内容",
    "问题分类",
    "承办单位",
    "办理时限",
    "办结时间",
    "状态",
    "回访结果",
]
NOT_VISITED = "未回访"


def category_paths(session: Session, jurisdiction_id: int) -> dict[int, str]:
    rows = {c.id: c for c in session.scalars(select(Category).where(Category.jurisdiction_id == jurisdiction_id))}

    def path(category: Category) -> str:
        names, current, hops = [], category, 0
        while current is not None and hops < 5:
            names.append(current.name)
            current, hops = rows.get(current.parent_id), hops + 1
        return "/".join(reversed(names))

    return {cid: path(c) for cid, c in rows.items()}


def _local_bounds(start: date | None, end: date | None) -> tuple[datetime | None, datetime | None]:
    lo = datetime.combine(start, time(), local_zone()) if start else None
    hi = datetime.combine(end + timedelta(days=1), time(), local_zone()) if end else None
    return lo, hi


def ledger_query(
    session: Session,
    jurisdiction_id: int,
    *,
    actor: User | None = None,
    start: date | None = None,
    end: date | None = None,
    unit_id: int | None = None,
    status: str | None = None,
):
    """The appeals of the ledger, oldest first. Staff other than the centre see only their units' appeals."""
    if start and end and end < start:
        raise InvalidInput("结束日期不能早于开始日期", "the end date is before the start date", field="end")
    stmt = select(Appeal).where(Appeal.jurisdiction_id == jurisdiction_id)
    lo, hi = _local_bounds(start, end)
    if lo:
        stmt = stmt.where(Appeal.received_at >= lo)
    if hi:
        stmt = stmt.where(Appeal.received_at < hi)
    if status:
        try:
            stmt = stmt.where(Appeal.status == AppealStatus(status))
        except ValueError:
            options = "、".join(f"{s.value}({s.label_zh})" for s in AppealStatus)
            raise InvalidInput(
                f"无效的状态「{status}」，可选：{options}", f"unknown status {status!r}", field="status"
            ) from None
    if unit_id is not None:
        stmt = stmt.where(Appeal.lead_unit_id.in_(descendant_ids(session, unit_id)))
    if actor is not None and not has_role(session, actor, CENTRE_ROLES):
        units = user_unit_ids(session, actor, (Role.LEADER, Role.HANDLER))
        if not units:
            raise PermissionDenied("您无权导出台账", "you may not export the ledger")
        stmt = stmt.where(Appeal.lead_unit_id.in_(units))
    return stmt.order_by(Appeal.received_at, Appeal.id)


def ledger_rows(session: Session, jurisdiction_id: int, **filters) -> Iterator[list]:
    """Rows in ``COLUMNS`` order (streamed: the appeals are read in chunks)."""
    paths = category_paths(session, jurisdiction_id)
    units = dict(session.execute(select(Unit.id, Unit.name).where(Unit.jurisdiction_id == jurisdiction_id)).all())
    stmt = ledger_query(session, jurisdiction_id, **filters).execution_options(yield_per=1000)
    for number, appeal in enumerate(session.scalars(stmt), start=1):
        yield [
            number,
            appeal.order_no,
            local_text(appeal.received_at),
            mask_name(appeal.appellant_name),
            mask_phone(appeal.appellant_phone),
            mask_text(appeal.content, (appeal.appellant_name,)),
            paths.get(appeal.category_id, ""),
            units.get(appeal.lead_unit_id, ""),
            local_text(appeal.due_at) if appeal.due_at else "",
            local_text(appeal.closed_at) if appeal.closed_at else "",
            AppealStatus(appeal.status).label_zh,
            Satisfaction(appeal.satisfaction).label_zh if appeal.satisfaction else NOT_VISITED,
        ]


def export_xlsx(session: Session, jurisdiction_id: int, **filters) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("台账")
    sheet.append(COLUMNS)
    for row in ledger_rows(session, jurisdiction_id, **filters):
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def export_csv(session: Session, jurisdiction_id: int, **filters) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    writer.writerows(ledger_rows(session, jurisdiction_id, **filters))
    return out.getvalue().encode("utf-8-sig")  # Excel opens UTF-8 CSV correctly with a BOM
