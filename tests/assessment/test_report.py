"""The monthly report as printable HTML and Excel, and ``lianxin assess month`` on a demo database."""

from __future__ import annotations

from datetime import date
from io import BytesIO

from openpyxl import load_workbook
from typer.testing import CliRunner

from lianxin.assessment.report import HEADERS, monthly_report, render_html, write_excel
from lianxin.cli import app
from lianxin.clock import utcnow
from tests.assessment.scenario import build
from tests.helpers import small_demo
from tests.test_cli import cli_env  # noqa: F401 - fixture


def test_html_report_lists_every_kind_with_rates_and_lists(db, city, clock):
    build(db, city, clock)
    report = monthly_report(db, city.jid, date(2026, 3, 1))
    html = render_html(report)
    assert [s["kind"] for s in report["sections"]] == ["district", "street", "department", "enterprise"]
    assert "测试市 2026-03 接诉即办考评月报" in html
    assert '<tr class="red">' in html and '<tr class="black">' in html
    assert "60.5%" in html  # 和平街道's composite
    assert "红榜：安定街道" in html and "<script" not in html and "http" not in html  # self-contained


def test_excel_report_has_a_sheet_per_kind_and_the_numbers(db, city, clock):
    build(db, city, clock)
    book = load_workbook(BytesIO(write_excel(monthly_report(db, city.jid, date(2026, 3, 1)))))
    assert book.sheetnames == ["区县", "街道、乡镇", "职能部门", "公共服务企业"]
    sheet = book["街道、乡镇"]
    assert [c.value for c in sheet[2]] == HEADERS
    rows = {r[1]: r for r in sheet.iter_rows(min_row=3, values_only=True)}
    assert rows["和平街道"][0] == 2 and abs(rows["和平街道"][6] - 0.605) < 1e-9 and rows["和平街道"][-1] == "黑榜"
    assert rows["安定街道"][-1] == "红榜"


def test_cli_month_writes_both_files(cli_env, tmp_path):  # noqa: F811
    runner = CliRunner()
    small_demo(cli_env, ["stats", "assessment"], appeals=80, days=20)
    assert "folded events" in runner.invoke(app, ["stats", "fold"]).output
    month = utcnow().strftime("%Y-%m")
    result = runner.invoke(
        app,
        [
            "assess",
            "month",
            month,
            "--kind",
            "street",
            "--excel",
            str(tmp_path / "r.xlsx"),
            "--html",
            str(tmp_path / "r.html"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "街道/乡镇" in result.output and "综合" in result.output
    assert load_workbook(tmp_path / "r.xlsx").sheetnames == ["街道、乡镇"]
    assert "考评月报" in (tmp_path / "r.html").read_text(encoding="utf-8")
    bad = runner.invoke(app, ["assess", "month", "2026-13"])
    assert bad.exit_code == 2 and "YYYY-MM" in bad.output
