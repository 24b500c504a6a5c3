"""Resident accounts: phone + one-time code through the outbox, every appeal of the phone in one list,
codes rate-limited per phone, wrong codes locked out, and a sign-in of its own apart from staff."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from lianxin.appeals.schemas import AppealCreate
from lianxin.appeals.service import submit_appeal
from lianxin.notify import Notification
from lianxin.residents.models import ResidentAccount
from lianxin.residents.service import normalize_phone
from tests.factories import PASSWORD
from tests.helpers import csrf_from, login

PHONE = "13912345678"


def file_appeal(db, city, phone: str, content: str):
    return submit_appeal(
        db,
        AppealCreate(
            jurisdiction_id=city.jurisdiction.id,
            channel="hotline",
            appeal_type="complaint",
            content=content,
            appellant_phone=phone,
        ),
        actor=None,
    )


def ask_code(client, phone: str = PHONE):
    return client.post("/me/login/code", data={"phone": phone, "csrf_token": csrf_from(client, "/me/login")})


def last_code(db, phone: str = PHONE) -> str:
    row = db.scalars(
        select(Notification)
        .where(Notification.kind == "login_code", Notification.recipient == phone)
        .order_by(Notification.id.desc())
    ).first()
    return re.search(r"验证码是 (\d{6})", row.message).group(1)


def enter(client, code: str, phone: str = PHONE):
    return client.post(
        "/me/login",
        data={"phone": phone, "code": code, "csrf_token": csrf_from(client, "/me/login")},
        follow_redirects=False,
    )


@pytest.mark.parametrize("raw, phone", [("139 1234 5678", PHONE), ("+8613912345678", PHONE), ("139-1234-5678", PHONE)])
def test_phone_numbers_are_normalised(raw, phone):
    assert normalize_phone(raw) == phone


def test_a_resident_signs_in_with_a_code_and_sees_every_appeal_of_the_phone(client, db, city):
    earlier = file_appeal(db, city, PHONE, "楼道里的灯坏了两个星期，晚上上下楼很危险。")
    other = file_appeal(db, city, "13700000000", "别人的诉求：小区门口垃圾没人清运。")
    assert client.get("/me", follow_redirects=False).headers["location"] == "/me/login"
    page = ask_code(client, "139 1234 5678")
    assert page.status_code == 200 and "验证码已发送" in page.text
    response = enter(client, last_code(db))
    assert response.status_code == 303 and response.headers["location"] == "/me"
    mine = client.get("/me").text
    assert earlier.order_no in mine and f"/t/{earlier.tracking_token}" in mine
    assert other.order_no not in mine
    assert "139****5678" in mine and PHONE not in mine
    account = db.scalar(select(ResidentAccount).where(ResidentAccount.phone == PHONE))
    assert account.verified_at is not None and account.real_name is None
    later = file_appeal(db, city, PHONE, "后来又反映：楼下噪音扰民到深夜。")
    assert later.order_no in client.get("/me").text  # filed later with the same phone: listed too


def test_a_code_works_once_and_only_the_latest_code_works(client, db, city):
    ask_code(client)
    first = last_code(db)
    ask_code(client)
    second = last_code(db)
    if first != second:
        assert enter(client, first).status_code == 422
    assert enter(client, second).status_code == 303
    client.post("/me/logout", data={"csrf_token": csrf_from(client, "/me/login")})
    assert client.get("/me", follow_redirects=False).status_code == 303
    assert enter(client, second).status_code == 422  # used


def test_an_expired_code_is_refused(client, db, city, clock):
    ask_code(client)
    code = last_code(db)
    clock.shift(11 * 60)
    page = enter(client, code)
    assert page.status_code == 422 and "已过期" in page.text


def test_bad_phone_and_bad_code_get_clear_messages_in_the_page_language(client, db, city):
    page = client.post("/me/login/code?lang=en", data={"phone": "12345", "csrf_token": csrf_from(client, "/me/login")})
    assert page.status_code == 422 and "11-digit mobile number" in page.text
    assert db.scalar(select(Notification.id).where(Notification.kind == "login_code")) is None
    ask_code(client)
    page = enter(client, "abc")
    assert page.status_code == 422 and "the code is wrong" in page.text  # the page stays in English


def test_codes_are_rate_limited_per_phone(client, db, city, settings):
    for _ in range(5):
        assert ask_code(client).status_code == 200
    page = ask_code(client)
    assert page.status_code == 429 and "Retry-After" in page.headers and "操作过于频繁" in page.text
    sent = db.scalars(select(Notification).where(Notification.kind == "login_code")).all()
    assert len(sent) == 5


def test_wrong_codes_lock_the_phone_out_even_for_the_right_code(client, db, city):
    ask_code(client)
    code = last_code(db)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        assert enter(client, wrong).status_code == 422
    page = enter(client, code)
    assert page.status_code == 429 and "锁定" in page.text
    assert db.scalar(select(ResidentAccount.id).where(ResidentAccount.phone == PHONE)) is None


def test_the_resident_sign_in_is_apart_from_the_staff_session(client, db, city):
    ask_code(client)
    enter(client, last_code(db))
    assert client.get("/staff/dispatch", follow_redirects=False).status_code == 303  # no staff page for a resident
    login(client, city.users["dispatcher"].username, PASSWORD)  # staff sign-in rotates the staff session…
    assert client.get("/me").status_code == 200  # …and leaves the resident signed in
    client.post("/logout", data={"csrf_token": csrf_from(client, "/staff/dispatch")})
    assert client.get("/me").status_code == 200


def test_a_forged_cookie_is_no_resident(client, db, city):
    client.cookies.set("lianxin_resident", "1.forged.signature")
    assert client.get("/me", follow_redirects=False).headers["location"] == "/me/login"


def test_the_real_name_is_optional_and_validated(client, db, city):
    ask_code(client)
    enter(client, last_code(db))
    token = csrf_from(client, "/me")
    assert client.post("/me/profile", data={"real_name": "王", "csrf_token": token}).status_code == 422
    assert (
        client.post(
            "/me/profile", data={"real_name": "王小明", "csrf_token": token}, follow_redirects=False
        ).status_code
        == 303
    )
    assert db.scalar(select(ResidentAccount.real_name).where(ResidentAccount.phone == PHONE)) == "王小明"


def test_a_code_is_handed_to_the_sms_sender_alone_at_once(db, city, tmp_path):
    from lianxin.notify import FileSender, deliver_pending, queue_notification
    from lianxin.residents.service import send_code

    other = queue_notification(
        db, jurisdiction_id=city.jurisdiction.id, kind="dispatched", audience="unit", recipient=1, message="另一条通知"
    )
    code_id = send_code(db, city.jurisdiction.id, PHONE)
    sender = FileSender(tmp_path / "sms.jsonl")
    assert deliver_pending(db, sender, ids=[code_id]) == (1, 0)
    lines = (tmp_path / "sms.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1 and PHONE in lines[0] and "验证码" in lines[0]
    assert db.get(Notification, other).state == "pending"  # the job sends the rest
