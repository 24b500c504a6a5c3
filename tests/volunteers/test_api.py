"""/api/v1/volunteers and /api/v1/points: activities, sign-up (session, JSON), enrollments and confirmation by
the organiser's key, certificate lookup, goods and a redemption with idempotency, the ledger check."""

from __future__ import annotations

from datetime import timedelta

from lianxin.points import service as points
from lianxin.volunteers import service as svc
from tests.factories import PASSWORD
from tests.helpers import login
from tests.volunteers.conftest import START


def test_volunteer_api_end_to_end(client, db, city, vol, clock, make_key):
    organiser = make_key("handler", "community")
    listed = client.get("/api/v1/volunteers/activities", headers=organiser).json()
    assert [(a["title"], a["slots"], a["taken"]) for a in listed] == [("清理楼道小广告", 1, 0)]
    login(client, vol.alice_user.username, PASSWORD)
    first = client.post(
        f"/api/v1/volunteers/activities/{vol.activity.id}/signup", json={}, headers={"Idempotency-Key": "s-1"}
    )
    assert first.status_code == 201 and first.json()["status"] == "enrolled", first.text
    assert client.get("/api/v1/points/me").json()["balance"] == 0
    client.cookies.clear()
    stranger = client.post(f"/api/v1/volunteers/activities/{vol.activity.id}/signup", json={}, headers=organiser)
    assert stranger.status_code == 422
    rows = client.get(f"/api/v1/volunteers/activities/{vol.activity.id}/enrollments", headers=organiser).json()
    assert rows[0]["member"] == "张丽" and rows[0]["phone"] == "138****0101"
    assert (
        client.get(
            f"/api/v1/volunteers/activities/{vol.activity.id}/enrollments", headers=make_key("handler", "water")
        ).status_code
        == 403
    )
    row = svc.get_enrollment(db, rows[0]["id"], jurisdiction_id=city.jid)
    early = client.post(f"/api/v1/volunteers/enrollments/{row.id}/confirm", json={}, headers=organiser)
    assert early.status_code == 409
    clock.move_to(START + timedelta(hours=4))
    svc.record_attendance(db, row, actor=None, checked_in_at=START, checked_out_at=START + timedelta(hours=3))
    done = client.post(
        f"/api/v1/volunteers/enrollments/{row.id}/confirm",
        json={"evaluation": "优秀"},
        headers=organiser | {"Idempotency-Key": "c-1"},
    )
    assert done.status_code == 200 and done.json()["hours"] == 3.0 and done.json()["volunteer"] == "张*"
    number = done.json()["certificate_no"]
    assert client.get(f"/api/v1/volunteers/records/{number}", headers=organiser).json()["recorder_unit"] == "和平社区"
    assert client.get("/api/v1/volunteers/records/nope", headers=organiser).status_code == 404
    goods = client.get(
        f"/api/v1/volunteers/market/goods?community_id={city.units['community'].id}", headers=organiser
    ).json()
    assert {g["name"]: g["stock"] for g in goods} == {"食用油": 5, "大米 5kg": 2}
    body = {"phone": vol.alice.phone, "lines": [{"good_id": vol.rice.id, "quantity": 1}]}
    keyed = organiser | {"Idempotency-Key": "r-1"}
    bought = client.post("/api/v1/volunteers/market/redeem", json=body, headers=keyed)
    assert bought.status_code == 201 and bought.json()["balance"] == 0, bought.text  # 30 points, 30 spent
    again = client.post("/api/v1/volunteers/market/redeem", json=body, headers=keyed)
    assert again.headers.get("Idempotent-Replayed") == "true"
    broke = client.post("/api/v1/volunteers/market/redeem", json=body, headers=organiser)
    assert broke.status_code == 409 and broke.json()["field"] == "points"
    db.refresh(vol.rice)
    assert vol.rice.stock == 1
    check = client.get("/api/v1/points/check", headers=make_key("leader", "city")).json()
    assert check["balanced"] and check["total"] == 0
    account = points.member_account(db, vol.alice)
    detail = client.get(f"/api/v1/points/accounts/{account.id}", headers=make_key("leader", "city")).json()
    assert [e["amount"] for e in detail["entries"]] == [-30, 30] and detail["entries"][1]["rule_version"] == 1
    assert client.get("/api/v1/points/check", headers=make_key("operator", "centre")).status_code == 403
    assert client.get("/api/v1/points/me", headers=organiser).status_code == 404
