"""``lianxin kb search``: the knowledge-base entries that best answer a question."""

from __future__ import annotations

from typing import Annotated

import typer

from lianxin.cli_common import fails_cleanly, jurisdiction_by_code, open_session

kb_app = typer.Typer(help="知识库 / knowledge base", no_args_is_help=True)
Jurisdiction = Annotated[str, typer.Option("--jurisdiction", help="辖区编码 / jurisdiction code")]


@kb_app.command("search")
@fails_cleanly
def kb_search(text: str, limit: int = 5, jurisdiction: Jurisdiction = "default") -> None:
    """The knowledge-base entries that best answer a question."""
    from lianxin.knowledge.service import search_entries

    with open_session() as session:
        for hit in search_entries(session, jurisdiction_by_code(session, jurisdiction).id, text, limit=limit):
            typer.echo(f"{hit.score:.2f}  #{hit.entry.id} {hit.entry.question}（{hit.entry.owner_unit.name}）")
