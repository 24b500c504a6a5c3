"""Leaders' statistics by month, the fast workbook writer, and the community's public page with its 先锋岗."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from lianxin import clock as lclock
from lianxin.app import create_app
from lianxin.web.deps import get_session
from lianxin.wishes import claims, people, queries
from lianxin.wishes import service as svc
from lianxin.wishes.export import stats_workbook
from lianxin.wishes.models import QuotaScope
from lianxin.wishes.xlsx import sheet_title, workbook
from tests.factories import PASSWORD
from tests.helpers import login
from tests.wishes.conftest import later

PUBLIC = "一位独居老人希望每周有人上门陪伴聊天、读报。"


@pytest.fixture
def client(db, settings, city) -> Iterator[TestClient]:
    app = create_app(settings.model_copy(update={"public_jurisdiction": city.jurisdiction.code}))
    app.dependency_overrides[get_session] = lambda: db
    with TestClient(app) as client:
        yield client


def realised(db, city, party, phone: str, member=None):
    wish = svc.submit_wish(
        db,
        jurisdiction_id=city.jid,
        community_id=city.units["community"].id,
        content="希望有人帮忙修理家里漏水的水龙头。",
        category="repair",
        resident_phone=phone,
    )
    svc.register_wish(db, wish, actor=party.staff, triage_class="individual")
    svc.publish_wish(db, wish, actor=party.staff, public_text="一位老人希望有人帮忙修理水龙头。")
    claims.claim_wish(db, wish, member=member or party.member, promised_on=later(3))
    claims.deliver_wish(db, wish, member=member or party.member, note="已上门修好水龙头")
    claims.confirm_wish(db, wish, token=wish.tracking_token, rating=5)
    return wish


def test_realised_wishes_by_month_and_the_monthly_ranking(db, city, party, client):
    with lclock.at(datetime(2026, 3, 2, 2, 0, tzinfo=lclock.local_zone())):
        realised(db, city, party, "13711110001")
        realised(db, city, party, "13711110002", member=party.other)
    with lclock.at(datetime(2026, 4, 30, 23, 30, tzinfo=lclock.local_zone())):  # Beijing time decides the month
        realised(db, city, party, "13711110003")
    months = queries.realised_by_month(db, city.jid, 2026)
    assert (months[3], months[4], sum(months.values())) == (2, 1, 3)
    april = queries.quota_progress(db, city.jid, QuotaScope.MEMBER, 2026, month=4)
    assert [(p.name, p.realised) for p in april][:2] == [("李建国", 1), ("王志海", 0)]
    december = queries.quota_progress(db, city.jid, QuotaScope.MEMBER, 2026, month=12)
    assert all(p.realised == 0 for p in december)

    login(client, city.users["leader"].username, PASSWORD)
    page = client.get("/wishes/stats?year=2026&month=4").text
    assert "按月实现的心愿" in page and 'aria-current="page"' in page and "2026-04" in page
    assert client.get("/wishes/stats?year=2026&month=13").status_code == 200  # ignored, the whole year
    book = load_workbook(io.BytesIO(stats_workbook(db, city.jid, 2026)))
    assert book.sheetnames == [
        "各社区 Communities",
        "党组织 Organisations",
        "党员志愿者 Members",
        "按月 By month",
        "超期 Overdue",
    ]
    by_month = list(book["按月 By month"].iter_rows(min_row=2, values_only=True))
    assert by_month[2] == ("2026-03", 2) and by_month[3] == ("2026-04", 1)
    members = {r[1]: r for r in book["党员志愿者 Members"].iter_rows(min_row=2, values_only=True)}
    assert members["李建国"][2:4] == (2, 1) and members["李建国"][5] == "是 yes"


def test_overdue_claims_reach_the_workbook(db, city, party, clock):
    wish = svc.submit_wish(
        db,
        jurisdiction_id=city.jid,
        community_id=city.units["community"].id,
        content="孩子需要一套冬季校服，尺码160。",
        category="study",
        resident_phone="13711110009",
    )
    svc.register_wish(db, wish, actor=party.staff, triage_class="common")
    svc.publish_wish(db, wish, actor=party.staff, public_text="一名学生需要一套冬季校服。")
    claims.claim_wish(db, wish, org=party.branch, promised_on=later(1), actor=party.secretary)
    clock.shift(timedelta(days=5))
    book = load_workbook(io.BytesIO(stats_workbook(db, city.jid, 2026)))
    [row] = list(book["超期 Overdue"].iter_rows(min_row=2, values_only=True))
    assert row[0] == wish.id and row[2] == party.branch.name


def test_the_workbook_writer_keeps_text_numbers_and_odd_characters():
    rows = ([n, f'第{n}行 <&> "引号"', None, 2.5, True, "bad\x01char"] for n in range(1, 1001))
    body = workbook([("表/一:[x]", ["编号", "内容", "空", "数", "是否", "控制符"], rows, [8, 30])])
    sheet = load_workbook(io.BytesIO(body)).active
    assert sheet.title == "表 一  x "
    assert [c.value for c in sheet[1]] == ["编号", "内容", "空", "数", "是否", "控制符"]
    assert sheet["A1"].font.b and not sheet["A2"].font.b
    assert [c.value for c in sheet[2]] == [1, '第1行 <&> "引号"', None, 2.5, "是", "badchar"]
    assert sheet.max_row == 1001 and sheet["A1001"].value == 1000
    wide = load_workbook(io.BytesIO(workbook([("w", ["a"], [list(range(30))], [])]))).active
    assert wide["AD2"].value == 29
    assert sheet_title("") == "Sheet" and len(sheet_title("x" * 40)) == 31


def test_the_community_page_lists_the_posts_held_now_and_the_reported_counts(db, city, party, client):
    community = city.units["community"]
    report = people.report_to_community(db, community=community, member=party.other)
    people.decide_report(db, report, actor=party.staff, confirm=True)
    people.decide_report(
        db, people.report_to_community(db, community=community, org=party.branch), actor=party.staff, confirm=True
    )
    today = svc.today()
    people.create_pioneer_post(
        db, community=community, holder=party.other, name="党员先锋岗", service="水电维修", starts_on=today
    )
    people.create_pioneer_post(
        db,
        community=community,
        holder=party.member,
        name="旧责任区",
        starts_on=today - timedelta(days=400),
        ends_on=today - timedelta(days=30),
    )
    page = client.get(f"/wishes?community={community.id}").text
    assert "党员先锋岗" in page and "水电维修" in page and "旧责任区" not in page
    assert "已到本社区报到的党员 <strong>1</strong>" in page and "党组织 <strong>1</strong>" in page
    other = client.get(f"/wishes?community={city.units['community'].id}&lang=en").text
    assert "Pioneer posts" in other
    assert "community-page" not in client.get("/wishes").text  # the city's wall has no community page


def test_leaders_set_the_years_quotas_on_the_statistics_page(db, city, party, client):
    from tests.helpers import csrf_from

    login(client, city.users["leader"].username, PASSWORD)
    token = csrf_from(client, "/wishes/stats?year=2026")
    saved = client.post(
        "/wishes/stats/quotas",
        data={"csrf_token": token, "year": "2026", "target_org": "4", "target_member": "2"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    assert queries.quota_target(db, city.jid, QuotaScope.ORG, 2026) == 4
    assert queries.quota_target(db, city.jid, QuotaScope.MEMBER, 2026) == 2
    assert 'value="4"' in client.get("/wishes/stats?year=2026&saved=1").text
    bad = client.post(
        "/wishes/stats/quotas",
        data={"csrf_token": token, "year": "2026", "target_org": "-1", "target_member": "x"},
        follow_redirects=False,
    )
    assert bad.status_code == 422 and queries.quota_target(db, city.jid, QuotaScope.ORG, 2026) == 4


def test_an_appeal_becomes_a_wish_and_each_links_to_the_other(db, city, party, client):
    from sqlalchemy import select

    from lianxin.wishes.models import Wish
    from tests.factories import new_appeal
    from tests.helpers import csrf_from

    appeal = new_appeal(db, city)
    login(client, city.users["leader"].username, PASSWORD)  # leaders see every appeal and cover the community
    page = client.get(f"/staff/appeals/{appeal.order_no}")
    assert f"/wishes/from-appeal/{appeal.order_no}" in page.text
    form = client.get(f"/wishes/from-appeal/{appeal.order_no}")
    assert form.status_code == 200 and "还没有" in form.text
    token = csrf_from(client, f"/wishes/from-appeal/{appeal.order_no}")
    bad = client.post(
        f"/wishes/from-appeal/{appeal.order_no}",
        data={"csrf_token": token, "community_id": str(city.units["community"].id), "content": "孩子需要冬季校服"},
        follow_redirects=False,
    )
    assert bad.status_code == 422 and "请选择一项" in bad.text
    made = client.post(
        f"/wishes/from-appeal/{appeal.order_no}",
        data={
            "csrf_token": token,
            "community_id": str(city.units["community"].id),
            "content": "孩子需要一套冬季校服，家里暂时买不起。",
            "category": "study",
        },
        follow_redirects=False,
    )
    assert made.status_code == 303
    wish = db.scalar(select(Wish).where(Wish.source_appeal_id == appeal.id))
    assert wish.source == "appeal" and wish.resident_phone == appeal.appellant_phone
    assert f"/staff/appeals/{appeal.order_no}" in client.get(f"/wishes/staff/{wish.id}").text
    assert f"/wishes/staff/{wish.id}" in client.get(f"/wishes/from-appeal/{appeal.order_no}").text
    client.post("/logout", data={"csrf_token": csrf_from(client)})
    login(client, party.staff.username, PASSWORD)  # a community handler the appeal was not sent to
    assert client.get(f"/wishes/from-appeal/{appeal.order_no}").status_code == 403
