"""``lianxin wishes export|import``: the wish 台账 as .xlsx or .csv, with a row-by-row report on import."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import select

from lianxin.cli_common import fail, jurisdiction_by_code, open_session

wishes_app = typer.Typer(help="微心愿台账导出与导入 / wish ledger export and import", no_args_is_help=True)


@wishes_app.command("export")
def export(
    file: Annotated[Path, typer.Argument(help="输出文件 .xlsx 或 .csv")],
    status: Annotated[str | None, typer.Option(help="状态，如 published")] = None,
    community: Annotated[str | None, typer.Option(help="社区编码")] = None,
    unmasked: Annotated[
        bool, typer.Option("--unmasked", help="含群众姓名、电话、地址和原话（导入格式）/ with personal data")
    ] = False,
    jurisdiction: Annotated[str, typer.Option(help="辖区编码")] = "default",
) -> None:
    """Write every wish (names and phones masked unless --unmasked)."""
    from lianxin.orgs.models import Unit, UnitKind
    from lianxin.wishes.ledger import export_csv, export_xlsx
    from lianxin.wishes.status import WishStatus

    if file.suffix.lower() not in (".xlsx", ".csv"):
        fail("文件须为 .xlsx 或 .csv / the file must end in .xlsx or .csv")
    if status is not None and status not in {s.value for s in WishStatus}:
        fail(f"状态应为 / status must be one of: {', '.join(s.value for s in WishStatus)}")
    with open_session() as session:
        jid = jurisdiction_by_code(session, jurisdiction).id
        community_id = None
        if community:
            community_id = session.scalar(
                select(Unit.id).where(
                    Unit.jurisdiction_id == jid, Unit.code == community, Unit.kind == UnitKind.COMMUNITY
                )
            )
            if community_id is None:
                fail(f"社区编码 {community} 不存在 / unknown community code")
        writer = export_xlsx if file.suffix.lower() == ".xlsx" else export_csv
        filters = {"status": WishStatus(status) if status else None, "community_id": community_id}
        file.write_bytes(writer(session, jid, unmasked=unmasked, **filters))
    typer.echo(f"已导出 / wrote {file}")


@wishes_app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="台账文件 .xlsx 或 .csv（未脱敏）")],
    user: Annotated[str, typer.Option(help="录入人（社区工作人员的用户名）/ the staff member recording them")],
    only_good: Annotated[bool, typer.Option("--only-good", help="只导入校验通过的行")] = False,
    jurisdiction: Annotated[str, typer.Option(help="辖区编码")] = "default",
) -> None:
    """Import wishes collected on paper; with any bad row nothing is imported unless --only-good."""
    from lianxin.errors import LianxinError
    from lianxin.orgs.models import User
    from lianxin.wishes.ledger import import_wishes, read_rows

    if not file.exists():
        fail(f"文件不存在 / no such file: {file}")
    try:
        with open_session() as session:
            jid = jurisdiction_by_code(session, jurisdiction).id
            actor = session.scalar(select(User).where(User.jurisdiction_id == jid, User.username == user))
            if actor is None or not actor.active:
                fail(f"用户 {user} 不存在 / no such user")
            report = import_wishes(session, jid, read_rows(file), actor=actor, only_good=only_good)
    except LianxinError as exc:
        fail(str(exc))
    for error in report.errors:
        typer.echo(str(error))
    typer.echo(
        f"共 {report.total} 行，导入 {len(report.imported)} 行，有误 {len(report.bad_rows)} 行 / "
        f"{report.total} rows, {len(report.imported)} imported, {len(report.bad_rows)} with errors"
    )
    if report.errors and not only_good:
        fail("文件有误，未导入任何心愿；修正后重试，或使用 --only-good 只导入正确的行 / nothing imported")
