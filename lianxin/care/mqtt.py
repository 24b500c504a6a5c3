"""MQTT ingestion on a real broker (Mosquitto), with paho-mqtt.

Topic ``lianxin/care/<device external id>``; payload a JSON object ``{"ts": ISO 8601 with zone, "value": n}``
or a list of them (a gateway's batch). QoS 1 and a persistent session (``clean_session=False``, a fixed client
id), so the broker keeps what arrives while the listener is away.

**Store before ack.** paho runs with ``manual_ack``: a message is acknowledged (PUBACK) only after the
transaction holding its reading has committed. A listener killed between the two gets the message again on
reconnect, and the reading's unique (device, ts) makes the redelivery a no-op — nothing acknowledged is lost,
nothing is stored twice. Messages that can never be stored (unknown device, bad JSON) are acknowledged and
counted as rejected, so they are not redelivered forever. Reconnection uses paho's back-off
(``reconnect_delay_set``), including when the broker is down at start.

The network thread only queues messages; one writer thread stores them in batches (one transaction per batch)
and then acks them, so throughput is not one commit per message.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import paho.mqtt.client as mqtt
from sqlalchemy.orm import Session, sessionmaker

from lianxin.care import alarms as al

log = logging.getLogger("lianxin.care.mqtt")
TOPIC_PREFIX = "lianxin/care"


@dataclass
class Counters:
    received: int = 0
    stored: int = 0
    duplicates: int = 0
    rejected: int = 0
    acked: int = 0
    connects: int = 0
    batches: int = 0
    latencies: list = field(default_factory=list)  # seconds from the payload's "sent" to commit, if present


def device_of(topic: str) -> str:
    return topic.rsplit("/", 1)[-1]


def _items(payload: bytes) -> list:
    data = json.loads(payload.decode("utf-8"))
    return data if isinstance(data, list) else [data]


def store_batch(session: Session, messages: list, cache: dict, counters: Counters) -> None:
    """Store every reading of ``messages`` in one statement (``alarms.ingest_many``); bad ones are counted."""
    items = []
    for msg in messages:
        try:
            items.extend((device_of(msg.topic), item) for item in _items(msg.payload))
        except (ValueError, UnicodeDecodeError):
            counters.rejected += 1
    stored, duplicates, rejected = al.ingest_many(session, items, source="mqtt", cache=cache)
    counters.stored += stored
    counters.duplicates += duplicates
    counters.rejected += rejected
    if rejected:
        log.warning("rejected %s readings (unknown device, bad ts or value)", rejected)


class Listener:
    """``run()`` blocks until ``stop()``; ``counters`` tells what happened."""

    def __init__(
        self,
        factory: sessionmaker,
        *,
        host: str = "127.0.0.1",
        port: int = 1883,
        client_id: str = "lianxin-care-listener",
        topic: str = f"{TOPIC_PREFIX}/#",
        batch_size: int = 500,
        batch_wait: float = 0.05,
        on_batch: Callable[[Counters], None] | None = None,
    ) -> None:
        self.factory, self.host, self.port, self.topic = factory, host, port, topic
        self.batch_size, self.batch_wait, self.on_batch = batch_size, batch_wait, on_batch
        self.counters = Counters()
        self.inbox: queue.Queue = queue.Queue()
        self.stopping = threading.Event()
        self.subscribed = threading.Event()
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=client_id,
            clean_session=False,
            protocol=mqtt.MQTTv311,
            manual_ack=True,
        )
        self.client.max_inflight_messages_set(1000)
        self.client.reconnect_delay_set(min_delay=1, max_delay=30)
        self.client.on_connect = self._on_connect
        self.client.on_subscribe = self._on_subscribe
        self.client.on_message = self._on_message
        self.client.on_disconnect = self._on_disconnect

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            log.warning("MQTT connect refused: %s", reason_code)
            return
        self.counters.connects += 1
        client.subscribe(self.topic, qos=1)
        log.info("connected to %s:%s", self.host, self.port)

    def _on_subscribe(self, client, userdata, mid, reason_codes, properties) -> None:
        """Subscribed means the broker's SUBACK granted it, not that SUBSCRIBE was queued: a publisher that
        waits for ``subscribed`` can no longer race the broker into dropping its first messages."""
        if any(code.is_failure for code in reason_codes):
            log.warning("MQTT subscribe to %s refused: %s", self.topic, reason_codes)
            return
        self.subscribed.set()
        log.info("subscribed to %s", self.topic)

    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:
        self.subscribed.clear()
        if not self.stopping.is_set():
            log.warning("MQTT disconnected (%s); reconnecting with back-off", reason_code)

    def _on_message(self, client, userdata, msg) -> None:
        self.counters.received += 1
        self.inbox.put(msg)

    def _writer(self) -> None:
        cache: dict[str, int] = {}
        while not self.stopping.is_set() or not self.inbox.empty():
            try:
                first = self.inbox.get(timeout=0.2)
            except queue.Empty:
                continue
            batch = [first]
            deadline = time.monotonic() + self.batch_wait
            while len(batch) < self.batch_size:
                try:
                    batch.append(self.inbox.get(timeout=max(0.0, deadline - time.monotonic())))
                except queue.Empty:
                    break
            self._store_and_ack(batch, cache)

    def _store_and_ack(self, batch: list, cache: dict) -> None:
        for attempt in range(5):
            session = self.factory()
            try:
                store_batch(session, batch, cache, self.counters)
                session.commit()
                break
            except Exception:  # the database is away or busy: keep the messages unacknowledged and retry
                session.rollback()
                cache.clear()
                log.exception("storing a batch failed (attempt %s)", attempt + 1)
                time.sleep(min(2**attempt, 10))
            finally:
                session.close()
        else:
            return  # never acknowledged: the broker redelivers them after a reconnect
        now = time.time()
        for msg in batch:
            self.client.ack(msg.mid, msg.qos)
            self.counters.acked += 1
            try:
                sent = json.loads(msg.payload).get("sent") if msg.payload.startswith(b"{") else None
            except ValueError:
                sent = None
            if isinstance(sent, int | float):
                self.counters.latencies.append(now - sent)
        self.counters.batches += 1
        if self.on_batch:
            self.on_batch(self.counters)

    def run(self) -> Counters:
        writer = threading.Thread(target=self._writer, name="care-mqtt-writer", daemon=True)
        writer.start()
        self.client.connect_async(self.host, self.port, keepalive=30)
        self.client.loop_start()
        try:
            while not self.stopping.wait(0.5):
                pass
        finally:
            self.client.disconnect()
            self.client.loop_stop()
            writer.join(timeout=10)
        return self.counters

    def stop(self) -> None:
        self.stopping.set()


# --- publishing (the simulator and the bench) ---------------------------------------------------------------


def publisher(host: str, port: int, client_id: str = "") -> mqtt.Client:
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv311)
    client.max_inflight_messages_set(1000)
    client.max_queued_messages_set(0)
    client.connect(host, port, keepalive=30)
    client.loop_start()
    return client


def publish_reading(client: mqtt.Client, external_id: str, ts: datetime, value: float, **extra):
    payload = json.dumps({"ts": ts.astimezone(UTC).isoformat(), "value": round(value, 5), **extra})
    return client.publish(f"{TOPIC_PREFIX}/{external_id}", payload, qos=1)


def simulate(
    client: mqtt.Client,
    meters: list[str],
    *,
    end: datetime,
    hours: int = 30,
    low: set[str] = frozenset(),
    silent: set[str] = frozenset(),
    seed: int = 12345,
) -> int:
    """Hourly cumulative water readings for ``meters`` over ``hours`` ending at ``end``: ordinary households
    use 0.05–0.3 m³ a day in waking hours, ``low`` ones almost nothing (< 0.01 m³ in 24 h), ``silent`` ones stop
    reporting halfway. Returns the number of messages published (each waited for, QoS 1)."""
    import random

    rng = random.Random(seed)
    sent = 0
    start = end - timedelta(hours=hours)
    infos = []
    for meter in meters:
        value = rng.uniform(50, 500)
        daily = 0.002 if meter in low else rng.uniform(0.05, 0.3)
        for h in range(hours + 1):
            if meter in silent and h > hours // 2:
                break
            ts = start + timedelta(hours=h)
            hour = (ts.hour + 8) % 24
            if h and 6 <= hour < 23:
                value += daily / 17 * rng.uniform(0.5, 1.5)
            infos.append(publish_reading(client, meter, ts, value))
            sent += 1
    for info in infos:
        info.wait_for_publish(timeout=60)
    return sent
