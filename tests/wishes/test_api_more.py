"""/api/v1/wishes beyond the happy path: every staff and claimant action, 双报到 and its decision, quotas, a wish
from an appeal, reading one wish inside and outside one's communities."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from lianxin.app import create_app
from lianxin.web.deps import get_session
from lianxin.wishes import claims, queries
from lianxin.wishes import service as svc
from tests.factories import PASSWORD, new_appeal
from tests.helpers import csrf_from, login
from tests.wishes.conftest import later

PUBLIC = "一名学生需要一套冬季校服。"


@pytest.fixture
def client(db, settings, city) -> Iterator[TestClient]:
    app = create_app(settings.model_copy(update={"public_jurisdiction": city.jurisdiction.code}))
    app.dependency_overrides[get_session] = lambda: db
    with TestClient(app) as client:
        yield client


def as_user(client: TestClient, username: str) -> None:
    client.cookies.clear()
    login(client, username, PASSWORD)


def make(client: TestClient, city, key: str, **extra) -> dict:
    body = {
        "community_id": city.units["community"].id,
        "category": "study",
        "content": "孩子需要一套冬季校服，尺码160。",
        "resident_phone": "13612345678",
        **extra,
    }
    made = client.post("/api/v1/wishes", json=body, headers={"Idempotency-Key": key})
    assert made.status_code == 201, made.text
    return made.json()


def act(client: TestClient, wid: int, action: str, key: str, **body):
    return client.post(f"/api/v1/wishes/{wid}/actions/{action}", json=body, headers={"Idempotency-Key": key})


def test_every_action_through_the_api(client, db, city, clock, party):
    as_user(client, party.staff.username)
    wid = make(client, city, "a1")["id"]
    assert act(client, wid, "file", "a2", reason="需等待老旧小区改造统一实施").json()["field"] == "review_on"
    filed = act(client, wid, "file", "a3", reason="需等待老旧小区改造统一实施", review_on=later(30).isoformat())
    assert filed.json()["status"] == "on_file"
    assert act(client, wid, "reopen", "a4", note="条件已具备").json()["status"] == "registered"
    assert act(client, wid, "publish", "a5", public_text=PUBLIC).json()["status"] == "published"
    as_user(client, party.member_user.username)
    assert act(client, wid, "claim", "b1").json()["field"] == "promised_on"
    assert act(client, wid, "claim", "b2", promised_on=later(3).isoformat()).json()["status"] == "claimed"
    assert act(client, wid, "release", "b3", reason="临时出差").json()["status"] == "published"
    assert act(client, wid, "claim", "b4", promised_on=later(3).isoformat()).json()["status"] == "claimed"
    assert act(client, wid, "start", "b5", note="已联系").json()["status"] == "in_progress"
    assert act(client, wid, "deliver", "b6", note="已送去一套校服").json()["status"] == "delivered"
    wish = queries.get_wish(db, wid, jurisdiction_id=city.jid)
    claims.confirm_wish(db, wish, token=wish.tracking_token, rating=5)
    as_user(client, party.staff.username)
    assert act(client, wid, "close", "c1").json()["status"] == "closed"
    rejected = make(client, city, "c2", resident_phone="13612340000")["id"]
    assert act(client, rejected, "reject", "c3", reason="属于商业服务范围").json()["status"] == "rejected"
    unknown_org = act(
        client,
        make(client, city, "c4", resident_phone="13612340001")["id"],
        "claim",
        "c5",
        promised_on=later(3).isoformat(),
        org_id=999999,
    )
    assert unknown_org.status_code == 422 and unknown_org.json()["field"] == "org_id"


def test_someone_who_is_no_member_cannot_claim_or_report(client, city, clock, party):
    as_user(client, party.staff.username)
    wid = make(client, city, "d1")["id"]
    act(client, wid, "register", "d2", triage_class="individual")
    act(client, wid, "publish", "d3", public_text=PUBLIC)
    refused = act(client, wid, "claim", "d4", promised_on=later(3).isoformat())
    assert refused.status_code == 403
    report = client.post("/api/v1/wishes/reports", json={"community_id": city.units["community"].id})
    assert report.status_code == 403


def test_dual_reports_quotas_and_reading_wishes(client, db, city, clock, party):
    as_user(client, party.member_user.username)
    bad = client.post("/api/v1/wishes/reports", json={"community_id": 999999}, headers={"Idempotency-Key": "r0"})
    assert bad.status_code == 422
    made = client.post(
        "/api/v1/wishes/reports", json={"community_id": city.units["community"].id}, headers={"Idempotency-Key": "r1"}
    )
    assert made.status_code == 201 and made.json()["status"] == "pending"
    as_user(client, party.staff.username)
    assert client.post("/api/v1/wishes/reports/999999/decision", json={"confirm": True}).status_code == 404
    decided = client.post(f"/api/v1/wishes/reports/{made.json()['id']}/decision", json={"confirm": True})
    assert decided.json()["status"] == "confirmed"
    wid = make(client, city, "r2")["id"]
    assert client.get(f"/api/v1/wishes/{wid}").json()["id"] == wid

    as_user(client, city.users["street2_handler"].username)  # another street: not theirs, not yet public
    assert client.get(f"/api/v1/wishes/{wid}").status_code == 403
    assert client.post("/api/v1/wishes/quotas", json={"scope": "org", "year": 2026, "target": 4}).status_code == 403

    as_user(client, city.users["leader"].username)
    saved = client.post("/api/v1/wishes/quotas", json={"scope": "org", "year": 2026, "target": 4})
    assert saved.status_code == 200 and saved.json()["target"] == 4
    assert {q["name"]: q["target"] for q in client.get("/api/v1/wishes/quotas").json()}[party.branch.name] == 4
    assert client.get(f"/api/v1/wishes/{wid}").status_code == 200  # leaders read the jurisdiction


def test_a_wish_from_an_appeal_through_the_api(client, db, city, clock, party):
    appeal = new_appeal(db, city)
    as_user(client, party.staff.username)
    missing = client.post(
        "/api/v1/wishes",
        json={
            "community_id": city.units["community"].id,
            "category": "repair",
            "content": "老人希望有人帮忙更换家里的灯泡",
            "resident_phone": "13612345678",
            "source_appeal_id": 999999,
        },
    )
    assert missing.status_code == 422 and missing.json()["field"] == "source_appeal_id"
    made = make(client, city, "e1", category="repair", source_appeal_id=appeal.id)
    assert made["source"] == "appeal" and made["source_appeal_id"] == appeal.id
    assert [w.id for w in svc.wishes_of_appeal(db, appeal.id)] == [made["id"]]
    assert csrf_from(client, "/wishes/staff")
