"""The printable monthly report: every ranked unit kind for one month, as self-contained HTML and as Excel."""

from __future__ import annotations

from datetime import date
from io import BytesIO
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from sqlalchemy.orm import Session

from lianxin.assessment.service import RANKED_KINDS, monthly_ranking
from lianxin.clock import utcnow
from lianxin.orgs.models import Jurisdiction, UnitKind
from lianxin.stats.rates import RATE_LABELS, percent

RATE_COLUMNS = (
    "response_rate",
    "resolution_rate",
    "satisfaction_rate",
    "composite",
    "sign_on_time_rate",
    "close_on_time_rate",
    "return_rate",
    "reopen_rate",
)
LIST_LABELS = {"red": "红榜", "black": "黑榜", None: ""}
_env = Environment(
    loader=FileSystemLoader(Path(__file__).resolve().parent / "templates"), autoescape=select_autoescape(["html"])
)
_env.filters["pct"] = percent


def monthly_report(session: Session, jurisdiction_id: int, month: date, kinds: list[UnitKind] | None = None) -> dict:
    jurisdiction = session.get(Jurisdiction, jurisdiction_id)
    sections = [monthly_ranking(session, jurisdiction_id, month, kind) for kind in (kinds or list(RANKED_KINDS))]
    return {
        "jurisdiction": jurisdiction.name,
        "month": month.strftime("%Y-%m"),
        "sections": sections,
        "generated_at": utcnow().isoformat(timespec="seconds"),
    }


def _change(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:+.1f}"


def render_html(report: dict) -> str:
    return _env.get_template("monthly_report.html").render(
        report=report, columns=RATE_COLUMNS, labels=RATE_LABELS, lists=LIST_LABELS, change=_change
    )


HEADERS = (
    ["排名", "单位", "有效回访"]
    + [RATE_LABELS[c][0] for c in RATE_COLUMNS]
    + ["上月综合", "上月排名", "环比（百分点）", "红黑榜"]
)


def write_excel(report: dict) -> bytes:
    """One sheet per unit kind, rates as percentages, red/black list rows coloured."""
    book = Workbook()
    book.remove(book.active)
    fills = {"red": PatternFill("solid", fgColor="FDE2E1"), "black": PatternFill("solid", fgColor="D9D9D9")}
    for section in report["sections"]:
        sheet = book.create_sheet(section["kind_label"].replace("/", "、"))
        sheet.append([f"{report['jurisdiction']} {report['month']} 接诉即办考评排名（{section['kind_label']}）"])
        sheet["A1"].font = Font(bold=True, size=14)
        sheet.append(HEADERS)
        for cell in sheet[2]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(horizontal="center")
        for row in section["rows"]:
            values = [row["rank"] or "—", row["unit"], row["valid_visits"]]
            values += [row[c] for c in RATE_COLUMNS]
            values += [
                row["previous_composite"],
                row["previous_rank"] or "—",
                None if row["change"] is None else round(row["change"] * 100, 1),
                LIST_LABELS[row["listed"]],
            ]
            sheet.append(values)
            for cell in sheet[sheet.max_row][3 : 3 + len(RATE_COLUMNS) + 1]:
                cell.number_format = "0.0%"
            if row["listed"] in fills:
                for cell in sheet[sheet.max_row]:
                    cell.fill = fills[row["listed"]]
        sheet.column_dimensions["B"].width = 24
    out = BytesIO()
    book.save(out)
    return out.getvalue()
