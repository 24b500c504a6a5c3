"""``lianxin example desk``: prints the example desk of a jurisdiction."""

from __future__ import annotations

from typing import Annotated

import typer

from lianxin.cli_common import jurisdiction_by_code, open_session
from tests.example_module.service import desk_of

example_app = typer.Typer(help="示例模块 / example module", no_args_is_help=True)


@example_app.command("desk")
def desk(jurisdiction: Annotated[str, typer.Option(help="辖区编码")] = "default") -> None:
    """Print the example desk."""
    with open_session() as session:
        found = desk_of(session, jurisdiction_by_code(session, jurisdiction).id)
        typer.echo(f"示例服务台 / example desk: {found.name if found else '—'}")
