"""Browser journeys in headless Debian Chromium against the live server: a relative applies for an elderly
subsidy under an authorisation; a resident books a holiday slot and checks in; a 差评 opens a rectification
work order that goes through the appeal core to a return visit. Screenshots go to build/screenshots/."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
import time_machine
from itsdangerous import URLSafeTimedSerializer
from playwright.sync_api import expect
from sqlalchemy import select

from lianxin.appeals.models import Appeal
from lianxin.appeals.service import record_contact, reply_to_appeal, sign_appeal
from lianxin.clock import utcnow
from lianxin.db import session_scope
from lianxin.residents.models import ResidentAccount
from lianxin.services import catalogue, ratings
from lianxin.services import service as svc
from lianxin.services.models import Application, Booking, Evaluation
from lianxin.services.status import EvalStatus
from lianxin.visits.service import record_return_visit
from tests.factories import PASSWORD
from tests.helpers import screenshot

pytestmark = pytest.mark.browser
FIELDS = [{"name": "address", "zh": "住址", "en": "Address"}]


def setup(live_server, *, special_days=None):
    """A centre and an elderly-subsidy item with fresh codes, and a resident account, in the live city."""
    tag = uuid.uuid4().hex[:6]
    city = live_server.city
    with session_scope(live_server.sessionmaker) as session:
        centre = catalogue.create_location(
            session,
            jurisdiction_id=city.jid,
            code=f"C{tag}",
            name=f"服务中心{tag}",
            special_days=special_days or {},
            slot_capacity=2,
        )
        item = catalogue.save_item(
            session,
            jurisdiction_id=city.jid,
            code=f"MZ-{tag}",
            name=f"高龄津贴申领{tag}",
            department=city.units["street"].id,
            kind="benefit",
            channels=["online", "window"],
            legal_limit_days=20,
            promised_limit_days=5,
            documents=["身份证", "户口簿"],
            form_fields=FIELDS,
            location=centre,
        )
        phone = f"139{uuid.uuid4().int % 10**8:08d}"
        account = ResidentAccount(
            jurisdiction_id=city.jid, phone=phone, real_name="王小明", verified_at=utcnow(), last_login_at=utcnow()
        )
        session.add(account)
        session.flush()
        return item.code, item.name, centre.code, account.id, phone


def sign_in(page, live_server, account_id: int) -> None:
    value = URLSafeTimedSerializer(live_server.settings.secret_key, salt="lianxin-resident").dumps(account_id)
    page.context.add_cookies([{"name": "lianxin_resident", "value": value, "url": live_server.url}])


def staff_login(page, username: str) -> None:
    page.goto("/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_label("密码").press("Enter")
    page.wait_for_url("**/staff/**")


def test_a_relative_applies_for_an_elderly_subsidy_under_an_authorisation(page, live_server):
    code, name, _, account_id, _ = setup(live_server)
    sign_in(page, live_server, account_id)
    page.goto(f"/services?q={name}")
    page.get_by_role("link", name=name).click()
    expect(page.get_by_role("button", name="打印办事指南")).to_be_visible()
    page.goto("/services/proxies/new")
    page.get_by_label("被代办人姓名").fill("王德福")
    page.get_by_label("被代办人手机号（接收告知短信）").fill("13800001000")
    page.get_by_label("与您的关系").select_option("child")
    page.get_by_label(name).check()
    page.get_by_label("授权凭证").fill("王德福签字的授权委托书")
    page.get_by_label("本人同意的方式").fill("社区工作人员入户见证")
    screenshot(page, "services-proxy-360")
    page.get_by_role("button", name="登记授权").click()
    page.wait_for_url("**/services/mine#proxies")
    expect(page.get_by_text("王德福").first).to_be_visible()
    page.goto(f"/services/items/{code}")
    page.get_by_role("link", name="在线申请").click()
    page.get_by_label("为谁申请").select_option(label="代办：王德福（子女）")
    page.get_by_label("住址").fill("和平里小区3号楼")
    page.get_by_label("身份证").check()
    page.get_by_label("户口簿").check()
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_url("**/services/applications/*?new=1")
    expect(page.get_by_text("申请已提交")).to_be_visible()
    expect(page.get_by_text("亲友代办")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "services-proxy-application-360")
    with live_server.sessionmaker() as session:
        app = session.scalar(select(Application).where(Application.agent_account_id == account_id))
        assert app.applicant_name == "王德福" and app.applicant_phone == "13800001000"


def test_a_resident_books_a_holiday_slot_and_checks_in(page, live_server):
    with time_machine.travel("2026-09-29T10:00:00+08:00", tick=True) as traveller:
        code, _, centre, account_id, _ = setup(live_server, special_days={"2026-10-03": [["09:00", "12:00"]]})
        sign_in(page, live_server, account_id)
        page.goto(f"/services/book?location={centre}&item={code}")
        page.get_by_label("日期").select_option("2026-10-03")
        page.get_by_role("button", name="查看时段").click()
        expect(page.get_by_role("heading", name="2026-10-03 · 节假日预约")).to_be_visible()
        page.get_by_label("2026-10-03 09:30").check()
        screenshot(page, "services-book-holiday-360")
        page.get_by_role("button", name="确认预约").click()
        page.wait_for_url("**/services/mine*")
        expect(page.get_by_text("已预约").first).to_be_visible()
        traveller.move_to("2026-10-03T09:20:00+08:00")
        page.reload()
        page.get_by_role("button", name="到厅取号").click()
        page.wait_for_url("**/services/mine#bookings")
        assert page.locator(".ticket").first.inner_text().startswith("Y")
        screenshot(page, "services-checked-in-360")
        with live_server.sessionmaker() as session:
            booking = session.scalar(select(Booking).where(Booking.account_id == account_id))
            assert booking.status == "checked_in" and booking.slot.day == date(2026, 10, 3)


def test_a_bad_rating_becomes_a_work_order_that_ends_in_a_return_visit(page, live_server):
    code, _, _, account_id, phone = setup(live_server)
    city = live_server.city
    with session_scope(live_server.sessionmaker) as session:
        item = catalogue.item_by_code(session, city.jid, code)
        app = svc.apply(
            session, item=item, form={"address": "和平里"}, account=session.get(ResidentAccount, account_id)
        )
        handler = session.get(type(city.users["street_handler"]), city.users["street_handler"].id)
        for action in ("accept", "approve", "deliver"):
            svc.act(session, app, action, actor=handler)
        number = app.number
    sign_in(page, live_server, account_id)
    page.goto(f"/services/applications/{number}")
    page.get_by_label("非常不满意").check()
    page.get_by_label("意见（差评请写明原因，将转为整改工单）").fill("窗口让我来回跑了三趟，材料清单和网上不一样")
    page.get_by_role("button", name="提交评价").click()
    expect(page.get_by_text("差评核实中")).to_be_visible()
    page.set_viewport_size({"width": 1280, "height": 900})
    staff_login(page, city.users["dispatcher"].username)
    page.goto("/leader/services")
    row = page.locator("#bad-ratings tr", has_text="来回跑了三趟")
    row.get_by_role("button", name="派单整改").click()
    page.wait_for_url("**/leader/services#rating-*")
    expect(page.locator("#bad-ratings tr", has_text="来回跑了三趟").get_by_text("整改中")).to_be_visible()
    with session_scope(live_server.sessionmaker) as session:  # the department and the visitor work the core's order
        evaluation = session.scalar(select(Evaluation).join(Application).where(Application.number == number))
        appeal = session.get(Appeal, evaluation.appeal_id)
        handler = session.get(type(city.users["street_handler"]), city.users["street_handler"].id)
        visitor = session.get(type(city.users["visitor"]), city.users["visitor"].id)
        sign_appeal(session, appeal, actor=handler)
        record_contact(session, appeal, actor=handler, note="已电话联系致歉")
        reply_to_appeal(session, appeal, actor=handler, text="已整改：窗口统一一次性告知清单，并与网上指南核对一致。")
        record_return_visit(session, appeal, actor=visitor, contacted=True, solved=True, satisfaction="satisfied")
        assert ratings.sync_ratings(session, city.jid) >= 1
        order_no = appeal.order_no
    page.goto("/leader/services")
    row = page.locator("#bad-ratings tr", has_text="来回跑了三趟")
    expect(row.get_by_text("已整改回访")).to_be_visible()
    expect(row.get_by_role("link", name=order_no)).to_be_visible()
    screenshot(page, "services-leader-ratings-1280")
    with live_server.sessionmaker() as session:
        assert (
            session.scalar(
                select(Evaluation.status).where(Evaluation.appeal_id.is_not(None)).order_by(Evaluation.id.desc())
            )
            == EvalStatus.REVISITED
        )
    assert phone
