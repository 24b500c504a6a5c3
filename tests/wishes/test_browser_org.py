"""Staff journeys in headless Chromium: a grid worker records a wish heard on a household visit (with a photo)
on the phone, it is on the desk to be registered; the branch's secretary reads their board (the members' quota progress,
realised wishes only) on a desktop and downloads it."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from lianxin.db import session_scope
from lianxin.orgs.service import create_user
from lianxin.wishes import people as wish_people
from lianxin.wishes.models import OrgKind, Wish
from tests.factories import PASSWORD
from tests.helpers import screenshot
from tests.wishes.test_browser import sign_in
from tests.wishes.test_web import png_bytes

pytestmark = pytest.mark.browser


def test_a_grid_worker_records_a_visit_wish_and_a_secretary_reads_the_board(browser, page, live_server, tmp_path):
    city, tag = live_server.city, uuid.uuid4().hex[:6]
    phone = f"135{int(tag, 16) % 10**8:08d}"
    with session_scope(live_server.sessionmaker) as s:
        secretary = create_user(
            s, jurisdiction_id=city.jid, username=f"sec-{tag}", display_name="支部书记", password=PASSWORD
        )
        wish_people.create_party_org(
            s, jurisdiction_id=city.jid, kind=OrgKind.BRANCH, name=f"看板测试党支部{tag}", secretary=secretary
        )
        branch_members = [f"党员甲{tag}", f"党员乙{tag}"]
        org = s.scalar(select(wish_people.PartyOrg).where(wish_people.PartyOrg.name == f"看板测试党支部{tag}"))
        for n, name in enumerate(branch_members):
            wish_people.create_member(s, jurisdiction_id=city.jid, name=name, phone=f"{phone[:-1]}{n}", org=org)
        secretary_name = secretary.username
    photo = tmp_path / "home.png"
    photo.write_bytes(png_bytes())

    # the grid worker, on the phone, during the visit
    sign_in(page, live_server, city.users["grid_worker"].username)
    page.goto("/wishes/staff")
    page.get_by_role("link", name="走访记心愿").click()
    expect(page.get_by_role("heading", name="入户走访记心愿")).to_be_visible()
    page.get_by_label("陪伴关爱").check()
    page.get_by_label("群众的心愿（原话）").fill(f"独居的孙奶奶想每周有人陪她下棋 {tag}")
    page.get_by_label("群众姓名").fill("孙奶奶")
    page.get_by_label("联系电话（本人或家属）").fill(phone)
    page.get_by_label("住址").fill("和平里5号楼1单元101")
    page.get_by_label("照片（可选）").set_input_files(str(photo))
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "wishes-visit-form-360")
    page.get_by_role("button", name="记下心愿").click()
    expect(page.locator("#recorded")).to_be_visible()
    expect(page.get_by_text("网格走访")).to_be_visible()
    with session_scope(live_server.sessionmaker) as s:
        wish = s.scalar(select(Wish).where(Wish.resident_phone == phone))
        assert wish.grid_id == city.units["grid"].id and len(wish.photos) == 1
    screenshot(page, "wishes-visit-recorded-360")

    # the secretary at a desk
    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN", base_url=live_server.url)
    board = desk.new_page()
    sign_in(board, live_server, secretary_name)
    assert "/wishes/org" in board.content()  # the menu links the board
    board.goto("/wishes/org")
    expect(board.get_by_role("heading", name=f"看板测试党支部{tag}", exact=False)).to_be_visible()
    expect(board.locator("#member-ranking")).to_contain_text(branch_members[0])
    expect(board.locator("#members-met")).to_contain_text("0 / 2")
    screenshot(board, "wishes-org-board-1280")
    with board.expect_download() as download:
        board.get_by_role("link", name="导出 Excel").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    desk.close()
