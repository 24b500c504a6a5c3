"""The Excel 台账 of a commitment list (openpyxl): one row per item with its commitment, targets,
progress, status and 三评 scores; a second sheet with the version history. The same layout imports
back: rows match items on the external id, so a ledger round-trips (with a row-by-row report)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from io import BytesIO

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill

from lianxin.errors import InvalidInput
from lianxin.pledges.models import PledgeList

HEADERS = [
    "序号 No.",
    "外部编号 External id",
    "事项 Item",
    "责任单位 Owner unit",
    "领办领导 Lead official",
    "类别 Category",
    "地点 Area",
    "开始 Start",
    "完成时限 Due",
    "计划投资(万元) Budget",
    "已投入(万元) Spent",
    "资金来源 Fund source",
    "目标指标 Targets",
    "进度% Progress",
    "状态 Status",
    "逾期 Overdue",
    "办结日期 Completed",
    "自评 Self",
    "群众评价 Public",
    "综合评议 Review",
    "综合得分 Composite",
]


def _target_text(targets) -> str:
    parts = []
    for name, unit, baseline, period, target, actual, pct, direction in targets:
        name = f"{name}（越低越好）" if direction == "down" else name
        base = f"基期{period + ' ' if period else ''}{baseline:g}{unit}→" if baseline is not None else ""
        now = f"，现{actual:g}{unit}（{pct}%）" if actual is not None else ""
        parts.append(f"{name}：{base}目标{target:g}{unit}{now}")
    return "；".join(parts)


def ledger_workbook(plist: PledgeList, rows) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "台账 Ledger"
    sheet.append([f"{plist.title}（{plist.year}，{plist.campaign}，版本 v{plist.version}）"])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append(HEADERS)
    for cell in sheet[2]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="B71C1C")
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for n, row in enumerate(rows, start=1):
        item, promised = row.item, row.promised
        sheet.append(
            [
                n,
                item.external_id or f"#{item.id}",  # the import matches rows on it
                ("　" * row.depth) + (promised.get("title") or item.title),
                promised.get("owner_unit") or (item.owner_unit.name if item.owner_unit else ""),
                promised.get("lead_official", item.lead_official),
                item.category,
                item.area,
                item.start_on,
                item.due_on if not promised.get("due_on") else promised["due_on"],
                float(item.budget_planned) if item.budget_planned is not None else None,
                float(item.budget_spent) if item.budget_spent is not None else None,
                item.fund_source,
                _target_text(row.targets),
                item.progress,
                row.label[0],
                "是" if row.overdue else "",
                item.completed_on,
                row.ratings.get("self"),
                row.ratings.get("public"),
                row.ratings.get("review"),
                row.ratings.get("composite"),
            ]
        )
    for column, width in zip(
        "ABCDEFGHIJKLMNOPQRSTU",
        (6, 12, 36, 18, 12, 12, 14, 12, 12, 12, 12, 14, 40, 8, 10, 6, 12, 8, 10, 10, 10),
        strict=True,
    ):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "D3"
    versions = book.create_sheet("变更记录 History")
    versions.append(
        ["版本 Version", "公示时间 Published (UTC)", "说明 Note", "新增 Added", "删除 Removed", "变更 Changed"]
    )
    for version in sorted(plist.versions, key=lambda v: v.number):
        changes = version.changes or {}
        versions.append(
            [
                version.number,
                version.published_at.replace(tzinfo=None),
                version.note,
                len(changes.get("added", [])),
                len(changes.get("removed", [])),
                len(changes.get("changed", {})),
            ]
        )
    out = BytesIO()
    book.save(out)
    return out.getvalue()


# ---------------------------------------------------------------- import (round trip on the external id)

MAX_IMPORT_ROWS = 20_000
MAX_IMPORT_BYTES = 20 * 1024 * 1024
INDENT = "　"


@dataclass
class ImportRow:
    row: int
    action: str  # added | updated | unchanged | error
    title: str
    message: str = ""


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def read_rows(data: bytes) -> list[tuple[int, dict]]:
    """The item rows of a ledger workbook (the export's layout: title in row 1, headers in row 2)."""
    try:
        book = load_workbook(BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        raise InvalidInput(
            "无法读取文件，请上传导出的 .xlsx 台账", "cannot read the file: upload an .xlsx ledger", field="file"
        ) from None
    sheet = book["台账 Ledger"] if "台账 Ledger" in book.sheetnames else book.worksheets[0]
    rows = []
    for n, values in enumerate(sheet.iter_rows(min_row=3, values_only=True), start=3):
        if n - 2 > MAX_IMPORT_ROWS:
            raise InvalidInput(
                f"一次最多导入 {MAX_IMPORT_ROWS} 行", f"at most {MAX_IMPORT_ROWS} rows per import", field="file"
            )
        values = list(values) + [None] * (len(HEADERS) - len(values))
        raw_title = values[2] if isinstance(values[2], str) else _cell_text(values[2])
        if not raw_title.strip():
            continue
        depth = len(raw_title) - len(raw_title.lstrip(INDENT + " "))
        rows.append(
            (
                n,
                {
                    "external_id": _cell_text(values[1]),
                    "depth": depth,
                    "title": raw_title.strip(),
                    "owner_unit": _cell_text(values[3]),
                    "lead_official": _cell_text(values[4]),
                    "category": _cell_text(values[5]),
                    "area": _cell_text(values[6]),
                    "start_on": _cell_text(values[7]),
                    "due_on": _cell_text(values[8]),
                    "budget_planned": _cell_text(values[9]),
                    "budget_spent": _cell_text(values[10]),
                    "fund_source": _cell_text(values[11]),
                },
            )
        )
    return rows


def import_ledger(session, plist: PledgeList, data: bytes, *, actor) -> list[ImportRow]:
    """Add or update a list's items from a workbook in the export's layout; rows match items on the
    external id (``#123`` names an item without one by its id), nesting follows the title's indent.
    Each row is applied on its own (a savepoint): a bad row is reported and the others go in."""
    from sqlalchemy import select

    from lianxin.errors import LianxinError
    from lianxin.orgs.models import Unit
    from lianxin.pledges import service
    from lianxin.pledges.models import PledgeItem

    service._require(service.can_manage(session, actor, plist))
    service._require_editable(plist)
    units = {
        name: uid
        for uid, name in session.execute(
            select(Unit.id, Unit.name).where(Unit.jurisdiction_id == plist.jurisdiction_id, Unit.active.is_(True))
        )
    }
    items = list(session.scalars(select(PledgeItem).where(PledgeItem.list_id == plist.id)))
    by_external = {i.external_id: i for i in items if i.external_id}
    by_id = {f"#{i.id}": i for i in items}
    report: list[ImportRow] = []
    parents: list[int | None] = []  # the item id at each depth so far
    for n, raw in read_rows(data):
        depth = min(raw.pop("depth"), len(parents))
        parent_id = parents[depth - 1] if depth else None
        key = raw.pop("external_id")
        unit_name = raw.pop("owner_unit")
        fields = {k: v for k, v in raw.items() if v != "" or k in ("title",)}
        fields["parent_id"] = parent_id
        try:
            if unit_name:
                if unit_name not in units:
                    raise InvalidInput(f"单位“{unit_name}”不存在", f"unknown unit {unit_name!r}", field="owner_unit")
                fields["owner_unit_id"] = units[unit_name]
            item = by_external.get(key) or by_id.get(key) if key else None
            with session.begin_nested():
                if item is None:
                    if key and not key.startswith("#"):
                        fields["external_id"] = key
                    item = service.add_item(session, plist, actor=actor, **fields)
                    if item.external_id:
                        by_external[item.external_id] = item
                    report.append(ImportRow(n, "added", item.title))
                else:
                    changes = service.update_item(session, item, actor=actor, **fields)
                    report.append(
                        ImportRow(n, "updated" if changes else "unchanged", item.title, "、".join(sorted(changes)))
                    )
        except LianxinError as exc:
            report.append(ImportRow(n, "error", raw.get("title", ""), exc.message_zh))
            item = None
        parents[depth:] = [item.id if item is not None else None]
    return report
