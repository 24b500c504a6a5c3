"""Sustained readings per second through MQTT into the database, and alarm latency, beside the limits.

    .venv/bin/python bench/care_mqtt.py [--db sqlite|postgresql|both] [--n 20000] [--devices 200]
                                        [--host 127.0.0.1 --port 1883]
                                        [--pg-url postgresql://postgres@127.0.0.1/lianxin_bench]

For each database (a temporary SQLite file, or a throwaway PostgreSQL database ``<name>_<pid>`` dropped at the
end) it migrates, registers ``--devices`` water meters and 20 emergency buttons, and prints:

- **raw insert** — the database's own ceiling: readings inserted with SQLAlchemy Core ``executemany`` in
  batches of 500, one commit per batch (no MQTT, no per-row checks).
- **broker only** — the broker's ceiling: messages published at QoS 1 to a topic nobody stores, until every
  PUBACK is back.
- **MQTT → database** — ``--n`` readings published at QoS 1 to ``lianxin/care/<meter>`` while the real listener
  (``lianxin.care.mqtt.Listener``: batches, one transaction each, stored before acked) runs; the rate is
  readings committed per second from the first publish to the last commit.
- **alarm latency** — during that flood, one emergency-button press every 1,000 readings: the time from
  publishing the press to the commit holding its reading and its alarm (p50 / p95 / max; queueing included);
  then for 10 s a steady stream at half the measured rate with one press a second, which is the latency when
  the listener keeps up.

The listener uses a unique client id and removes its persistent session at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import paho.mqtt.client as mqtt  # noqa: E402
from sqlalchemy import create_engine, func, insert, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from lianxin.care import service as svc  # noqa: E402
from lianxin.care.models import Alarm, Device, Reading  # noqa: E402
from lianxin.care.mqtt import TOPIC_PREFIX, Listener, publisher  # noqa: E402
from lianxin.config import Settings  # noqa: E402
from lianxin.db import make_engine, make_sessionmaker, session_scope  # noqa: E402
from lianxin.migrations import upgrade  # noqa: E402
from lianxin.orgs.models import UnitKind  # noqa: E402
from lianxin.orgs.service import create_unit  # noqa: E402

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def setup(settings: Settings, devices: int):
    upgrade(settings)
    engine = make_engine(settings)
    factory = make_sessionmaker(engine, settings)
    with session_scope(factory) as session:
        from lianxin.defaults import ensure_defaults

        jid = ensure_defaults(session, code="bench", name="基准市").id
        street = create_unit(session, jurisdiction_id=jid, kind=UnitKind.STREET, code="bs", name="街道")
        community = create_unit(
            session, jurisdiction_id=jid, kind=UnitKind.COMMUNITY, code="bc", name="社区", parent=street
        )
        svc.ensure_default_rules(session, jid)
        for i in range(devices):
            h = svc.create_household(
                session, actor=None, jurisdiction_id=jid, community_id=community.id, address=f"社区{i}号楼101"
            )
            svc.register_device(session, h, actor=None, kind="water", external_id=f"BW{i}")
            if i < 20:
                svc.register_device(session, h, actor=None, kind="button", external_id=f"BB{i}")
    return engine, factory, jid


def raw_insert(engine, factory, jid: int, n: int) -> float:
    with session_scope(factory) as session:
        ids = list(session.scalars(select(Device.id).where(Device.kind == "water")))
    rows = [
        dict(
            jurisdiction_id=jid,
            device_id=ids[i % len(ids)],
            ts=T0 - timedelta(days=400, seconds=i),
            value=float(i),
            source="raw",
            received_at=T0,
        )
        for i in range(n)
    ]
    started = time.perf_counter()
    for k in range(0, n, 500):
        with engine.begin() as conn:
            conn.execute(insert(Reading), rows[k : k + 500])
    return n / (time.perf_counter() - started)


def broker_only(host: str, port: int, n: int) -> float:
    client = publisher(host, port)
    payload = json.dumps({"ts": T0.isoformat(), "value": 1.0})
    started = time.perf_counter()
    infos = [client.publish(f"lianxin-bench/nobody/{uuid.uuid4().hex[:6]}", payload, qos=1) for _ in range(n)]
    for info in infos:
        info.wait_for_publish(60)
    rate = n / (time.perf_counter() - started)
    client.loop_stop()
    client.disconnect()
    return rate


def through_mqtt(factory, host: str, port: int, n: int, devices: int) -> tuple[float, list[float], int]:
    client_id = f"lianxin-bench-{os.getpid()}"
    listener = Listener(factory, host=host, port=port, client_id=client_id)
    thread = threading.Thread(target=listener.run, daemon=True)
    thread.start()
    if not listener.subscribed.wait(15):
        raise SystemExit(f"no MQTT broker on {host}:{port}")
    with session_scope(factory) as session:
        before = session.scalar(select(func.count(Reading.id)))
    client = publisher(host, port)
    presses: list[tuple[str, datetime, float]] = []
    started = time.perf_counter()
    infos = []
    for i in range(n):
        if i % 1000 == 999:
            b = f"BB{len(presses) % 20}"
            ts = T0 + timedelta(seconds=i)
            presses.append((b, ts, time.time()))
            infos.append(
                client.publish(
                    f"{TOPIC_PREFIX}/{b}", json.dumps({"ts": ts.isoformat(), "value": 1, "sent": time.time()}), qos=1
                )
            )
            continue
        ts = T0 + timedelta(seconds=i)
        infos.append(
            client.publish(
                f"{TOPIC_PREFIX}/BW{i % devices}", json.dumps({"ts": ts.isoformat(), "value": i * 0.001}), qos=1
            )
        )
    for info in infos:
        info.wait_for_publish(120)
    last, progress_at = -1, time.monotonic()
    while listener.counters.stored + listener.counters.duplicates < n and time.monotonic() - progress_at < 30:
        if listener.counters.received != last:
            last, progress_at = listener.counters.received, time.monotonic()
        time.sleep(0.01)
    elapsed = time.perf_counter() - started
    listener.stop()
    thread.join(30)
    client.loop_stop()
    client.disconnect()
    cleaner = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=True)
    cleaner.connect(host, port)
    cleaner.loop_start()
    time.sleep(0.3)
    cleaner.disconnect()
    cleaner.loop_stop()
    with session_scope(factory) as session:
        stored = session.scalar(select(func.count(Reading.id))) - before
        alarms = session.scalar(select(func.count(Alarm.id)).where(Alarm.kind == "button"))
    assert stored == n, f"stored {stored} of {n}: {listener.counters}"
    return n / elapsed, listener.counters.latencies, alarms


def paced_latency(factory, host: str, port: int, rate: float, seconds: float, devices: int) -> list[float]:
    """A steady stream at ``rate`` readings/s for ``seconds`` with a button press every second: the latency
    of each press from publish to the committed alarm, when the listener keeps up."""
    client_id = f"lianxin-bench-paced-{os.getpid()}"
    listener = Listener(factory, host=host, port=port, client_id=client_id)
    thread = threading.Thread(target=listener.run, daemon=True)
    thread.start()
    listener.subscribed.wait(15)
    client = publisher(host, port)
    start = time.perf_counter()
    i = 0
    base = T0 + timedelta(days=30)
    while time.perf_counter() - start < seconds:
        due = start + i / rate
        pause = due - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        ts = base + timedelta(seconds=i)
        if i % max(1, int(rate)) == 0:
            payload = {"ts": ts.isoformat(), "value": 1, "sent": time.time()}
            client.publish(f"{TOPIC_PREFIX}/BB{(i // max(1, int(rate))) % 20}", json.dumps(payload), qos=1)
        else:
            client.publish(
                f"{TOPIC_PREFIX}/BW{i % devices}", json.dumps({"ts": ts.isoformat(), "value": i * 0.001}), qos=1
            )
        i += 1
    time.sleep(2)
    listener.stop()
    thread.join(30)
    client.loop_stop()
    client.disconnect()
    return listener.counters.latencies


# The limits the figures are printed beside. A district of 100,000 cared-for households with two meters each,
# reporting every 10 minutes, is ~333 readings/s sustained; the emergency button's alarm must be on the board
# (stored, evaluated, first rung queued) within 5 s at p95 at a steady load.
REQUIRED_RATE = 100_000 * 2 / 600
ALARM_P95_LIMIT_MS = 5000


def verdict(ok: bool) -> str:
    return "OK" if ok else "BELOW THE LIMIT"


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


def run(label: str, settings: Settings, args) -> None:
    engine, factory, jid = setup(settings, args.devices)
    raw = raw_insert(engine, factory, jid, args.n)
    broker = broker_only(args.host, args.port, args.n)
    rate, latencies, alarms = through_mqtt(factory, args.host, args.port, args.n, args.devices)
    steady = rate * 0.5
    paced = paced_latency(factory, args.host, args.port, steady, 10, args.devices)
    engine.dispose()
    ms = [x * 1000 for x in latencies]
    print(f"\n== {label} ({args.n} readings, {args.devices} meters) ==")
    print(f"  raw insert (Core executemany, 500/commit)   {raw:9.0f} rows/s      ← the database's limit")
    print(f"  broker only (QoS 1 publish → PUBACK)          {broker:9.0f} msg/s       ← the broker's limit")
    print(
        f"  MQTT → database (listener, stored then acked) {rate:9.0f} readings/s  ({rate / min(raw, broker):.0%} of the lower limit)"
    )
    print(
        f"  required sustained rate (100,000 households × 2 meters / 10 min) {REQUIRED_RATE:.0f} readings/s"
        f"  → {verdict(rate >= REQUIRED_RATE)} ({rate / REQUIRED_RATE:.1f}×)"
    )
    pm = [x * 1000 for x in paced]
    if pm:
        print(
            f"  alarm latency at a steady {steady:.0f} readings/s (half the rate above): p50 {statistics.median(pm):.0f} ms"
            f" · p95 {pct(pm, 0.95):.0f} ms · max {max(pm):.0f} ms over {len(pm)} presses"
            f"  (limit p95 ≤ {ALARM_P95_LIMIT_MS} ms → {verdict(pct(pm, 0.95) <= ALARM_P95_LIMIT_MS)})"
        )
    if ms:
        print(
            f"  alarm latency under the flood above (queueing included) p50 {statistics.median(ms):.0f} ms · p95 {pct(ms, 0.95):.0f} ms · max {max(ms):.0f} ms over {len(ms)} presses ({alarms} alarms: one open per household)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="sqlite")
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--devices", type=int, default=200)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0: a private Mosquitto on a free port (tuned queue)")
    parser.add_argument(
        "--pg-url", default=os.environ.get("LIANXIN_BENCH_PG_URL", "postgresql://postgres@127.0.0.1/lianxin_bench")
    )
    args = parser.parse_args()
    broker = None
    if not args.port:
        broker, args.port = start_broker()
    try:
        _main(args)
    finally:
        if broker is not None:
            broker.terminate()
            broker.wait(10)


def start_broker():
    """A private Mosquitto whose queue does not drop QoS 1 messages for a slow subscriber (the system default,
    ``max_queued_messages 1000``, drops the excess: size a production broker like this)."""
    import shutil
    import socket
    import subprocess

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    conf = Path(tempfile.mkdtemp()) / "mosquitto.conf"
    conf.write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous true\nmax_queued_messages 0\nmax_inflight_messages 1000\n"
    )
    binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    process = subprocess.Popen([binary, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process, port
        except OSError:
            time.sleep(0.05)
    raise SystemExit("mosquitto did not start")


def _main(args) -> None:
    print(
        f"bench/care_mqtt.py · {datetime.now(UTC):%Y-%m-%d %H:%M} UTC · {os.cpu_count()} CPUs · load {os.getloadavg()[0]:.1f}"
    )
    if args.db in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            run("SQLite (WAL)", Settings(database_url=f"sqlite:///{tmp}/bench.db"), args)
    if args.db in ("postgresql", "both"):
        url = make_url(args.pg_url.replace("postgresql://", "postgresql+psycopg://", 1))
        name = f"{url.database}_{os.getpid()}"
        try:
            admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        except Exception as exc:  # noqa: BLE001
            print(f"PostgreSQL skipped: {exc.__class__.__name__}: {exc}".splitlines()[0])
            return
        try:
            run("PostgreSQL", Settings(database_url=url.set(database=name).render_as_string(hide_password=False)), args)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


if __name__ == "__main__":
    main()
