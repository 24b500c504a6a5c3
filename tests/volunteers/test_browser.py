"""The whole journey in headless Chromium against a real server: a volunteer signs up on the phone, checks in
and out with the QR code the organiser shows, the organiser confirms, the points arrive, and the volunteer
redeems goods at the 爱心超市 and the stock falls."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import update

from lianxin.clock import utcnow
from lianxin.db import session_scope
from lianxin.orgs.models import Role
from lianxin.orgs.service import create_user
from lianxin.points.service import ensure_rules
from lianxin.volunteers import market
from lianxin.volunteers import service as svc
from lianxin.volunteers.models import Enrollment
from lianxin.wishes.people import create_member
from tests.factories import PASSWORD
from tests.helpers import screenshot

pytestmark = pytest.mark.browser


def log_in(page, username):
    page.goto("/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()


def test_sign_up_qr_check_in_confirm_points_and_redeem(browser, page, live_server):
    city, tag = live_server.city, uuid.uuid4().hex[:6]
    with session_scope(live_server.sessionmaker) as s:
        ensure_rules(s, city.jurisdiction)
        community = city.units["community"].id
        organiser = create_user(
            s,
            jurisdiction_id=city.jid,
            username=f"org-{tag}",
            display_name="志愿服务站",
            password=PASSWORD,
            grants=[(Role.HANDLER, city.units["community"])],
        )
        volunteer = create_user(
            s, jurisdiction_id=city.jid, username=f"vol-{tag}", display_name="陈敏", password=PASSWORD
        )
        phone = f"137{int(tag, 16) % 10**8:08d}"
        member = create_member(s, jurisdiction_id=city.jid, name="陈敏", phone=phone, kind="volunteer", user=volunteer)
        start = utcnow() + timedelta(minutes=20)
        activity = svc.create_activity(
            s,
            jurisdiction_id=city.jid,
            community_id=community,
            title=f"敬老院陪伴 {tag}",
            place="街道敬老院",
            starts_at=start,
            ends_at=start + timedelta(hours=3),
            slots=5,
            actor=None,
        )
        soap = market.add_good(
            s, jurisdiction_id=city.jid, community_id=community, name=f"肥皂 {tag}", price_points=8, unit="块"
        )
        market.donate(s, soap, quantity=3, donor_kind="enterprise", donor_name="惠民超市", actor=None)
        ids = (activity.id, member.id, soap.id)
        org_name, vol_name = organiser.username, volunteer.username

    # the volunteer signs up on the phone
    log_in(page, vol_name)
    page.goto("/volunteer")
    card = page.locator(f"#activity-{ids[0]}")
    card.get_by_role("button", name="我要报名").click()
    expect(page.locator(f"#activity-{ids[0]}").get_by_text("已报名")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "volunteer-signed-up-360")

    # the organiser shows the QR codes at the place (a desktop browser)
    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN", base_url=live_server.url)
    staff = desk.new_page()
    log_in(staff, org_name)
    staff.goto(f"/volunteer/staff/activities/{ids[0]}")
    expect(staff.locator("#qr-in svg")).to_be_visible()
    screenshot(staff, "volunteer-activity-qr-1280")
    check_in = staff.locator("#qr-in").get_attribute("data-url")

    # the volunteer's camera opens the code's URL
    page.goto(check_in)
    page.get_by_role("button", name="确认签到").click()
    assert "签到成功" in page.locator("#checkin-done").inner_text()
    with session_scope(live_server.sessionmaker) as s:  # two hours of service pass
        s.execute(
            update(Enrollment)
            .where(Enrollment.activity_id == ids[0], Enrollment.member_id == ids[1])
            .values(checked_in_at=utcnow() - timedelta(hours=2))
        )
    staff.reload()
    page.goto(staff.locator("#qr-out").get_attribute("data-url"))
    page.get_by_role("button", name="确认签退").click()
    assert "120 分钟" in page.locator("#checkin-done").inner_text()
    page.goto("/points/me")
    assert page.locator("#balance").inner_text() == "0"  # nothing before the organiser confirms

    # the organiser confirms; the points arrive
    staff.reload()
    staff.get_by_role("button", name="确认时长").click()
    expect(staff.get_by_text("已确认").first).to_be_visible()
    page.goto("/points/me")
    assert page.locator("#balance").inner_text() == "20"
    screenshot(page, "volunteer-points-360")

    # the volunteer exchanges points for goods at the 爱心超市; the stock falls
    staff.goto("/volunteer/market")
    assert staff.locator(f"#good-{ids[2]} .stock").inner_text().startswith("3")
    staff.get_by_label("志愿者手机号").fill(phone)
    staff.get_by_label(f"肥皂 {tag}").fill("2")
    staff.get_by_role("button", name="兑换", exact=True).click()
    assert staff.locator("#receipt-total").inner_text() == "16"
    screenshot(staff, "volunteer-receipt-1280")
    staff.goto("/volunteer/market")
    assert staff.locator(f"#good-{ids[2]} .stock").inner_text().startswith("1")
    page.goto("/points/me")
    assert page.locator("#balance").inner_text() == "4"
    desk.close()
