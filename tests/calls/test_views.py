"""The pages: the desk pops the ringing call with the caller's appeals (only within scope), the intake is linked
to the call, the recording link shows to the roles that may hear it only, hand-over and transfer in one click,
the expert queue, and nothing of it when the module is off."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from lianxin.app import create_app
from lianxin.appeals.models import Appeal
from lianxin.appeals.service import dispatch_appeal
from lianxin.calls.models import ExpertItem
from lianxin.calls.service import get_call, record_switch_event
from lianxin.web.deps import get_session
from tests.calls.test_service import ring
from tests.factories import PASSWORD, build_city, new_appeal
from tests.helpers import csrf_from, login

HX = {"HX-Request": "true"}


def sign_in(client, city, key):
    login(client, city.users[key].username, PASSWORD)


def intake(client, **fields):
    page = client.get("/staff/intake")
    key = re.search(r'name="intake_key" value="([0-9a-f]{32})"', page.text).group(1)
    data = {
        "csrf_token": csrf_from(client, "/staff/intake"),
        "intake_key": key,
        "appellant_phone": "13800138000",
        "appeal_type": "help",
        "channel": "hotline",
        "content": "小区门口的路灯坏了一周，晚上很黑。",
        "disposition": "dispatch",
    } | fields
    return client.post("/staff/intake", data=data, follow_redirects=False)


def test_a_ringing_call_pops_the_callers_appeals_within_scope(client, db, phones):
    earlier = new_appeal(db, phones)  # 13800138000
    other_city = build_city(db)
    elsewhere = new_appeal(db, other_city)  # the same phone, another jurisdiction
    sign_in(client, phones, "operator")
    page = client.get("/staff/intake")
    assert 'hx-get="/staff/calls/desk"' in page.text and 'hx-trigger="load, every 2s"' in page.text
    assert "当前座席暂无来电" in client.get("/staff/calls/desk", headers=HX).text
    ring(db, phones, "v1", dialled="12333", until="ringing")
    panel = client.get("/staff/calls/desk", headers=HX)
    assert panel.status_code == 200 and "13800138000" in panel.text and "振铃中" in panel.text
    assert earlier.order_no in panel.text and elsewhere.order_no not in panel.text
    assert 'name="call_id" value="v1" form="intake-form"' in panel.text
    assert 'data-channel="hotline"' in panel.text and "人社服务热线" in panel.text and "data-category=" in panel.text
    seen = re.search(r'id="call-seen" value="([^"]+)"', panel.text).group(1)
    assert client.get("/staff/calls/desk", params={"seen": seen}, headers=HX).status_code == 204
    record_switch_event(db, phones.jid, call_id="v1", event="answered")
    assert "通话中" in client.get("/staff/calls/desk", params={"seen": seen}, headers=HX).text
    assert "Current call" in client.get("/staff/intake?lang=en").text


def test_the_intake_is_linked_and_the_recording_shows_only_to_those_who_may_hear_it(client, db, phones):
    ring(db, phones, "v2", until="ended")
    sign_in(client, phones, "operator")
    saved = intake(client, call_id="v2")
    assert saved.status_code == 303, saved.text
    call = get_call(db, phones.jid, "v2")
    appeal = db.get(Appeal, call.appeal_id)
    assert appeal is not None and saved.headers["location"].endswith(appeal.order_no)
    assert f'hx-get="/staff/calls/appeal/{appeal.order_no}"' in client.get(f"/staff/appeals/{appeal.order_no}").text
    box = client.get(f"/staff/calls/appeal/{appeal.order_no}", headers=HX)
    assert "/staff/calls/v2/recording" in box.text and "收听录音" in box.text
    heard = client.get("/staff/calls/v2/recording", follow_redirects=False)
    assert heard.status_code == 303 and heard.headers["location"] == "/staff/calls/no-player?ref=rec%2Fv2.wav"
    dispatch_appeal(db, appeal, phones.units["street"], actor=phones.users["dispatcher"])
    for key, hears in (("visitor", True), ("leader", True), ("street_handler", False)):
        with TestClient(client.app) as other:
            sign_in(other, phones, key)
            assert other.get(f"/staff/appeals/{appeal.order_no}").status_code == 200  # they all see the appeal
            box = other.get(f"/staff/calls/appeal/{appeal.order_no}", headers=HX)
            assert ("/staff/calls/v2/recording" in box.text) is hears, key
            if key == "leader":
                assert "138****8000" in box.text and "13800138000" not in box.text  # leaders see no phone numbers
            assert (other.get("/staff/calls/v2/recording", follow_redirects=False).status_code == 303) is hears, key


def test_an_unknown_call_on_the_form_is_a_clear_error_and_saves_nothing(client, db, phones):
    sign_in(client, phones, "operator")
    before = db.scalar(select(Appeal.id).order_by(Appeal.id.desc()).limit(1))
    refused = intake(client, call_id="ghost")
    assert refused.status_code == 422 and "来电不存在" in refused.text
    assert db.scalar(select(Appeal.id).order_by(Appeal.id.desc()).limit(1)) == before


def test_hand_over_and_utility_transfer_are_one_click_on_the_desk(client, db, phones):
    ring(db, phones, "v3", until="answered")
    sign_in(client, phones, "operator")
    token = csrf_from(client, "/staff/intake")
    panel = client.post("/staff/calls/v3/expert", data={"skill": "medical", "csrf_token": token}, headers=HX)
    assert panel.status_code == 200 and "已转专家座席：医保" in panel.text
    panel = client.post("/staff/calls/v3/transfer", data={"number": "96116", "csrf_token": token}, headers=HX)
    assert "已转接 96116" in panel.text
    refused = client.post("/staff/calls/v3/transfer", data={"number": "12333", "csrf_token": token}, headers=HX)
    assert "请选择公共服务企业热线" in refused.text
    with TestClient(client.app) as expert:
        sign_in(expert, phones, "expert")
        queue = expert.get("/staff/calls/expert")
        assert queue.status_code == 200 and "v3" in queue.text and "话务员转交" in queue.text
        item = db.scalar(select(ExpertItem).where(ExpertItem.call_id == "v3"))
        took = expert.post(
            f"/staff/calls/expert/{item.id}/take",
            data={"csrf_token": csrf_from(expert, "/staff/calls/expert")},
            follow_redirects=False,
        )
        assert took.status_code == 303 and item.state.value == "taken"
    assert "您不是专家座席" in client.get("/staff/calls/expert").text


def test_an_intake_of_a_configured_category_reaches_the_expert_queue_page(client, db, phones):
    from lianxin.defaults import category_by_path

    medical = category_by_path(db, phones.jid, "劳动和社会保障/社会保险/医疗保险")
    sign_in(client, phones, "operator")
    assert intake(client, category_id=str(medical.id), content="医保异地就医备案怎么办理？").status_code == 303
    with TestClient(client.app) as expert:
        sign_in(expert, phones, "expert")
        assert "按分类转专家" in expert.get("/staff/calls/expert").text


@pytest.fixture
def without_calls(db, settings, city):
    off = settings.model_copy(update={"modules": "-calls"})
    app = create_app(off)
    app.dependency_overrides[get_session] = lambda: db
    db.info["settings"] = off  # what the app's own sessions carry: the hooks read the enabled modules from it
    with TestClient(app) as client:
        yield client
    db.info["settings"] = settings


def test_switched_off_the_desk_has_no_panel_and_the_pages_are_gone(without_calls, db, phones):
    sign_in(without_calls, phones, "operator")
    assert "/staff/calls/desk" not in without_calls.get("/staff/intake").text
    assert without_calls.get("/staff/calls/desk").status_code == 404
    assert without_calls.post("/api/v1/calls/events", json={}).status_code == 404
    ring(db, phones, "v4", until="answered")
    assert intake(without_calls, call_id="v4").status_code == 303  # the hook does not run: nothing is linked
    assert get_call(db, phones.jid, "v4").appeal_id is None


def test_the_admin_edits_the_hotline_table_seats_and_domains(client, db, phones):
    from lianxin.calls.models import CallHotline
    from lianxin.calls.service import skills_of
    from lianxin.defaults import category_by_path

    sign_in(client, phones, "admin")
    page = client.get("/admin/calls")
    assert page.status_code == 200 and "12333" in page.text and "自来水服务热线" in page.text
    assert "Hotline table" in client.get("/admin/calls?lang=en").text
    assert "修改热线" in client.get("/admin/calls?number=12329&lang=zh").text
    token = csrf_from(client, "/admin/calls")
    price = category_by_path(db, phones.jid, "市场管理/价格监管")
    saved = client.post(
        "/admin/calls/hotlines",
        data={
            "csrf_token": token,
            "number": "12358",
            "kind": "merged",
            "name_zh": "价格举报热线",
            "name_en": "Price hotline",
            "channel": "hotline",
            "category_id": str(price.id),
            "active": "1",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303
    line = db.get(CallHotline, (phones.jid, "12358"))
    assert line.default_category_id == price.id and line.name_en == "Price hotline"
    bad = client.post(
        "/admin/calls/hotlines", data={"csrf_token": token, "number": "not-a-number!", "kind": "merged", "name_zh": "x"}
    )
    assert bad.status_code == 422 and "号码格式不正确" in bad.text
    operator = phones.users["operator"]
    done = client.post(
        "/admin/calls/operators",
        data={"csrf_token": token, "user_id": str(operator.id), "seat": "8101", "skills": ["tax", "market"]},
        follow_redirects=False,
    )
    assert done.status_code == 303 and skills_of(db, operator) == ["market", "tax"]
    refused = client.post(
        "/admin/calls/operators",
        data={"csrf_token": token, "user_id": str(phones.users["street_handler"].id), "skills": ["tax"]},
    )
    assert refused.status_code == 422 and "只有话务员或派单员" in refused.text
    with TestClient(client.app) as other:
        sign_in(other, phones, "operator")
        assert other.get("/admin/calls").status_code == 403
