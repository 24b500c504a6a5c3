"""``lianxin pledges …``: the demo lists, the overdue sweep (also a job), and a ledger's Excel export."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Annotated

import typer

from lianxin.cli_common import factory, fail, jurisdiction_by_code, open_session
from lianxin.errors import LianxinError

pledges_app = typer.Typer(help="办实事清单与台账 / commitment lists", no_args_is_help=True)


@pledges_app.command("demo")
def demo(seed: Annotated[int, typer.Option(help="随机种子 / random seed")] = 2026) -> None:
    """在示范城市中生成办实事清单 / build the demo lists in the demo city (after ``lianxin demo``)."""
    from lianxin.pledges.demo import build_demo

    settings, _ = factory()
    with open_session() as session:
        typer.echo(build_demo(session, settings, random.Random(seed)))


@pledges_app.command("overdue")
def overdue(jurisdiction: Annotated[str, typer.Option(help="辖区代码 / jurisdiction code")] = "") -> None:
    """逾期未完成的事项标记为“滞后” / mark items past their due date as delayed (idempotent)."""
    from lianxin.pledges.work import mark_overdue

    with open_session() as session:
        jid = jurisdiction_by_code(session, jurisdiction).id if jurisdiction else None
        typer.echo(f"标记滞后 / marked delayed: {mark_overdue(session, jid)}")


@pledges_app.command("export")
def export(
    list_id: int,
    file: Path,
    jurisdiction: Annotated[str, typer.Option(help="辖区代码 / jurisdiction code")] = "default",
) -> None:
    """把一份清单的台账导出为 Excel / export one list's ledger as .xlsx (every item, staff view)."""
    from lianxin.pledges import queries, service
    from lianxin.pledges.excel import ledger_workbook

    with open_session() as session:
        try:
            plist = service.get_list(session, list_id, jurisdiction_id=jurisdiction_by_code(session, jurisdiction).id)
        except LianxinError as exc:
            fail(f"{exc.message_zh} / {exc.message_en}")
        file.write_bytes(ledger_workbook(plist, queries.ledger(session, plist, public=False)))
        typer.echo(f"{file}：{len(plist.items)} 个事项 / items")


def overdue_job(session, settings=None, now=None) -> int:
    """The ``pledges_overdue`` job: mark overdue items delayed in every jurisdiction (working-day calendar),
    remind owner units of due dates, and recompute the indicators derived from appeals."""
    from lianxin.pledges.follow import remind_due
    from lianxin.pledges.more import refresh_derived
    from lianxin.pledges.work import mark_overdue

    return mark_overdue(session) + remind_due(session) + refresh_derived(session)
