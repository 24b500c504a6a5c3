"""/api/v1/volunteers/me: a resident volunteer's own API by the resident sign-in (JSON writes only)."""

from __future__ import annotations

from datetime import timedelta

from lianxin.points import service as points
from lianxin.volunteers import qr
from lianxin.volunteers import service as svc
from lianxin.wishes.models import MemberKind
from lianxin.wishes.people import create_member
from tests.volunteers.conftest import START
from tests.volunteers.test_households import _resident

PHONE = "13600003333"
API = "/api/v1/volunteers/me"


def test_a_resident_volunteer_uses_the_api(client, db, city, vol, clock, settings):
    assert client.get(API).status_code == 401
    _resident(client, db, city, settings, "13600004444")  # signed in, not registered
    stranger = client.get(API).json()
    assert stranger["registered"] is False and stranger["accounts"] == [] and stranger["enrollments"] == []
    assert client.post(f"{API}/activities/{vol.activity.id}/signup", json={}).status_code == 422
    member = create_member(db, jurisdiction_id=city.jid, name="陈芳", phone=PHONE, kind=MemberKind.VOLUNTEER)
    _resident(client, db, city, settings, PHONE)
    form = client.post(f"{API}/activities/{vol.activity.id}/signup", data={"x": "1"})
    assert form.status_code == 403  # a form post (cross-site) is refused
    done = client.post(f"{API}/activities/{vol.activity.id}/signup", json={})
    assert done.status_code == 201 and done.json()["status"] == "enrolled", done.text
    assert client.post(f"{API}/activities/{vol.activity.id}/signup", json={}).status_code == 409
    clock.move_to(START - timedelta(minutes=10))
    scan = client.post(f"{API}/checkin", json={"code": qr.make_code(settings, vol.activity.id, "in")})
    assert scan.status_code == 200 and scan.json()["status"] == "checked_in"
    assert client.post(f"{API}/checkin", json={"code": "forged"}).status_code in (404, 422)
    clock.move_to(START + timedelta(hours=3))
    client.post(f"{API}/checkin", json={"code": qr.make_code(settings, vol.activity.id, "out")})
    row = svc.my_enrollments(db, member)[0]
    svc.confirm_attendance(db, row, actor=vol.organiser)
    mine = client.get(API).json()
    assert mine["registered"] and mine["name"] == "陈芳" and mine["hours"] == 3.2
    assert mine["accounts"][0]["balance"] == points.member_account(db, member).balance > 0
    assert mine["records"][0]["activity"] == "清理楼道小广告"


def test_cancel_through_the_api(client, db, city, vol, settings):
    create_member(db, jurisdiction_id=city.jid, name="陈芳", phone=PHONE, kind=MemberKind.VOLUNTEER)
    _resident(client, db, city, settings, PHONE)
    row = client.post(f"{API}/activities/{vol.activity.id}/signup", json={}).json()
    alices = svc.sign_up(db, vol.activity, vol.alice, actor=None)
    assert client.post(f"{API}/enrollments/{alices.id}/cancel", json={}).status_code == 403
    done = client.post(f"{API}/enrollments/{row['id']}/cancel", json={})
    assert done.status_code == 200 and done.json()["status"] == "cancelled"
