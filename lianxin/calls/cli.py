"""``lianxin calls …``: simulate a call, list and add hotlines, seat operators and give them expert domains."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy import select

from lianxin.cli_common import fail, fails_cleanly, jurisdiction_by_code, open_session
from lianxin.orgs.models import Jurisdiction, User

calls_app = typer.Typer(help="来电：模拟、热线、座席 / calls: simulator, hotlines, seats", no_args_is_help=True)
hotlines_app = typer.Typer(help="热线号码表 / the hotline table", no_args_is_help=True)
calls_app.add_typer(hotlines_app, name="hotlines")
JURISDICTION = Annotated[str, typer.Option(help="辖区代码（默认第一个）/ jurisdiction code (default: the first)")]


def _jid(session, code: str) -> int:
    if code:
        return jurisdiction_by_code(session, code).id
    found = session.scalar(select(Jurisdiction.id).order_by(Jurisdiction.id).limit(1))
    if found is None:
        fail("请先运行 lianxin init / run lianxin init first")
    return found


def _user(session, jid: int, username: str) -> User:
    user = session.scalar(select(User).where(User.jurisdiction_id == jid, User.username == username))
    if user is None:
        fail(f"用户 {username} 不存在 / no user {username}")
    return user


@calls_app.command("simulate")
@fails_cleanly
def simulate(
    caller: Annotated[str, typer.Option(help="来电号码（默认随机）/ caller (default: random)")] = "",
    seat: Annotated[str, typer.Option(help="座席号 / the seat it rings on")] = "",
    dialled: Annotated[str, typer.Option(help="被叫号码，如 12333 / the number dialled")] = "12345",
    until: Annotated[str, typer.Option(help="ringing、answered 或 ended")] = "ended",
    pause: Annotated[float, typer.Option(help="事件间隔秒数 / seconds between events")] = 0.0,
    url: Annotated[
        str, typer.Option(help="运行中的应用地址；空：直接写数据库 / a running app; empty: the database")
    ] = "",
    token: Annotated[str, typer.Option(help="CTI 令牌（默认 LIANXIN_CTI_TOKEN）/ the CTI token")] = "",
    jurisdiction: JURISDICTION = "",
) -> None:
    """模拟一次来电：振铃、接听、挂机 / simulate one call: ringing, answered, ended."""
    from lianxin.calls.simulate import STEPS, events_for, random_caller, run_direct, run_http
    from lianxin.config import get_settings

    if until not in STEPS:
        fail("--until 应为 ringing、answered 或 ended / --until: ringing, answered or ended")
    payloads = events_for(caller=caller or random_caller(), seat=seat or None, dialled=dialled or None, until=until)
    if url:
        token = token or get_settings().cti_token
        if not token:
            fail("请提供 --token 或设置 LIANXIN_CTI_TOKEN / give --token or set LIANXIN_CTI_TOKEN")
        statuses = run_http(url, token, payloads, pause)
    else:
        with open_session() as session:
            jid = _jid(session, jurisdiction)
        statuses = run_direct(open_session, jid, payloads, pause)
    typer.echo(f"{payloads[0]['call_id']}\t{payloads[0]['caller']}\t{' → '.join(statuses)}")


@hotlines_app.command("list")
@fails_cleanly
def hotlines_list(jurisdiction: JURISDICTION = "") -> None:
    """列出热线号码表 / list the hotline table."""
    from lianxin.appeals.models import Category
    from lianxin.calls.tables import hotlines

    with open_session() as session:
        for line in hotlines(session, _jid(session, jurisdiction)):
            category = session.get(Category, line.default_category_id) if line.default_category_id else None
            typer.echo(
                f"{line.number}\t{line.kind.zh}\t{line.name_zh} / {line.name_en}\t{line.channel.zh}\t"
                f"{category.name if category else '—'}\t{'启用' if line.active else '停用'}"
            )


@hotlines_app.command("add")
@fails_cleanly
def hotlines_add(
    number: str,
    name_zh: str,
    name_en: Annotated[str, typer.Option(help="英文名称 / English name")] = "",
    kind: Annotated[str, typer.Option(help="merged（一号通）或 utility（公共服务企业）")] = "merged",
    channel: Annotated[str, typer.Option(help="渠道 / channel")] = "hotline",
    category: Annotated[str, typer.Option(help="默认问题分类代码 / default category code")] = "",
    inactive: Annotated[bool, typer.Option("--inactive", help="停用 / switched off")] = False,
    jurisdiction: JURISDICTION = "",
) -> None:
    """添加或修改一条热线 / add or change a hotline."""
    from lianxin.calls.tables import save_hotline

    with open_session() as session:
        line = save_hotline(
            session,
            _jid(session, jurisdiction),
            number=number,
            kind=kind,
            name_zh=name_zh,
            name_en=name_en,
            channel=channel,
            category_code=category or None,
            active=not inactive,
        )
        typer.echo(f"{line.number}\t{line.kind.zh}\t{line.name_zh}")


@calls_app.command("seat")
@fails_cleanly
def seat(username: str, seat_number: str, jurisdiction: JURISDICTION = "") -> None:
    """让话务员坐在某座席 / seat an operator at a seat of the switch."""
    from lianxin.calls.tables import set_seat

    with open_session() as session:
        jid = _jid(session, jurisdiction)
        row = set_seat(session, _user(session, jid, username), seat_number)
        typer.echo(f"{username}\t{row.seat}")


@calls_app.command("skills")
@fails_cleanly
def skills(
    username: str, codes: Annotated[list[str] | None, typer.Argument()] = None, jurisdiction: JURISDICTION = ""
) -> None:
    """设置专家座席的领域（如 hrss medical）/ set an operator's expert domains."""
    from lianxin.calls.tables import set_operator_skills

    with open_session() as session:
        jid = _jid(session, jurisdiction)
        have = set_operator_skills(session, _user(session, jid, username), list(codes or []))
        typer.echo(f"{username}\t{' '.join(have) or '—'}")
