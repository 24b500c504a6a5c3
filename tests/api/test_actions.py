"""Lifecycle actions over the API: the service verbs, versions (If-Match → 409), transitions, scope."""

from __future__ import annotations

from datetime import timedelta

from lianxin.appeals.service import dispatch_appeal, record_contact, sign_appeal
from lianxin.clock import utcnow
from tests.factories import new_appeal


def act(client, headers, appeal_or_no, action, body=None, version=None):
    order_no = getattr(appeal_or_no, "order_no", appeal_or_no)
    extra = {"If-Match": f'"{version}"'} if version is not None else {}
    return client.post(f"/api/v1/appeals/{order_no}/{action}", json=body, headers=headers | extra)


def test_a_whole_lifecycle_through_the_api(client, db, city, make_key):
    operator, dispatcher = make_key("operator"), make_key("dispatcher")
    handler, visitor = make_key("handler", "street"), make_key("visitor")
    created = client.post(
        "/api/v1/appeals",
        headers=operator,
        json={
            "appeal_type": "help",
            "content": "和平里小区3号楼门口的路灯坏了一周。",
            "appellant_phone": "13900004444",
            "community_id": city.units["community"].id,
        },
    )
    order_no, version = created.json()["order_no"], created.json()["version"]
    steps = [
        (dispatcher, "dispatch", {"lead_unit": city.units["street"].code, "co_units": [city.units["urban"].code]}),
        (handler, "sign", None),
        (handler, "contact", {"note": "已电话联系诉求人，约定明天上门"}),
        (handler, "reply", {"text": "路灯已更换灯泡，恢复照明。"}),
        (visitor, "visit", {"contacted": True, "solved": True, "satisfaction": "satisfied"}),
    ]
    for headers, action, body in steps:
        response = act(client, headers, order_no, action, body, version=version)
        assert response.status_code == 200, (action, response.text)
        assert response.json()["version"] > version
        assert response.headers["etag"] == f'"{response.json()["version"]}"'
        version = response.json()["version"]
    final = client.get(f"/api/v1/appeals/{order_no}", headers=dispatcher).json()
    assert final["status"] == "closed" and final["satisfaction"] == "satisfied"
    assert final["co_units"][0]["code"] == city.units["urban"].code
    kinds = [step["kind"] for step in final["timeline"]]
    assert kinds[:5] == ["submitted", "dispatched", "signed", "contacted", "replied"] and "closed" in kinds


def test_a_stale_version_gets_409_and_changes_nothing(client, db, city, make_key):
    appeal = new_appeal(db, city)
    stale = appeal.version
    dispatch_appeal(db, appeal, city.units["street"], actor=city.users["dispatcher"])
    response = act(client, make_key("handler", "street"), appeal, "sign", version=stale)
    assert response.status_code == 409 and response.json()["code"] == "stale_version"
    db.refresh(appeal)
    assert str(appeal.status) == "dispatched"
    in_body = act(client, make_key("handler", "street"), appeal, "sign", {"version": stale})
    assert in_body.status_code == 409
    fresh = act(client, make_key("handler", "street"), appeal, "sign", version=appeal.version)
    assert fresh.status_code == 200 and fresh.json()["status"] == "in_progress"


def test_an_action_lost_to_a_redispatch_is_a_stale_409_not_a_403(client, db, city, make_key):
    from lianxin.appeals.service import redispatch_appeal

    appeal = new_appeal(db, city)
    dispatch_appeal(db, appeal, city.units["street"], actor=city.users["dispatcher"])
    old = appeal.version
    redispatch_appeal(db, appeal, city.units["street2"], actor=city.users["dispatcher"], note="属安定街道辖区")
    handler = make_key("handler", "street")
    for response in (
        act(client, handler, appeal, "sign", version=old),
        act(client, handler, appeal, "sign", {"version": old}),
    ):
        assert response.status_code == 409 and response.json()["code"] == "stale_version", response.text
    db.refresh(appeal)
    assert str(appeal.status) == "dispatched" and appeal.signed_at is None
    assert act(client, handler, appeal, "sign", version=appeal.version).status_code == 403  # current version: the role


def test_illegal_transitions_get_409_and_bad_input_422(client, db, city, make_key):
    appeal = new_appeal(db, city)
    handler = make_key("handler", "street")
    dispatcher = make_key("dispatcher")
    closed = act(client, dispatcher, appeal, "close")
    assert closed.status_code == 409 and closed.json()["code"] == "illegal_transition"
    unknown_unit = act(client, dispatcher, appeal, "dispatch", {"lead_unit": "NOPE"})
    assert unknown_unit.status_code == 422 and unknown_unit.json()["field"] == "lead_unit"
    extra_field = act(client, dispatcher, appeal, "dispatch", {"lead_unit": city.units["street"].code, "boss": 1})
    assert extra_field.status_code == 422 and extra_field.json()["field"] == "boss"
    assert act(client, handler, appeal, "sign").status_code == 403  # not dispatched to it: outside its units
    assert act(client, dispatcher, appeal, "note", {"note": "备注内容"}).status_code == 200
    garbage = client.post(
        f"/api/v1/appeals/{appeal.order_no}/note",
        json={"note": "备注内容"},
        headers=dispatcher | {"If-Match": "yesterday"},
    )
    assert garbage.status_code == 422 and garbage.json()["field"] == "If-Match"
    assert act(client, dispatcher, "20990101999999", "sign").status_code == 404


def test_a_handler_cannot_dispatch_and_gets_a_bilingual_403(client, db, city, make_key):
    appeal = new_appeal(db, city)
    dispatch_appeal(db, appeal, city.units["street"], actor=city.users["dispatcher"])
    response = act(
        client,
        make_key("handler", "street"),
        appeal,
        "redispatch",
        {"lead_unit": city.units["street2"].code, "note": "不归我们管"},
    )
    assert response.status_code == 403 and response.json()["message"] and response.json()["message_en"]


def test_return_extension_and_supervision_requests(client, db, city, make_key):
    appeal = new_appeal(db, city)
    dispatch_appeal(db, appeal, city.units["street"], actor=city.users["dispatcher"])
    handler, dispatcher, leader = make_key("handler", "street"), make_key("dispatcher"), make_key("leader", "district")
    asked = act(client, handler, appeal, "request-return", {"reason": "该问题属于市政部门职责范围"})
    request_id = asked.json()["pending_requests"][0]["id"]
    decided = act(
        client,
        dispatcher,
        appeal,
        "decide-return",
        {"request_id": request_id, "approve": True, "new_lead_unit": city.units["street2"].code},
    )
    assert decided.status_code == 200 and decided.json()["lead_unit"]["code"] == city.units["street2"].code
    other = make_key("handler", "street2")
    assert act(client, other, appeal, "sign").status_code == 200
    assert act(client, leader, appeal, "urge", {"note": "请尽快处理"}).status_code == 200
    supervised = act(client, dispatcher, appeal, "supervise", {"note": "挂牌督办", "listed": True})
    assert supervised.json()["supervision_level"] == 3
    due = utcnow() + timedelta(days=30)
    extension = act(
        client, other, appeal, "request-extension", {"reason": "需协调施工队进场维修", "new_due_at": due.isoformat()}
    )
    assert extension.status_code == 200, extension.text
    ext_id = extension.json()["pending_requests"][0]["id"]
    assert act(client, dispatcher, appeal, "decide-return", {"request_id": 999999, "approve": True}).status_code == 404
    approved = act(client, dispatcher, appeal, "decide-extension", {"request_id": ext_id, "approve": True})
    assert approved.status_code == 200 and approved.json()["extension_count"] == 1
    naive = act(
        client, other, appeal, "request-extension", {"reason": "需要更多时间处理", "new_due_at": "2030-01-01T00:00:00"}
    )
    assert naive.status_code == 422 and naive.json()["field"] == "new_due_at"


def test_whistle_report_defer_and_merge(client, db, city, make_key):
    appeal = new_appeal(db, city)
    dispatch_appeal(db, appeal, city.units["street"], actor=city.users["dispatcher"])
    handler = city.users["street_handler"]
    sign_appeal(db, appeal, actor=handler)
    record_contact(db, appeal, actor=handler, note="已联系诉求人")
    street = make_key("handler", "street")
    whistled = act(client, street, appeal, "whistle", {"departments": [city.units["urban"].code], "note": "需城管配合"})
    assert whistled.status_code == 200, whistled.text
    report = act(
        client,
        make_key("handler", "urban"),
        appeal,
        "report",
        {"unit": city.units["urban"].code, "text": "已安排执法队员到场"},
    )
    assert report.status_code == 200, report.text
    target = (utcnow() + timedelta(days=60)).date().isoformat()
    deferred = act(
        client, street, appeal, "defer", {"plan": "纳入明年道路改造计划", "reason": "需整体改造", "target_date": target}
    )
    assert deferred.status_code == 200 and deferred.json()["status"] == "deferred"
    cleared = act(client, street, appeal, "clear-deferral", {"reply": "道路改造完成，路灯已恢复。"})
    assert cleared.json()["status"] == "replied"
    duplicate, main = new_appeal(db, city), new_appeal(db, city)
    merged = act(client, make_key("dispatcher"), duplicate, "merge", {"into": main.order_no})
    assert merged.status_code == 200 and merged.json()["status"] == "merged"


def test_an_action_retried_with_its_idempotency_key_acts_once(client, db, city, make_key):
    appeal = new_appeal(db, city)
    headers = make_key("dispatcher") | {"Idempotency-Key": "note-1"}
    first = act(client, headers, appeal, "note", {"note": "第一次备注"})
    again = act(client, headers, appeal, "note", {"note": "第一次备注"})
    assert first.json() == again.json()
    detail = client.get(f"/api/v1/appeals/{appeal.order_no}", headers=make_key("dispatcher")).json()
    assert [s["kind"] for s in detail["timeline"]].count("noted") == 1


def test_reviewing_a_deferral_that_does_not_exist_is_an_illegal_transition(client, db, city, make_key):
    appeal = new_appeal(db, city)
    response = act(client, make_key("dispatcher"), appeal, "review-deferral", {"note": "复核进展"})
    assert response.status_code == 409 and response.json()["code"] == "illegal_transition"


def test_ids_too_large_for_any_row_are_422_not_500(client, make_key):
    admin = make_key("admin", "city")
    assert client.get("/api/v1/webhooks/20854399122778631816628666368/deliveries", headers=admin).status_code == 422
    body = {
        "appeal_type": "help",
        "content": "路灯坏了一个星期了。",
        "appellant_phone": "13900001111",
        "category_id": 2**70,
    }
    response = client.post("/api/v1/appeals", json=body, headers=make_key("operator"))
    assert response.status_code == 422 and response.json()["field"] == "category_id"
