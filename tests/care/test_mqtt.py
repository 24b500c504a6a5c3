"""MQTT on a real broker: a private Mosquitto per test (its own port and persistence file), the listener storing
before it acknowledges, a broker restart, and a listener killed mid-stream (nothing acknowledged is lost,
nothing stored twice). Each test commits to a scratch database of its own."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lianxin.care import service as svc
from lianxin.care.models import Alarm, Reading
from lianxin.care.mqtt import Listener, publish_reading, publisher
from lianxin.db import make_engine, make_sessionmaker, session_scope
from lianxin.orgs.models import UnitKind
from lianxin.orgs.service import create_unit
from tests.helpers import free_port, migrated, scratch_database

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
T0 = datetime(2026, 3, 1, tzinfo=UTC)


class Broker:
    def __init__(self, directory: Path):
        self.port = free_port()
        self.directory = directory
        self.conf = directory / "mosquitto.conf"
        self.conf.write_text(
            f"listener {self.port} 127.0.0.1\nallow_anonymous true\npersistence true\n"
            f"persistence_location {directory}/\nmax_queued_messages 100000\nmax_inflight_messages 1000\n"
        )
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [MOSQUITTO, "-c", str(self.conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                import socket

                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("mosquitto did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()  # SIGTERM: mosquitto saves its persistence file
            self.process.wait(timeout=10)


@pytest.fixture
def broker(tmp_path):
    broker = Broker(tmp_path)
    broker.start()
    yield broker
    broker.stop()


@pytest.fixture
def own(settings, tmp_path_factory):
    """A scratch database with the default rules and three households (water meters W1–W3, button B1)."""
    with scratch_database(settings, tmp_path_factory, "care_mqtt") as own_settings:
        migrated(own_settings)
        engine = make_engine(own_settings)
        factory = make_sessionmaker(engine, own_settings)
        with session_scope(factory) as session:
            from lianxin.defaults import ensure_defaults

            jid = ensure_defaults(session, code="mqtt", name="测试市").id
            street = create_unit(session, jurisdiction_id=jid, kind=UnitKind.STREET, code="s", name="街道")
            community = create_unit(
                session, jurisdiction_id=jid, kind=UnitKind.COMMUNITY, code="c", name="社区", parent=street
            )
            svc.ensure_default_rules(session, jid)
            for i in (1, 2, 3):
                household = svc.create_household(
                    session, actor=None, jurisdiction_id=jid, community_id=community.id, address=f"社区{i}号楼101"
                )
                svc.register_device(session, household, actor=None, kind="water", external_id=f"W{i}")
                if i == 1:
                    svc.register_device(session, household, actor=None, kind="button", external_id="B1")
        yield own_settings, factory
        engine.dispose()


def count(factory, model=Reading) -> int:
    with session_scope(factory) as session:
        return session.scalar(select(func.count(model.id)))


def wait_for(predicate, timeout=30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def start_listener(factory, port, client_id="test-listener") -> tuple[Listener, threading.Thread]:
    listener = Listener(factory, port=port, client_id=client_id)
    listener.client.reconnect_delay_set(min_delay=1, max_delay=2)
    thread = threading.Thread(target=listener.run, daemon=True)
    thread.start()
    assert listener.subscribed.wait(10)
    return listener, thread


def publish_all(port, items, pace: float = 0.0) -> None:
    """Publish at QoS 1 and wait for every PUBACK; ``pace`` seconds between messages (a stream)."""
    client = publisher("127.0.0.1", port)
    try:
        infos = []
        for device, ts, value in items:
            infos.append(publish_reading(client, device, ts, value))
            if pace:
                time.sleep(pace)
        for info in infos:
            info.wait_for_publish(timeout=20)
    finally:
        client.loop_stop()
        client.disconnect()


def test_listener_stores_duplicates_once_rejects_junk_and_the_button_raises(own, broker):
    _, factory = own
    listener, thread = start_listener(factory, broker.port)
    items = [("W1", T0 + timedelta(hours=h), 100 + h * 0.01) for h in range(20)]
    publish_all(broker.port, items + items[:5])  # five duplicates
    client = publisher("127.0.0.1", broker.port)
    client.publish("lianxin/care/W2", b"not json", qos=1).wait_for_publish(10)
    client.publish("lianxin/care/NOPE", json.dumps({"ts": T0.isoformat(), "value": 1}), qos=1).wait_for_publish(10)
    batch = [{"ts": (T0 + timedelta(hours=h)).isoformat(), "value": 5 + h} for h in range(3)]
    client.publish("lianxin/care/W3", json.dumps(batch), qos=1).wait_for_publish(10)
    client.publish(
        "lianxin/care/B1", json.dumps({"ts": datetime.now(UTC).isoformat(), "value": 1}), qos=1
    ).wait_for_publish(10)
    client.loop_stop()
    client.disconnect()
    assert wait_for(lambda: listener.counters.acked == 29), listener.counters
    listener.stop()
    thread.join(10)
    c = listener.counters
    assert (c.stored, c.duplicates, c.rejected) == (24, 5, 2)
    assert count(factory) == 24
    with session_scope(factory) as session:
        alarm = session.scalar(select(Alarm))
        assert alarm.kind.value == "button"


def test_broker_restart_loses_nothing(own, broker):
    _, factory = own
    listener, thread = start_listener(factory, broker.port, "restart-listener")
    publish_all(broker.port, [("W1", T0 + timedelta(minutes=m), 1 + m) for m in range(30)])
    assert wait_for(lambda: count(factory) == 30)
    broker.stop()
    assert wait_for(lambda: not listener.subscribed.is_set(), 10)
    broker.start()
    assert listener.subscribed.wait(20), "the listener reconnects with back-off"
    publish_all(broker.port, [("W1", T0 + timedelta(minutes=m), 1 + m) for m in range(30, 60)])
    assert wait_for(lambda: count(factory) == 60)
    listener.stop()
    thread.join(10)
    assert listener.counters.connects >= 2


def _spawn(own_settings, port, client_id, log: Path):
    """``lianxin alerts listen`` in its own process; returns once it has subscribed."""
    offset = log.stat().st_size if log.exists() else 0
    env = {**os.environ, "LIANXIN_DATABASE_URL": own_settings.database_url, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "lianxin", "alerts", "listen", "--port", str(port), "--client-id", client_id],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("a"),
    )
    assert wait_for(lambda: "subscribed" in log.read_text()[offset:], 60), log.read_text()
    return process


def test_listener_killed_mid_stream_loses_and_duplicates_nothing(own, broker, tmp_path):
    own_settings, factory = own
    total = 600
    items = [(f"W{1 + i % 3}", T0 + timedelta(minutes=i), float(i)) for i in range(total)]
    # The persistent session must exist before anything is published while the listener is away.
    process = _spawn(own_settings, broker.port, "killed-listener", tmp_path / "listener.log")
    try:
        publisher_thread = threading.Thread(target=publish_all, args=(broker.port, items, 0.005))
        publisher_thread.start()
        assert wait_for(lambda: count(factory) > 0, 60)
        process.send_signal(signal.SIGKILL)  # mid-stream: between storing and acknowledging, possibly
        process.wait(10)
        publisher_thread.join(60)
        stored_while_down = count(factory)
        assert stored_while_down < total
        process = _spawn(own_settings, broker.port, "killed-listener", tmp_path / "listener.log")
        assert wait_for(lambda: count(factory) == total, 90), f"{count(factory)} of {total}"
        time.sleep(0.5)
        assert count(factory) == total  # every reading once: redeliveries were no-ops
    finally:
        process.terminate()
        process.wait(20)
    assert process.returncode == 0  # SIGTERM: a clean stop
