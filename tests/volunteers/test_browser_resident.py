"""A resident volunteer's journey in headless Chromium against a real server, with no staff login: they sign in
with phone and code from the volunteer page, sign up, check in and out with the QR code the organiser shows,
the organiser confirms and the points arrive on 我的积分; the household's 爱心存折 is opened and credited, the
household exchanges points for goods at the 爱心超市 and the stock falls."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select, update

from lianxin.clock import utcnow
from lianxin.db import session_scope
from lianxin.notify import Notification
from lianxin.orgs.models import Role
from lianxin.orgs.service import create_user
from lianxin.points.service import ensure_rules
from lianxin.volunteers import market
from lianxin.volunteers import service as svc
from lianxin.volunteers.models import Enrollment
from lianxin.wishes.people import create_member
from tests.factories import PASSWORD
from tests.helpers import screenshot
from tests.volunteers.test_browser import log_in

pytestmark = pytest.mark.browser


def code_for(live_server, phone: str) -> str:
    with session_scope(live_server.sessionmaker) as s:
        row = s.scalars(
            select(Notification)
            .where(Notification.kind == "login_code", Notification.recipient == phone)
            .order_by(Notification.id.desc())
        ).first()
        return re.search(r"验证码是 (\d{6})", row.message).group(1)


def test_a_resident_volunteer_from_sign_in_to_the_charity_shop(browser, page, live_server):
    city, tag = live_server.city, uuid.uuid4().hex[:6]
    phone = f"136{int(tag, 16) % 10**8:08d}"
    with session_scope(live_server.sessionmaker) as s:
        ensure_rules(s, city.jurisdiction)
        community = city.units["community"].id
        organiser = create_user(
            s,
            jurisdiction_id=city.jid,
            username=f"rorg-{tag}",
            display_name="志愿服务站",
            password=PASSWORD,
            grants=[(Role.HANDLER, city.units["community"])],
        )
        member = create_member(s, jurisdiction_id=city.jid, name="林秀珍", phone=phone, kind="volunteer")
        start = utcnow() + timedelta(minutes=20)
        activity = svc.create_activity(
            s,
            jurisdiction_id=city.jid,
            community_id=community,
            title=f"社区义诊引导 {tag}",
            place="社区卫生服务站",
            starts_at=start,
            ends_at=start + timedelta(hours=3),
            slots=5,
            actor=None,
        )
        towel = market.add_good(
            s, jurisdiction_id=city.jid, community_id=community, name=f"毛巾 {tag}", price_points=10, unit="条"
        )
        market.donate(s, towel, quantity=4, donor_kind="pairing_unit", donor_name="市住建委", actor=None)
        ids = (activity.id, member.id, towel.id)
        org_name = organiser.username

    # the resident opens the volunteer page on the phone and signs in with a code
    page.goto("/volunteer")
    page.get_by_role("link", name="登录后报名").click()
    page.get_by_label("手机号").fill(phone)
    page.get_by_role("button", name="获取验证码").click()
    expect(page.get_by_text("验证码已发送到")).to_be_visible()
    page.get_by_label("验证码").fill(code_for(live_server, phone))
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/volunteer")
    expect(page.locator("#my-summary")).to_contain_text("林秀珍")
    page.locator(f"#activity-{ids[0]}").get_by_role("button", name="我要报名").click()
    expect(page.locator(f"#activity-{ids[0]}").get_by_text("已报名")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "volunteer-resident-signed-up-360")

    # the organiser shows the QR codes; the resident's camera opens them
    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN", base_url=live_server.url)
    staff = desk.new_page()
    log_in(staff, org_name)
    staff.goto(f"/volunteer/staff/activities/{ids[0]}")
    expect(staff.locator("#qr-in svg")).to_be_visible()
    page.goto(staff.locator("#qr-in").get_attribute("data-url"))
    page.get_by_role("button", name="确认签到").click()
    expect(page.locator("#checkin-done")).to_contain_text("签到成功")
    with session_scope(live_server.sessionmaker) as s:  # three hours of service pass
        s.execute(
            update(Enrollment)
            .where(Enrollment.activity_id == ids[0], Enrollment.member_id == ids[1])
            .values(checked_in_at=utcnow() - timedelta(hours=3))
        )
    staff.reload()
    page.goto(staff.locator("#qr-out").get_attribute("data-url"))
    page.get_by_role("button", name="确认签退").click()
    expect(page.locator("#checkin-done")).to_contain_text("180 分钟")

    # the organiser confirms; the points arrive
    staff.reload()
    staff.get_by_role("button", name="确认时长").click()
    expect(staff.get_by_text("已确认").first).to_be_visible()
    page.goto("/points/me")
    expect(page.locator("#balance")).to_have_text("30")

    # the household's 爱心存折: opened with the resident's phone, credited, and spent at the shop
    staff.goto("/volunteer/market#households")
    staff.get_by_label("户号").fill(f"H-{tag}")
    staff.get_by_label("户名").fill("林秀珍户")
    staff.get_by_label("户主手机号").fill(phone)
    staff.get_by_role("button", name="开户").click()
    row = staff.locator("#households tr", has_text="林秀珍户")
    row.get_by_label("分值").fill("25")
    row.get_by_label("事由").fill("庭院整洁")
    row.get_by_role("button", name="加分").click()
    expect(staff.locator("#households tr", has_text="林秀珍户").locator(".balance")).to_have_text("25")
    assert staff.locator(f"#good-{ids[2]} .stock").inner_text().startswith("4")
    staff.get_by_label("或用家庭积分（爱心存折）").select_option(label="林秀珍户（25）")
    staff.get_by_label(f"毛巾 {tag}").fill("2")
    staff.get_by_role("button", name="兑换", exact=True).click()
    expect(staff.locator("#receipt-total")).to_have_text("20")
    expect(staff.locator("#receipt")).to_contain_text("林秀珍户")
    screenshot(staff, "volunteer-household-receipt-1280")
    staff.goto("/volunteer/market")
    assert staff.locator(f"#good-{ids[2]} .stock").inner_text().startswith("2")

    page.goto("/points/me")
    expect(page.locator(".points-account")).to_have_count(2)
    expect(page.locator("#balance")).to_have_text("30")
    expect(page.locator(".points-account", has_text="林秀珍户").locator(".balance")).to_have_text("5")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "volunteer-resident-points-360")
    desk.close()
