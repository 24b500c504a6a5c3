"""Registering a webhook and reading its delivery log over the API."""

from __future__ import annotations

from datetime import timedelta

from lianxin.appeals.service import dispatch_appeal
from lianxin.clock import utcnow
from lianxin.webhooks.service import queue_events
from tests.factories import new_appeal


def test_a_unit_registers_a_webhook_and_reads_its_log(client, db, city, make_key):
    handler = make_key("handler", "street")
    made = client.post(
        "/api/v1/webhooks",
        headers=handler,
        json={"unit": city.units["street"].code, "url": "https://hooks.example.gov.cn/lianxin"},
    )
    assert made.status_code == 201, made.text
    hook = made.json()
    assert len(hook["secret"]) == 64 and hook["active"] is True
    appeal = new_appeal(db, city)
    dispatch_appeal(db, appeal, city.units["street"], actor=city.users["dispatcher"])
    queue_events(db, utcnow() + timedelta(minutes=5))
    log = client.get(f"/api/v1/webhooks/{hook['id']}/deliveries", headers=handler).json()
    assert {d["event_kind"] for d in log} == {"submitted", "dispatched"} and {d["state"] for d in log} == {"pending"}
    assert [h["id"] for h in client.get("/api/v1/webhooks", headers=handler).json()] == [hook["id"]]
    assert client.get("/api/v1/webhooks", headers=make_key("handler", "street2")).json() == []
    outsider = client.get(f"/api/v1/webhooks/{hook['id']}/deliveries", headers=make_key("handler", "street2"))
    assert outsider.status_code == 403
    stopped = client.post(f"/api/v1/webhooks/{hook['id']}/deactivate", headers=handler)
    assert stopped.status_code == 200 and stopped.json()["active"] is False


def test_a_plain_http_or_private_url_is_refused_with_a_field(client, city, make_key):
    for url in ("http://hooks.example.gov.cn/x", "https://192.168.1.10/x"):
        response = client.post(
            "/api/v1/webhooks",
            headers=make_key("handler", "street"),
            json={"unit": city.units["street"].code, "url": url},
        )
        assert response.status_code == 422 and response.json()["field"] == "url"
    assert client.get("/api/v1/webhooks/999999/deliveries", headers=make_key("admin", "city")).status_code == 404
