"""The volunteer, organiser, 爱心超市 and points pages end to end on the in-process app."""

from __future__ import annotations

import io
import re
from datetime import timedelta

from openpyxl import load_workbook
from sqlalchemy import select

from lianxin.points import service as points
from lianxin.volunteers import service as svc
from lianxin.volunteers.models import Activity, Enrollment, ServicePoint, ServiceRecord
from lianxin.volunteers.status import EnrollmentStatus as E
from tests.factories import PASSWORD
from tests.helpers import csrf_from, login
from tests.volunteers.conftest import START


def post(client, path, data=None, page="/login"):
    return client.post(path, data={"csrf_token": csrf_from(client, page), **(data or {})}, follow_redirects=False)


def as_user(client, user):
    client.cookies.clear()
    login(client, user.username, PASSWORD)


def test_sign_up_check_in_confirm_certificate_and_verify(client, db, city, vol, clock):
    public = client.get("/volunteer")
    assert public.status_code == 200 and "清理楼道小广告" in public.text and "登录后报名" in public.text
    as_user(client, vol.alice_user)
    assert post(client, f"/volunteer/activities/{vol.activity.id}/signup").status_code == 303
    again = post(client, f"/volunteer/activities/{vol.activity.id}/signup")
    assert again.status_code == 409 and "已经报过名" in again.text
    row = db.scalar(select(Enrollment).where(Enrollment.member_id == vol.alice.id))
    # the organiser's page shows the two QR codes; the volunteer's phone opens the check-in URL
    as_user(client, vol.organiser)
    page = client.get(f"/volunteer/staff/activities/{vol.activity.id}")
    assert page.status_code == 200 and page.text.count("<svg") == 2 and "张丽 138****0101" in page.text
    urls = dict(re.findall(r'id="qr-(in|out)" data-url="http://testserver(/volunteer/checkin/[^"]+)"', page.text))
    clock.move_to(START - timedelta(minutes=10))
    as_user(client, vol.alice_user)
    code_page = client.get(urls["in"])  # codes expire: a fresh one
    assert code_page.status_code == 422 and "过期" in code_page.text
    as_user(client, vol.organiser)
    page = client.get(f"/volunteer/staff/activities/{vol.activity.id}")
    urls = dict(re.findall(r'id="qr-(in|out)" data-url="http://testserver(/volunteer/checkin/[^"]+)"', page.text))
    as_user(client, vol.alice_user)
    assert "确认签到" in client.get(urls["in"]).text
    done = post(client, urls["in"])
    assert done.status_code == 200 and "签到成功" in done.text
    clock.move_to(START + timedelta(hours=2))
    as_user(client, vol.organiser)
    page = client.get(f"/volunteer/staff/activities/{vol.activity.id}")
    urls = dict(re.findall(r'id="qr-(in|out)" data-url="http://testserver(/volunteer/checkin/[^"]+)"', page.text))
    as_user(client, vol.alice_user)
    assert "130 分钟" in post(client, urls["out"]).text
    assert "已签退" in post(client, urls["out"]).text  # a second scan is refused
    assert client.get("/volunteer/checkin/forged").status_code == 422
    as_user(client, vol.bob_user)
    assert "没有报名" in client.get(urls["out"]).text
    # the organiser confirms: the record, the certificate and the points
    as_user(client, vol.organiser)
    confirmed = post(
        client, f"/volunteer/staff/enrollments/{row.id}/confirm", {"evaluation": "优秀", "training": "岗前培训"}
    )
    assert confirmed.status_code == 303
    record = db.scalar(select(ServiceRecord).where(ServiceRecord.enrollment_id == row.id))
    assert record.evaluation == "优秀" and record.minutes == 130
    assert points.member_account(db, vol.alice).balance == 22
    as_user(client, vol.alice_user)
    mine = client.get("/volunteer")
    assert record.certificate_no in mine.text and 'id="my-balance">22<' in mine.text
    pdf = client.get(f"/volunteer/records/{record.id}/certificate.pdf")
    assert (
        pdf.status_code == 200 and pdf.content.startswith(b"%PDF") and pdf.headers["content-type"] == "application/pdf"
    )
    me = client.get("/points/me")
    assert 'id="balance">22<' in me.text and "+22" in me.text
    as_user(client, vol.bob_user)
    assert client.get(f"/volunteer/records/{record.id}/certificate.pdf").status_code == 403
    client.cookies.clear()
    checked = client.get(f"/volunteer/verify?no={record.certificate_no}")
    assert checked.status_code == 200 and "张*" in checked.text and "张丽" not in checked.text and "2.2" in checked.text
    assert client.get("/volunteer/verify?no=ZY0000").status_code == 404
    assert client.get("/volunteer/verify").status_code == 200
    assert client.get(f"/volunteer/records/{record.id}/certificate.pdf", follow_redirects=False).status_code == 303


def test_organiser_desk_creates_points_and_activities_and_manages_sign_ups(client, db, city, vol, clock):
    as_user(client, vol.organiser)
    community = str(city.units["community"].id)
    desk = client.get("/volunteer/staff")
    assert desk.status_code == 200 and "清理楼道小广告" in desk.text
    created = post(
        client,
        "/volunteer/staff/points",
        {
            "community_id": community,
            "name": "和平驿站",
            "opens_at": "08:00",
            "closes_at": "18:00",
            "items": "理发，量血压",
        },
    )
    assert created.status_code == 303
    point = db.scalar(select(ServicePoint).where(ServicePoint.name == "和平驿站"))
    assert point.items == ["理发", "量血压"]
    bad = post(client, "/volunteer/staff/points", {"community_id": community, "name": "x", "opens_at": "25:00"})
    assert bad.status_code == 422
    made = post(
        client,
        "/volunteer/staff/activities",
        {
            "community_id": community,
            "point_id": str(point.id),
            "title": "驿站值守",
            "starts_at": "2026-03-04T09:00",
            "ends_at": "2026-03-04T12:00",
            "slots": "2",
        },
    )
    assert made.status_code == 303
    activity = db.scalar(select(Activity).where(Activity.title == "驿站值守"))
    assert activity.place == "和平驿站" and activity.point_id == point.id
    bad = post(client, "/volunteer/staff/activities", {"community_id": community, "title": "x", "starts_at": "soon"})
    assert bad.status_code == 422 and "时间格式" in bad.text
    bad = post(client, "/volunteer/staff/activities", {"community_id": community, "title": "xx", "slots": "lots"})
    assert bad.status_code == 422
    path = f"/volunteer/staff/activities/{activity.id}"
    assert post(client, f"{path}/signup", {"phone": vol.bob.phone, "role": "team_leader"}).status_code == 303
    assert post(client, f"{path}/signup", {"phone": "13999999999"}).status_code == 404
    assert post(client, f"{path}/fly").status_code == 404
    row = db.scalar(select(Enrollment).where(Enrollment.activity_id == activity.id))
    assert row.proxy_by_id == vol.organiser.id and row.role == "team_leader"
    page = client.get(path)
    assert "代报名" in page.text and "队长" in page.text
    first = f"/volunteer/staff/activities/{vol.activity.id}"  # sign-ups by phone (one place: bob waits)
    post(client, f"{first}/signup", {"phone": vol.alice.phone})
    post(client, f"{first}/signup", {"phone": vol.bob.phone})
    clock.move_to(START + timedelta(days=1, hours=4))
    as_user(client, vol.organiser)  # a new day, a new login
    recorded = post(
        client,
        f"/volunteer/staff/enrollments/{row.id}/record",
        {"checked_in_at": "2026-03-04T09:00", "checked_out_at": "2026-03-04T11:30"},
    )
    assert recorded.status_code == 303 and row.minutes == 150
    assert post(client, f"/volunteer/staff/enrollments/{row.id}/confirm").status_code == 303
    assert points.member_account(db, vol.bob).balance == 35  # 2.5 h × 10 × 1.4
    assert post(client, f"/volunteer/staff/enrollments/{row.id}/absent").status_code == 409
    assert post(client, f"/volunteer/staff/enrollments/{row.id}/dance").status_code == 404
    assert post(client, "/volunteer/staff/enrollments/999999/confirm").status_code == 404
    assert post(client, f"{path}/close").status_code == 303
    # absence and cancellation on the first activity
    alice, bob = db.scalars(select(Enrollment).where(Enrollment.activity_id == vol.activity.id).order_by(Enrollment.id))
    assert (alice.status, bob.status) == (E.ENROLLED, E.WAITLISTED)
    assert post(client, f"/volunteer/staff/enrollments/{bob.id}/cancel").status_code == 303
    assert post(client, f"/volunteer/staff/enrollments/{alice.id}/absent").status_code == 303
    assert alice.status == E.ABSENT
    assert post(client, f"{first}/cancel", {"reason": "下雨"}).status_code == 303
    as_user(client, vol.alice_user)
    assert client.get("/volunteer/staff").status_code == 403
    assert client.get(first).status_code == 403


def test_volunteer_cancels_and_a_stranger_is_told_to_register(client, db, city, vol):
    as_user(client, vol.alice_user)
    post(client, f"/volunteer/activities/{vol.activity.id}/signup")
    row = db.scalar(select(Enrollment).where(Enrollment.member_id == vol.alice.id))
    assert post(client, f"/volunteer/enrollments/{row.id}/cancel").status_code == 303 and row.status == E.CANCELLED
    assert post(client, f"/volunteer/enrollments/{row.id}/cancel").status_code == 409
    as_user(client, city.users["operator"])
    assert "还不是登记的志愿者" in client.get("/volunteer").text
    refused = post(client, f"/volunteer/activities/{vol.activity.id}/signup")
    assert refused.status_code == 422
    assert "还没有积分账户" in client.get("/points/me").text
    assert post(client, "/volunteer/activities/999999/signup").status_code == 404


def test_market_pages_donate_redeem_receipt_stocktake_and_export(client, db, city, vol):
    points.grant(db, member=vol.alice, amount=60, memo="服务积分", actor=None)
    as_user(client, vol.organiser)
    shop = client.get("/volunteer/market")
    assert shop.status_code == 200 and "大米 5kg" in shop.text and "账物相符" in shop.text
    looked = client.get(f"/volunteer/market?phone={vol.alice.phone}")
    assert 'id="lookup-result">张丽 138****0101' in looked.text and "<strong>60</strong>" in looked.text
    assert "没有登记" in client.get("/volunteer/market?phone=13000000000").text
    page = "/volunteer/market"
    assert (
        post(client, "/volunteer/market/goods", {"name": "肥皂", "unit": "块", "price_points": "5"}, page).status_code
        == 303
    )
    assert post(client, "/volunteer/market/goods", {"name": "肥皂", "price_points": "5"}, page).status_code == 409
    donated = post(
        client,
        f"/volunteer/market/goods/{vol.rice.id}/donate",
        {"quantity": "3", "donor_kind": "enterprise", "donor_name": "爱心粮油店"},
        page,
    )
    assert donated.status_code == 303 and vol.rice.stock == 5
    assert (
        post(
            client, f"/volunteer/market/goods/{vol.rice.id}/donate", {"quantity": "0", "donor_name": "x"}, page
        ).status_code
        == 422
    )
    redeemed = post(
        client,
        "/volunteer/market/redeem",
        {
            "community_id": str(city.units["community"].id),
            "phone": vol.alice.phone,
            f"qty_{vol.rice.id}": "1",
            f"qty_{vol.oil.id}": "1",
        },
        page,
    )
    assert redeemed.status_code == 303
    receipt = client.get(redeemed.headers["location"])
    assert (
        receipt.status_code == 200
        and 'id="receipt-total">50<' in receipt.text
        and "<strong>10</strong>" in receipt.text
    )
    assert vol.rice.stock == 4
    too_much = post(client, "/volunteer/market/redeem", {"phone": vol.alice.phone, f"qty_{vol.rice.id}": "1"}, page)
    assert too_much.status_code == 409 and "积分不足" in too_much.text
    nothing = post(client, "/volunteer/market/redeem", {"phone": vol.alice.phone}, page)
    assert nothing.status_code == 422
    take = client.get("/volunteer/market/stocktake?month=2026-03")
    assert take.status_code == 200 and "账物相符" in take.text, take.text[take.text.find("<main") :]
    book = load_workbook(io.BytesIO(client.get("/volunteer/market/register.xlsx").content))
    assert book.sheetnames == ["库存 Stock", "台账 Register"]
    assert client.get(f"/volunteer/market?community={city.units['street'].id}").status_code == 403
    as_user(client, city.users["water_handler"])
    assert client.get("/volunteer/market").status_code == 403


def test_points_staff_page_rules_and_reversal(client, db, city, vol):
    entry = points.grant(db, member=vol.alice, amount=40, memo="季度评议", actor=None)
    as_user(client, city.users["leader"])
    page = client.get("/points/staff")
    assert page.status_code == 200 and "平衡" in page.text and "张丽" in page.text and "v1" in page.text
    page = "/points/staff"
    ok = post(
        client, "/points/staff/rules", {"code": "hours", "points": "12", "multipliers": '{"team_leader": 1.5}'}, page
    )
    assert ok.status_code == 303 and points.current_rule(db, city.jid, "hours").version == 2
    assert post(client, "/points/staff/rules", {"code": "hours", "points": "many"}, page).status_code == 422
    assert (
        post(client, "/points/staff/rules", {"code": "hours", "points": "3", "multipliers": "[1]"}, page).status_code
        == 422
    )
    assert post(client, f"/points/staff/entries/{entry.id}/reverse", {"memo": "重复录入"}, page).status_code == 303
    assert points.member_account(db, vol.alice).balance == 0
    assert post(client, f"/points/staff/entries/{entry.id}/reverse", {"memo": "再次"}, page).status_code == 409
    assert post(client, "/points/staff/entries/999999/reverse", {"memo": "没有"}, page).status_code == 404
    as_user(client, vol.organiser)
    refused = post(client, "/points/staff/rules", {"code": "hours", "points": "1"}, page)
    assert refused.status_code == 403


def test_the_full_screen_code_renews_itself(client, db, city, vol):
    as_user(client, vol.organiser)
    screen = client.get(f"/volunteer/staff/activities/{vol.activity.id}/qr/in")
    assert screen.status_code == 200 and 'http-equiv="refresh" content="300"' in screen.text and "<svg" in screen.text
    assert client.get(f"/volunteer/staff/activities/{vol.activity.id}/qr/sideways").status_code == 404
    as_user(client, city.users["water_handler"])
    assert client.get(f"/volunteer/staff/activities/{vol.activity.id}/qr/in").status_code == 403


def test_leaders_see_hours_by_community(client, db, city, vol, clock):
    svc.sign_up(db, vol.activity, vol.alice, actor=vol.alice_user)
    clock.move_to(START + timedelta(hours=4))
    row = svc.enrollments(db, vol.activity)[0]
    svc.record_attendance(db, row, actor=None, checked_in_at=START, checked_out_at=START + timedelta(hours=3))
    svc.confirm_attendance(db, row, actor=None)
    as_user(client, city.users["leader"])
    page = client.get("/volunteer/stats?year=2026")
    assert page.status_code == 200 and "<td>和平社区</td><td>1</td><td>1</td><td>3.0</td>" in page.text
    assert "张丽 · 3.0" in page.text
    as_user(client, vol.organiser)
    assert client.get("/volunteer/stats").status_code == 403
