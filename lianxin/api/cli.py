"""``lianxin apikey create|list|revoke``: API keys for machine clients (the JSON API and Open311)."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy import select

from lianxin.cli_common import jurisdiction_by_code, open_session

app = typer.Typer(help="API 密钥 / API keys", no_args_is_help=True)


@app.command("create")
def create(
    name: Annotated[str, typer.Option(help="密钥名称（客户端名）/ client name")],
    channel: Annotated[str, typer.Option(help="渠道：hotline web mobile mini_program api … / intake channel")] = "api",
    role: Annotated[list[str] | None, typer.Option("--role", help="角色，可多次 / role, repeatable")] = None,
    unit: Annotated[list[str] | None, typer.Option("--unit", help="单位编码，可多次（默认 CENTRE）/ unit code")] = None,
    jurisdiction: Annotated[str, typer.Option(help="辖区编码 / jurisdiction code")] = "default",
) -> None:
    """Create a key holding every --role in every --unit; the key alone is printed on the last line (shown once)."""
    from lianxin.api.keys import create_api_key
    from lianxin.errors import LianxinError
    from lianxin.orgs.models import Unit

    try:
        with open_session() as session:
            jur = jurisdiction_by_code(session, jurisdiction)
            units = []
            for code in unit or (["CENTRE"] if role else []):
                found = session.scalar(select(Unit).where(Unit.jurisdiction_id == jur.id, Unit.code == code))
                if found is None:
                    typer.secho(f"单位编码 {code} 不存在 / unknown unit code", err=True, fg="red")
                    raise typer.Exit(code=2)
                units.append(found)
            key, secret = create_api_key(
                session,
                jurisdiction_id=jur.id,
                name=name,
                channel=channel,
                grants=[(r, u) for r in role or [] for u in units],
            )
            scope = ", ".join(f"{r}@{u.code}" for r in role or [] for u in units) or "仅受理 / intake only"
            typer.echo(
                f"已创建密钥 / created key {key.prefix} ({key.name}, {key.channel}; {scope})，请妥善保存，仅显示一次："
            )
    except LianxinError as exc:
        typer.secho(str(exc), err=True, fg="red")
        raise typer.Exit(code=2) from None
    typer.echo(secret)


@app.command("list")
def list_keys(jurisdiction: Annotated[str, typer.Option(help="辖区编码")] = "default") -> None:
    """List keys: prefix, name, channel, scope, last use, revoked."""
    from lianxin.api.keys import key_roles, list_api_keys

    with open_session() as session:
        for key in list_api_keys(session, jurisdiction_by_code(session, jurisdiction).id):
            scope = ",".join(f"{r}@{u}" for r, u in key_roles(key)) or "-"
            used = key.last_used_at.isoformat() if key.last_used_at else "never"
            state = f"revoked {key.revoked_at.isoformat()}" if key.revoked_at else "active"
            typer.echo(f"{key.prefix}\t{key.name}\t{key.channel}\t{scope}\t{used}\t{state}")


@app.command("revoke")
def revoke(
    prefix: Annotated[str, typer.Argument(help="密钥前缀（list 的第一列）/ key prefix")],
    jurisdiction: Annotated[str, typer.Option(help="辖区编码")] = "default",
) -> None:
    """Revoke a key for good (it stops working at once)."""
    from lianxin.api.keys import get_api_key, revoke_api_key
    from lianxin.errors import LianxinError

    try:
        with open_session() as session:
            key = revoke_api_key(session, get_api_key(session, jurisdiction_by_code(session, jurisdiction).id, prefix))
            typer.echo(f"已吊销 / revoked {key.prefix} ({key.name})")
    except LianxinError as exc:
        typer.secho(str(exc), err=True, fg="red")
        raise typer.Exit(code=2) from None
