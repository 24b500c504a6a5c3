"""/api/v1/stats, /api/v1/assessment and /api/v1/appeals/{no}/exclusion with API keys."""

from __future__ import annotations

import pytest

from lianxin.assessment.choices import ExclusionState
from lianxin.assessment.exclusions import exclusions_of
from tests.assessment.scenario import build, handle

MARCH = {"start": "2026-03-01", "end": "2026-03-31"}


def test_stats_endpoints_answer_the_dashboard_data(client, db, city, clock, make_key):
    build(db, city, clock)
    leader = make_key("leader", "city")
    trend = client.get("/api/v1/stats/trend", params=MARCH | {"bucket": "month"}, headers=leader)
    assert trend.status_code == 200 and trend.json() == {
        "bucket": "month",
        "periods": ["2026-03-01"],
        "received": [8],
        "closed": [5],
    }
    rates = client.get(
        "/api/v1/stats/rates", params=MARCH | {"unit": city.units["district"].code}, headers=leader
    ).json()
    street = next(r for r in rates["rows"] if r["unit"] == "和平街道")
    assert street["composite"] == pytest.approx(0.605) and street["valid_visits"] == 4
    mix = client.get("/api/v1/stats/categories", params=MARCH, headers=leader).json()
    assert mix == {"data": [{"name": "城乡建设", "value": 8}]}
    heat = client.get("/api/v1/stats/overdue", params=MARCH, headers=leader).json()
    assert heat["units"] == ["东城区", "市住房和城乡建设委员会", "自来水集团"] and heat["data"] == []
    public = client.get("/api/v1/stats/public", params=MARCH, headers=leader).json()
    assert public["received"] == 8 and "13800138000" not in str(public)


def test_stats_scope_and_bad_input(client, db, city, clock, make_key):
    district_leader = make_key("leader", "district")
    assert (
        client.get(
            "/api/v1/stats/trend", params={"unit": city.units["housing"].code}, headers=district_leader
        ).status_code
        == 403
    )
    assert client.get("/api/v1/stats/trend", params={"unit": "nope"}, headers=district_leader).status_code == 422
    bad = client.get(
        "/api/v1/stats/trend", params={"start": "2026-03-09", "end": "2026-03-01"}, headers=district_leader
    )
    assert bad.status_code == 422 and bad.json()["message"] == "结束日期不能早于开始日期"
    assert client.get("/api/v1/stats/trend", headers=make_key("handler", "street")).status_code == 403
    assert client.get("/api/v1/stats/trend").status_code == 401


def test_ranking_and_supervision(client, db, city, clock, make_key):
    build(db, city, clock)
    dispatcher = make_key("dispatcher")
    ranking = client.get(
        "/api/v1/assessment/ranking", params={"month": "2026-03", "kind": "street"}, headers=dispatcher
    )
    assert ranking.status_code == 200 and ranking.json()["red_list"] == ["安定街道"]
    assert client.get("/api/v1/assessment/ranking", params={"kind": "planet"}, headers=dispatcher).status_code == 422
    assert client.get("/api/v1/assessment/ranking", headers=make_key("handler", "street")).status_code == 403
    assert client.get("/api/v1/assessment/supervision", headers=dispatcher).json() == []


def test_exclusion_request_and_decision(client, db, city, clock, make_key):
    appeal = handle(db, city, clock, visit=(True, False, "dissatisfied"), unreasonable=True)
    url = f"/api/v1/appeals/{appeal.order_no}/exclusion"
    handler = make_key("handler", "street")
    bad = client.post(url, json={"reason": "lazy", "explanation": "不想办理此工单"}, headers=handler)
    assert bad.status_code == 422 and exclusions_of(db, appeal) == []
    made = client.post(
        url,
        json={"reason": "malicious", "explanation": "诉求人反复提出无理要求"},
        headers=handler | {"Idempotency-Key": "ex-1"},
    )
    assert made.status_code == 201 and made.json()["state"] == "pending"
    again = client.post(
        url,
        json={"reason": "malicious", "explanation": "诉求人反复提出无理要求"},
        headers=handler | {"Idempotency-Key": "ex-1"},
    )
    assert again.headers.get("Idempotent-Replayed") == "true" and len(exclusions_of(db, appeal)) == 1
    decision = f"{url}/{made.json()['id']}/decision"
    assert client.post(decision, json={"approve": True}, headers=handler).status_code == 403
    dispatcher = make_key("dispatcher")
    assert client.post(decision, json={"approve": False}, headers=dispatcher).status_code == 422
    done = client.post(decision, json={"approve": True}, headers=dispatcher)
    assert done.status_code == 200 and done.json()["state"] == "approved"
    assert exclusions_of(db, appeal)[0].state == ExclusionState.APPROVED
    listed = client.get(url, headers=dispatcher).json()
    assert [e["state"] for e in listed] == ["approved"]
    assert client.get(url, headers=make_key("handler", "water")).status_code == 403


def test_the_settings_api_reads_and_changes_the_same_values_for_admins_only(client, db, city, make_key):
    admin, leader = make_key("admin"), make_key("leader", "city")
    got = client.get("/api/v1/assessment/settings", headers=leader)
    assert got.status_code == 200 and got.json()["weight_response"] == 0.1 and got.json()["supervise_reopen_count"] == 2
    assert (
        client.put("/api/v1/assessment/settings", json={"supervise_reopen_count": 4}, headers=leader).status_code == 403
    )
    bad = client.put("/api/v1/assessment/settings", json={"weight_response": 0.6}, headers=admin)
    assert bad.status_code == 422 and bad.json()["field"] == "weight_response"
    put = client.put(
        "/api/v1/assessment/settings", json={"supervise_reopen_count": 4, "note": "接口调整"}, headers=admin
    )
    assert put.status_code == 200 and put.json()["supervise_reopen_count"] == 4
    [change] = client.get("/api/v1/assessment/settings/changes", headers=admin).json()
    assert change["changes"] == {"supervise_reopen_count": [2, 4]} and change["note"] == "接口调整"
