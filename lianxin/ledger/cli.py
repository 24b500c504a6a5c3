"""``lianxin ledger export|import``: the 台账 as xlsx or CSV."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import select

from lianxin import progress
from lianxin.cli_common import fail as _fail
from lianxin.cli_common import jurisdiction_by_code, open_session

ledger_app = typer.Typer(help="台账导出与历史工单导入 / ledger export and import", no_args_is_help=True)


def _date(text: str | None, name: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        _fail(f"{name} 日期格式应为 YYYY-MM-DD / {name} must be YYYY-MM-DD")


@ledger_app.command("export")
def export(
    file: Annotated[Path, typer.Argument(help="输出文件 .xlsx 或 .csv")],
    from_: Annotated[str | None, typer.Option("--from", help="受理日期起 YYYY-MM-DD")] = None,
    to: Annotated[str | None, typer.Option("--to", help="受理日期止 YYYY-MM-DD")] = None,
    unit: Annotated[str | None, typer.Option(help="承办单位编码（含下级）")] = None,
    status: Annotated[str | None, typer.Option(help="状态，如 closed")] = None,
    jurisdiction: Annotated[str, typer.Option(help="辖区编码")] = "default",
) -> None:
    """Write the ledger (names and phones masked)."""
    from lianxin.errors import LianxinError
    from lianxin.ledger.export import export_csv, export_xlsx
    from lianxin.orgs.models import Unit

    if file.suffix.lower() not in (".xlsx", ".csv"):
        _fail("文件须为 .xlsx 或 .csv / the file must end in .xlsx or .csv")
    start, end = _date(from_, "--from"), _date(to, "--to")
    with open_session() as session:
        jid = jurisdiction_by_code(session, jurisdiction).id
        unit_id = None
        if unit:
            unit_id = session.scalar(select(Unit.id).where(Unit.jurisdiction_id == jid, Unit.code == unit))
            if unit_id is None:
                _fail(f"单位编码 {unit} 不存在 / unknown unit code")
        writer = export_xlsx if file.suffix.lower() == ".xlsx" else export_csv
        try:
            file.write_bytes(writer(session, jid, start=start, end=end, unit_id=unit_id, status=status))
        except LianxinError as exc:
            _fail(str(exc))
    typer.echo(f"已导出 / wrote {file}")


@ledger_app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="台账文件 .xlsx 或 .csv（未脱敏）")],
    only_good: Annotated[bool, typer.Option("--only-good", help="只导入校验通过的行")] = False,
    jurisdiction: Annotated[str, typer.Option(help="辖区编码")] = "default",
) -> None:
    """Import historical orders; with any bad row nothing is imported unless --only-good."""
    from lianxin.errors import LianxinError
    from lianxin.ledger.importer import import_ledger, read_table

    if not file.exists():
        _fail(f"文件不存在 / no such file: {file}")
    try:
        with open_session() as session, progress.bar("导入工单 / importing orders"):
            report = import_ledger(
                session, jurisdiction_by_code(session, jurisdiction).id, read_table(file), only_good=only_good
            )
    except LianxinError as exc:
        _fail(str(exc))
    for error in report.errors:
        typer.echo(str(error))
    typer.echo(
        f"共 {report.total} 行，导入 {len(report.imported)} 行，有误 {len(report.bad_rows)} 行 / "
        f"{report.total} rows, {len(report.imported)} imported, {len(report.bad_rows)} with errors"
    )
    if report.errors and not only_good:
        _fail("文件有误，未导入任何工单；修正后重试，或使用 --only-good 只导入正确的行 / nothing imported")
