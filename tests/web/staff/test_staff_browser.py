"""Staff journeys in headless Chromium against the live server: operator → dispatcher → handler →
visitor take an appeal to closed; another unit's handler is refused; the leader's page shows the
figures. Screenshots of the key pages go to build/screenshots/staff-*.png."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from lianxin.appeals.models import Appeal
from lianxin.appeals.status import AppealStatus
from lianxin.clock import utcnow
from lianxin.orgs.models import User
from lianxin.stats.dashboard import dashboard_scope
from lianxin.web.staff.overview import figures, period_starts
from tests.factories import PASSWORD
from tests.helpers import screenshot
from tests.web.staff.helpers import sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def desk(browser, live_server):
    """A desktop-sized browser context: staff work at a desk."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN", base_url=live_server.url)
    yield context
    context.close()


def stored(live_server, order_no: str) -> Appeal:
    with live_server.sessionmaker() as session:
        return session.scalar(select(Appeal).where(Appeal.order_no == order_no))


def dispatched_to_street(live_server) -> str:
    """An appeal of the test's own, dispatched to the street (each test makes its own: none waits for another)."""
    from lianxin.appeals.service import dispatch_appeal
    from lianxin.db import session_scope
    from tests.factories import new_appeal

    city = live_server.city
    with session_scope(live_server.sessionmaker) as session:
        appeal = new_appeal(session, city, actor_key=None)  # a resident's own submission
        dispatcher = session.get(User, city.users["dispatcher"].id)
        dispatch_appeal(session, appeal, city.units["street"].id, actor=dispatcher)
        return appeal.order_no


def test_an_appeal_goes_from_the_phone_to_closed_through_four_desks(desk, live_server):
    units = live_server.city.units
    page = sign_in(desk, live_server, "operator")
    page.goto("/staff/intake")
    assert page.evaluate("document.activeElement.id") == "appellant_phone"  # keyboard first
    page.keyboard.type("13612345678")
    page.get_by_label("诉求人姓名").fill("赵六")
    page.get_by_label("诉求内容").fill("和平里小区北门的路灯坏了好几天，晚上出入很不方便。")
    page.get_by_label("地址").fill("和平里小区北门")
    page.get_by_label("所属社区/村").select_option(str(units["community"].id))
    screenshot(page, "staff-intake")
    page.get_by_label("诉求内容").press("Control+Enter")
    page.wait_for_url("**/staff/intake/saved/*")  # a fresh form for the next call, with a link to the saved one
    order_no = page.url.rsplit("/", 1)[1]
    expect(page.get_by_role("status")).to_contain_text(order_no)
    expect(page.get_by_label("诉求内容")).to_have_value("")
    screenshot(page, "staff-intake-saved")
    assert stored(live_server, order_no).status == AppealStatus.RECEIVED

    page = sign_in(desk, live_server, "dispatcher")
    # the queue is shared with every other test's appeals on PostgreSQL: look the new one up by its number,
    # as a dispatcher told the number on the phone does
    page.goto(f"/staff/dispatch?q={order_no}")
    page.get_by_role("link", name=order_no).click()
    page.get_by_text("派单", exact=True).first.click()
    page.locator("#dispatch-lead_unit").select_option(str(units["street"].id))
    screenshot(page, "staff-dispatch")
    page.locator("#action-dispatch button[type=submit]").click()
    page.get_by_text("已完成：派单").wait_for()
    assert stored(live_server, order_no).status == AppealStatus.DISPATCHED

    page = sign_in(desk, live_server, "street_handler")
    page.goto(f"/staff/handle?q={order_no}")
    expect(page.locator("td.due").first).to_be_visible()
    screenshot(page, "staff-handler-queue")
    page.get_by_role("link", name=order_no).click()
    page.locator("#action-sign summary").click()
    page.locator("#action-sign button[type=submit]").click()
    page.get_by_text("已完成：签收").wait_for()
    page.locator("#action-contact summary").click()
    page.locator("#contact-note").fill("已电话联系赵六，今天下午到场查看")
    page.locator("#action-contact button[type=submit]").click()
    page.get_by_text("已完成：记录联系诉求人").wait_for()
    page.locator("#action-reply summary").click()
    page.locator("#reply-text").fill("已更换北门路灯灯泡，恢复照明。")
    page.locator("#action-reply button[type=submit]").click()
    page.get_by_text("已完成：答复").wait_for()
    screenshot(page, "staff-appeal-replied")
    assert stored(live_server, order_no).status == AppealStatus.REPLIED

    page = sign_in(desk, live_server, "visitor")
    page.goto(f"/staff/visits?q={order_no}")
    row = page.get_by_role("form", name=f"回访 {order_no}")
    screenshot(page, "staff-visits")
    row.get_by_label("已联系").check()
    row.get_by_label("已解决").check()
    row.get_by_role("button", name="满意", exact=True).click()
    expect(page.locator(f"#visit-{order_no}")).to_contain_text("已记录回访")  # recorded on the row (htmx)
    screenshot(page, "staff-visits-recorded")
    assert stored(live_server, order_no).status == AppealStatus.CLOSED


def test_a_stale_page_says_someone_else_changed_the_appeal(desk, live_server):
    page = sign_in(desk, live_server, "operator")
    page.goto("/staff/intake")
    page.get_by_label("来电号码").fill("13698765432")
    page.get_by_label("诉求内容").fill("楼道里堆放杂物，存在消防隐患，请处理。")
    page.get_by_role("button", name="保存工单").click()
    page.wait_for_url("**/staff/intake/saved/*")
    order_no = page.url.rsplit("/", 1)[1]
    page.get_by_role("link", name=order_no).click()
    page.wait_for_url(f"**/staff/appeals/{order_no}")
    other = desk.new_page()  # the same appeal open twice; the first tab acts, the second is stale
    other.goto(f"/staff/appeals/{order_no}")
    page.locator("#action-note summary").click()
    page.locator("#note-note").fill("来电人希望上午联系")
    page.locator("#action-note button[type=submit]").click()
    page.get_by_text("已完成：内部备注").wait_for()
    other.locator("#action-note summary").click()
    other.locator("#note-note").fill("再加一条备注")
    other.locator("#action-note button[type=submit]").click()
    other.get_by_text("其他人刚刚修改了这个工单").wait_for()
    screenshot(other, "staff-stale-version")
    other.get_by_role("button", name="重新加载").click()
    other.get_by_text("来电人希望上午联系").wait_for()


def test_a_handler_cannot_open_another_units_appeal(desk, live_server):
    order_no = dispatched_to_street(live_server)
    page = sign_in(desk, live_server, "street2_handler")
    response = page.goto(f"/staff/appeals/{order_no}")
    assert response.status == 403
    expect(page.get_by_text("您无权查看该工单")).to_be_visible()


def test_the_leader_sees_the_figures(desk, live_server):
    page = sign_in(desk, live_server, "leader")
    page.goto("/staff/overview")
    expect(page.get_by_role("heading", name="领导总览")).to_be_visible()
    shown = [int(b.inner_text()) for b in page.locator("#kpis-1 .kpi b").all()]
    today = period_starts(utcnow())[0].date()
    with live_server.sessionmaker() as session:  # the figures /stats counts, from the rollups and the live delta
        leader = session.scalar(select(User).where(User.username == live_server.city.users["leader"].username))
        scope = dashboard_scope(session, leader, None)
        expected = figures(session, leader.jurisdiction_id, scope, today, today)
    assert shown == [expected.received, expected.dispatched, expected.overdue]
    screenshot(page, "staff-overview")


def test_the_suggestion_box_asks_as_the_operator_types(desk, live_server):
    page = sign_in(desk, live_server, "operator")
    page.goto("/staff/intake")
    page.get_by_label("诉求内容").fill("小区路灯坏了")
    page.get_by_label("诉求内容").press("End")  # the keyup an input method ends with
    page.locator("#routing-box").get_by_text("暂无分类建议").wait_for()  # the typed text reached /routing/suggest
    assert page.input_value("#predicted_category_id") == ""


def test_the_exclusion_box_loads_on_the_lead_handlers_page(desk, live_server):
    order_no = dispatched_to_street(live_server)
    page = sign_in(desk, live_server, "street_handler")
    page.goto(f"/staff/appeals/{order_no}")
    page.get_by_role("heading", name="考评剔除").wait_for()
    assert page.locator("#exclusion-box").count() == 0  # the placeholder was replaced by the partial
    reason = page.get_by_label("剔除原因")
    expect(reason).to_be_hidden()  # collapsed like the other actions
    page.get_by_text("申请考评剔除").click()
    expect(reason).to_be_visible()
    screenshot(page, "staff-exclusion-open")


def trained_city(live_server):
    """A second jurisdiction with a routing model (its appeals stay out of the live city's figures)."""
    import random

    from lianxin.appeals.service import recategorize_appeal
    from lianxin.db import session_scope
    from lianxin.routing.service import train_model
    from tests.factories import build_city, new_appeal
    from tests.routing.synthetic import TOPICS, appeal_text
    from tests.routing.test_service import category

    rng = random.Random(5)
    with session_scope(live_server.sessionmaker) as session:
        city = build_city(session, code="rt")
        for topic in TOPICS:
            for _ in range(12):
                text = appeal_text(topic, rng)
                appeal = new_appeal(session, city, category=None, title=text[:20], content=text)
                appeal.community_id = None
                recategorize_appeal(session, appeal, category(session, city, topic).id, actor=city.users["dispatcher"])
        train_model(session, city.jid, actor=city.users["admin"], cross_validate=False)
    return city


def test_a_suggested_category_is_chosen_with_the_keyboard_and_stored_as_a_label(desk, live_server):
    from lianxin.routing.models import RoutingLabel

    city = trained_city(live_server)
    desk.clear_cookies()
    page = desk.new_page()
    page.goto("/login")
    page.get_by_label("用户名").fill(city.users["operator"].username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_label("密码").press("Enter")
    page.wait_for_url("**/staff/**")
    page.goto("/staff/intake")
    page.get_by_label("来电号码").fill("13611112222")
    page.get_by_label("诉求内容").fill("小区门口的路灯不亮，夜间漆黑一片，希望尽快处理")
    page.get_by_label("诉求内容").press("End")
    items = page.locator("#routing-box li[data-category-id]")
    items.first.wait_for()
    top, second = items.nth(0).get_attribute("data-category-id"), items.nth(1).get_attribute("data-category-id")
    assert page.input_value("#predicted_category_id") == top
    items.nth(1).focus()
    page.keyboard.press("Enter")
    assert page.input_value("#category_id") == second and items.nth(1).get_attribute("aria-pressed") == "true"
    items.nth(0).click()
    assert page.input_value("#category_id") == top
    screenshot(page, "staff-intake-suggestions")
    page.get_by_label("诉求内容").press("Control+Enter")
    page.wait_for_url("**/staff/intake/saved/*", timeout=5000)
    with live_server.sessionmaker() as session:
        appeal = session.scalar(select(Appeal).where(Appeal.order_no == page.url.rsplit("/", 1)[1]))
        label = session.scalar(select(RoutingLabel).where(RoutingLabel.appeal_id == appeal.id))
        assert (label.category_id, label.predicted_category_id, label.source) == (int(top), int(top), "intake")
