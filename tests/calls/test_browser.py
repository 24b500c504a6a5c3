"""Browser journey in headless Debian Chromium against the live server: a simulated call rings at the operator's
seat and the intake desk pops the caller's earlier appeal without a reload; the operator saves the intake and
the appeal page shows the recording link. Screenshots go to build/screenshots/."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect

from lianxin.appeals.schemas import AppealCreate
from lianxin.appeals.service import submit_appeal
from lianxin.calls.defaults import ensure_defaults
from lianxin.calls.simulate import events_for, run_direct
from lianxin.calls.tables import set_seat
from lianxin.db import session_scope
from lianxin.orgs.models import Jurisdiction, Role, Unit
from lianxin.orgs.service import create_user
from tests.factories import PASSWORD
from tests.helpers import screenshot

pytestmark = pytest.mark.browser


def setup(live_server):
    """A fresh operator at a seat of their own, and a caller with an earlier appeal, in the live city."""
    tag = uuid.uuid4().hex[:6]
    city = live_server.city
    caller = f"139{uuid.uuid4().int % 10**8:08d}"
    with session_scope(live_server.sessionmaker) as session:
        ensure_defaults(session, session.get(Jurisdiction, city.jid))
        operator = create_user(
            session,
            jurisdiction_id=city.jid,
            username=f"op-{tag}",
            display_name="话务员",
            password=PASSWORD,
            grants=[(Role.OPERATOR, session.get(Unit, city.units["centre"].id))],
        )
        seat = set_seat(session, operator, f"S{tag[:5]}").seat
        earlier = submit_appeal(
            session,
            AppealCreate(
                jurisdiction_id=city.jid,
                channel="hotline",
                appeal_type="help",
                content="上个月反映的楼道灯不亮，至今没有修好。",
                appellant_phone=caller,
            ),
            actor=operator,
        )
        return operator.username, seat, caller, earlier.order_no


def sessions(live_server):
    return lambda: session_scope(live_server.sessionmaker)


def test_a_ringing_call_pops_on_the_desk_and_the_saved_appeal_links_the_recording(page, live_server):
    username, seat, caller, earlier = setup(live_server)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_label("密码").press("Enter")
    page.wait_for_url("**/staff/**")
    page.goto("/staff/intake")
    desk = page.locator("#call-desk")
    expect(desk).to_contain_text("当前座席暂无来电")
    page.evaluate("window.__notReloaded = true")

    payloads = events_for(caller=caller, seat=seat, dialled="12333", until="ended")
    run_direct(sessions(live_server), live_server.city.jid, payloads[:1])  # ringing
    expect(desk).to_contain_text(caller, timeout=8000)
    expect(desk).to_contain_text("振铃中")
    expect(desk.get_by_role("link", name=earlier)).to_be_visible()
    expect(desk).to_contain_text("人社服务热线")
    assert page.evaluate("window.__notReloaded") is True  # popped by htmx, no reload
    expect(page.get_by_label("来电号码")).to_have_value(caller)  # pre-filled once from the call
    run_direct(sessions(live_server), live_server.city.jid, payloads[1:])  # answered, ended with the recording
    expect(desk).to_contain_text("已挂机", timeout=8000)
    screenshot(page, "calls-desk-pop")

    page.get_by_label("诉求内容").fill("来电咨询社保卡补办进度，上次办理后一直没有收到卡。")
    page.get_by_role("button", name="保存工单").click()
    page.wait_for_url("**/staff/intake/saved/**")
    order_no = page.url.rsplit("/", 1)[1]
    page.goto(f"/staff/appeals/{order_no}")
    link = page.get_by_role("link", name="收听录音")
    expect(link).to_be_visible(timeout=8000)
    assert link.get_attribute("href").endswith("/recording")
    screenshot(page, "calls-appeal-recording")
