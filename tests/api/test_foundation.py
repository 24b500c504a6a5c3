"""The API's foundation: authentication, the one error shape, scoping, idempotency, OpenAPI."""

from __future__ import annotations

import base64
import json

import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import func, select
from starlette.middleware.sessions import SessionMiddleware

from lianxin.api.keys import authenticate, revoke_api_key
from lianxin.appeals.models import Appeal, AppealEvent
from lianxin.appeals.service import dispatch_appeal
from tests.factories import build_city, new_appeal

APPEAL = {
    "appeal_type": "help",
    "content": "和平里小区3号楼门口的路灯坏了一周，晚上很黑。",
    "appellant_name": "李四",
    "appellant_phone": "13900001111",
    "address": "和平里小区3号楼",
}


def test_an_operator_key_creates_an_appeal_that_the_service_recorded(client, db, make_key):
    response = client.post("/api/v1/appeals", json=APPEAL, headers=make_key("operator"))
    assert response.status_code == 201, response.text
    body = response.json()
    appeal = db.scalar(select(Appeal).where(Appeal.order_no == body["order_no"]))
    assert appeal.content == APPEAL["content"] and str(appeal.channel) == "api"
    assert body["status"] == "received" and body["status_label"] == "已受理"
    assert body["appellant_phone"] == "13900001111" and body["personal_data_masked"] is False
    assert [e.kind for e in db.scalars(select(AppealEvent).where(AppealEvent.appeal_id == appeal.id))] == ["submitted"]


def test_the_channel_defaults_to_the_keys_channel_and_can_be_given(client, make_key):
    headers = make_key("operator", channel="mini_program")
    assert client.post("/api/v1/appeals", json=APPEAL, headers=headers).json()["channel"] == "mini_program"
    given = client.post("/api/v1/appeals", json=APPEAL | {"channel": "hotline"}, headers=headers)
    assert given.json()["channel"] == "hotline"


def test_x_api_key_header_works_and_last_used_at_is_recorded(client, db, make_key):
    headers = make_key("operator", header="x-api-key")
    assert client.post("/api/v1/appeals", json=APPEAL, headers=headers).status_code == 201
    key = authenticate(db, headers["X-API-Key"])
    assert key.last_used_at is not None


def test_get_returns_the_timeline_and_an_etag_with_the_version(client, db, city, make_key):
    appeal = new_appeal(db, city)
    dispatch_appeal(db, appeal, city.units["street"], actor=city.users["dispatcher"])
    response = client.get(f"/api/v1/appeals/{appeal.order_no}", headers=make_key("dispatcher"))
    assert response.status_code == 200
    body = response.json()
    assert response.headers["etag"] == f'"{appeal.version}"' and body["version"] == appeal.version
    assert [step["kind"] for step in body["timeline"]] == ["submitted", "dispatched"]
    assert body["lead_unit"]["name"] == "和平街道" and "sign" in body["allowed_actions"]


def test_a_handler_outside_the_lead_unit_sees_masked_data_only_where_allowed(client, db, city, make_key):
    appeal = new_appeal(db, city)
    dispatch_appeal(db, appeal, city.units["street"], actor=city.users["dispatcher"])
    lead = client.get(f"/api/v1/appeals/{appeal.order_no}", headers=make_key("handler", "street")).json()
    assert lead["appellant_phone"] == "13800138000"
    district = client.get(f"/api/v1/appeals/{appeal.order_no}", headers=make_key("leader", "district")).json()
    assert district["appellant_phone"] == "138****8000" and district["appellant_name"] == "张*"
    assert district["personal_data_masked"] is True
    outsider = client.get(f"/api/v1/appeals/{appeal.order_no}", headers=make_key("handler", "street2"))
    assert outsider.status_code == 403 and outsider.json()["code"] == "forbidden"


def test_an_appeal_of_another_jurisdiction_is_not_found(client, db, city, make_key):
    other = build_city(db)
    appeal = new_appeal(db, other)
    response = client.get(f"/api/v1/appeals/{appeal.order_no}", headers=make_key("dispatcher"))
    assert response.status_code == 404 and response.json()["field"] == "order_no"


def test_validation_errors_have_the_one_shape_with_chinese_english_and_field(client, make_key):
    response = client.post("/api/v1/appeals", json=APPEAL | {"content": "短"}, headers=make_key("operator"))
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid" and body["field"] == "content"
    assert body["message"] and body["message_en"] and body["message"] != body["message_en"]
    missing = client.post(
        "/api/v1/appeals", json={"content": "路灯坏了一个星期了"}, headers=make_key("operator")
    ).json()
    assert {d["field"] for d in missing["details"]} >= {"appeal_type"}
    broken = client.post(
        "/api/v1/appeals", content=b"{not json", headers=make_key("operator") | {"Content-Type": "application/json"}
    )
    assert broken.status_code == 422 and broken.json()["code"] == "invalid"


def test_domain_rules_come_from_the_service_as_bilingual_errors(client, make_key):
    response = client.post("/api/v1/appeals", json=APPEAL | {"appellant_phone": None}, headers=make_key("operator"))
    assert response.status_code == 422 and "电话" in response.json()["message"]
    no_role = client.post("/api/v1/appeals", json=APPEAL, headers=make_key(None))
    assert no_role.status_code == 403 and no_role.json()["code"] == "forbidden"


def test_unknown_paths_methods_and_missing_credentials_use_the_same_shape(client, make_key):
    unknown = client.get("/api/v1/nothing-here", headers=make_key("operator"))
    assert unknown.status_code == 404 and unknown.json()["code"] == "not_found"
    wrong_method = client.delete("/api/v1/appeals", headers=make_key("operator"))
    assert wrong_method.status_code == 405 and wrong_method.json()["code"] == "method_not_allowed"
    anonymous = client.post("/api/v1/appeals", json=APPEAL)
    assert anonymous.status_code == 401 and anonymous.json()["code"] == "unauthenticated"
    assert anonymous.headers["www-authenticate"] == "Bearer"
    forged = client.post(
        "/api/v1/appeals", json=APPEAL, headers={"Authorization": "Bearer lx_000000000000_" + "a" * 43}
    )
    assert forged.status_code == 401
    newline = client.post("/api/v1/appeals/A%0A1/terminate", headers=make_key("operator"))  # no mount matches it
    assert newline.status_code == 404 and newline.json()["code"] == "not_found"


def test_a_revoked_key_stops_working_at_once(client, db, make_key):
    headers = make_key("operator")
    key = authenticate(db, headers["Authorization"].removeprefix("Bearer "))
    revoke_api_key(db, key)
    response = client.post("/api/v1/appeals", json=APPEAL, headers=headers)
    assert response.status_code == 401 and "吊销" in response.json()["message"]


def test_the_browser_session_authenticates_too(app, db, city, settings):
    from fastapi.testclient import TestClient

    app.add_middleware(SessionMiddleware, secret_key=settings.secret_key, session_cookie="lianxin_session")
    payload = base64.b64encode(json.dumps({"uid": city.users["operator"].id}).encode())
    cookie = TimestampSigner(settings.secret_key).sign(payload).decode()
    with TestClient(app, cookies={"lianxin_session": cookie}) as client:
        response = client.post("/api/v1/appeals", json=APPEAL)
    assert response.status_code == 201
    appeal = db.scalar(select(Appeal).where(Appeal.order_no == response.json()["order_no"]))
    assert appeal.received_by_id == city.users["operator"].id


def test_a_retry_with_the_same_idempotency_key_replays_the_first_response(client, db, make_key):
    headers = make_key("operator") | {"Idempotency-Key": "intake-42"}
    before = db.scalar(select(func.count()).select_from(Appeal))
    first = client.post("/api/v1/appeals", json=APPEAL, headers=headers)
    again = client.post("/api/v1/appeals", json=APPEAL, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    assert db.scalar(select(func.count()).select_from(Appeal)) == before + 1


def test_the_same_idempotency_key_with_another_body_is_refused(client, make_key):
    headers = make_key("operator") | {"Idempotency-Key": "intake-43"}
    assert client.post("/api/v1/appeals", json=APPEAL, headers=headers).status_code == 201
    other = client.post("/api/v1/appeals", json=APPEAL | {"address": "另一处"}, headers=headers)
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"


def test_idempotency_keys_are_per_client_and_a_failed_request_is_not_remembered(client, make_key):
    one, two = make_key("operator"), make_key("operator")
    bad = client.post("/api/v1/appeals", json=APPEAL | {"content": "短"}, headers=one | {"Idempotency-Key": "k"})
    assert bad.status_code == 422
    good = client.post("/api/v1/appeals", json=APPEAL, headers=one | {"Idempotency-Key": "k"})
    assert good.status_code == 201 and "idempotent-replayed" not in good.headers
    other_client = client.post("/api/v1/appeals", json=APPEAL, headers=two | {"Idempotency-Key": "k"})
    assert other_client.status_code == 201 and other_client.json()["order_no"] != good.json()["order_no"]


def test_openapi_and_docs_are_served_without_any_cdn(client, make_key, db, city):
    assert client.get("/api/openapi.json").status_code == 401  # staff and API keys only (issue 10 §4)
    spec = client.get("/api/openapi.json", headers=make_key())
    assert spec.status_code == 200 and "/v1/appeals" in spec.json()["paths"]
    assert spec.json()["servers"] == [{"url": "/api"}]  # the paths are relative to the mount: clients call /api/v1/...
    from tests.factories import PASSWORD
    from tests.helpers import login

    login(client, city.users["operator"].username, PASSWORD)  # the docs page is for signed-in staff
    docs = client.get("/api/docs")
    assert docs.status_code == 200 and "cdn" not in docs.text and "/api/docs-static/swagger-ui-bundle.js" in docs.text
    assert client.get("/api/docs-static/swagger-ui-bundle.js").status_code == 200
    assert set(spec.json()["components"]["securitySchemes"]) == {"HTTPBearer", "APIKeyHeader"}


def test_a_session_write_must_be_json_so_a_cross_site_form_cannot_act(app, city, settings):
    from fastapi.testclient import TestClient

    app.add_middleware(SessionMiddleware, secret_key=settings.secret_key, session_cookie="lianxin_session")
    payload = base64.b64encode(json.dumps({"uid": city.users["operator"].id}).encode())
    cookie = TimestampSigner(settings.secret_key).sign(payload).decode()
    with TestClient(app, cookies={"lianxin_session": cookie}) as client:
        response = client.post("/api/v1/appeals", content=json.dumps(APPEAL), headers={"Content-Type": "text/plain"})
    assert response.status_code == 403 and "JSON" in response.json()["message"]


def test_a_body_that_is_not_utf8_json_gets_422(client, make_key):
    headers = make_key("operator") | {"Content-Type": "application/json"}
    for body in (b'\xff\xfe{"a"', b"}\x8dw\x8dw&"):
        response = client.post("/api/v1/appeals", content=body, headers=headers)
        assert response.status_code == 422 and response.json()["field"] == "body"


@pytest.mark.parametrize(
    "path",
    ["/api/v1/topics/227555564780631328030720/status", "/api/v1/knowledge/entries/227555564780631328030720/answer"],
)
def test_an_id_beyond_any_integer_column_is_bad_input_not_a_server_error(client, make_key, path):
    response = client.post(path, json={"status": "active", "answer": "见政策"}, headers=make_key("admin"))
    assert response.status_code in (404, 422), response.text  # SQLite cannot bind it (422); PostgreSQL finds nothing
    body = response.json()
    assert body["code"] in ("invalid", "not_found") and body["message"] and body["message_en"]


def test_an_api_key_request_is_logged_with_the_keys_user(client, db, make_key, caplog):
    import logging

    from lianxin.api.models import ApiKey
    from lianxin.logs import configure

    headers = make_key("operator")
    caplog.set_level(logging.INFO, logger="lianxin")
    logging.getLogger("lianxin").propagate = True
    try:
        response = client.post("/api/v1/appeals", json=APPEAL, headers=headers)
        assert response.status_code == 201
        [fields] = {json.dumps(r.lianxin_fields, sort_keys=True) for r in caplog.records if r.name == "lianxin.request"}
        assert "Traceback" not in caplog.text
        key_user = db.scalars(select(ApiKey.user_id).order_by(ApiKey.id.desc())).first()
        assert json.loads(fields)["user"] == key_user is not None
    finally:
        configure()
