"""Webhooks against a real HTTP receiver on 127.0.0.1: fan-out, HMAC signature, retries, the log."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from lianxin.appeals.service import add_note, dispatch_appeal, sign_appeal
from lianxin.clock import utcnow
from lianxin.errors import InvalidInput, PermissionDenied
from lianxin.webhooks.models import WebhookDelivery
from lianxin.webhooks.service import check_url, deliver_due, queue_events, recent_deliveries, register_webhook
from tests.factories import new_appeal


class Receiver:
    """A local endpoint that answers the queued statuses in turn (then 200) and keeps what it got."""

    def __init__(self, statuses=()):
        self.statuses, self.received = list(statuses), []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                self.send_response(receiver.statuses.pop(0) if receiver.statuses else 200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def local_http(db, settings):
    db.info["settings"] = settings.model_copy(update={"webhook_allow_local_http": True})
    yield
    db.info["settings"] = settings


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.close()


def _later():
    return utcnow() + timedelta(minutes=5)


def test_a_units_system_receives_signed_events_of_its_appeals_only(db, city, local_http, receiver):
    hook, secret = register_webhook(db, actor=city.users["street_handler"], unit=city.units["street"], url=receiver.url)
    ours, theirs = new_appeal(db, city), new_appeal(db, city)
    dispatch_appeal(db, ours, city.units["street"], actor=city.users["dispatcher"])
    dispatch_appeal(db, theirs, city.units["street2"], actor=city.users["dispatcher"])
    sign_appeal(db, ours, actor=city.users["street_handler"])
    assert queue_events(db, _later()) == 3  # submitted, dispatched, signed of our appeal
    assert queue_events(db, _later()) == 0  # a second scan queues nothing twice
    assert deliver_due(db, _later()) == 3
    kinds = []
    for headers, body in receiver.received:
        stamp, given = (part.split("=", 1)[1] for part in headers["X-Lianxin-Signature"].split(","))
        expected = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(given, expected)
        payload = json.loads(body)
        assert payload["appeal"]["order_no"] == ours.order_no
        assert "13800138000" not in body.decode() and "张三" not in body.decode()
        kinds.append(payload["event"]["kind"])
    assert kinds == ["submitted", "dispatched", "signed"]
    assert {d.state for d in recent_deliveries(db, hook)} == {"delivered"}


def test_failures_are_retried_with_back_off_and_logged(db, city, local_http):
    receiver = Receiver(statuses=[500, 503])
    try:
        hook, _ = register_webhook(db, actor=city.users["admin"], unit=city.units["street"], url=receiver.url)
        appeal = new_appeal(db, city)
        dispatch_appeal(db, appeal, city.units["street"], actor=city.users["dispatcher"])
        add_note(db, appeal, actor=city.users["dispatcher"], note="内部备注")
        now = _later()
        queue_events(db, now)
        first = db.query(WebhookDelivery).filter_by(webhook_id=hook.id, event_kind="submitted").one()
        assert deliver_due(db, now) == 1  # submitted → 500, dispatched → 503, noted → 200
        assert first.state == "pending" and first.attempts == 1 and first.last_status == 500
        assert first.next_attempt_at == now + timedelta(seconds=30)
        assert deliver_due(db, now + timedelta(seconds=10)) == 0  # not due yet: nothing is sent
        assert deliver_due(db, now + timedelta(minutes=2)) == 2
        assert first.state == "delivered" and [entry["status"] for entry in first.log] == [500, 200]
    finally:
        receiver.close()


def test_an_unreachable_endpoint_fails_after_the_last_attempt(db, city, local_http, receiver):
    receiver.close()  # nobody listens any more
    hook, _ = register_webhook(db, actor=city.users["street_handler"], unit=city.units["street"], url=receiver.url)
    appeal = new_appeal(db, city)
    dispatch_appeal(db, appeal, city.units["street"], actor=city.users["dispatcher"])
    now = _later()
    queue_events(db, now)
    for _ in range(8):
        now += timedelta(hours=2)
        deliver_due(db, now)
    rows = recent_deliveries(db, hook)
    assert {r.state for r in rows} == {"failed"} and all(r.attempts == 8 for r in rows)
    assert rows[0].last_error and rows[0].last_status is None


def test_only_https_to_public_hosts_and_only_the_units_own_staff(db, city):
    assert check_url("https://hooks.example.gov.cn/lianxin", allow_local=False)
    for url in (
        "http://hooks.example.gov.cn/x",
        "https://127.0.0.1/x",
        "https://10.1.2.3/x",
        "ftp://x.cn/",
        "https://user:pw@example.cn/",
        "http://127.0.0.1:9000/x",
        "not a url",
    ):
        with pytest.raises(InvalidInput):
            check_url(url, allow_local=False)
    assert check_url("http://127.0.0.1:9000/x", allow_local=True)
    with pytest.raises(PermissionDenied):
        register_webhook(
            db, actor=city.users["street2_handler"], unit=city.units["street"], url="https://hooks.example.gov.cn/x"
        )
