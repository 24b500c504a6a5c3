"""The hotline desk in Chromium at 1280 px: the staff menu on one row with its dropdowns, and the queues.
Screenshots go to build/screenshots/desk-*.png."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.helpers import screenshot
from tests.web.staff.helpers import sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def desk(browser, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN", base_url=live_server.url)
    yield context
    context.close()


def menu_rows(page) -> int:
    tops = page.locator(".site-header nav > ul > li").evaluate_all(
        "items => items.map(li => Math.round(li.getBoundingClientRect().top))"
    )
    return len(set(tops))


@pytest.mark.parametrize("key", ["admin", "leader", "dispatcher", "street_handler"])
def test_the_staff_menu_is_one_row_at_1280_px_with_dropdowns(desk, live_server, key):
    page = sign_in(desk, live_server, key)
    assert menu_rows(page) == 1
    group = page.locator(".site-header nav details").first
    summary = group.locator("summary")
    summary.click()
    first = group.locator("ul a").first
    expect(first).to_be_visible()
    screenshot(page, f"desk-menu-{key}-1280")
    page.keyboard.press("Escape")
    expect(first).to_be_hidden()
    summary.click()
    expect(first).to_be_visible()
    page.locator("main").click(position={"x": 5, "y": 5})  # a click elsewhere closes it
    expect(first).to_be_hidden()
    page.goto("/staff?lang=en")
    assert menu_rows(page) == 1


def test_intake_panels_follow_paste_and_chinese_input_methods(desk, live_server):
    """A paste (no key pressed) updates the panels; while an input method composes nothing is asked, and the
    chosen characters (compositionend) are."""
    page = sign_in(desk, live_server, "operator")
    page.goto("/staff/intake")
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "/staff/intake/repeats" in r.url else None)
    content = page.get_by_label("诉求内容")
    content.fill("楼上漏水，天花板一直在滴水")  # fill() is a paste: input events, no keyup
    expect(page.locator("#repeats-box")).not_to_contain_text("按来电号码、内容和地点查找")
    assert any("%E6%BC%8F%E6%B0%B4" in url for url in asked)  # 漏水 reached the repeat lookup
    asked.clear()
    page.evaluate(
        """() => {
        const box = document.getElementById("address");
        box.dispatchEvent(new CompositionEvent("compositionstart"));
        box.value = "he ping li";
        box.dispatchEvent(new InputEvent("input", {isComposing: true, bubbles: true}));
    }"""
    )
    page.wait_for_timeout(900)
    assert asked == []  # pinyin being composed is not looked up
    page.evaluate(
        """() => {
        const box = document.getElementById("address");
        box.value = "和平里";
        box.dispatchEvent(new InputEvent("input", {isComposing: true, bubbles: true}));
        box.dispatchEvent(new CompositionEvent("compositionend", {data: "和平里", bubbles: true}));
    }"""
    )
    page.wait_for_timeout(900)
    assert len(asked) == 1 and "%E5%92%8C%E5%B9%B3%E9%87%8C" in asked[0]  # 和平里, once
    screenshot(page, "desk-intake-ime")


def test_a_dispatcher_merges_a_repeat_from_intake_in_one_click(desk, live_server):
    import secrets

    from sqlalchemy import select

    from lianxin.appeals.models import Appeal
    from lianxin.db import session_scope
    from tests.factories import new_appeal

    phone = f"137{secrets.randbelow(10**8):08d}"
    with session_scope(live_server.sessionmaker) as session:
        earlier = new_appeal(session, live_server.city, actor_key=None, appellant_phone=phone).order_no
    page = sign_in(desk, live_server, "dispatcher")
    page.goto("/staff/intake")
    page.get_by_label("来电号码").fill(phone)
    merge = page.locator(f'#repeats-box .merge-into[data-order="{earlier}"]')
    expect(merge).to_be_visible()
    merge.click()
    expect(page.locator("#merge-choice")).to_contain_text(earlier)
    page.get_by_role("button", name="取消并单").click()
    expect(page.locator("#merge-choice")).to_be_hidden()
    merge.click()
    page.get_by_label("诉求内容").fill("又打来反映：小区门口井盖丢失，很危险。")
    screenshot(page, "desk-intake-merge")
    page.get_by_role("button", name="保存工单").click()
    page.wait_for_url("**/staff/intake/saved/*")
    with live_server.sessionmaker() as session:
        saved = session.scalar(select(Appeal).where(Appeal.order_no == page.url.rsplit("/", 1)[1]))
        into = session.scalar(select(Appeal).where(Appeal.order_no == earlier))
        assert saved.status == "merged" and saved.merged_into_id == into.id


def test_deleting_a_dispatch_rule_asks_first_and_says_what_it_did(desk, live_server):
    from lianxin.db import session_scope
    from lianxin.dispatch.catalogue import create_rule

    with session_scope(live_server.sessionmaker) as session:
        rule_id = create_rule(
            session, actor=None, jurisdiction_id=live_server.city.jid, lead_kind="local", note="浏览器测试"
        ).id
    page = sign_in(desk, live_server, "admin")
    page.goto("/admin/catalogue")
    form = page.locator(f'form[action="/admin/catalogue/{rule_id}/delete"]')
    asked: list[str] = []

    def dismiss(dialog):
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    form.get_by_role("button", name="删除").click()
    page.wait_for_timeout(300)
    assert asked and f"#{rule_id}" in asked[0] and "不能恢复" in asked[0]
    expect(form).to_be_visible()  # refused: nothing was sent
    page.once("dialog", lambda dialog: dialog.accept())
    form.get_by_role("button", name="删除").click()
    expect(page.get_by_role("status")).to_contain_text(f"已删除派单规则 #{rule_id}")
    expect(page.locator(f'form[action="/admin/catalogue/{rule_id}/delete"]')).to_have_count(0)
    screenshot(page, "desk-catalogue-deleted")


def test_the_unit_picker_filters_the_tree_by_name(desk, live_server):
    from lianxin.db import session_scope
    from tests.factories import new_appeal

    with session_scope(live_server.sessionmaker) as session:
        order_no = new_appeal(session, live_server.city, actor_key=None).order_no
    street = live_server.city.units["street"]
    page = sign_in(desk, live_server, "dispatcher")
    page.goto(f"/staff/appeals/{order_no}")
    page.get_by_text("派单", exact=True).first.click()
    picker = page.locator("#dispatch-lead_unit")
    expect(picker).to_be_visible()
    page.locator('input.unit-filter[data-for="dispatch-lead_unit"]').fill(street.name)
    shown = picker.locator("option:not([hidden])").all_inner_texts()
    assert [text.strip() for text in shown if text.strip() not in ("请选择",)] == [street.name]
    screenshot(page, "desk-unit-picker")
    picker.select_option(str(street.id))
    assert picker.input_value() == str(street.id)


PAGES = {  # role → the staff and leader pages it works on
    "operator": ["/staff/intake", "/kb"],
    "dispatcher": ["/staff/dispatch", "/staff/appeals", "/staff/overdue", "/staff/visits", "/admin/catalogue"],
    "street_handler": ["/staff/handle", "/hotspots", "/topics", "/ledger"],
    "leader": ["/staff/overview", "/leader/dashboard", "/assessment/monthly", "/leader/supervision"],
    "admin": ["/staff/admin", "/staff/admin/units", "/staff/admin/time-limits", "/routing"],
}


@pytest.mark.parametrize("width", [1280, 1920])
def test_staff_and_leader_pages_fit_the_screen_in_chinese_and_english(browser, live_server, width):
    """Nothing makes the page wider than the screen (wide tables scroll inside themselves), and order numbers,
    unit names and times in lists never break across lines."""
    from lianxin.appeals.service import dispatch_appeal
    from lianxin.db import session_scope
    from lianxin.orgs.models import User
    from tests.factories import new_appeal

    city = live_server.city
    with session_scope(live_server.sessionmaker) as session:  # rows with long titles in every queue
        dispatcher = session.get(User, city.users["dispatcher"].id)
        for n in range(3):
            appeal = new_appeal(
                session, city, actor_key=None, title=f"小区北门外道路两侧长期占道经营噪声扰民问题第{n}次反映"
            )
            if n:
                dispatch_appeal(session, appeal, city.units["street"].id, actor=dispatcher)
    context = browser.new_context(viewport={"width": width, "height": 1000}, locale="zh-CN", base_url=live_server.url)
    try:
        wide = {}
        for role, paths in PAGES.items():
            page = sign_in(context, live_server, role)
            for lang in ("zh-CN", "en"):
                for path in paths:
                    answer = page.goto(f"{path}?lang={lang}")
                    assert answer.status < 400, (role, path, answer.status)
                    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
                    if overflow > 0:
                        wide[(role, path, lang)] = overflow
                    broken = page.evaluate(
                        """() => [...document.querySelectorAll('table.list td.nowrap')].filter(td => {
                            const r = document.createRange(); r.selectNodeContents(td);
                            return new Set([...r.getClientRects()].map(x => Math.round(x.top))).size > 1;
                        }).map(td => td.innerText)"""
                    )
                    assert not broken, (role, path, lang, broken[:3])
                    name = path.strip("/").replace("/", "-")
                    screenshot(page, f"desk-{width}-{lang}-{name}")
            page.close()
        assert not wide, f"pages wider than {width} px: {wide}"
    finally:
        context.close()
