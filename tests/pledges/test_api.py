"""/api/v1/pledges: reading lists and items, the overview, and the owners' writes with idempotency."""

from __future__ import annotations

from tests.pledges.test_views import published


def test_lists_items_progress_and_overview(client, db, city, clock, make_key):
    plist, lights, toilets, _ = published(db, city)
    leader = make_key("leader", "city")
    lists = client.get("/api/v1/pledges/lists", headers=leader).json()
    assert [(x["id"], x["status"], x["version"]) for x in lists] == [(plist.id, "published", 1)]
    detail = client.get(f"/api/v1/pledges/lists/{plist.id}", headers=leader).json()
    assert [i["title"] for i in detail["items"]] == ["老旧小区路灯改造", "新建公厕两座"]
    assert detail["items"][0]["targets"][0] | {} == {
        "name": "新装路灯",
        "unit": "盏",
        "baseline": 0.0,
        "baseline_period": "",
        "target": 120.0,
        "actual": None,
        "progress": None,
        "direction": "up",
        "met": False,
    }
    assert detail["items"][1]["overdue"] is True
    handler = make_key("handler", "street") | {"Idempotency-Key": "p-1"}
    body = {"target_id": lights.targets[0].id, "value": 90, "note": "已装90盏"}
    first = client.post(f"/api/v1/pledges/items/{lights.id}/progress", headers=handler, json=body)
    assert first.status_code == 200, first.text
    assert first.json()["progress"] == 75 and first.json()["targets"][0]["actual"] == 90
    replay = client.post(f"/api/v1/pledges/items/{lights.id}/progress", headers=handler, json=body)
    assert replay.headers.get("Idempotent-Replayed") == "true"
    bad = client.post(
        f"/api/v1/pledges/items/{lights.id}/progress", headers=make_key("handler", "street"), json={"note": "没有数值"}
    )
    assert bad.status_code == 422 and bad.json()["field"] == "progress"
    other = client.post(f"/api/v1/pledges/items/{lights.id}/complete", headers=make_key("handler", "water"), json={})
    assert other.status_code == 403
    done = client.post(
        f"/api/v1/pledges/items/{lights.id}/complete",
        headers=make_key("handler", "street"),
        json={"note": "验收通过", "completed_on": "2026-03-01"},
    )
    assert done.json()["status"] == "completed" and done.json()["progress"] == 100
    overview = client.get("/api/v1/pledges/overview?year=2026", headers=leader).json()
    assert {r["unit"]: (r["completed"], r["overdue"]) for r in overview} == {
        "和平街道": (1, 0),
        "区城市管理委员会": (0, 1),
    }
    assert client.get("/api/v1/pledges/lists", headers=make_key("operator", "centre")).status_code == 403
    assert client.get("/api/v1/pledges/lists/999999", headers=leader).json()["code"] == "not_found"
