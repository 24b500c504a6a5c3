"""/api/v1/poverty: declarations masked (the clear view is a logged call), actions through the verbs with their
refusals, idempotent POSTs, cases with measures, payments and clearance gaps, and the board (counts only)."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from sqlalchemy import func, select

from lianxin.clock import local_date, utcnow
from lianxin.poverty.models import Declaration, MonitoringCase, PovertyDataView
from tests.poverty.conftest import HEAD_ID, declare_self, identified


def test_declarations_masked_clear_view_logged_and_actions(client, db, city, world, make_key):
    decl = declare_self(db, city, world)
    grid = make_key("grid_worker", "grid")
    rows = client.get("/api/v1/poverty/declarations", headers=grid).json()
    assert [r["number"] for r in rows] == [f"FP{decl.id:06d}"]
    assert rows[0]["id_number"] != HEAD_ID and rows[0]["head_name"] == "吴*" and rows[0]["clock"]["step"] == "check"
    clear = client.get(f"/api/v1/poverty/declarations/{decl.id}/unmasked", headers=grid).json()
    assert clear["id_number"] == HEAD_ID
    assert db.scalar(select(PovertyDataView.interface)) == "api"
    other = make_key("handler", "street2")
    assert client.get(f"/api/v1/poverty/declarations/{decl.id}", headers=other).status_code == 403
    r = client.post(f"/api/v1/poverty/declarations/{decl.id}/actions", headers=grid, json={"action": "claim"})
    assert r.status_code == 200 and r.json()["status"] == "checking"
    bad = client.post(
        f"/api/v1/poverty/declarations/{decl.id}/actions",
        headers=grid,
        json={"action": "check", "result": "recommend", "note": "x"},
    )
    assert bad.status_code == 422 and bad.json()["field"] == "note"
    r = client.post(
        f"/api/v1/poverty/declarations/{decl.id}/actions",
        headers=grid,
        json={"action": "check", "result": "recommend", "note": "入户核实属实", "income_per_capita": 5000},
    )
    assert r.json()["status"] == "reviewing" and r.json()["income_per_capita"] == "5000–9999 元"
    assert (
        client.post(
            f"/api/v1/poverty/declarations/{decl.id}/actions",
            headers=make_key("handler", "street"),
            json={"action": "publicize"},
        ).status_code
        == 200
    )
    county = make_key("leader", "district")
    early = client.post(
        f"/api/v1/poverty/declarations/{decl.id}/actions",
        headers=county,
        json={"action": "decide", "outcome": "identified", "object_type": "sudden"},
    )
    assert early.status_code == 409
    with time_machine.travel(utcnow() + timedelta(days=6), tick=False):
        r = client.post(
            f"/api/v1/poverty/declarations/{decl.id}/actions",
            headers=county,
            json={"action": "decide", "outcome": "identified", "object_type": "sudden"},
        )
    assert r.status_code == 200 and r.json()["status"] == "identified" and r.json()["case_id"]


def test_create_is_idempotent(client, db, city, world, make_key):
    grid = make_key("grid_worker", "grid")
    body = {"channel": "grid", "head_name": "吴丹", "household_id": world.household.id, "risk_types": ["disaster"]}
    headers = grid | {"Idempotency-Key": "visit-1"}
    first = client.post("/api/v1/poverty/declarations", headers=headers, json=body)
    again = client.post("/api/v1/poverty/declarations", headers=headers, json=body)
    assert first.status_code == 201 and again.json()["id"] == first.json()["id"]
    assert db.scalar(select(func.count(Declaration.id))) == 1
    dup = client.post("/api/v1/poverty/declarations", headers=grid, json=body)
    assert dup.status_code == 409
    wrong = client.post("/api/v1/poverty/declarations", headers=grid, json={**body, "channel": "self"})
    assert wrong.status_code == 422


def test_cases_measures_payments_and_the_board(client, db, city, world, make_key):
    case = db.get(MonitoringCase, identified(db, city, declare_self(db, city, world)).case_id)
    grid, county = make_key("grid_worker", "grid"), make_key("leader", "district")
    listed = client.get("/api/v1/poverty/cases", headers=grid).json()
    assert [c["id"] for c in listed] == [case.id] and listed[0]["income_per_capita"] == "5000–9999 元"
    url = f"/api/v1/poverty/cases/{case.id}/actions"
    r = client.post(
        url,
        headers=grid,
        json={
            "action": "measure",
            "kind": "medical",
            "owner_unit_id": city.units["housing"].id,
            "target_on": str(local_date() + timedelta(days=10)),
        },
    )
    assert r.status_code == 200 and r.json()["status"] == "assisting" and r.json()["measures"][0]["status"] == "pending"
    missing = client.post(url, headers=grid, json={"action": "measure", "kind": "medical"})
    assert missing.status_code == 422 and missing.json()["field"] == "owner_unit_id"
    r = client.post(
        url, headers=grid, json={"action": "payment", "fund_id": world.fund.id, "amount": 3000, "purpose": "临时救助"}
    )
    payment_id = r.json()["payments"][0]["id"]
    assert (
        client.post(url, headers=grid, json={"action": "approve_payment", "payment_id": payment_id}).status_code == 403
    )
    assert (
        client.post(url, headers=county, json={"action": "approve_payment", "payment_id": payment_id}).json()[
            "payments"
        ][0]["status"]
        == "approved"
    )
    r = client.post(url, headers=county, json={"action": "pay", "payment_id": payment_id})
    assert r.json()["payments"][0]["status"] == "paid"
    measure_id = r.json()["measures"][0]["id"]
    r = client.post(
        url,
        headers=make_key("handler", "housing"),
        json={"action": "measure_status", "measure_id": measure_id, "status": "done"},
    )
    assert r.status_code == 200 and r.json()["status"] == "monitoring"
    assert "跟踪监测不足 30 天" in r.json()["clearance_gaps"]
    assert client.get(f"/api/v1/poverty/cases/{case.id}/unmasked", headers=grid).json()["income_per_capita"] == 6000
    board = client.get("/api/v1/poverty/board", headers=county).json()
    assert board["total"]["identified"] == 1 and board["rows"][0]["unit"] == "东城区"
    street = client.get("/api/v1/poverty/board", headers=county, params={"unit": city.units["district"].code}).json()
    assert street["rows"][0]["unit"] == "和平街道"
    assert client.get("/api/v1/poverty/board", headers=make_key("operator", "centre")).status_code == 403
