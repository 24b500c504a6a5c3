"""Resident pages through the in-process client: tracking by number + phone or by the private link."""

from __future__ import annotations

from lianxin.appeals.service import add_note, dispatch_appeal, record_contact, reply_to_appeal, sign_appeal
from tests.factories import new_appeal
from tests.web.conftest import csrf_from


def replied_appeal(db, city):
    appeal = new_appeal(db, city)
    handler = city.users["street_handler"]
    dispatch_appeal(db, appeal, city.units["street"], actor=city.users["dispatcher"])
    sign_appeal(db, appeal, actor=handler)
    add_note(db, appeal, actor=handler, note="内部备注：此人多次来电")
    record_contact(db, appeal, actor=handler, note="已电话联系")
    reply_to_appeal(db, appeal, actor=handler, text="路灯已修复，感谢您的反映。")
    return appeal


def test_resident_tracks_an_appeal_with_number_and_phone_and_never_sees_internal_notes(client, db, city):
    appeal = replied_appeal(db, city)
    page = client.post("/track", data={"order_no": appeal.order_no, "phone": "13800138000", "csrf_token": csrf_from(client)})
    assert page.status_code == 200
    assert "路灯已修复" in page.text and "和平街道" in page.text
    assert "内部备注" not in page.text and "多次来电" not in page.text
    steps = page.text[page.text.index('class="timeline"'):]
    # newest first, like a parcel
    assert steps.index("<strong>答复") < steps.index("<strong>签收") < steps.index("<strong>派单") < steps.index("<strong>受理")


def test_tracking_with_the_wrong_phone_finds_nothing(client, db, city):
    appeal = new_appeal(db, city)
    page = client.post("/track", data={"order_no": appeal.order_no, "phone": "13900000000", "csrf_token": csrf_from(client)})
    assert page.status_code == 404
    assert "未找到工单" in page.text and appeal.title not in page.text


def test_tracking_without_number_or_phone_marks_both_fields(client, city):
    page = client.post("/track", data={"order_no": " ", "phone": "", "csrf_token": csrf_from(client)})
    assert page.status_code == 422
    assert 'id="order_no-error"' in page.text and 'id="phone-error"' in page.text
    assert 'aria-invalid="true"' in page.text and "此项为必填项" in page.text


def test_the_private_link_shows_the_appeal_and_a_wrong_link_does_not(client, db, city):
    appeal = replied_appeal(db, city)
    page = client.get(f"/t/{appeal.tracking_token}")
    assert page.status_code == 200 and appeal.order_no in page.text and "路灯已修复" in page.text
    assert "内部备注" not in page.text
    missing = client.get("/t/not-a-real-token")
    assert missing.status_code == 404 and appeal.order_no not in missing.text


def test_the_tracking_page_in_english_labels_steps_in_english(client, db, city):
    appeal = replied_appeal(db, city)
    page = client.get(f"/t/{appeal.tracking_token}?lang=en")
    assert "<strong>Replied" in page.text and "<strong>Dispatched" in page.text and "Progress" in page.text


def test_the_deadline_is_shown_while_the_unit_handles_it(client, db, city):
    appeal = new_appeal(db, city)
    dispatch_appeal(db, appeal, city.units["street"], actor=city.users["dispatcher"])
    page = client.get(f"/t/{appeal.tracking_token}")
    assert "办理时限" in page.text
