"""``lianxin dispatch …``: the catalogue's suggestion, repeats and rules."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lianxin import progress
from lianxin.cli_common import fails_cleanly, jurisdiction_by_code, open_session

dispatch_app = typer.Typer(help="派单目录与重复件 / dispatch catalogue and repeats", no_args_is_help=True)
Jurisdiction = Annotated[str, typer.Option("--jurisdiction", help="辖区编码 / jurisdiction code")]


@dispatch_app.command("suggest")
@fails_cleanly
def suggest(order_no: str) -> None:
    """The catalogue's suggestion for an appeal, and why."""
    from lianxin.appeals.service import get_appeal
    from lianxin.dispatch.catalogue import suggest_units

    with open_session() as session:
        s = suggest_units(session, get_appeal(session, order_no))
        typer.echo(f"主办 / lead: {s.lead_unit.name if s.lead_unit else '—'}")
        typer.echo(f"协办 / co: {'、'.join(u.name for u in s.co_units) or '—'}")
        typer.echo(f"告知 / informed: {'、'.join(u.name for u in s.informed_units) or '—'}")
        typer.echo(f"依据 / reason: {s.reason_zh} / {s.reason_en}")


@dispatch_app.command("repeats")
@fails_cleanly
def repeats(order_no: str, days: Annotated[int, typer.Option(help="时间窗口（天）")] = 30) -> None:
    """Likely repeats of an appeal, best first."""
    from lianxin.appeals.service import get_appeal
    from lianxin.dispatch.repeats import repeats_of

    with open_session() as session:
        found = repeats_of(session, get_appeal(session, order_no), window_days=days)
        for c in found:
            typer.echo(f"{c.score:.2f}  {c.appeal.order_no}  {c.appeal.title}  ({'；'.join(c.reasons)})")
        if not found:
            typer.echo("未发现疑似重复件 / no likely repeats")


@dispatch_app.command("rules")
def rules(jurisdiction: Jurisdiction = "default") -> None:
    """List the catalogue."""
    from lianxin.dispatch.catalogue import LEAD_KIND_LABELS, list_rules

    with open_session() as session:
        for r in list_rules(session, jurisdiction_by_code(session, jurisdiction).id):
            lead = r.lead_unit.name if r.lead_unit else LEAD_KIND_LABELS[r.lead_kind]
            typer.echo(
                f"#{r.id}\t{r.category.name if r.category else '所有分类'}\t{r.area_unit.name if r.area_unit else '全辖区'}"
                f"\t→ {lead}\t优先级 {r.priority}{'' if r.active else '（停用）'}"
            )


eval_app = typer.Typer(help="评测 / evaluation", no_args_is_help=True)


@eval_app.command("repeats")
@fails_cleanly
def eval_repeats(
    messages: Annotated[
        list[Path], typer.Option("--messages", help="留言 CSV（user_id, created_at, title, body），可多次 / repeatable")
    ],
    window_days: Annotated[int, typer.Option(help="时间窗口（天）/ window in days")] = 30,
    limit: Annotated[int, typer.Option(help="列出前 N 个 / candidates listed")] = 5,
) -> None:
    """Replay messages in time order through the repeat lookup: precision and recall at the suggestion
    threshold and the rank of the true repeat (labelled set: see lianxin.dispatch.evaluate)."""
    from lianxin.dispatch.evaluate import evaluate, read_messages, report

    loaded = read_messages(messages)
    with progress.bar("重复件评测 / repeats evaluation"):
        figures = evaluate(loaded, window_days=window_days, limit=limit)
    typer.echo("\n".join(report(figures, window_days, limit)))
