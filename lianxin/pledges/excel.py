"""The Excel 台账 of a commitment list (openpyxl): one row per item with its commitment, targets,
progress, status and 三评 scores; a second sheet with the version history."""

from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

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
    for name, unit, baseline, period, target, actual, pct in targets:
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
                item.external_id or "",
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
