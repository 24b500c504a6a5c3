"""``lianxin logistics …``: import a GTFS feed or a courier's CSV manifest, run the day's plan."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from lianxin.cli_common import fails_cleanly, jurisdiction_by_code, open_session

logistics_app = typer.Typer(help="客货邮 rural logistics", no_args_is_help=True)
JURISDICTION = Annotated[str, typer.Option(help="辖区代码 / jurisdiction code")]


@logistics_app.command("import-gtfs")
@fails_cleanly
def import_gtfs(feed: Path, jurisdiction: JURISDICTION = "default") -> None:
    """导入公交 GTFS 数据（目录或 zip）/ import a GTFS feed (folder or .zip) with cargo columns."""
    from lianxin.logistics.gtfs import import_feed

    with open_session() as session:
        counts = import_feed(session, jurisdiction_by_code(session, jurisdiction).id, feed)
    typer.echo(" ".join(f"{k}={v}" for k, v in counts.items()))


@logistics_app.command("import-parcels")
@fails_cleanly
def import_parcels(file: Path, jurisdiction: JURISDICTION = "default") -> None:
    """导入快递公司的到件清单（CSV）/ import a courier's manifest (CSV)."""
    from lianxin.logistics.service import import_parcels_csv

    with open_session() as session:
        count = import_parcels_csv(
            session, jurisdiction_by_code(session, jurisdiction).id, file.read_text(encoding="utf-8-sig"), actor=None
        )
    typer.echo(f"导入 / imported: {count}")


@logistics_app.command("plan")
@fails_cleanly
def plan(
    day: Annotated[str, typer.Option("--date", help="服务日期 / service date (YYYY-MM-DD), default today")] = "",
    jurisdiction: JURISDICTION = "default",
    what_if: Annotated[bool, typer.Option("--what-if", help="只模拟不采用 / compare only")] = False,
    capacity_factor: Annotated[float, typer.Option(help="模拟：载货能力倍数 / what-if capacity factor")] = 1.0,
) -> None:
    """排班：把包裹分配到公交班次和货车 / assign parcels to bus trips and vans (OR-Tools)."""
    from lianxin.logistics.models import PlanKind
    from lianxin.logistics.plans import run_plan
    from lianxin.logistics.service import today

    service_date = date.fromisoformat(day) if day else today()
    with open_session() as session:
        run = run_plan(
            session,
            jurisdiction_by_code(session, jurisdiction).id,
            service_date,
            actor=None,
            kind=PlanKind.WHAT_IF if what_if else PlanKind.ON_DEMAND,
            changes={"capacity_factor": capacity_factor} if capacity_factor != 1.0 else None,
        )
        typer.echo(
            f"plan {run.id} {service_date}: parcels={run.parcels} bus={run.by_bus} van={run.by_van} "
            f"unassigned={len(run.unassigned)} cost={run.objective:.2f} solve_ms={run.solve_ms}"
        )
