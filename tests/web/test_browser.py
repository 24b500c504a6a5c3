"""Browser journeys in headless Debian Chromium against a real uvicorn server; screenshots go to
build/screenshots/ for a person to look at."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD
from tests.helpers import screenshot
from tests.web.test_intake import jpeg_with_gps

pytestmark = pytest.mark.browser


def test_staff_member_logs_in_with_the_keyboard_and_out_again(page, live_server):
    user = live_server.city.users["dispatcher"]
    page.goto("/login")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.get_by_label("用户名").fill(user.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_label("密码").press("Enter")
    page.wait_for_url("**/staff/dispatch")  # staff land on their own workbench
    expect(page.get_by_role("button", name="退出登录（dispatcher）")).to_be_visible()
    screenshot(page, "login-done-360")
    page.get_by_role("button", name="退出登录（dispatcher）").click()
    page.wait_for_url(live_server.url + "/")
    expect(page.get_by_role("link", name="工作人员登录")).to_be_visible()


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
    expect(page.get_by_role("link", name="Public statistics").first).to_be_visible()
    page.goto("/track")  # remembered
    expect(page.get_by_role("heading", name="Track an appeal")).to_be_visible()
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
    expect(page.get_by_text("页面已过期")).to_be_visible()
    screenshot(page, "csrf-refused-360")


def submit_appeal_in_browser(page, *, content: str) -> str:
    """Fill the resident form on a phone-sized screen with a photo; returns the tracking URL."""
    page.goto("/appeal")
    page.get_by_label("投诉").check()
    page.get_by_label("发生了什么").fill(content)
    page.get_by_label("地址").fill("和平里小区东门")
    page.set_input_files("#photos", files=[{"name": "scene.jpg", "mimeType": "image/jpeg", "buffer": jpeg_with_gps()}])
    page.get_by_label("姓名").fill("王五")
    page.get_by_label("手机号").fill("13700001111")
    screenshot(page, "submit-form-360")
    page.get_by_role("button", name="提交").click()
    page.wait_for_url("**/t/**")
    return page.url


def test_resident_submits_with_a_photo_and_tracks_it_by_number_and_phone(page, live_server):
    url = submit_appeal_in_browser(page, content="小区门口的垃圾已经三天没人清运了。")
    expect(page.get_by_role("heading", name="提交成功")).to_be_visible()
    order_no = page.locator("#order-no").inner_text()
    assert page.locator("#tracking-link").inner_text() == url.split("?")[0]
    page.locator(".photos img").scroll_into_view_if_needed()
    page.wait_for_function("document.querySelector('.photos img').complete")
    assert page.evaluate("document.querySelector('.photos img').naturalWidth") == 64  # the photo loads
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "submitted-360")
    page.goto("/track")
    page.get_by_label("工单编号").fill(order_no)
    page.get_by_label("手机号").fill("13700001111")
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_role("heading", name="办理进度")).to_be_visible()
    assert page.locator(".timeline li").first.inner_text().startswith("受理")
    screenshot(page, "tracked-360")


def test_a_double_click_on_submit_makes_one_appeal(page, live_server):
    from sqlalchemy import func, select

    from lianxin.appeals.models import Appeal

    with live_server.sessionmaker() as session:
        before = session.scalar(select(func.count(Appeal.id)))
    page.goto("/appeal")
    page.get_by_label("求助").check()
    page.get_by_label("发生了什么").fill("楼道灯坏了，晚上看不见台阶。")
    page.get_by_label("手机号").fill("13700002222")
    page.get_by_role("button", name="提交").dblclick()
    page.wait_for_url("**/t/**")
    page.go_back()  # and the browser's back button plus a resend of the same form
    page.get_by_role("button", name="提交").click()
    page.wait_for_url("**/t/**")
    with live_server.sessionmaker() as session:
        assert session.scalar(select(func.count(Appeal.id))) == before + 1


def test_form_errors_appear_next_to_the_fields_in_the_browser(page, live_server):
    page.goto("/appeal")
    page.get_by_label("手机号").fill("123")
    page.get_by_role("button", name="提交").click()
    assert page.locator("#appellant_phone-error").inner_text() == "电话号码格式不正确"
    expect(page.locator("#content-error")).to_be_visible()
    assert page.get_by_label("手机号").get_attribute("aria-invalid") == "true"
    screenshot(page, "submit-errors-360")


def reply_in_the_back_office(live_server, tracking_url: str) -> None:
    from lianxin.appeals import queries
    from lianxin.appeals.service import dispatch_appeal, record_contact, reply_to_appeal, sign_appeal
    from lianxin.db import session_scope

    token = tracking_url.split("/t/")[1].split("?")[0]
    users, units = live_server.city.users, live_server.city.units
    with session_scope(live_server.sessionmaker) as session:
        appeal = queries.find_by_token(session, token)
        handler = session.merge(users["street_handler"])
        dispatch_appeal(session, appeal, session.merge(units["street"]), actor=session.merge(users["dispatcher"]))
        sign_appeal(session, appeal, actor=handler)
        record_contact(session, appeal, actor=handler, note="已电话联系")
        reply_to_appeal(session, appeal, actor=handler, text="垃圾已清运，并增加了清运频次。")


def test_the_resident_rates_dissatisfied_and_the_appeal_reopens(page, live_server):
    url = submit_appeal_in_browser(page, content="垃圾桶满了没人清理，气味很大。")
    reply_in_the_back_office(live_server, url)
    page.goto(url.split("?")[0])
    assert page.locator("#reply-text").inner_text() == "垃圾已清运，并增加了清运频次。"
    page.get_by_label("未解决").check()
    page.get_by_label("不满意", exact=True).check()
    page.get_by_label("意见（选填）").fill("只清了一次，第二天又满了")
    page.get_by_label("手机号（用于核对身份）").fill("13700001111")
    screenshot(page, "rating-360")
    page.get_by_role("button", name="提交评价").click()
    expect(page.get_by_text("感谢您的评价")).to_be_visible()
    assert page.locator(".status").inner_text() == "办理中"
    assert page.locator(".timeline li").first.inner_text().startswith("重办")
    screenshot(page, "reopened-360")


def test_the_public_statistics_page_draws_its_charts_and_map(page, live_server):
    from lianxin.db import session_scope
    from tests.factories import new_appeal

    with session_scope(live_server.sessionmaker) as session:
        city = live_server.city
        city.units = {k: session.merge(v) for k, v in city.units.items()}
        city.users = {k: session.merge(v) for k, v in city.users.items()}
        for i in range(4):
            new_appeal(session, city, lat=39.91 + i * 0.001, lng=116.41, appellant_phone=f"1360000000{i}")
    page.set_viewport_size({"width": 1024, "height": 900})
    page.goto("/stats")
    page.wait_for_selector("#community-map path.leaflet-interactive")
    assert page.locator(".chart svg").count() >= 2
    assert int(page.locator("#kpi-received").inner_text()) >= 4
    screenshot(page, "public-stats-1024")
    page.set_viewport_size({"width": 360, "height": 780})
    page.reload()
    page.wait_for_selector(".chart svg")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "public-stats-360")


def test_the_resident_page_never_loads_echarts(page, live_server):
    requested = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto("/appeal")
    page.wait_for_load_state("networkidle")
    assert requested and not any("echarts" in url for url in requested)
    assert all(url.startswith(live_server.url) for url in requested)  # nothing from the internet


def test_every_control_of_the_resident_form_is_reachable_with_the_keyboard(page, live_server):
    page.goto("/appeal")
    reached = []
    for _ in range(40):
        page.keyboard.press("Tab")
        reached.append(
            page.evaluate("document.activeElement.id || document.activeElement.name || document.activeElement.tagName")
        )
    for control in (
        "appeal_type",
        "content",
        "address",
        "locate-me",
        "photos",
        "appellant_name",
        "appellant_phone",
        "confidential",
        "submit-appeal",
    ):
        assert control in reached, (control, reached)
    unlabelled = page.evaluate("""[...document.querySelectorAll('#appeal-form input:not([type=hidden]), #appeal-form textarea, #appeal-form select')]
        .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')).map(el => el.name)""")
    assert unlabelled == []
