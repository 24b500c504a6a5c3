"""/api/v1/hotspots and /api/v1/topics: scope, shapes, permissions, idempotency and the one error shape."""

from __future__ import annotations

from datetime import timedelta

from lianxin.clock import utcnow
from lianxin.hotspots.service import refresh_snapshot
from tests.factories import new_appeal
from tests.hotspots.test_service import NOISE


def noise_snapshot(db, city, clock):
    for day, title in enumerate(NOISE):
        new_appeal(db, city, title=title, content=f"{title}，请尽快处理。", lat=39.9, lng=116.4 + day / 1000)
        clock.shift(timedelta(days=1))
    return refresh_snapshot(db, city.jid, since=utcnow() - timedelta(days=30), until=utcnow() + timedelta(seconds=1))


def test_hotspots_in_the_callers_scope(client, db, city, clock, make_key):
    snapshot = noise_snapshot(db, city, clock)
    leader = make_key("leader", "city")
    body = client.get("/api/v1/hotspots", headers=leader).json()
    assert body["appeal_count"] == 4 and body["hotspots"][0]["id"] == snapshot.hotspots[0].id
    first = body["hotspots"][0]
    assert sum(c for _, c in first["trend"]) == 4 and len(first["points"]) == 4 and first["place"] == "和平社区"
    one = client.get(f"/api/v1/hotspots/{first['id']}", headers=leader).json()
    assert len(one["order_nos"]) == 4 and one["appeal_ids"] == first["appeal_ids"]
    refused = client.get("/api/v1/hotspots", headers=make_key("operator", "centre"))
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    assert client.get("/api/v1/hotspots/999999", headers=leader).json()["code"] == "not_found"


def test_topics_from_hotspot_with_tasks_policies_and_effect(client, db, city, clock, make_key):
    snapshot = noise_snapshot(db, city, clock)
    leader = make_key("leader", "city") | {"Idempotency-Key": "topic-1"}
    street_code = city.units["street"].code
    made = client.post(
        "/api/v1/topics",
        headers=leader,
        json={"month": "2026-03", "owner_unit": street_code, "hotspot_id": snapshot.hotspots[0].id},
    )
    assert made.status_code == 201, made.text
    topic = made.json()
    assert topic["source_hotspot_id"] == snapshot.hotspots[0].id and topic["effect"]["before_per_week"] >= 0
    again = client.post(
        "/api/v1/topics",
        headers=leader,
        json={"month": "2026-03", "owner_unit": street_code, "hotspot_id": snapshot.hotspots[0].id},
    )
    assert again.headers.get("Idempotent-Replayed") == "true" and again.json()["id"] == topic["id"]
    bad = client.post(
        "/api/v1/topics",
        headers=make_key("leader", "city"),
        json={"month": "2026-3", "owner_unit": street_code, "terms": ["噪音"], "title": "噪音"},
    )
    assert bad.status_code == 422 and bad.json()["field"] == "month" and bad.json()["message_en"]

    task = client.post(
        f"/api/v1/topics/{topic['id']}/tasks",
        headers=make_key("leader", "city"),
        json={"title": "约谈施工单位", "owner_unit": street_code, "deadline": "2026-03-31"},
    )
    assert task.status_code == 201, task.text
    handler = make_key("handler", "street")
    done = client.post(
        f"/api/v1/topics/{topic['id']}/tasks/{task.json()['id']}",
        headers=handler,
        json={"done": True, "note": "已约谈"},
    )
    assert done.status_code == 200 and done.json()["done_at"] and done.json()["note"] == "已约谈"
    other = client.post(
        f"/api/v1/topics/{topic['id']}/tasks/{task.json()['id']}",
        headers=make_key("handler", "street2"),
        json={"done": False},
    )
    assert other.status_code == 403
    policy = client.post(
        f"/api/v1/topics/{topic['id']}/policies",
        headers=handler,
        json={"title": "夜间施工管理规定", "issued_at": "2026-03-05", "text": "22时至次日6时禁止产生噪声的施工。"},
    )
    assert policy.status_code == 201
    shown = client.get(f"/api/v1/topics/{topic['id']}", headers=handler).json()
    assert [t["note"] for t in shown["tasks"]] == ["已约谈"] and shown["policies"][0]["title"] == "夜间施工管理规定"
    assert (
        client.post(f"/api/v1/topics/{topic['id']}/status", headers=handler, json={"status": "completed"}).status_code
        == 403
    )
    closed = client.post(
        f"/api/v1/topics/{topic['id']}/status", headers=make_key("leader", "city"), json={"status": "completed"}
    )
    assert closed.json()["status"] == "completed"
    assert [t["id"] for t in client.get("/api/v1/topics?month=2026-03", headers=handler).json()] == [topic["id"]]
