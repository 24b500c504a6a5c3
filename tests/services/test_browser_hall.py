"""Browser journey in headless Chromium: an admin opens a window for a centre, the front desk issues a walk-in's
number and prints the slip, the window calls and serves it while the hall's board shows the call, and the
visitor rates the visit on a phone from the slip's link with no account. Screenshots in build/screenshots/."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from lianxin.services.models import Evaluation, Ticket
from tests.helpers import screenshot
from tests.services.test_browser import setup, staff_login

pytestmark = pytest.mark.browser


def test_a_walk_in_is_called_to_a_window_served_and_rates_the_visit(page, live_server):
    code, name, centre, _, _ = setup(live_server)
    city = live_server.city
    page.set_viewport_size({"width": 1280, "height": 900})
    staff_login(page, city.users["admin"].username)
    page.goto(f"/admin/services/windows?location={centre}")
    window_code = f"W{uuid.uuid4().hex[:4].upper()}"
    page.get_by_label("编号").fill(window_code)
    page.get_by_label("名称").fill("老年人服务窗口")
    page.get_by_label(f"{code} {name}").check()
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#windows tr", has_text=window_code)).to_contain_text("老年人服务窗口")
    screenshot(page, "services-windows-admin-1280")
    page.context.clear_cookies()
    staff_login(page, city.users["operator"].username)
    page.goto(f"/staff/services/queue?location={centre}")
    page.get_by_label("办理事项").select_option(code)
    page.get_by_label("手机号（选填，用于叫号提醒和评价短信）").fill("13912340000")
    page.get_by_role("button", name="取号并打印").click()
    expect(page.locator("#slip-number")).to_have_text("A001")
    expect(page.locator("#slip svg")).to_be_visible()
    screenshot(page, "services-ticket-slip-1280")
    rate_url = page.locator("#slip a").first.get_attribute("href")
    page.get_by_role("link", name="返回叫号").click()
    page.get_by_role("button", name=f"叫下一位（{window_code}）").click()
    expect(page.locator("#ticket-A001")).to_contain_text("已叫号")
    board = page.context.new_page()
    board.goto(f"/services/queue/{centre}?n=A001")
    expect(board.locator(f'[data-window="{window_code}"]')).to_have_text("A001")
    expect(board.locator("#my-place")).to_contain_text(window_code)
    screenshot(board, "services-hall-board-360")
    board.close()
    page.locator("#ticket-A001").get_by_role("button", name="办理完成").click()
    expect(page.locator("#ticket-A001")).to_contain_text("已办理")
    screenshot(page, "services-queue-1280")
    page.context.clear_cookies()
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(rate_url)
    page.get_by_label("满意", exact=True).check()
    page.get_by_label("服务态度").select_option("5")
    page.get_by_role("button", name="提交评价").click()
    expect(page.locator("#rated")).to_contain_text("满意")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "services-rate-by-link-390")
    with live_server.sessionmaker() as session:
        ticket = session.scalar(select(Ticket).where(Ticket.rate_token == rate_url.rsplit("/", 1)[1]))
        rating = session.scalar(select(Evaluation).where(Evaluation.ticket_id == ticket.id))
        assert rating.level == 4 and rating.window.code == window_code and rating.scores == {"attitude": 5}
