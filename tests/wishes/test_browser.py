"""微心愿 browser journeys in headless Chromium against a real server: a resident posts a wish on a phone, the
community registers and publishes it, a member claims it (a second member on a stale page cannot), sees the
contact, delivers with a photo, the resident confirms and rates, the community closes it, and the wall and the
quota move; a rejected wish tells the resident why. Screenshots go to build/screenshots/wishes-*.png."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from itsdangerous import URLSafeTimedSerializer
from playwright.sync_api import expect
from sqlalchemy import select

from lianxin.clock import utcnow
from lianxin.db import session_scope
from lianxin.orgs.service import create_user
from lianxin.residents.models import ResidentAccount
from lianxin.wishes import people as wish_people
from lianxin.wishes import service as svc
from lianxin.wishes.models import OrgKind, Wish
from lianxin.wishes.status import WishStatus as S
from tests.factories import PASSWORD
from tests.helpers import screenshot
from tests.wishes.test_web import png_bytes

pytestmark = pytest.mark.browser
PUBLIC = "一位独居老人希望每周有人上门陪伴聊天、读报。"


@pytest.fixture
def people(live_server):
    """Two members with logins in a branch of the live city (unique names: the live database is shared)."""
    tag = uuid.uuid4().hex[:6]
    city = live_server.city
    with session_scope(live_server.sessionmaker) as session:
        branch = wish_people.create_party_org(
            session, jurisdiction_id=city.jid, kind=OrgKind.BRANCH, name=f"浏览器测试党支部{tag}"
        )
        logins = []
        for n, name in enumerate(("李建国", "王志海")):
            user = create_user(
                session, jurisdiction_id=city.jid, username=f"m{n}-{tag}", display_name=name, password=PASSWORD
            )
            phone = f"139{int(tag, 16) % 10**7:07d}{n}"
            wish_people.create_member(session, jurisdiction_id=city.jid, name=name, phone=phone, org=branch, user=user)
            logins.append(user.username)
    return {"members": logins, "staff": city.users["street_handler"].username, "tag": tag}


def sign_in(page, live_server, username: str) -> None:
    page.goto("/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_label("密码").press("Enter")
    page.wait_for_url(lambda url: "/login" not in url)


def resident_posts(page, live_server, content: str, phone: str) -> str:
    page.goto("/wishes/new")
    page.get_by_label("所在社区").select_option(str(live_server.city.units["community"].id))
    page.get_by_label("陪伴关爱").check()
    page.get_by_label("您的心愿").fill(content)
    page.get_by_label("手机号").fill(phone)
    page.get_by_label("称呼（可不填）").fill("赵大爷")
    page.get_by_label("住址（可不填）").fill("和平里3号楼2单元401")
    page.get_by_role("button", name="提交").click()
    page.wait_for_url("**/wishes/t/**")
    expect(page.get_by_text("心愿已提交")).to_be_visible()
    return page.url.split("?")[0]


def wish_of(live_server, phone: str) -> Wish:
    with session_scope(live_server.sessionmaker) as session:
        wish = session.scalar(select(Wish).where(Wish.resident_phone == phone))
        session.expunge(wish)
        return wish


def test_a_wish_from_the_resident_to_closed_through_the_pages(browser, live_server, people, tmp_path):
    phone = f"137{int(people['tag'], 16) % 10**8:08d}"
    resident = browser.new_context(viewport={"width": 360, "height": 780}, locale="zh-CN", base_url=live_server.url)
    staff = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN", base_url=live_server.url)
    member = browser.new_context(viewport={"width": 360, "height": 780}, locale="zh-CN", base_url=live_server.url)
    second = browser.new_context(viewport={"width": 360, "height": 780}, locale="zh-CN", base_url=live_server.url)
    try:
        rp = resident.new_page()
        track = resident_posts(rp, live_server, "我一个人住，希望每周有人来陪我聊聊天、读读报纸。", phone)
        assert rp.evaluate("document.documentElement.scrollWidth") <= 360
        screenshot(rp, "wishes-1-resident-posted-360")
        wish = wish_of(live_server, phone)

        sp = staff.new_page()
        sign_in(sp, live_server, people["staff"])
        sp.goto(f"/wishes/staff/{wish.id}")
        expect(sp.get_by_text(phone)).to_be_visible()  # staff see the contact (the view is logged)
        sp.get_by_label("分类").select_option("individual")
        sp.get_by_role("button", name="登记").click()
        sp.get_by_label("公开内容（不含姓名、电话、详细地址）").fill("赵大爷希望有人每周来陪他聊天")
        sp.get_by_role("button", name="发布").click()
        assert sp.get_by_role("alert").inner_text().count("不能包含") == 1  # the name would leak
        sp.goto(f"/wishes/staff/{wish.id}")
        sp.get_by_label("公开内容（不含姓名、电话、详细地址）").fill(PUBLIC)
        sp.get_by_role("button", name="发布").click()
        sp.wait_for_url(f"**/wishes/staff/{wish.id}")
        expect(sp.get_by_text("待认领").first).to_be_visible()
        screenshot(sp, "wishes-2-staff-published-1280")

        wall = f"/wishes?community={live_server.city.units['community'].id}"
        p2 = second.new_page()
        sign_in(p2, live_server, people["members"][1])
        p2.goto(wall)  # the second member's page is open before the first claims

        mp = member.new_page()
        sign_in(mp, live_server, people["members"][0])
        mp.goto(wall)
        card = mp.locator(f"#wish-{wish.id}")
        assert PUBLIC in card.inner_text()
        for private in ("赵大爷", phone, "2单元401", "我一个人住"):
            assert private not in mp.content()
        promised = (svc.today() + timedelta(days=5)).isoformat()
        card.get_by_label("承诺完成日期").fill(promised)
        screenshot(mp, "wishes-3-wall-member-360")
        card.get_by_role("button", name="我要认领").click()
        mp.wait_for_url("**/wishes/mine")

        late = p2.locator(f"#wish-{wish.id}")
        late.get_by_label("承诺完成日期").fill(promised)
        late.get_by_role("button", name="我要认领").click()
        assert "该心愿已被他人认领" in p2.get_by_role("alert").inner_text()
        screenshot(p2, "wishes-4-second-claimant-refused-360")

        mine = mp.locator(f"#wish-{wish.id}")
        mine.get_by_role("button", name="查看联系方式").click()
        expect(mp.get_by_text(phone)).to_be_visible()
        photo = tmp_path / "done.png"
        photo.write_bytes(png_bytes())
        mine = mp.locator(f"#wish-{wish.id}")
        mine.get_by_label("落实情况").fill("已上门陪老人聊天两小时，约好每周三再来")
        mine.get_by_label("照片（可选）").set_input_files(str(photo))
        mine.get_by_role("button", name="反馈完成").click()
        mp.wait_for_url("**/wishes/mine")
        assert "已反馈" in mp.locator(f"#wish-{wish.id}").inner_text()
        screenshot(mp, "wishes-5-member-delivered-360")

        rp.goto(track)
        expect(rp.get_by_text("已上门陪老人聊天两小时")).to_be_visible()
        rp.get_by_label("★★★★★", exact=True).check()
        rp.get_by_label("想说的话（可不填）").fill("谢谢党员同志")
        rp.get_by_role("button", name="确认", exact=True).click()
        rp.wait_for_url(track)
        expect(rp.get_by_text("已确认").first).to_be_visible()
        screenshot(rp, "wishes-6-resident-confirmed-360")

        sp.goto(f"/wishes/staff/{wish.id}")
        sp.get_by_role("button", name="销号").click()
        sp.wait_for_url(f"**/wishes/staff/{wish.id}")
        expect(sp.get_by_text("已销号").first).to_be_visible()
        assert wish_of(live_server, phone).status == S.CLOSED

        mp.goto("/wishes/mine")
        assert "已实现 1" in mp.locator("p.kpi").first.inner_text()
        screenshot(mp, "wishes-7-member-quota-360")
        anonymous = resident.new_page()
        anonymous.goto(wall)
        realised = anonymous.locator("article.wish", has_text=PUBLIC).last
        assert realised.locator("img").count() == 1 and "李**" in realised.inner_text()
        assert "李建国" not in anonymous.content() and phone not in anonymous.content()
        screenshot(anonymous, "wishes-8-wall-realised-360")
    finally:
        for context in (resident, staff, member, second):
            context.close()


def test_a_rejected_wish_tells_the_resident_why(browser, live_server, people):
    phone = f"136{int(people['tag'], 16) % 10**8:08d}"
    resident = browser.new_context(viewport={"width": 360, "height": 780}, locale="zh-CN", base_url=live_server.url)
    staff = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN", base_url=live_server.url)
    try:
        rp = resident.new_page()
        track = resident_posts(rp, live_server, "希望社区每天派人上门帮我做饭打扫卫生。", phone)
        wish = wish_of(live_server, phone)
        sp = staff.new_page()
        sign_in(sp, live_server, people["staff"])
        sp.goto(f"/wishes/staff/{wish.id}")
        sp.get_by_label("理由（将告知群众）").fill("属于商业家政服务，建议联系家政公司；可帮您申请居家养老补贴")
        sp.get_by_role("button", name="不予采纳").click()
        sp.wait_for_url(f"**/wishes/staff/{wish.id}")
        rp.goto(track)
        expect(rp.get_by_text("未被采纳的理由")).to_be_visible()
        expect(rp.get_by_text("建议联系家政公司").first).to_be_visible()
        screenshot(rp, "wishes-9-rejected-resident-360")
        # signed in with the phone (我的心愿), the resident finds the wish and the reason in the list
        with session_scope(live_server.sessionmaker) as session:
            now = utcnow()
            account = ResidentAccount(
                jurisdiction_id=wish.jurisdiction_id, phone=phone, verified_at=now, last_login_at=now
            )
            session.add(account)
            session.flush()
            account_id = account.id
        signer = URLSafeTimedSerializer(live_server.settings.secret_key, salt="lianxin-resident")
        resident.add_cookies([{"name": "lianxin_resident", "value": signer.dumps(account_id), "url": live_server.url}])
        rp.goto("/me/wishes")
        item = rp.locator(f"#my-wish-{wish.id}")
        assert "不予采纳" in item.inner_text() and "建议联系家政公司" in item.inner_text()
        assert rp.evaluate("document.documentElement.scrollWidth") <= 360
        screenshot(rp, "wishes-10-my-wishes-360")
    finally:
        resident.close()
        staff.close()
