"""/api/v1/routing: suggestions with confidence and words, model versions, training by admins."""

from __future__ import annotations

from tests.routing.test_service import PATHS, category, confirmed_city


def test_suggest_returns_the_top_three_with_confidence_and_words(client, db, city, make_key):
    confirmed_city(db, city)
    admin, operator = make_key("admin", "city"), make_key("operator")
    empty = client.get("/api/v1/routing/suggest", params={"text": "路灯不亮"}, headers=operator)
    assert empty.status_code == 200 and empty.json()["suggestions"] == [] and not empty.json()["auto_dispatch"]

    trained = client.post("/api/v1/routing/train", json={}, headers=admin)
    assert trained.status_code == 201, trained.text
    assert trained.json()["version"] == 1 and trained.json()["n_samples"] == 36
    assert sorted(trained.json()["classes"]) == sorted(category(db, city, t).id for t in PATHS)

    got = client.get("/api/v1/routing/suggest", params={"text": "工地夜里打桩施工，机器轰鸣扰民"}, headers=operator)
    assert got.status_code == 200, got.text
    body = got.json()
    assert len(body["suggestions"]) == 3 and body["threshold"] == 0.9
    best = body["suggestions"][0]
    assert best["category_id"] == category(db, city, "噪声").id and best["label"] == "环境保护 / 噪声污染 / 施工噪声"
    assert best["words"] and best["model_version"] == 1
    assert body["auto_dispatch"] == (best["confidence"] >= 0.9)
    posted = client.post("/api/v1/routing/suggest", json={"text": "自来水停水，水压很低"}, headers=operator)
    assert posted.status_code == 200 and posted.json()["suggestions"][0]["category_id"] == category(db, city, "停水").id

    versions = client.get("/api/v1/routing/models", headers=admin).json()
    assert [v["version"] for v in versions] == [1] and "model_bytes" not in versions[0]


def test_routing_endpoints_check_roles_and_input(client, db, city, make_key):
    assert client.post("/api/v1/routing/train", json={}, headers=make_key("dispatcher")).status_code == 403
    assert client.get("/api/v1/routing/models", headers=make_key("handler", "street")).status_code == 403
    assert (
        client.get("/api/v1/routing/suggest", params={"text": "路灯"}, headers=make_key("visitor")).status_code == 403
    )
    assert client.get("/api/v1/routing/suggest", params={"text": ""}, headers=make_key("operator")).status_code == 422
    too_little = client.post("/api/v1/routing/train", json={}, headers=make_key("admin", "city"))
    assert too_little.status_code == 422 and "训练数据不足" in too_little.text
    assert client.get("/api/v1/routing/suggest", params={"text": "路灯"}).status_code == 401


def test_a_dispatcher_corrects_the_category_through_the_api_and_it_becomes_a_label(client, db, city, make_key):
    from sqlalchemy import select

    from lianxin.routing.models import RoutingLabel
    from tests.factories import new_appeal

    appeal = new_appeal(db, city)
    water, lamp = category(db, city, "停水"), category(db, city, "路灯")
    url = f"/api/v1/appeals/{appeal.order_no}/recategorize"
    body = {"category_id": water.id, "predicted_category_id": lamp.id}
    assert client.post(url, json=body, headers=make_key("operator")).status_code == 403
    stale = client.post(url, json=body | {"version": appeal.version + 5}, headers=make_key("dispatcher"))
    assert stale.status_code == 409
    done = client.post(url, json=body, headers=make_key("dispatcher"))
    assert done.status_code == 200, done.text
    assert done.json()["version"] == appeal.version
    label = db.scalar(select(RoutingLabel).where(RoutingLabel.appeal_id == appeal.id))
    assert (label.category_id, label.predicted_category_id, label.source) == (water.id, lamp.id, "correction")
