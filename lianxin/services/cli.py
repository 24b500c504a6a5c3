"""``lianxin services …``: search the catalogue in Chinese and list a centre's slots for a day."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer
from sqlalchemy import select

from lianxin.cli_common import fail, fails_cleanly, jurisdiction_by_code, open_session
from lianxin.orgs.models import Jurisdiction

services_app = typer.Typer(help="政务服务 / government services", no_args_is_help=True)
JURISDICTION = Annotated[str, typer.Option(help="辖区代码（默认第一个）/ jurisdiction code (default: the first)")]


def _jid(session, code: str) -> int:
    if code:
        return jurisdiction_by_code(session, code).id
    found = session.scalar(select(Jurisdiction.id).order_by(Jurisdiction.id).limit(1))
    if found is None:
        fail("请先运行 lianxin init / run lianxin init first")
    return found


@services_app.command("search")
@fails_cleanly
def search(query: str, jurisdiction: JURISDICTION = "") -> None:
    """按中文搜索事项 / search the catalogue (e.g. “老人津贴”)."""
    from lianxin.services.catalogue import search_items

    with open_session() as session:
        found = search_items(session, _jid(session, jurisdiction), query)
        for item in found:
            typer.echo(
                f"{item.code}\t{item.name}\t{item.department.name}\t{item.promised_limit_days}个工作日\t{item.status}"
            )
        if not found:
            typer.echo("没有找到 / nothing found")


@services_app.command("slots")
@fails_cleanly
def slots(location: str, day: str, jurisdiction: JURISDICTION = "") -> None:
    """某大厅某天的预约时段与余号 / a centre's slots and places left on a day (YYYY-MM-DD)."""
    from lianxin.clock import local_zone
    from lianxin.errors import InvalidInput, NotFound
    from lianxin.services.appointments import ensure_slots
    from lianxin.services.models import ServiceLocation

    try:
        the_day = date.fromisoformat(day)
    except ValueError:
        raise InvalidInput("日期格式应为 YYYY-MM-DD", "dates look like 2026-03-20") from None
    with open_session() as session:
        jid = _jid(session, jurisdiction)
        found = session.scalar(
            select(ServiceLocation).where(ServiceLocation.jurisdiction_id == jid, ServiceLocation.code == location)
        )
        if found is None:
            raise NotFound(f"大厅 {location} 不存在", f"no location {location}")
        rows = ensure_slots(session, found, the_day)
        for slot in rows:
            typer.echo(
                f"{slot.starts_at.astimezone(local_zone()):%H:%M}\t{slot.capacity - slot.booked}/{slot.capacity}"
                + (f"\t{slot.window.code}" if slot.window else "")
            )
        if not rows:
            typer.echo("当天不开放 / closed that day")
