"""``lianxin assess``: the monthly ranking and report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lianxin.cli_common import jurisdiction_by_code, open_session
from lianxin.stats.rates import percent

assess_app = typer.Typer(help="考评 / assessment", no_args_is_help=True)


@assess_app.command("month")
def month(
    month: Annotated[str, typer.Argument(help="月份 YYYY-MM")],
    kind: Annotated[
        list[str] | None, typer.Option(help="单位类型 district/street/department/enterprise，可多次")
    ] = None,
    excel: Annotated[Path | None, typer.Option(help="导出 Excel 文件")] = None,
    html: Annotated[Path | None, typer.Option(help="导出可打印 HTML 文件")] = None,
    jurisdiction: Annotated[str, typer.Option(help="辖区编码")] = "default",
) -> None:
    """Print the month's rankings (and write the report as Excel and/or HTML)."""
    from lianxin.assessment.report import monthly_report, render_html, write_excel
    from lianxin.assessment.service import parse_month
    from lianxin.errors import LianxinError

    try:
        with open_session() as session:
            report = monthly_report(
                session, jurisdiction_by_code(session, jurisdiction).id, parse_month(month), kind or None
            )
    except LianxinError as exc:
        typer.secho(str(exc), err=True, fg="red")
        raise typer.Exit(code=2) from None
    for section in report["sections"]:
        typer.echo(
            f"\n{report['month']} {section['kind_label']}  红榜：{'、'.join(section['red_list']) or '无'}  "
            f"黑榜：{'、'.join(section['black_list']) or '无'}"
        )
        for row in section["rows"]:
            typer.echo(
                f"{row['rank'] or '—':>3} {row['unit']:<16} 回访{row['valid_visits']:>5}  响应{percent(row['response_rate']):>7} "
                f"解决{percent(row['resolution_rate']):>7} 满意{percent(row['satisfaction_rate']):>7} "
                f"综合{percent(row['composite']):>7}"
            )
    if excel:
        excel.write_bytes(write_excel(report))
        typer.echo(f"已写入 / wrote {excel}")
    if html:
        html.write_text(render_html(report), encoding="utf-8")
        typer.echo(f"已写入 / wrote {html}")
