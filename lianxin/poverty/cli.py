"""``lianxin poverty …``: ``list`` (declarations and their clocks, masked), ``board`` (the 清零 board of a unit),
``figures`` (show or set the jurisdiction's deadlines, weights and criteria) and ``candidates`` (run the
finding rules now)."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from sqlalchemy import select

from lianxin.cli_common import fail, jurisdiction_by_code, open_session

poverty_app = typer.Typer(help="防返贫监测 / return-to-poverty monitoring", no_args_is_help=True)
JURISDICTION = typer.Option(help="辖区代码 / jurisdiction code")


@poverty_app.command("list")
def list_declarations(
    status: Annotated[str, typer.Option(help="open 或状态 / open or a status")] = "open",
    jurisdiction: Annotated[str, JURISDICTION] = "default",
) -> None:
    """申报及其时限（已脱敏）/ declarations and their clocks (masked)."""
    from lianxin.appeals.privacy import mask_name
    from lianxin.poverty import service
    from lianxin.poverty.models import Declaration
    from lianxin.poverty.status import DECLARATION_OPEN, DeclarationStatus

    with open_session() as session:
        jid = jurisdiction_by_code(session, jurisdiction).id
        stmt = select(Declaration).where(Declaration.jurisdiction_id == jid)
        if status == "open":
            stmt = stmt.where(Declaration.status.in_(DECLARATION_OPEN))
        elif status:
            stmt = stmt.where(Declaration.status == DeclarationStatus.parse(status))
        rows = session.scalars(stmt.order_by(Declaration.check_due_at, Declaration.id)).all()
        for decl in rows:
            state = service.clock(session, decl)
            left = "" if state["days_left"] is None else f"{state['days_left']:>3}"
            typer.echo(
                f"{service.number(decl)}  {decl.status.zh:<6} {state['colour'].zh:<3} {left}  "
                f"{mask_name(decl.head_name)}  {decl.community.name}  {','.join(decl.risk_types)}"
            )
        typer.echo(f"{len(rows)} 条 / declarations")


@poverty_app.command("board")
def show_board(
    unit: Annotated[str, typer.Option(help="单位代码（空：全辖区）/ unit code (empty: the jurisdiction)")] = "",
    jurisdiction: Annotated[str, JURISDICTION] = "default",
) -> None:
    """清零看板：发现、核实中、超期、认定、帮扶中、已消除 / the 清零 board."""
    from lianxin.clock import utcnow
    from lianxin.orgs.models import Unit
    from lianxin.poverty import board

    with open_session() as session:
        jid = jurisdiction_by_code(session, jurisdiction).id
        unit_id = None
        if unit:
            unit_id = session.scalar(select(Unit.id).where(Unit.jurisdiction_id == jid, Unit.code == unit))
            if unit_id is None:
                fail(f"没有单位 {unit} / no unit {unit}")
        result = board.board(session, jid, unit_id, utcnow())
        typer.echo("单位 / unit                 发现  核实中  超期  认定  帮扶中  已消除")
        for row in [*result["rows"], {"unit": None, **result["total"]}]:
            name = row["unit"].name if row["unit"] else "合计 / total"
            typer.echo(
                f"{name:<20} {row['found']:>5} {row['checking']:>6} {row['overdue']:>5} {row['identified']:>5} "
                f"{row['assisting']:>6} {row['cleared']:>6}"
            )


@poverty_app.command("figures")
def figures(
    set_: Annotated[str, typer.Option("--set", help='JSON，如 {"check_days": 3} / overrides as JSON')] = "",
    jurisdiction: Annotated[str, JURISDICTION] = "default",
) -> None:
    """显示或修改监测参数（时限、权重、消除标准、发现规则）/ show or set the monitoring figures."""
    from lianxin.poverty import service

    with open_session() as session:
        jid = jurisdiction_by_code(session, jurisdiction).id
        if set_:
            try:
                values = json.loads(set_)
            except ValueError:
                fail("--set 应为 JSON 对象 / --set takes a JSON object")
            if not isinstance(values, dict):
                fail("--set 应为 JSON 对象 / --set takes a JSON object")
            service.set_figures(session, jid, values, actor=None)
        typer.echo(json.dumps(service.figures(session, jid), ensure_ascii=False, indent=2))


@poverty_app.command("candidates")
def candidates() -> None:
    """现在按发现规则生成待核实线索 / run the finding rules now (candidates go to the grid for a check)."""
    from lianxin.clock import utcnow
    from lianxin.poverty.jobs import find_candidates

    with open_session() as session:
        made = find_candidates(session, None, utcnow())
    typer.echo(f"新线索 / new candidates: {made}")
