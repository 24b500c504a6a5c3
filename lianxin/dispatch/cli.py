"""``lianxin dispatch|geo|kb …``: the catalogue's suggestion, repeats, boundaries import/export, KB search."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import select

from lianxin.cli_common import jurisdiction_by_code, open_session

dispatch_app = typer.Typer(help="派单目录与重复件 / dispatch catalogue and repeats", no_args_is_help=True)
geo_app = typer.Typer(help="区域边界与地名 / boundaries and gazetteer", no_args_is_help=True)
kb_app = typer.Typer(help="知识库 / knowledge base", no_args_is_help=True)
Jurisdiction = Annotated[str, typer.Option("--jurisdiction", help="辖区编码 / jurisdiction code")]


def _fail_on_errors(func):
    """Domain errors become a red message and exit code 2 (the transaction is rolled back)."""
    from functools import wraps

    from lianxin.errors import LianxinError

    @wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except LianxinError as exc:
            typer.secho(str(exc), err=True, fg="red")
            raise typer.Exit(code=2) from None
    return wrapper


@dispatch_app.command("suggest")
@_fail_on_errors
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
@_fail_on_errors
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
            typer.echo(f"#{r.id}\t{r.category.name if r.category else '所有分类'}\t{r.area_unit.name if r.area_unit else '全辖区'}"
                       f"\t→ {lead}\t优先级 {r.priority}{'' if r.active else '（停用）'}")


@geo_app.command("import")
@_fail_on_errors
def geo_import(path: Path, jurisdiction: Jurisdiction = "default",
               code_property: Annotated[str, typer.Option(help="要素中单位编码的属性名")] = "code") -> None:
    """Load boundaries from a GeoJSON FeatureCollection; each feature names its unit by code."""
    from lianxin.errors import InvalidInput
    from lianxin.geo.service import set_area
    from lianxin.orgs.models import Unit

    collection = json.loads(path.read_text(encoding="utf-8"))
    with open_session() as session:
        jid = jurisdiction_by_code(session, jurisdiction).id
        features = collection.get("features") or []
        for n, feature in enumerate(features, 1):
            code = (feature.get("properties") or {}).get(code_property)
            unit = session.scalar(select(Unit).where(Unit.jurisdiction_id == jid, Unit.code == str(code)))
            if unit is None:
                raise InvalidInput(f"第 {n} 个要素的单位编码「{code}」不存在", f"feature {n}: unknown unit code {code!r}")
            set_area(session, unit, feature.get("geometry") or {}, actor=None)
        typer.echo(f"已导入 {len(features)} 个边界 / {len(features)} boundaries imported")


@geo_app.command("export")
@_fail_on_errors
def geo_export(kind: Annotated[str | None, typer.Option(help="district/street/community/grid")] = None,
               jurisdiction: Jurisdiction = "default") -> None:
    """Print the boundaries as a GeoJSON FeatureCollection."""
    from lianxin.geo.service import boundaries_geojson

    with open_session() as session:
        typer.echo(json.dumps(boundaries_geojson(session, jurisdiction_by_code(session, jurisdiction).id, kind), ensure_ascii=False))


@kb_app.command("search")
@_fail_on_errors
def kb_search(text: str, limit: int = 5, jurisdiction: Jurisdiction = "default") -> None:
    """The knowledge-base entries that best answer a question."""
    from lianxin.knowledge.service import search_entries

    with open_session() as session:
        for hit in search_entries(session, jurisdiction_by_code(session, jurisdiction).id, text, limit=limit):
            typer.echo(f"{hit.score:.2f}  #{hit.entry.id} {hit.entry.question}（{hit.entry.owner_unit.name}）")
