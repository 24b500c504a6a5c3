"""The served pages: health check, overview and the resident's tracking page."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from lianxin.app import create_app, get_session
from lianxin.appeals.service import add_note, dispatch_appeal, record_contact, reply_to_appeal, sign_appeal
from tests.factories import new_appeal


@pytest.fixture
def client(db, settings):
    app = create_app(settings)
    app.dependency_overrides[get_session] = lambda: db
    with TestClient(app) as client:
        yield client


def test_health_check_answers_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_home_page_shows_counts_by_status_in_chinese(client, db, city):
    new_appeal(db, city)
    page = client.get("/")
    assert page.status_code == 200
    assert "已受理" in page.text and "办结" in page.text


def test_resident_tracks_an_appeal_with_number_and_phone_and_never_sees_internal_notes(client, db, city):
    appeal = new_appeal(db, city)
    handler = city.users["street_handler"]
    dispatch_appeal(db, appeal, city.units["street"], actor=city.users["dispatcher"])
    sign_appeal(db, appeal, actor=handler)
    add_note(db, appeal, actor=handler, note="内部备注：此人多次来电")
    record_contact(db, appeal, actor=handler, note="已电话联系")
    reply_to_appeal(db, appeal, actor=handler, text="路灯已修复，感谢您的反映。")
    page = client.post("/track", data={"order_no": appeal.order_no, "phone": "13800138000"})
    assert page.status_code == 200
    assert "路灯已修复" in page.text and "和平街道" in page.text
    assert "内部备注" not in page.text
    steps = page.text[page.text.index('class="timeline"'):]
    assert steps.index("<strong>受理") < steps.index("<strong>派单") < steps.index("<strong>签收") < steps.index("<strong>答复")


def test_tracking_with_the_wrong_phone_finds_nothing(client, db, city):
    appeal = new_appeal(db, city)
    page = client.post("/track", data={"order_no": appeal.order_no, "phone": "13900000000"})
    assert page.status_code == 404
    assert "未找到工单" in page.text and appeal.title not in page.text
