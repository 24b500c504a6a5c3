"""``lianxin geo …``: boundaries import (GeoJSON) and export."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import select

from lianxin.cli_common import fails_cleanly, jurisdiction_by_code, open_session

geo_app = typer.Typer(help="区域边界与地名 / boundaries and gazetteer", no_args_is_help=True)
Jurisdiction = Annotated[str, typer.Option("--jurisdiction", help="辖区编码 / jurisdiction code")]


@geo_app.command("import")
@fails_cleanly
def geo_import(
    path: Path,
    jurisdiction: Jurisdiction = "default",
    code_property: Annotated[str, typer.Option(help="要素中单位编码的属性名")] = "code",
) -> None:
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
                raise InvalidInput(
                    f"第 {n} 个要素的单位编码「{code}」不存在", f"feature {n}: unknown unit code {code!r}"
                )
            set_area(session, unit, feature.get("geometry") or {}, actor=None)
        typer.echo(f"已导入 {len(features)} 个边界 / {len(features)} boundaries imported")


@geo_app.command("export")
@fails_cleanly
def geo_export(
    kind: Annotated[str | None, typer.Option(help="district/street/community/grid")] = None,
    jurisdiction: Jurisdiction = "default",
) -> None:
    """Print the boundaries as a GeoJSON FeatureCollection."""
    from lianxin.geo.service import boundaries_geojson

    with open_session() as session:
        typer.echo(
            json.dumps(
                boundaries_geojson(session, jurisdiction_by_code(session, jurisdiction).id, kind), ensure_ascii=False
            )
        )
