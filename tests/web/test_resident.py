"""Resident pages through the in-process client: tracking by number + phone or by the private link."""

from __future__ import annotations

from sqlalchemy import select

from lianxin.appeals.choices import Satisfaction
from lianxin.appeals.models import AppealEvent
from lianxin.appeals.service import add_note, dispatch_appeal, record_contact, reply_to_appeal, sign_appeal
from lianxin.appeals.status import AppealStatus
from tests.factories import new_appeal
from tests.helpers import csrf_from


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
    page = client.post(
        "/track", data={"order_no": appeal.order_no, "phone": "13800138000", "csrf_token": csrf_from(client)}
    )
    assert page.status_code == 200
    assert "路灯已修复" in page.text and "和平街道" in page.text
    assert "内部备注" not in page.text and "多次来电" not in page.text
    steps = page.text[page.text.index('class="timeline"') :]
    # newest first, like a parcel
    assert (
        steps.index("<strong>答复")
        < steps.index("<strong>签收")
        < steps.index("<strong>派单")
        < steps.index("<strong>受理")
    )


def test_tracking_with_the_wrong_phone_finds_nothing(client, db, city):
    appeal = new_appeal(db, city)
    page = client.post(
        "/track", data={"order_no": appeal.order_no, "phone": "13900000000", "csrf_token": csrf_from(client)}
    )
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


def rate(client, appeal, **fields):
    data = {
        "phone": "13800138000",
        "solved": "yes",
        "satisfaction": "satisfied",
        "csrf_token": csrf_from(client),
    } | fields
    return client.post(f"/t/{appeal.tracking_token}/rate", data=data, follow_redirects=False)


def test_a_replied_appeal_offers_the_rating_form_and_an_open_one_does_not(client, db, city):
    appeal = new_appeal(db, city)
    assert "评价办理结果" not in client.get(f"/t/{appeal.tracking_token}").text
    replied = replied_appeal(db, city)
    page = client.get(f"/t/{replied.tracking_token}").text
    assert "评价办理结果" in page and "不满意" in page and 'name="phone"' in page


def test_after_tracking_by_phone_the_rating_form_does_not_ask_for_the_phone_again(client, db, city):
    appeal = replied_appeal(db, city)
    page = client.post(
        "/track", data={"order_no": appeal.order_no, "phone": "13800138000", "csrf_token": csrf_from(client)}
    )
    assert '<input type="hidden" name="phone" value="13800138000">' in page.text


def test_satisfied_closes_the_appeal(client, db, city):
    appeal = replied_appeal(db, city)
    response = rate(client, appeal)
    assert response.status_code == 303 and response.headers["location"] == f"/t/{appeal.tracking_token}?rated=1"
    db.refresh(appeal)
    assert appeal.status == AppealStatus.CLOSED and appeal.satisfaction == Satisfaction.SATISFIED and appeal.solved
    assert "感谢您的评价" in client.get(response.headers["location"]).text


def test_dissatisfied_reopens_the_appeal_with_the_residents_reason(client, db, city):
    appeal = replied_appeal(db, city)
    rate(client, appeal, solved="no", satisfaction="dissatisfied", comment="路灯还是不亮")
    db.refresh(appeal)
    assert appeal.status == AppealStatus.IN_PROGRESS and appeal.reopen_count == 1 and appeal.solved is False
    reopened = db.scalar(select(AppealEvent).where(AppealEvent.appeal_id == appeal.id, AppealEvent.kind == "reopened"))
    assert reopened.note == "路灯还是不亮"
    assert "<strong>重办" in client.get(f"/t/{appeal.tracking_token}").text


def test_after_a_reopen_the_tracking_page_marks_the_earlier_reply_as_not_accepted(client, db, city):
    from lianxin.appeals.service import reply_to_appeal

    appeal = replied_appeal(db, city)
    first_reply = appeal.reply_text
    rate(client, appeal, solved="no", satisfaction="dissatisfied", comment="路灯还是不亮")
    page = client.get(f"/t/{appeal.tracking_token}").text
    assert "上次答复（未被认可，正在重新办理）" in page and f"<del>{first_reply}</del>" in page
    step = page.split('<li class="superseded">', 1)[1].split("</li>", 1)[0]
    assert "未被认可，已重办" in step and first_reply in step
    assert "Not accepted — reopened" in client.get(f"/t/{appeal.tracking_token}?lang=en").text
    db.refresh(appeal)
    reply_to_appeal(db, appeal, actor=city.users["street_handler"], text="已更换灯杆，恢复照明。")
    again = client.get(f"/t/{appeal.tracking_token}?lang=zh-CN").text
    assert "<h2>办理答复</h2>" in again and "已更换灯杆，恢复照明。" in again and "<del>已更换灯杆" not in again
    assert again.count('class="superseded"') == 1  # only the first reply


def test_a_rating_with_the_wrong_phone_changes_nothing(client, db, city):
    appeal = replied_appeal(db, city)
    response = rate(client, appeal, phone="13911112222")
    assert response.status_code == 403 and 'id="phone-error"' in response.text and "手机号与工单不符" in response.text
    db.refresh(appeal)
    assert appeal.status == AppealStatus.REPLIED and appeal.satisfaction is None


def test_a_rating_without_choices_marks_the_fields(client, db, city):
    appeal = replied_appeal(db, city)
    response = rate(client, appeal, solved="", satisfaction="")
    assert (
        response.status_code == 422
        and 'id="solved-error"' in response.text
        and 'id="satisfaction-error"' in response.text
    )


def test_rating_twice_is_refused(client, db, city):
    appeal = replied_appeal(db, city)
    rate(client, appeal)
    response = rate(client, appeal, satisfaction="dissatisfied")
    assert response.status_code == 409
    db.refresh(appeal)
    assert appeal.status == AppealStatus.CLOSED


def proof_photo(db, city, settings, appeal):
    from lianxin.appeals.models import Attachment
    from lianxin.web.uploads import Photo, store_photos

    [row] = store_photos(settings.upload_dir, [Photo("proof.png", "image/png", "png", b"\x89PNG\r\n\x1a\nfake")])
    attachment = Attachment(jurisdiction_id=appeal.jurisdiction_id, appeal_id=appeal.id, purpose="proof", **row)
    db.add(attachment)
    db.flush()
    return attachment


def test_reply_photos_are_served_through_the_tracking_link_only(client, db, city, settings):
    appeal = replied_appeal(db, city)
    photo = proof_photo(db, city, settings, appeal)
    page = client.get(f"/t/{appeal.tracking_token}").text
    assert f"/t/{appeal.tracking_token}/files/{photo.id}" in page
    assert client.get(f"/t/{appeal.tracking_token}/files/{photo.id}").status_code == 200
    other = new_appeal(db, city)
    assert client.get(f"/t/{other.tracking_token}/files/{photo.id}").status_code == 404
    assert client.get(f"/static/../{photo.storage_key}").status_code == 404


def test_staff_see_attachments_only_of_appeals_they_may_see(client, db, city, settings):
    from tests.factories import PASSWORD
    from tests.helpers import login

    appeal = replied_appeal(db, city)  # handled by 和平街道
    photo = proof_photo(db, city, settings, appeal)
    assert client.get(f"/files/{photo.id}", follow_redirects=False).status_code == 303
    login(client, city.users["street2_handler"].username, PASSWORD)
    assert client.get(f"/files/{photo.id}").status_code == 403
    login(client, city.users["street_handler"].username, PASSWORD)
    assert client.get(f"/files/{photo.id}").status_code == 200
