"""Browser journeys in headless Debian Chromium against the live server: a resident declares on the phone page
→ the grid worker checks within the clock → the street publicizes → the county decides → a measure and a relief
payment (approved, then paid) → the risk is cleared → the 清零 board moves; and a rejected declaration shows its
reason to the resident. Screenshots go to build/screenshots/."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import time_machine
from itsdangerous import URLSafeTimedSerializer
from playwright.sync_api import expect
from sqlalchemy import select

from lianxin.care import service as care
from lianxin.clock import local_date, utcnow
from lianxin.db import session_scope
from lianxin.poverty import funds
from lianxin.poverty.models import Declaration, MonitoringCase
from lianxin.residents.models import ResidentAccount
from tests.factories import PASSWORD
from tests.helpers import screenshot
from tests.poverty.conftest import valid_id

pytestmark = pytest.mark.browser


def setup(live_server) -> tuple[int, str, str]:
    """A registered household in the live city's grid, its head's resident account and a fund (once)."""
    city = live_server.city
    n = uuid.uuid4().int
    id_number = valid_id(f"5111241980{n % 10**7:07d}")
    phone = f"139{n % 10**8:08d}"
    name = "吴" + "丹秀兰明华"[n % 5] + "英"
    with session_scope(live_server.sessionmaker) as session:
        household = care.create_household(
            session,
            actor=None,
            jurisdiction_id=city.jid,
            community_id=city.units["community"].id,
            grid_id=city.units["grid"].id,
            address=f"和平村三组{n % 97}号",
        )
        care.add_person(session, household, actor=None, name=name, id_number=id_number, phone=phone)
        account = ResidentAccount(
            jurisdiction_id=city.jid, phone=phone, real_name=name, verified_at=utcnow(), last_login_at=utcnow()
        )
        session.add(account)
        if not funds.funds(session, city.jid):
            funds.create_fund(
                session,
                actor=None,
                jurisdiction_id=city.jid,
                unit_id=city.units["district"].id,
                name="防返贫救助基金",
                year=2026,
                budget=100_000,
            )
        session.flush()
        return account.id, id_number, name


def resident(page, live_server, account_id: int) -> None:
    page.context.clear_cookies()
    value = URLSafeTimedSerializer(live_server.settings.secret_key, salt="lianxin-resident").dumps(account_id)
    page.context.add_cookies([{"name": "lianxin_resident", "value": value, "url": live_server.url}])


def staff(page, live_server, who: str) -> None:
    page.context.clear_cookies()
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/login")
    page.get_by_label("用户名").fill(live_server.city.users[who].username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_label("密码").press("Enter")
    page.wait_for_url(lambda url: "/login" not in url)


def declare(page, id_number: str, name: str, risk: str) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/poverty")
    page.get_by_role("link", name="我要申报").click()
    page.get_by_label(risk).check()
    page.get_by_label("户主姓名").fill(name)
    page.get_by_label("所在村（社区）").select_option(label="和平社区")
    page.get_by_label("户主身份证号（选填，便于核实）").fill(id_number)
    page.get_by_label("困难情况（选填）").fill("父亲突发脑溢血住院，医药费负担重。")
    screenshot(page, "poverty-declare-390")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_role("button", name="提交申报").click()
    page.wait_for_url("**/me/poverty?new=*")
    expect(page.get_by_text("申报已提交")).to_be_visible()


def check(page, live_server, number: str, result: str) -> None:
    staff(page, live_server, "grid_worker")
    page.goto("/staff/poverty")
    row = page.locator("#declarations tr", has_text=number)
    expect(row.get_by_text("正常")).to_be_visible()  # a fresh declaration: green on the clock
    screenshot(page, "poverty-worklist-1280")
    row.get_by_role("link", name=number).click()
    page.get_by_role("button", name="我来入户核实").click()
    expect(page.get_by_role("heading", name="录入村级核实结果")).to_be_visible()
    page.get_by_label(result).check()
    page.get_by_label("核实情况").fill("入户核实：情况属实，已拍照留存。")
    page.get_by_label("家庭人均年收入（元，近12个月）").fill("5200" if result == "建议纳入" else "15000")
    page.get_by_role("button", name="提交核实结果").click()
    expect(page.locator("h1").get_by_text("评议公示中")).to_be_visible()


def test_from_a_declaration_to_a_cleared_risk_and_the_board_moves(page, live_server):
    account_id, id_number, name = setup(live_server)
    with time_machine.travel(utcnow(), tick=True) as traveller:
        resident(page, live_server, account_id)
        declare(page, id_number, name, "因病")
        screenshot(page, "poverty-mine-390")
        with live_server.sessionmaker() as session:
            decl = session.scalar(select(Declaration).where(Declaration.id_number == id_number))
            number, decl_id = f"FP{decl.id:06d}", decl.id
        check(page, live_server, number, "建议纳入")
        staff(page, live_server, "street_handler")
        page.goto(f"/staff/poverty/declarations/{decl_id}")
        page.get_by_role("button", name="开始公示").click()
        expect(page.locator("#facts").get_by_text("评议公示", exact=True)).to_be_visible()
        traveller.shift(timedelta(days=6))
        staff(page, live_server, "district_leader")
        page.goto("/staff/poverty/board")
        before = int(page.locator("#total-cleared").inner_text())
        page.goto(f"/staff/poverty/declarations/{decl_id}")
        screenshot(page, "poverty-declaration-1280")
        page.get_by_label("监测对象类型").select_option(label="突发严重困难户")
        page.get_by_role("button", name="认定纳入监测").click()
        expect(page.locator("h1").get_by_text("已纳入监测")).to_be_visible()
        page.get_by_role("link", name="监测户", exact=True).last.click()
        case_url = page.url
        # the grid worker plans a measure and asks for relief
        staff(page, live_server, "grid_worker")
        page.goto(case_url)
        page.get_by_label("措施", exact=True).select_option(label="医疗救助")
        page.get_by_label("责任单位").select_option(label="市住房和城乡建设委员会")
        page.get_by_label("完成时限").fill(str(local_date() + timedelta(days=20)))
        page.get_by_role("button", name="添加措施").click()
        expect(page.locator("h1").get_by_text("帮扶中")).to_be_visible()
        page.get_by_text("申请救助资金").click()
        page.get_by_label("金额（元）").fill("20000")
        page.get_by_role("button", name="提交申请").click()
        expect(page.locator("#payments").get_by_text("待审批")).to_be_visible()
        # the county approves, then records it paid
        staff(page, live_server, "district_leader")
        page.goto(case_url)
        page.get_by_role("button", name="审批通过").click()
        expect(page.locator("#payments").get_by_text("已审批待发放")).to_be_visible()
        page.get_by_role("button", name="确认已发放").click()
        expect(page.locator("#payments").get_by_text("已发放")).to_be_visible()
        # the measure's owner unit completes it: the household is monitored
        staff(page, live_server, "housing_handler")
        page.goto(case_url)
        page.get_by_label("新状态").select_option(label="已落实")
        page.locator("#measures").get_by_role("button", name="更新").click()
        expect(page.locator("h1").get_by_text("跟踪监测")).to_be_visible()
        # a month later the grid worker records the recovered income and proposes clearance
        traveller.shift(timedelta(days=31))
        staff(page, live_server, "grid_worker")
        page.goto(case_url)
        page.get_by_text("重新评估风险").click()
        page.locator("select[name=risk_illness]").first.select_option("1")
        page.get_by_label("当前人均年收入（元）").fill("8800")
        page.get_by_role("button", name="保存评估").click()
        page.get_by_role("button", name="申请风险消除").click()
        expect(page.locator("h1").get_by_text("消除风险待审")).to_be_visible()
        staff(page, live_server, "district_leader")
        page.goto(case_url)
        page.get_by_role("button", name="审核通过：风险已消除").click()
        expect(page.locator("h1").get_by_text("风险已消除")).to_be_visible()
        screenshot(page, "poverty-case-cleared-1280")
        page.goto("/staff/poverty/board")
        expect(page.locator("#total-cleared")).to_have_text(str(before + 1))
        screenshot(page, "poverty-board-1280")
    with live_server.sessionmaker() as session:
        case = session.scalar(select(MonitoringCase).where(MonitoringCase.declaration_id == decl_id))
        assert case.status == "risk_cleared" and case.payments[0].status == "paid"


def test_a_rejected_declaration_shows_its_reason(page, live_server):
    account_id, id_number, name = setup(live_server)
    resident(page, live_server, account_id)
    declare(page, id_number, name, "因失业/务工受阻")
    with live_server.sessionmaker() as session:
        decl_id = session.scalar(select(Declaration.id).where(Declaration.id_number == id_number))
    check(page, live_server, f"FP{decl_id:06d}", "建议不纳入")
    staff(page, live_server, "district_leader")
    page.goto(f"/staff/poverty/declarations/{decl_id}")
    page.get_by_label("不予纳入的理由（申报人可见）").fill("经核实家庭人均纯收入高于监测标准，且有稳定务工收入。")
    page.get_by_role("button", name="不予纳入").click()
    expect(page.locator("h1").get_by_text("未纳入")).to_be_visible()
    resident(page, live_server, account_id)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/me/poverty")
    expect(page.locator(f"#reason-{decl_id}")).to_contain_text("高于监测标准")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "poverty-rejected-390")
