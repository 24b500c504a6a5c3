"""The resident's appeal form: photos checked and cleaned on the server, errors next to the fields,
nothing saved on error, one appeal per form however often it is sent."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from sqlalchemy import func, select

from lianxin.appeals.choices import Channel
from lianxin.appeals.models import Appeal, Attachment
from lianxin.web import uploads
from tests.factories import PASSWORD
from tests.helpers import CSRF_RE, login


def jpeg_with_gps() -> bytes:
    """A real JPEG carrying EXIF with a GPS block, as phone cameras write them."""
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (39.0, 54.0, 20.0), 3: "E", 4: (116.0, 23.0, 29.0)}  # GPSInfo
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (10, 10), (0, 0, 255)).save(out, format="PNG")
    return out.getvalue()


def open_form(client) -> dict:
    page = client.get("/appeal")
    assert page.status_code == 200
    return {
        "csrf_token": CSRF_RE.search(page.text).group(1),
        "form_key": re.search(r'name="form_key" value="([^"]+)"', page.text).group(1),
    }


def filled(hidden: dict, **overrides) -> dict:
    return (
        hidden
        | {
            "appeal_type": "complaint",
            "content": "小区门口的垃圾已经三天没人清运了，气味很大。",
            "address": "和平里小区东门",
            "appellant_name": "王五",
            "appellant_phone": "13700001111",
        }
        | overrides
    )


def stored_files(settings) -> set:
    return {p for p in settings.upload_dir.rglob("*") if p.is_file()}


def appeal_count(db) -> int:
    return db.scalar(select(func.count(Appeal.id)))


def test_the_form_offers_the_six_resident_types_and_a_one_time_key(client):
    page = client.get("/appeal").text
    for label in ("咨询", "求助", "投诉", "举报", "建议", "表扬"):
        assert f"> {label}</label>" in page
    assert 'type="file"' in page and "multiple" in page and 'name="confidential"' in page
    assert "echarts" not in page


def test_a_resident_submits_with_a_photo_and_lands_on_the_private_tracking_page(client, db, city, settings):
    hidden = open_form(client)
    response = client.post(
        "/appeal",
        data=filled(hidden, lat="39.9", lng="116.4", confidential="1", community_id=str(city.units["community"].id)),
        files=[("photos", ("IMG_0001.JPG", jpeg_with_gps(), "image/jpeg"))],
        follow_redirects=False,
    )
    assert response.status_code == 303
    appeal = db.scalar(select(Appeal).where(Appeal.idempotency_key == f"web:{hidden['form_key']}"))
    assert response.headers["location"] == f"/t/{appeal.tracking_token}?new=1"
    assert appeal.channel == Channel.WEB and appeal.received_by_id is None and appeal.confidential
    assert (appeal.lat, appeal.lng, appeal.community_id) == (39.9, 116.4, city.units["community"].id)
    assert appeal.appellant_phone == "13700001111" and appeal.appeal_type == "complaint"
    [photo] = appeal.attachments
    assert photo.purpose == "intake" and photo.content_type == "image/jpeg" and photo.filename == "IMG_0001.JPG"
    assert "IMG_0001" not in photo.storage_key and photo.storage_key.endswith(".jpg")
    page = client.get(response.headers["location"])
    assert "提交成功" in page.text and appeal.order_no in page.text and f"/t/{appeal.tracking_token}" in page.text
    served = client.get(f"/t/{appeal.tracking_token}/files/{photo.id}")
    assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
    assert served.headers["x-content-type-options"] == "nosniff"
    cleaned = Image.open(io.BytesIO(served.content))
    assert cleaned.size == (64, 48) and len(cleaned.getexif()) == 0  # GPS and camera metadata are gone


def test_a_resubmitted_form_returns_the_first_appeal_and_stores_no_second_photo(client, db, city, settings):
    hidden = open_form(client)
    data = filled(hidden)
    files = [("photos", ("a.png", png(), "image/png"))]
    first = client.post("/appeal", data=data, files=files, follow_redirects=False)
    before, files_before = appeal_count(db), stored_files(settings)
    second = client.post("/appeal", data=data, files=files, follow_redirects=False)
    assert first.headers["location"] == second.headers["location"]
    assert appeal_count(db) == before and stored_files(settings) == files_before


def test_a_new_form_with_another_text_makes_a_new_appeal(client, db, city):
    client.post("/appeal", data=filled(open_form(client)), follow_redirects=False)
    before = appeal_count(db)
    client.post(
        "/appeal", data=filled(open_form(client), content="路口的红绿灯坏了，车辆通行混乱。"), follow_redirects=False
    )
    assert appeal_count(db) == before + 1


def test_missing_fields_are_marked_next_to_each_field_and_nothing_is_saved(client, db, city, settings):
    hidden = open_form(client)
    before, files_before = appeal_count(db), stored_files(settings)
    page = client.post(
        "/appeal",
        data=hidden | {"content": "", "appellant_phone": ""},
        files=[("photos", ("a.png", png(), "image/png"))],
    )
    assert page.status_code == 422
    for field in ("appeal_type", "content", "appellant_phone"):
        assert f'id="{field}-error"' in page.text
    assert "此项为必填项" in page.text and "未保存任何内容" in page.text
    assert appeal_count(db) == before and stored_files(settings) == files_before
    assert f'value="{hidden["form_key"]}"' in page.text  # corrected and sent again, it is still one appeal


def test_wrong_values_get_clear_chinese_messages_and_the_typed_text_is_kept(client, db, city):
    before = appeal_count(db)
    page = client.post(
        "/appeal", data=filled(open_form(client), appellant_phone="12345", content="太短", lat="95", lng="10")
    )
    assert page.status_code == 422
    assert (
        "电话号码格式不正确" in page.text
        and "诉求内容至少 5 个字" in page.text
        and "纬度应在 -90 到 90 之间" in page.text
    )
    assert "aria-invalid" in page.text and 'value="和平里小区东门"' in page.text
    assert appeal_count(db) == before


def test_errors_are_in_english_on_the_english_page(client, city):
    client.get("/appeal?lang=en")
    page = client.post("/appeal", data=filled(open_form(client), appellant_phone="12345"))
    assert "invalid phone number" in page.text and "电话号码格式不正确" not in page.text


def test_a_community_of_another_jurisdiction_is_refused_at_its_field(client, db, city):
    from tests.factories import build_city

    other = build_city(db)
    page = client.post("/appeal", data=filled(open_form(client), community_id=str(other.units["community"].id)))
    assert page.status_code == 422 and 'id="community_id-error"' in page.text and "社区/村不存在" in page.text


@pytest.mark.parametrize(
    "name,content,message",
    [
        ("notes.jpg", b"just some text, not a picture", "不是 JPEG、PNG 或 WebP 图片"),
        ("fake.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "已损坏或无法识别"),
        ("page.gif", b"GIF89a" + b"\x00" * 64, "不是 JPEG、PNG 或 WebP 图片"),
    ],
)
def test_files_that_are_not_good_photos_are_refused(client, db, city, settings, name, content, message):
    before, files_before = appeal_count(db), stored_files(settings)
    page = client.post("/appeal", data=filled(open_form(client)), files=[("photos", (name, content, "image/jpeg"))])
    assert page.status_code == 422 and 'id="photos-error"' in page.text and message in page.text
    assert appeal_count(db) == before and stored_files(settings) == files_before


def test_more_than_nine_photos_are_refused(client, db, city):
    files = [("photos", (f"{i}.png", png(), "image/png")) for i in range(10)]
    page = client.post("/appeal", data=filled(open_form(client)), files=files)
    assert page.status_code == 422 and "最多上传 9 张照片（您选择了 10 张）" in page.text


def test_nine_photos_are_accepted(client, db, city):
    hidden = open_form(client)
    files = [("photos", (f"{i}.png", png(), "image/png")) for i in range(9)]
    assert client.post("/appeal", data=filled(hidden), files=files, follow_redirects=False).status_code == 303
    appeal = db.scalar(select(Appeal).where(Appeal.idempotency_key == f"web:{hidden['form_key']}"))
    assert len(appeal.attachments) == 9 and len({a.storage_key for a in appeal.attachments}) == 9


def test_an_oversized_photo_is_refused(client, db, city, monkeypatch):
    monkeypatch.setattr(uploads, "MAX_PHOTO_BYTES", 100)
    page = client.post(
        "/appeal", data=filled(open_form(client)), files=[("photos", ("big.jpg", jpeg_with_gps(), "image/jpeg"))]
    )
    assert page.status_code == 422 and "超过" in page.text


def test_an_empty_file_input_is_no_photo(client, db, city):
    hidden = open_form(client)
    response = client.post(
        "/appeal",
        data=filled(hidden),
        files=[("photos", ("", b"", "application/octet-stream"))],
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert (
        db.scalar(
            select(func.count(Attachment.id)).join(Appeal).where(Appeal.idempotency_key == f"web:{hidden['form_key']}")
        )
        == 0
    )


def test_a_grid_worker_reports_through_the_same_form_as_a_patrol(client, db, city):
    worker = city.users["grid_worker"]
    login(client, worker.username, PASSWORD)
    page = client.get("/appeal")
    assert "网格巡查上报" in page.text
    hidden = open_form(client)
    client.post("/appeal", data=filled(hidden), follow_redirects=False)
    appeal = db.scalar(select(Appeal).where(Appeal.idempotency_key == f"web:{hidden['form_key']}"))
    assert appeal.channel == Channel.GRID_PATROL and appeal.received_by_id == worker.id


def test_other_staff_using_the_form_file_it_as_a_web_appeal(client, db, city):
    login(client, city.users["street_handler"].username, PASSWORD)
    hidden = open_form(client)
    client.post("/appeal", data=filled(hidden), follow_redirects=False)
    appeal = db.scalar(select(Appeal).where(Appeal.idempotency_key == f"web:{hidden['form_key']}"))
    assert appeal.channel == Channel.WEB and appeal.received_by_id is None


def test_the_map_shows_communities_only_with_enough_appeals(client, db, city):
    from tests.factories import new_appeal

    for _ in range(3):
        new_appeal(db, city, lat=39.91, lng=116.41)
    page = client.get("/appeal").text
    assert 'id="pick-map"' in page and "leaflet.js" in page and "&#34;name&#34;: &#34;和平社区&#34;" in page
    assert "13800138000" not in page and "张三" not in page


def test_the_same_text_from_the_same_phone_sent_again_from_a_fresh_form_is_the_same_appeal(client, db, city, clock):
    first = client.post("/appeal", data=filled(open_form(client)), follow_redirects=False)
    before = appeal_count(db)
    again = client.post("/appeal", data=filled(open_form(client)), follow_redirects=False)
    assert again.headers["location"] == first.headers["location"] and appeal_count(db) == before
    other_text = client.post(
        "/appeal", data=filled(open_form(client), content="另一件事：路口的红绿灯坏了。"), follow_redirects=False
    )
    assert other_text.headers["location"] != first.headers["location"]
    clock.shift(31 * 60)
    later = client.post("/appeal", data=filled(open_form(client)), follow_redirects=False)
    assert later.headers["location"] != first.headers["location"] and appeal_count(db) == before + 2
