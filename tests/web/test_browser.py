"""Browser journeys in headless Debian Chromium against a real uvicorn server; screenshots go to
build/screenshots/ for a person to look at."""

from __future__ import annotations

import pytest

from tests.factories import PASSWORD
from tests.web.conftest import screenshot

pytestmark = pytest.mark.browser


def test_staff_member_logs_in_with_the_keyboard_and_out_again(page, live_server):
    user = live_server.city.users["dispatcher"]
    page.goto("/login")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.get_by_label("用户名").fill(user.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_label("密码").press("Enter")
    page.wait_for_url(live_server.url + "/")
    assert page.get_by_role("button", name="退出登录（dispatcher）").is_visible()
    screenshot(page, "login-done-360")
    page.get_by_role("button", name="退出登录（dispatcher）").click()
    page.wait_for_url(live_server.url + "/")
    assert page.get_by_role("link", name="工作人员登录").is_visible()


def test_a_wrong_password_is_reported_next_to_the_form(page, live_server):
    page.goto("/login")
    page.get_by_label("用户名").fill(live_server.city.users["dispatcher"].username)
    page.get_by_label("密码").fill("not-the-password")
    page.get_by_role("button", name="登录").click()
    assert page.get_by_role("alert").inner_text().count("用户名或密码错误") == 1
    screenshot(page, "login-error-360")


def test_the_english_switch_turns_the_page_into_english_and_back(page, live_server):
    page.goto("/")
    page.get_by_role("link", name="切换到英文").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("link", name="Public statistics").first.is_visible()
    page.goto("/track")  # remembered
    assert page.get_by_role("heading", name="Track an appeal").is_visible()
    screenshot(page, "track-form-en-360")
    page.get_by_role("link", name="Switch to Chinese").click()
    assert page.locator("html").get_attribute("lang") == "zh-CN"


def test_large_text_mode_enlarges_the_page_and_is_remembered(page, live_server):
    page.goto("/")
    before = page.evaluate("parseFloat(getComputedStyle(document.querySelector('h1')).fontSize)")
    page.get_by_role("button", name="大字模式").click()
    after = page.evaluate("parseFloat(getComputedStyle(document.querySelector('h1')).fontSize)")
    assert after >= before * 1.2
    page.reload()
    assert page.get_by_role("button", name="大字模式").get_attribute("aria-pressed") == "true"
    screenshot(page, "home-large-text-360")


def test_the_home_page_fits_a_360_px_screen(page, live_server):
    page.goto("/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert page.get_by_role("link", name="一键呼叫 服务热线 12345").first.get_attribute("href") == "tel:12345"
    screenshot(page, "home-360")


def test_a_form_posted_from_a_stale_page_is_refused(page, live_server):
    page.goto("/track")
    page.evaluate("document.querySelector('input[name=csrf_token]').value = 'stale'")
    page.get_by_label("工单编号").fill("20260101000001")
    page.get_by_label("手机号").fill("13800138000")
    response_status = []
    page.on("response", lambda r: response_status.append(r.status) if r.url.endswith("/track") else None)
    page.get_by_role("button", name="查询").click()
    page.wait_for_load_state()
    assert 403 in response_status
    assert page.get_by_text("页面已过期").is_visible()
    screenshot(page, "csrf-refused-360")
