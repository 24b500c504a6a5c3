"""``lianxin stats fold|rebuild``: the rollups."""

from __future__ import annotations

import typer

from lianxin import progress
from lianxin.cli_common import open_session

stats_app = typer.Typer(help="统计汇总 / statistics rollups", no_args_is_help=True)


@stats_app.command("fold")
def fold() -> None:
    """Fold every committed appeal event into the rollups now (the job does this continuously)."""
    from lianxin.stats.fold import fold_now

    with open_session() as session:
        with progress.bar("汇总事件 / folding events"):
            folded = fold_now(session)
        typer.echo(f"已汇总事件 / folded events: {folded}")


@stats_app.command("rebuild")
def rebuild() -> None:
    """Drop the rollups and fold the whole event log again."""
    from lianxin.stats.fold import rebuild as rebuild_all

    with open_session() as session:
        with progress.bar("重建统计 / rebuilding the rollups"):
            folded = rebuild_all(session)
        typer.echo(f"已重建，汇总事件 / rebuilt from events: {folded}")
