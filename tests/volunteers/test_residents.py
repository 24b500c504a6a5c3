"""Volunteers are residents first: a volunteer signs in with phone and code (linked to their registration at
that moment), is sent back to the page that asked (the QR code's check-in), signs up, checks in and out,
cancels and downloads their certificate without a staff login; a staff login with the member's phone is linked
at sign-in too."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from lianxin.volunteers import qr
from lianxin.volunteers import service as svc
from lianxin.volunteers.models import Enrollment
from lianxin.volunteers.status import EnrollmentStatus as E
from lianxin.wishes.models import MemberKind
from lianxin.wishes.people import create_member, link_resident, link_user
from tests.factories import PASSWORD
from tests.helpers import csrf_from, login
from tests.residents.test_accounts import ask_code, last_code
from tests.volunteers.conftest import START

PHONE = "13600001111"


def sign_in_as_resident(client, db, phone: str, next_path: str = ""):
    client.cookies.clear()
    ask_code(client, phone)
    data = {"phone": phone, "code": last_code(db, phone), "csrf_token": csrf_from(client, "/me/login")}
    if next_path:
        data["next"] = next_path
    return client.post("/me/login", data=data, follow_redirects=False)


def post(client, path, data=None):
    return client.post(
        path, data={"csrf_token": csrf_from(client, "/me/login"), **(data or {})}, follow_redirects=False
    )


def test_a_resident_volunteer_signs_up_checks_in_and_gets_a_certificate(client, db, city, vol, clock, settings):
    carol = create_member(db, jurisdiction_id=city.jid, name="陈芳", phone=PHONE, kind=MemberKind.VOLUNTEER)
    assert carol.resident_account_id is None
    anonymous = client.get("/volunteer")
    assert "/me/login?next=/volunteer" in anonymous.text
    code = qr.make_code(settings, vol.activity.id, "in")
    asked = client.get(f"/volunteer/checkin/{code}", follow_redirects=False)
    assert asked.status_code == 303 and asked.headers["location"] == f"/me/login?next=/volunteer/checkin/{code}"
    login_page = client.get(asked.headers["location"])
    assert f'name="next" value="/volunteer/checkin/{code}"' in login_page.text
    done = sign_in_as_resident(client, db, PHONE, next_path="/volunteer")
    assert done.status_code == 303 and done.headers["location"] == "/volunteer"
    assert carol.resident_account_id is not None  # linked when the phone was proved
    page = client.get("/volunteer")
    assert "陈芳" in page.text and "我要报名" in page.text
    assert post(client, f"/volunteer/activities/{vol.activity.id}/signup").status_code == 303
    row = db.scalar(select(Enrollment).where(Enrollment.member_id == carol.id))
    assert row.status == E.ENROLLED and row.proxy_by_id is None
    clock.move_to(START - timedelta(minutes=5))
    code = qr.make_code(settings, vol.activity.id, "in")
    assert "确认签到" in client.get(f"/volunteer/checkin/{code}").text
    assert (
        "签到成功"
        in client.post(f"/volunteer/checkin/{code}", data={"csrf_token": csrf_from(client, "/me/login")}).text
    )
    clock.move_to(START + timedelta(hours=2))
    code = qr.make_code(settings, vol.activity.id, "out")
    assert (
        "125 分钟"
        in client.post(f"/volunteer/checkin/{code}", data={"csrf_token": csrf_from(client, "/me/login")}).text
    )
    clock.move_to(START + timedelta(hours=3))
    record = svc.confirm_attendance(db, row, actor=vol.organiser, evaluation="优秀")
    page = client.get("/volunteer")
    assert record.certificate_no in page.text
    pdf = client.get(f"/volunteer/records/{record.id}/certificate.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    mine = client.get("/points/me")
    assert "陈芳" in mine.text and "志愿服务时长" in mine.text


def test_a_resident_cancels_only_their_own_sign_up(client, db, city, vol):
    create_member(db, jurisdiction_id=city.jid, name="陈芳", phone=PHONE, kind=MemberKind.VOLUNTEER)
    alices = svc.sign_up(db, vol.activity, vol.alice, actor=vol.alice_user)
    sign_in_as_resident(client, db, PHONE)
    refused = post(client, f"/volunteer/enrollments/{alices.id}/cancel")
    assert refused.status_code == 403 and alices.status == E.ENROLLED
    stranger = "13600002222"
    sign_in_as_resident(client, db, stranger)
    page = client.get("/volunteer")
    assert "还不是登记的志愿者" in page.text
    assert post(client, f"/volunteer/activities/{vol.activity.id}/signup").status_code == 422
    client.cookies.clear()
    assert post(client, f"/volunteer/activities/{vol.activity.id}/signup").headers["location"].startswith("/me/login")
    assert post(client, f"/volunteer/enrollments/{alices.id}/cancel").status_code == 303
    assert client.get("/volunteer/records/1/certificate.pdf", follow_redirects=False).status_code == 303
    sign_in_as_resident(client, db, PHONE)
    carol_row = svc.sign_up(db, vol.activity, svc_member(db, city, PHONE), actor=None)
    assert post(client, f"/volunteer/enrollments/{carol_row.id}/cancel").status_code == 303
    assert carol_row.status == E.CANCELLED


def svc_member(db, city, phone):
    from lianxin.wishes.models import Member

    return db.scalar(select(Member).where(Member.jurisdiction_id == city.jid, Member.phone == phone))


def test_a_staff_login_with_the_members_phone_is_linked_at_sign_in(client, db, city, vol):
    user = city.users["operator"]
    user.phone = PHONE
    member = create_member(db, jurisdiction_id=city.jid, name="周敏", phone=PHONE, kind=MemberKind.VOLUNTEER)
    login(client, user.username, PASSWORD)
    assert member.user_id == user.id
    assert "周敏" in client.get("/volunteer").text
    assert link_user(db, user) is None  # already linked: nothing more
    user.phone = None
    assert link_user(db, vol.organiser) is None  # no phone, no link


def test_links_are_made_once(db, city, vol):
    from lianxin.clock import utcnow
    from lianxin.residents.models import ResidentAccount

    account = ResidentAccount(
        jurisdiction_id=city.jid, phone=vol.alice.phone, verified_at=utcnow(), last_login_at=utcnow()
    )
    db.add(account)
    db.flush()
    assert link_resident(db, account) == vol.alice and vol.alice.resident_account_id == account.id
    assert link_resident(db, account) is None


def test_the_resident_login_refuses_a_foreign_next(client, db):
    page = client.get("/me/login?next=//evil.example/x")
    assert 'value="//evil' not in page.text
    assert re.search(r'name="next" value="/"', page.text)
