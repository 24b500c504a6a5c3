"""``lianxin volunteers …``: the 爱心超市's monthly stock-take and its 台账 export, and a certificate check."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lianxin.cli_common import fail, fails_cleanly, jurisdiction_by_code, open_session

volunteers_app = typer.Typer(help="志愿服务与爱心超市 / volunteering and the charity shop", no_args_is_help=True)
JUR = Annotated[str, typer.Option(help="辖区代码 / jurisdiction code")]


def _community(session, jurisdiction: str, code: str):
    from sqlalchemy import select

    from lianxin.orgs.models import Unit

    jid = jurisdiction_by_code(session, jurisdiction).id
    unit = session.scalar(select(Unit).where(Unit.jurisdiction_id == jid, Unit.code == code))
    if unit is None:
        fail(f"没有这个社区 / no community {code}")
    return unit


@volunteers_app.command("stocktake")
@fails_cleanly
def stocktake(community: str, month: str = "", jurisdiction: JUR = "default") -> None:
    """爱心超市月度盘点 / the monthly stock-take of a community's shop (exit 1 if stock ≠ register)."""
    from lianxin.volunteers import market

    with open_session() as session:
        unit = _community(session, jurisdiction, community)
        rows = market.stocktake(session, unit.id, month or market.now_month())
        typer.echo("物品 item | 期初 opening | 捐赠 in | 兑换 out | 报损 off | 期末 closing | 库存 stock")
        for r in rows:
            typer.echo(
                f"{r.good.name} | {r.opening} | {r.donated} | {r.redeemed} | {r.written_off} | {r.closing} | {r.good.stock}"
            )
        bad = market.register_mismatches(session, unit.jurisdiction_id)
        if bad:
            fail("账物不符 / stock differs from the register: " + ", ".join(f"{g.name} {g.stock}≠{n}" for g, n in bad))
        typer.echo("账物相符 / stock matches the register")


@volunteers_app.command("export")
@fails_cleanly
def export(community: str, file: Path, jurisdiction: JUR = "default") -> None:
    """导出爱心超市台账 (.xlsx) / export the shop's register."""
    from lianxin.volunteers import market

    with open_session() as session:
        unit = _community(session, jurisdiction, community)
        file.write_bytes(market.register_workbook(session, unit.id))
        typer.echo(f"{file}")


@volunteers_app.command("verify")
@fails_cleanly
def verify(number: str) -> None:
    """核验志愿服务证明编号 / check a certificate number."""
    from lianxin.volunteers.service import record_by_number

    with open_session() as session:
        r = record_by_number(session, number)
        typer.echo(
            f"{r.certificate_no}: {r.member.name} · {r.served_on} · {r.hours} h · {r.content} · {r.recorder_unit}"
        )
