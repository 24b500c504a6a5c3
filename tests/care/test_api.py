"""/api/v1/households and /api/v1/alerts: masked reads, the logged unmasked call, alarm actions (idempotent),
statistics, and the HTTP batch of readings (idempotent on device + ts)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from lianxin.care.models import Alarm, CareDataView, Reading
from lianxin.clock import utcnow


def test_households_masked_and_scoped(client, db, city, home, make_key):
    gw = make_key("grid_worker", "grid")
    page = client.get("/api/v1/households", headers=gw).json()
    assert page["total"] == 1
    person = page["items"][0]["people"][0]
    assert person["name"] == "王**" and person["phone"] == "139****1111" and "*" in person["id_number"]
    assert page["items"][0]["devices"][0]["kind"] == "water"
    hid = home.household.id
    assert client.get(f"/api/v1/households/{hid}", headers=gw).json()["address"] == home.household.address
    assert client.get("/api/v1/households?tag=lone_elderly&q=和平", headers=gw).json()["total"] == 1
    clear = client.get(f"/api/v1/households/{hid}/unmasked", headers=gw).json()
    assert clear[0]["id_number"] == home.person.id_number and clear[1]["contact"] is True
    assert db.scalar(select(func.count(CareDataView.id)).where(CareDataView.interface == "api")) == 1
    other = make_key("grid_worker", "street2")
    assert client.get(f"/api/v1/households/{hid}", headers=other).status_code == 403
    assert client.get("/api/v1/households", headers=other).json()["total"] == 0
    assert client.get("/api/v1/households/999999", headers=gw).status_code == 404


def test_readings_batch_then_alarm_actions(client, db, city, clock, home, make_key):
    gateway = make_key("admin", "city")
    now = utcnow()
    batch = {
        "readings": [
            {"device": home.meter.external_id, "ts": (now - timedelta(hours=h)).isoformat(), "value": 10.0}
            for h in range(26)
        ]
    }
    r = client.post("/api/v1/alerts/readings", json=batch, headers=gateway | {"Idempotency-Key": "batch-1"})
    assert r.status_code == 200 and r.json() == {"stored": 26, "duplicates": 0}
    again = client.post("/api/v1/alerts/readings", json=batch, headers=gateway)
    assert again.json() == {"stored": 0, "duplicates": 26}
    assert db.scalar(select(func.count(Reading.id)).where(Reading.device_id == home.meter.id)) == 26
    unknown = {"readings": [{"device": "NOPE", "ts": now.isoformat(), "value": 1}]}
    assert client.post("/api/v1/alerts/readings", json=unknown, headers=gateway).status_code == 404
    naive = {"readings": [{"device": home.meter.external_id, "ts": "2026-03-02T08:00:00", "value": 1}]}
    assert client.post("/api/v1/alerts/readings", json=naive, headers=gateway).status_code == 422
    gw = make_key("grid_worker", "grid")
    assert client.post("/api/v1/alerts/readings", json=batch, headers=gw).status_code == 403

    from lianxin.care import evaluate

    evaluate.evaluate_all(db, utcnow())
    alarms = client.get("/api/v1/alerts", headers=gw).json()
    assert [a["kind"] for a in alarms] == ["low_usage"] and alarms[0]["escalation_step"] == "Grid worker"
    aid = alarms[0]["id"]
    assert client.get(f"/api/v1/alerts/{aid}", headers=gw).json()["status"] == "raised"
    ack = client.post(
        f"/api/v1/alerts/{aid}/acknowledge",
        json={"version": alarms[0]["version"]},
        headers=gw | {"Idempotency-Key": "a1"},
    )
    assert ack.status_code == 200 and ack.json()["status"] == "acknowledged"
    replay = client.post(
        f"/api/v1/alerts/{aid}/acknowledge",
        json={"version": alarms[0]["version"]},
        headers=gw | {"Idempotency-Key": "a1"},
    )
    assert replay.headers.get("Idempotent-Replayed") == "true"
    assert client.post(f"/api/v1/alerts/{aid}/acknowledge", json={}, headers=gw).status_code == 409
    assert client.post(f"/api/v1/alerts/{aid}/visit", json={"note": "出发"}, headers=gw).json()["status"] == "visiting"
    done = client.post(f"/api/v1/alerts/{aid}/record", json={"outcome": "false_alarm", "note": "老人在家"}, headers=gw)
    assert done.json()["status"] == "false_alarm"
    assert client.get("/api/v1/alerts", headers=gw).json() == []
    assert len(client.get("/api/v1/alerts?all=true", headers=gw).json()) == 1
    stats = client.get("/api/v1/alerts/stats", headers=make_key("leader", "city")).json()
    assert stats["false_alarm_rate"] == 1.0 and stats["by_kind"] == {"low_usage": 1}
    assert db.get(Alarm, aid).outcome.value == "false_alarm"
