"""The 办实事 pages: the public ledger (published version only, progress, history, rating form), the
staff workbench's forms, the leader overview with its chart, and the Excel export."""

from __future__ import annotations

import io
import json
import re
from datetime import date

from openpyxl import load_workbook
from sqlalchemy import select

from lianxin.pledges import service as svc
from lianxin.pledges import versions, work
from lianxin.pledges.models import PledgeItem, PledgeList, PledgeMeeting, PledgeRating
from lianxin.pledges.status import ItemStatus, ListStatus
from tests.factories import PASSWORD
from tests.helpers import csrf_from, login


def published(db, city):
    leader = city.users["district_leader"]
    plist = versions.create_list(
        db, actor=leader, title="东城区2026年为民办实事清单", year=2026, owner_unit_id=city.units["district"].id
    )
    lights = svc.add_item(
        db,
        plist,
        actor=leader,
        title="老旧小区路灯改造",
        owner_unit_id=city.units["street"].id,
        due_on=date(2026, 6, 30),
        lead_official="王副区长",
        budget_planned="80",
        targets=[{"name": "新装路灯", "unit": "盏", "baseline": 0, "target": 120}],
    )
    toilets = svc.add_item(
        db, plist, actor=leader, title="新建公厕两座", owner_unit_id=city.units["urban"].id, due_on=date(2026, 2, 1)
    )
    versions.approve_list(db, plist, actor=leader)
    versions.publish_list(db, plist, actor=leader)
    db.flush()
    return plist, lights, toilets, leader


def test_the_public_ledger_shows_the_published_version_with_progress_and_history(client, db, city, clock):
    plist, lights, toilets, leader = published(db, city)
    work.report_progress(db, lights, actor=city.users["street_handler"], target_id=lights.targets[0].id, value=60)
    work.add_milestone(db, lights, actor=city.users["street_handler"], title="完成招标", dated="2026-02-20")
    svc.update_item(db, lights, actor=leader, title="老旧小区路灯改造（扩大范围）")  # not yet republished
    unpublished = svc.add_item(db, plist, actor=leader, title="尚未公示的新事项")
    index = client.get("/pledges")
    assert index.status_code == 200 and f'href="/pledges/lists/{plist.id}"' in index.text
    page = client.get(f"/pledges/lists/{plist.id}")
    assert page.status_code == 200
    assert "老旧小区路灯改造" in page.text and "扩大范围" not in page.text and unpublished.title not in page.text
    assert 'value="50"' in page.text and "完成招标" in page.text and "新装路灯" in page.text
    assert 'id="kpi-overdue">1<' in page.text  # the toilets were due on 1 February
    versions.publish_list(db, plist, actor=leader, note="扩大改造范围")
    again = client.get(f"/pledges/lists/{plist.id}")
    assert "扩大范围" in again.text and "扩大改造范围" in again.text and unpublished.title in again.text
    assert "新增：尚未公示的新事项" in again.text
    english = client.get(f"/pledges/lists/{plist.id}?lang=en")
    assert "Change history" in english.text and "Completion" in english.text


def test_drafts_are_not_public(client, db, city):
    leader = city.users["district_leader"]
    draft = versions.create_list(db, actor=leader, title="草稿清单", year=2026, owner_unit_id=city.units["district"].id)
    assert client.get(f"/pledges/lists/{draft.id}").status_code == 404
    assert "草稿清单" not in client.get("/pledges").text


def test_a_resident_rates_a_completed_item_once(client, db, city, clock):
    plist, lights, _, leader = published(db, city)
    work.complete_item(db, lights, actor=leader)
    token = csrf_from(client, f"/pledges/lists/{plist.id}")
    bad = client.post(f"/pledges/items/{lights.id}/rate", data={"csrf_token": token, "phone": "123", "stars": "5"})
    assert bad.status_code == 422 and "11 位手机号码" in bad.text
    ok = client.post(
        f"/pledges/items/{lights.id}/rate",
        follow_redirects=False,
        data={"csrf_token": token, "phone": "13800138000", "stars": "4", "comment": "晚上亮堂了"},
    )
    assert ok.status_code == 303
    twice = client.post(
        f"/pledges/items/{lights.id}/rate", data={"csrf_token": token, "phone": "13800138000", "stars": "1"}
    )
    assert twice.status_code == 409 and "每人限评一次" in twice.text
    ratings = db.scalars(select(PledgeRating).where(PledgeRating.item_id == lights.id)).all()
    assert [(r.score, r.comment) for r in ratings] == [(80, "晚上亮堂了")]
    assert "13800138000" not in client.get(f"/pledges/lists/{plist.id}").text


def test_staff_build_approve_publish_and_work_a_list(client, db, city, clock):
    login(client, city.users["district_leader"].username, PASSWORD)
    token = csrf_from(client, "/staff/pledges")
    bad = client.post(
        "/staff/pledges",
        data={"csrf_token": token, "title": "区清单", "year": "20x6", "owner_unit_id": str(city.units["district"].id)},
    )
    assert bad.status_code == 422 and "整数" in bad.text
    made = client.post(
        "/staff/pledges",
        follow_redirects=False,
        data={
            "csrf_token": token,
            "title": "东城区2026年清单",
            "year": "2026",
            "owner_unit_id": str(city.units["district"].id),
        },
    )
    assert made.status_code == 303
    plist = db.scalars(select(PledgeList).where(PledgeList.title == "东城区2026年清单")).one()
    added = client.post(
        f"/staff/pledges/{plist.id}/items",
        follow_redirects=False,
        data={
            "csrf_token": token,
            "title": "背街小巷整治",
            "owner_unit_id": str(city.units["street"].id),
            "due_on": "2026-05-31",
            "target_name": "整治街巷",
            "target_unit": "条",
            "target_baseline": "0",
            "target_value": "12",
        },
    )
    assert added.status_code == 303
    item = db.scalars(select(PledgeItem).where(PledgeItem.list_id == plist.id)).one()
    assert item.targets[0].target == 12
    for action in ("approve", "publish"):
        done = client.post(
            f"/staff/pledges/{plist.id}/lifecycle", follow_redirects=False, data={"csrf_token": token, "action": action}
        )
        assert done.status_code == 303, done.text
    assert plist.status == ListStatus.PUBLISHED and plist.version == 1
    wrong = client.post(f"/staff/pledges/{plist.id}/lifecycle", data={"csrf_token": token, "action": "approve"})
    assert wrong.status_code == 409
    progress = client.post(
        f"/staff/pledges/items/{item.id}/progress",
        follow_redirects=False,
        data={"csrf_token": token, "target_id": str(item.targets[0].id), "value": "3", "note": "已完成3条"},
    )
    assert progress.status_code == 303 and item.progress == 25
    too_much = client.post(f"/staff/pledges/items/{item.id}/progress", data={"csrf_token": token, "progress": "150"})
    assert too_much.status_code == 422 and item.progress == 25
    meeting = client.post(
        f"/staff/pledges/{plist.id}/meetings",
        follow_redirects=False,
        data={
            "csrf_token": token,
            "title": "周二联席会议",
            "held_on": "2026-03-02",
            "attendees": "程鹏、张浩然",
            "minutes": "逐项过清单",
            f"decision_{item.id}": "全部整治完毕",
            f"complete_{item.id}": "1",
        },
    )
    assert meeting.status_code == 303
    assert item.status == ItemStatus.COMPLETED
    assert db.scalars(select(PledgeMeeting).where(PledgeMeeting.list_id == plist.id)).one().attendees == [
        "程鹏",
        "张浩然",
    ]
    page = client.get(f"/staff/pledges/{plist.id}")
    assert page.status_code == 200 and "全部整治完毕" in page.text
    rate = client.post(
        f"/staff/pledges/items/{item.id}/rate",
        follow_redirects=False,
        data={"csrf_token": token, "kind": "self", "score": "92"},
    )
    assert rate.status_code == 303


def test_the_owner_units_handler_cannot_approve(client, db, city):
    plist, *_ = published(db, city)
    login(client, city.users["street_handler"].username, PASSWORD)
    token = csrf_from(client, "/staff/pledges")
    denied = client.post(f"/staff/pledges/{plist.id}/lifecycle", data={"csrf_token": token, "action": "archive"})
    assert denied.status_code == 403 and plist.status == ListStatus.PUBLISHED


def test_leader_overview_ranks_units_and_lists_overdue_items(client, db, city, clock):
    plist, lights, toilets, leader = published(db, city)
    work.complete_item(db, lights, actor=leader, completed_on="2026-03-01")
    login(client, city.users["leader"].username, PASSWORD)
    page = client.get("/leader/pledges?year=2026")
    assert page.status_code == 200 and 'id="kpi-rate">50.0%' in page.text
    option = json.loads(re.search(r'data-chart="([^"]+)"', page.text).group(1).replace("&#34;", '"'))
    assert option["yAxis"]["data"] == ["区城市管理委员会", "和平街道"]
    assert [s["data"] for s in option["series"]] == [[0, 1], [0, 0], [1, 0]]
    assert toilets.title in page.text.split('id="overdue-table"')[1]
    login(client, city.users["operator"].username, PASSWORD)
    assert client.get("/leader/pledges").status_code == 403


def test_the_ledger_exports_to_excel(client, db, city, clock):
    plist, lights, *_ = published(db, city)
    response = client.get(f"/pledges/lists/{plist.id}/ledger.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    sheet = book["台账 Ledger"]
    assert sheet["C3"].value == "老旧小区路灯改造" and sheet["D3"].value == "和平街道"
    assert "目标120盏" in sheet["M3"].value and sheet.max_row == 4
    assert book["变更记录 History"]["A2"].value == 1
