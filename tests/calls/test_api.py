"""POST /api/v1/calls/events: the switch's token, validation, idempotency and the state machine's refusals."""

from __future__ import annotations

import pytest

from lianxin.app import create_app
from lianxin.calls.service import get_call
from lianxin.web.deps import get_session

TOKEN = "cti-secret-token-123"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def app(db, settings, city):
    app = create_app(settings.model_copy(update={"cti_token": TOKEN, "public_jurisdiction": city.jurisdiction.code}))
    app.dependency_overrides[get_session] = lambda: db
    return app


def post(client, body, headers=AUTH):
    return client.post("/api/v1/calls/events", json=body, headers=headers)


def ringing(city, call_id="api-1", **extra):
    return {
        "call_id": call_id,
        "event": "ringing",
        "caller": "13800138000",
        "seat": "8001",
        "jurisdiction": city.jurisdiction.code,
    } | extra


def test_a_wrong_or_missing_token_is_refused(client, db, phones):
    assert post(client, ringing(phones), headers={}).status_code == 401
    wrong = post(client, ringing(phones), headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401 and "CTI" in wrong.json()["message"]
    assert get_call(db, phones.jid, "api-1") is None


def test_a_call_rings_at_the_seat_and_a_retry_changes_nothing(client, db, phones):
    first = post(client, ringing(phones, dialled="12333"))
    assert first.status_code == 200, first.text
    assert first.json() == {
        "call_id": "api-1",
        "status": "ringing",
        "applied": True,
        "operator": phones.users["operator"].username,
        "hotline": "12333",
    }
    again = post(client, ringing(phones, dialled="12333"))
    assert again.status_code == 200 and again.json()["applied"] is False
    jur = phones.jurisdiction.code
    assert post(client, {"call_id": "api-1", "event": "answered", "jurisdiction": jur}).json()["status"] == "answered"
    ended = post(client, {"call_id": "api-1", "event": "ended", "recording_ref": "rec/a.wav", "jurisdiction": jur})
    assert ended.json()["status"] == "ended" and get_call(db, phones.jid, "api-1").recording_ref == "rec/a.wav"


def test_bad_payloads_are_422_with_a_clear_message_and_out_of_order_is_409(client, phones):
    missing = post(client, {"event": "ringing"})
    assert missing.status_code == 422 and "call_id" in missing.text
    unknown = post(client, ringing(phones, event="exploded"))
    assert unknown.status_code == 422 and "ringing" in unknown.json()["message_en"]
    no_caller = post(client, ringing(phones, caller=None))
    assert no_caller.status_code == 422 and no_caller.json()["field"] == "caller"
    early = post(client, {"call_id": "never", "event": "answered", "jurisdiction": phones.jurisdiction.code})
    assert early.status_code == 409 and "never rang" in early.json()["message_en"]
    nowhere = post(client, ringing(phones, jurisdiction="atlantis"))
    assert nowhere.status_code == 404


def test_the_endpoint_refuses_everything_when_no_token_is_configured(db, settings, city):
    from fastapi.testclient import TestClient

    app = create_app(settings)
    app.dependency_overrides[get_session] = lambda: db
    with TestClient(app) as client:
        assert post(client, ringing(city)).status_code == 401
