"""/api/v1/services: catalogue search, the department's queue and actions (idempotent), a window
application, slots, statistics and the centre's decisions on bad ratings."""

from __future__ import annotations

from lianxin.services import ratings
from lianxin.services import service as svc

FORM = {"name": "李明", "address": "和平里3号楼"}


def test_the_catalogue(client, cat, make_key):
    headers = make_key("operator")
    found = client.get("/api/v1/services/items", params={"q": "二手房过户"}, headers=headers).json()
    assert found[0]["code"] == "ZJ-101" and found[0]["promised_limit_days"] == 3 and found[0]["status"] == "active"
    one = client.get("/api/v1/services/items/MZ-001", headers=headers).json()
    assert one["channels"] == ["online", "window", "home_visit"] and one["location"] == "ZX"
    assert client.get("/api/v1/services/items/NOPE", headers=headers).status_code == 404
    bundles = client.get("/api/v1/services/bundles", headers=headers).json()
    assert bundles == [
        {
            "code": "YJS-ESF",
            "name": "二手房过户+水电气联办",
            "lead_department": "市住房和城乡建设委员会",
            "items": ["ZJ-101", "SW-201"],
            "documents": ["身份证", "不动产权证书", "买卖合同"],
        }
    ]


def test_admins_save_items(client, city, cat, make_key):
    body = {
        "code": "MZ-009",
        "name": "困难群众临时救助",
        "department_code": city.units["street"].code,
        "kind": "benefit",
        "legal_limit_days": 10,
        "promised_limit_days": 3,
        "documents": ["身份证"],
        "location": "ZX",
    }
    saved = client.post("/api/v1/services/items", json=body, headers=make_key("admin", "city"))
    assert saved.status_code == 200 and saved.json()["department"] == "和平街道"
    assert client.post("/api/v1/services/items", json=body, headers=make_key("operator")).status_code == 403
    missing = client.post("/api/v1/services/items", json=body | {"location": "NOPE"}, headers=make_key("admin", "city"))
    assert missing.status_code == 404
    assert (
        client.post(
            "/api/v1/services/items", json=body | {"department_code": "x"}, headers=make_key("admin", "city")
        ).status_code
        == 422
    )
    admin = make_key("admin", "city")
    closed = client.post(
        "/api/v1/services/items/MZ-009/status",
        json={"status": "temporarily_closed", "alert": "系统升级"},
        headers=admin,
    )
    assert closed.json()["status"] == "temporarily_closed" and closed.json()["alert"] == "系统升级"
    refused = client.post("/api/v1/services/items/MZ-009/status", json={"status": "temporarily_closed"}, headers=admin)
    assert refused.status_code == 422


def test_the_department_works_its_queue(client, db, city, cat, resident, make_key, clock):
    me = resident()
    app = svc.apply(db, item=cat.subsidy, form=FORM, account=me)
    street = make_key("handler", "street")
    queue = client.get("/api/v1/services/applications", headers=street).json()
    assert [a["number"] for a in queue] == [app.number]
    assert queue[0]["applicant_phone"] == "139****5678" and queue[0]["clock"] == "green"
    assert queue[0]["remaining_working_days"] == 5
    assert client.get("/api/v1/services/applications", headers=make_key("handler", "housing")).json() == []
    assert (
        client.get(f"/api/v1/services/applications/{app.number}", headers=make_key("handler", "housing")).status_code
        == 403
    )
    url = f"/api/v1/services/applications/{app.number}/actions/accept"
    first = client.post(url, json={}, headers=street | {"Idempotency-Key": "k1"})
    again = client.post(url, json={}, headers=street | {"Idempotency-Key": "k1"})
    assert first.json()["status"] == "accepted" and again.headers.get("Idempotent-Replayed") == "true"
    refused = client.post(
        f"/api/v1/services/applications/{app.number}/actions/reject", json={"note": ""}, headers=street
    )
    assert refused.status_code == 422
    assert client.get(f"/api/v1/services/applications/{app.number}", headers=street).json()["status"] == "accepted"
    assert client.get("/api/v1/services/applications", headers=make_key("grid_worker", "grid")).status_code == 403


def test_a_window_application_and_slots(client, city, cat, make_key, clock):
    body = {
        "item": "ZJ-101",
        "applicant_name": "王芳",
        "applicant_phone": "13700000000",
        "form": FORM,
        "documents": ["身份证"],
    }
    made = client.post("/api/v1/services/applications", json=body, headers=make_key("operator"))
    assert made.status_code == 201 and made.json()["channel"] == "window" and made.json()["applicant_name"] == "王*"
    slots = client.get(
        "/api/v1/services/slots", params={"location": "ZX", "day": "2026-03-03"}, headers=make_key("operator")
    ).json()
    assert len(slots) == 6 and slots[0]["capacity"] == 2
    assert (
        client.get(
            "/api/v1/services/slots", params={"location": "ZX", "day": "2026-03-07"}, headers=make_key("operator")
        ).json()
        == []
    )
    assert (
        client.get(
            "/api/v1/services/slots", params={"location": "NO", "day": "2026-03-07"}, headers=make_key("operator")
        ).status_code
        == 404
    )


def test_statistics_and_bad_ratings(client, db, city, cat, resident, make_key, clock):
    me = resident()
    app = svc.apply(db, item=cat.subsidy, form=FORM, account=me)
    for action in ("accept", "approve"):
        svc.act(db, app, action, actor=city.users["street_handler"])
    evaluation = ratings.rate_application(db, app, account=me, level=2, text="办事指南写得不清楚")
    stats = client.get("/api/v1/services/stats", headers=make_key("leader", "city")).json()
    assert stats["bad"] == 1 and stats["online_share"] == 100.0
    assert client.get("/api/v1/services/stats", headers=make_key("handler", "street")).status_code == 403
    bad = client.get("/api/v1/services/ratings/bad", headers=make_key("dispatcher")).json()
    assert bad[0]["status"] == "verifying" and bad[0]["appeal"] and bad[0]["item"] == "MZ-001"
    assert client.get("/api/v1/services/ratings/bad", headers=make_key("handler", "housing")).json() == []
    assert len(client.get("/api/v1/services/ratings/bad", headers=make_key("handler", "street")).json()) == 1
    done = client.post(
        f"/api/v1/services/ratings/{evaluation.id}/actions/dispatch", json={}, headers=make_key("dispatcher")
    )
    assert done.status_code == 200 and done.json()["status"] == "rectifying"
