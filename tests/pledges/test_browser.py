"""The 办实事 journey in headless Debian Chromium: a leader drafts a list, publishes it, records a
milestone with a photo and completes an item; a resident rates it on a phone; the joint meeting ticks
the other item done; the public page's completion rate moves. Screenshots go to build/screenshots/."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from lianxin.pledges.service import local_today
from tests.factories import PASSWORD
from tests.helpers import screenshot
from tests.pledges.test_more import jpeg

pytestmark = pytest.mark.browser


def test_draft_publish_milestone_rating_meeting_and_the_public_page(browser, page, live_server, tmp_path):
    city = live_server.city
    staff = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN", base_url=live_server.url)
    desk = staff.new_page()
    desk.goto("/login")
    desk.get_by_label("用户名").fill(city.users["district_leader"].username)
    desk.get_by_label("密码").fill(PASSWORD)
    desk.get_by_role("button", name="登录").click()
    desk.wait_for_url("**/staff/**")

    title = f"东城区为民办实事清单 {secrets.token_hex(3)}"
    desk.goto("/staff/pledges")
    desk.get_by_label("清单名称").fill(title)
    desk.get_by_label("年度").fill(str(local_today().year))
    desk.get_by_label("责任单位").select_option(label="东城区")
    desk.get_by_role("button", name="新建").click()
    desk.wait_for_url(re.compile(r".*/staff/pledges/\d+$"))
    list_id = int(desk.url.rsplit("/", 1)[1])
    soon = (local_today() + timedelta(days=7)).isoformat()
    for item_title in ("老旧小区路灯改造", "新建口袋公园"):
        desk.locator("#i-title").fill(item_title)
        desk.locator("#i-due").fill(soon)
        desk.get_by_role("button", name="添加", exact=True).click()
        desk.wait_for_load_state()
    rows = desk.locator("tr[id^=item-]")
    assert rows.count() == 2
    lights_id, park_id = (int(rows.nth(n).get_attribute("id").split("-")[1]) for n in range(2))
    desk.get_by_role("button", name="审定").click()
    desk.wait_for_load_state()
    desk.get_by_role("button", name="公示").click()
    desk.wait_for_load_state()
    assert desk.locator("#list-status").inner_text() == "已公示"

    row = desk.locator(f"#item-{lights_id}")
    row.locator("summary").click()
    row.locator(f"#mt-{lights_id}").fill("完成路灯安装")
    row.locator(f"#mp-{lights_id}").fill("80")
    photo = tmp_path / "lamp.jpg"
    photo.write_bytes(jpeg())
    row.locator(f"#mf-{lights_id}").set_input_files(str(photo))
    row.get_by_role("button", name="记录节点").click()
    desk.wait_for_load_state()
    row = desk.locator(f"#item-{lights_id}")
    assert "80%" in row.inner_text()
    row.locator("summary").click()
    row.get_by_role("button", name="办结").click()
    desk.wait_for_load_state()
    screenshot(desk, "pledges-workbench-1280")

    # a resident on a phone sees the milestone photo and rates the completed item
    page.goto(f"/pledges/lists/{list_id}")
    assert page.locator("#kpi-rate").inner_text() == "50%"
    page.get_by_role("link", name="老旧小区路灯改造").click()
    page.wait_for_url(re.compile(rf".*/pledges/items/{lights_id}$"))
    expect(page.get_by_role("img", name="节点照片 1")).to_be_visible()
    page.get_by_text("5★ 非常满意").click()
    page.get_by_label("手机号码（每人每件限评一次，不公开）").fill("13912345678")
    page.get_by_role("button", name="提交评价").click()
    assert page.get_by_role("status").inner_text() == "感谢您的评价！"
    assert "群众评价 100.0（1 人）" in page.locator("#rating").inner_text()
    screenshot(page, "pledges-item-rated-360")

    # the joint meeting ticks the park done
    desk.goto(f"/staff/pledges/{list_id}")
    desk.get_by_label("参会人员（用顿号或逗号分隔）").fill("书记、主任、居民代表")
    desk.locator(f"input[name=decision_{park_id}]").fill("已建成开放，同意销号")
    desk.locator(f"input[name=complete_{park_id}]").check()
    desk.get_by_role("button", name="保存会议记录").click()
    desk.wait_for_load_state()
    assert "已建成开放，同意销号" in desk.locator("#meetings").text_content()

    page.goto(f"/pledges/lists/{list_id}")
    assert page.locator("#kpi-done").inner_text() == "2" and page.locator("#kpi-rate").inner_text() == "100%"
    assert "已建成开放，同意销号" in page.locator(f"#item-{park_id}").inner_text()
    screenshot(page, "pledges-public-ledger-360")
    staff.close()
