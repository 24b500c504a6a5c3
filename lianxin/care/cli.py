"""``lianxin care import FILE`` (the register from the community's Excel 台账) and ``lianxin alerts …``:
``listen`` (the MQTT subscriber), ``simulate`` (200 demo meters over MQTT), ``evaluate`` (the rules now)."""

from __future__ import annotations

import logging
import signal
from pathlib import Path
from typing import Annotated

import typer

from lianxin.cli_common import factory, fails_cleanly, jurisdiction_by_code, open_session

care_app = typer.Typer(help="关爱台账 / the care register", no_args_is_help=True)
alerts_app = typer.Typer(help="关爱告警 / care alarms: MQTT listener, simulator, rules", no_args_is_help=True)

HOST = typer.Option(help="MQTT 代理地址 / broker host")
PORT = typer.Option(help="MQTT 端口 / broker port")


@care_app.command("import")
@fails_cleanly
def import_register(
    file: Path,
    jurisdiction: Annotated[str, typer.Option(help="辖区代码 / jurisdiction code")] = "default",
) -> None:
    """导入社区台账（.xlsx），逐行报告 / import a community's Excel register, with a row report."""
    from lianxin.care.excel import import_rows

    with open_session() as session:
        jid = jurisdiction_by_code(session, jurisdiction).id
        report = import_rows(session, None, jid, file.read_bytes())
        for row in report.rows:
            if row.status != "imported":
                typer.echo(f"第 {row.row} 行 / row {row.row}: {row.status} {row.message}")
        typer.echo(report.summary())


@care_app.command("new-key")
def new_key() -> None:
    """生成一个新的数据密钥 / print a new Fernet key for LIANXIN_DATA_KEYS."""
    from lianxin.crypto import new_key as make

    typer.echo(make())


@care_app.command("rotate-keys")
@fails_cleanly
def rotate_keys() -> None:
    """用 LIANXIN_DATA_KEYS 的第一个密钥重新加密身份证号和电话 / re-encrypt the register under the first key."""
    from lianxin.care.keys import rotate_keys as rotate

    with open_session() as session:
        count = rotate(session)
    typer.echo(f"已重新加密 {count} 行 / rows re-encrypted: {count}")


@alerts_app.command("listen")
def listen(
    host: Annotated[str, HOST] = "127.0.0.1",
    port: Annotated[int, PORT] = 1883,
    client_id: Annotated[str, typer.Option(help="持久会话的客户端 ID / client id of the persistent session")] = (
        "lianxin-care-listener"
    ),
) -> None:
    """订阅读数并入库（先入库后确认，QoS 1）/ subscribe to readings and store them (stored before acked, QoS 1)."""
    from lianxin.care.mqtt import Listener

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    _, sessions = factory()
    listener = Listener(sessions, host=host, port=port, client_id=client_id)
    signal.signal(signal.SIGTERM, lambda *_: listener.stop())
    signal.signal(signal.SIGINT, lambda *_: listener.stop())
    typer.echo(f"listening on {host}:{port} as {client_id}", err=True)
    c = listener.run()
    typer.echo(f"received {c.received}, stored {c.stored}, duplicates {c.duplicates}, rejected {c.rejected}")


@alerts_app.command("simulate")
@fails_cleanly
def simulate(
    meters: Annotated[int, typer.Option(help="水表数 / number of water meters")] = 200,
    hours: Annotated[int, typer.Option(help="模拟的小时数 / hours of history")] = 30,
    low: Annotated[int, typer.Option(help="用水过低的户数 / households with almost no use")] = 6,
    silent: Annotated[int, typer.Option(help="停止上报的水表数 / meters that go silent")] = 3,
    host: Annotated[str, HOST] = "127.0.0.1",
    port: Annotated[int, PORT] = 1883,
    jurisdiction: Annotated[str, typer.Option(help="辖区代码 / jurisdiction code")] = "",
) -> None:
    """向 MQTT 发布演示水表读数（先运行 lianxin demo 和 alerts listen）/ publish demo meter readings over MQTT."""
    from sqlalchemy import select

    from lianxin.care.models import Device, DeviceKind
    from lianxin.care.mqtt import publisher
    from lianxin.care.mqtt import simulate as run
    from lianxin.clock import utcnow

    with open_session() as session:
        stmt = select(Device.external_id).where(Device.kind == DeviceKind.WATER, Device.active.is_(True))
        if jurisdiction:
            stmt = stmt.where(Device.jurisdiction_id == jurisdiction_by_code(session, jurisdiction).id)
        ids = list(session.scalars(stmt.order_by(Device.id).limit(meters)))
    if not ids:
        typer.echo("没有登记的水表：先运行 lianxin demo / no water meters registered: run lianxin demo first", err=True)
        raise typer.Exit(2)
    client = publisher(host, port)
    try:
        sent = run(client, ids, end=utcnow(), hours=hours, low=set(ids[:low]), silent=set(ids[low : low + silent]))
    finally:
        client.loop_stop()
        client.disconnect()
    typer.echo(f"published {sent} readings for {len(ids)} meters ({low} low use, {silent} silent)")
    typer.echo("then: lianxin alerts evaluate (or lianxin jobs run)")


@alerts_app.command("evaluate")
def evaluate() -> None:
    """现在评估所有规则并升级到期告警 / evaluate every rule now and escalate what is due."""
    from lianxin.care import evaluate
    from lianxin.clock import utcnow

    with open_session() as session:
        acted = evaluate.evaluate_all(session, utcnow())
        told = evaluate.escalate_all(session, utcnow())
    typer.echo(f"alarms raised or cleared: {acted}; ladder steps told: {told}")
