"""办实事, the second round: the editable status vocabulary, links to appeals/hotspots/topics/wishes (both
sides), the project library and village ledgers, the meeting agenda and new items from decisions, an
unsatisfied rating's comment becoming an appeal, the paginated public ledger, the item page with
milestone photos, and the public API ``/api/v1/commitments``."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from PIL import Image
from sqlalchemy import select

from lianxin.appeals.models import Appeal
from lianxin.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from lianxin.pledges import more, overview, queries, ratings, versions, work
from lianxin.pledges import service as svc
from lianxin.pledges.models import PledgeDecision, PledgeEvent, PledgeItem, PledgeProject, PledgeRating
from lianxin.pledges.status import ItemStatus
from lianxin.topics.models import Topic
from tests.factories import PASSWORD, new_appeal
from tests.helpers import csrf_from, login
from tests.pledges.test_views import published


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, format="JPEG")
    return out.getvalue()


# ---------------------------------------------------------------- status vocabulary


def test_the_vocabulary_is_seeded_edited_and_moves_items(db, city, clock):
    plist, lights, toilets, leader = published(db, city)
    rows = more.ensure_vocabulary(db, city.jid)
    assert [r.key for r in rows] == ["planned", "in_progress", "delayed", "suspended", "completed", "cancelled"]
    assert more.ensure_vocabulary(db, city.jid)[0].id == rows[0].id  # idempotent
    admin = city.users["admin"]
    with pytest.raises(PermissionDenied):
        more.save_status(db, actor=leader, key="tendering", base="in_progress", name_zh="招标中")
    tendering = more.save_status(
        db, actor=admin, key="tendering", base="in_progress", name_zh="招标中", name_en="Tendering", default_progress=20
    )
    more.save_status(db, actor=admin, key="building", base="in_progress", name_zh="施工中", default_progress="60")
    for bad in (
        dict(key="Bad Key", base="in_progress", name_zh="坏"),
        dict(key="x", base="nowhere", name_zh="坏的"),
        dict(key="x", base="completed", name_zh="办完", default_progress=50),
        dict(key="x", base="planned", name_zh="未开", colour="pink"),
    ):
        with pytest.raises(InvalidInput):
            more.save_status(db, actor=admin, **bad)
    with pytest.raises(Conflict):
        more.save_status(db, actor=admin, key="completed", base="in_progress", name_zh="完成")
    renamed = more.save_status(db, actor=admin, key="planned", base="planned", name_zh="待开工", default_progress=0)
    assert renamed.name_zh == "待开工"

    more.set_item_status(db, lights, "tendering", actor=leader, note="公开招标")
    assert (lights.status, lights.status_key, lights.progress) == (ItemStatus.IN_PROGRESS, "tendering", 20)
    more.set_item_status(db, lights, "building", actor=leader)
    assert (lights.status_key, lights.progress) == ("building", 60)
    with pytest.raises(Conflict):  # tendering's state cannot change while an item uses it
        more.save_status(db, actor=admin, key="building", base="suspended", name_zh="施工中")
    assert tendering.base == ItemStatus.IN_PROGRESS
    more.set_item_status(db, lights, "completed", actor=leader, note="验收")
    assert (lights.status, lights.status_key, lights.progress) == (ItemStatus.COMPLETED, "completed", 100)
    with pytest.raises(Conflict):
        more.set_item_status(db, lights, "suspended", actor=leader)  # no way from completed to suspended
    more.set_item_status(db, lights, "tendering", actor=leader, note="复查未达标")  # completed → reopened
    assert (lights.status, lights.status_key, lights.progress) == (ItemStatus.IN_PROGRESS, "tendering", 20)
    with pytest.raises(InvalidInput):
        more.set_item_status(db, toilets, "nowhere", actor=leader)
    more.set_item_status(db, toilets, "planned", actor=leader)  # same state: only the key and event
    work.change_item_status(db, toilets, "start", actor=leader)
    assert toilets.status_key is None  # the finer step belonged to the state it left
    kinds = db.scalars(select(PledgeEvent.kind).where(PledgeEvent.item_id == lights.id)).all()
    assert kinds.count("status_key") == 4


def test_admins_edit_the_vocabulary_on_a_page_and_staff_set_statuses(client, db, city, clock):
    plist, lights, *_ = published(db, city)
    login(client, city.users["admin"].username, PASSWORD)
    page = client.get("/admin/pledges/statuses")
    assert page.status_code == 200 and 'id="status-in_progress"' in page.text
    token = csrf_from(client, "/admin/pledges/statuses")
    bad = client.post("/admin/pledges/statuses", data={"csrf_token": token, "key": "建设", "base": "in_progress"})
    assert bad.status_code == 422
    ok = client.post(
        "/admin/pledges/statuses",
        follow_redirects=False,
        data={
            "csrf_token": token,
            "key": "building",
            "base": "in_progress",
            "name_zh": "施工中",
            "name_en": "Under construction",
            "default_progress": "60",
            "colour": "teal",
            "active": "1",
        },
    )
    assert ok.status_code == 303
    login(client, city.users["district_leader"].username, PASSWORD)
    assert client.get("/admin/pledges/statuses").status_code == 403
    token = csrf_from(client, f"/staff/pledges/{plist.id}")
    assert "施工中（60%）" in client.get(f"/staff/pledges/{plist.id}").text
    done = client.post(
        f"/staff/pledges/items/{lights.id}/status_key",
        follow_redirects=False,
        data={"csrf_token": token, "status_key": "building"},
    )
    assert done.status_code == 303 and lights.progress == 60
    public = client.get(f"/pledges/lists/{plist.id}")
    assert 'data-key="building">施工中<' in public.text
    assert 'data-key="building">Under construction<' in client.get(f"/pledges/lists/{plist.id}?lang=en").text


# ---------------------------------------------------------------- links, both sides


def test_items_link_to_appeals_topics_and_wishes_and_are_made_from_them(db, city, clock):
    plist, lights, _, leader = published(db, city)
    appeal = new_appeal(db, city)
    link = more.link_item(db, lights, actor=leader, kind="appeal", ref=appeal.order_no)
    assert link.label == appeal.order_no
    assert more.link_item(db, lights, actor=leader, kind="appeal", ref=str(appeal.id)).id == link.id  # idempotent
    topic = Topic(
        jurisdiction_id=city.jid, title="路灯不亮集中整治", month="2026-03", owner_unit_id=city.units["urban"].id
    )
    db.add(topic)
    db.flush()
    made = more.item_from(db, plist, actor=leader, kind="topic", ref=topic.id)
    assert made.title == "路灯不亮集中整治" and made.owner_unit_id == city.units["urban"].id
    assert [(lk.kind, it.id, lk.origin) for lk, it in more.links_to(db, city.jid, "topic", topic.id)] == [
        ("topic", made.id, True)
    ]
    from lianxin.wishes.service import submit_wish

    wish = submit_wish(
        db,
        jurisdiction_id=city.jid,
        community_id=city.units["community"].id,
        content="希望小区里装几个休息座椅，老人走累了可以坐坐。",
        category="goods",
        resident_phone="13712345678",
    )
    from_wish = more.item_from(db, plist, actor=leader, kind="wish", ref=wish.id)
    assert from_wish.owner_unit_id == city.units["community"].id and "13712345678" not in from_wish.title
    for kind, ref in (
        ("appeal", "NO-SUCH"),
        ("topic", "999999"),
        ("topic", "99999999999"),
        ("wish", "x"),
        ("nothing", "1"),
    ):
        with pytest.raises((NotFound, InvalidInput)):
            more.link_item(db, lights, actor=leader, kind=kind, ref=ref)
    with pytest.raises(PermissionDenied):
        more.link_item(db, lights, actor=city.users["water_handler"], kind="appeal", ref=appeal.order_no)
    public = queries.item_links(db, lights, public=True)
    assert public == [{"id": link.id, "kind": "appeal", "target_id": appeal.id, "origin": False, "label": ""}]
    more.unlink_item(db, link, actor=leader)
    assert queries.item_links(db, lights, public=False) == []


def test_the_linked_panel_makes_an_item_in_two_clicks(client, db, city, clock):
    plist, lights, _, leader = published(db, city)
    appeal = new_appeal(db, city)
    login(client, city.users["district_leader"].username, PASSWORD)
    panel = client.get(f"/staff/pledges/linked?kind=appeal&id={appeal.id}")
    assert panel.status_code == 200 and "尚未列入办实事清单" in panel.text and f'value="{plist.id}"' in panel.text
    assert client.get("/staff/pledges/linked?kind=nothing&id=1").status_code == 422
    token = csrf_from(client, f"/staff/pledges/{plist.id}")
    made = client.post(
        "/staff/pledges/from",
        follow_redirects=False,
        data={"csrf_token": token, "kind": "appeal", "ref": str(appeal.id), "list_id": str(plist.id)},
    )
    assert made.status_code == 303
    item = db.scalars(select(PledgeItem).where(PledgeItem.list_id == plist.id).order_by(PledgeItem.id.desc())).first()
    assert made.headers["location"].endswith(f"#item-{item.id}")
    assert "由此生成" in client.get(f"/staff/pledges/linked?kind=appeal&id={appeal.id}").text
    login(client, city.users["operator"].username, PASSWORD)
    other_side = client.get(f"/staff/appeals/{appeal.order_no}")
    assert f'hx-get="/staff/pledges/linked?kind=appeal&amp;id={appeal.id}"' in other_side.text
    login(client, city.users["district_leader"].username, PASSWORD)
    token = csrf_from(client, f"/staff/pledges/{plist.id}")
    missing = client.post(
        "/staff/pledges/from", data={"csrf_token": token, "kind": "appeal", "ref": "NOPE", "list_id": str(plist.id)}
    )
    assert missing.status_code == 404
    linked = client.post(
        f"/staff/pledges/items/{lights.id}/links",
        follow_redirects=False,
        data={"csrf_token": token, "kind": "appeal", "ref": appeal.order_no},
    )
    assert linked.status_code == 303
    bench = client.get(f"/staff/pledges/{plist.id}")
    assert appeal.order_no in bench.text
    link_id = queries.links_by_item(db, [lights.id])[lights.id][0].id
    gone = client.post(f"/staff/pledges/links/{link_id}/delete", follow_redirects=False, data={"csrf_token": token})
    assert gone.status_code == 303 and queries.links_by_item(db, [lights.id]) == {}
    assert client.post("/staff/pledges/links/999999/delete", data={"csrf_token": token}).status_code == 404


# ---------------------------------------------------------------- project library and village ledgers


def test_a_village_project_goes_from_the_library_into_a_list(db, city, clock):
    plist, _, _, leader = published(db, city)
    community = city.units["community"]
    handler = city.users["street_handler"]  # the street's handler covers the community below it
    funds = {"衔接资金": "30", "村集体经济": "12.5", "": ""}
    project = more.propose_project(
        db,
        actor=handler,
        unit_id=community.id,
        title="村级光伏电站",
        project_type="村级经营性项目",
        year=2026,
        funds=funds,
    )
    assert project.funds == {"衔接资金": "30.00", "村集体经济": "12.50"} and str(project.funds_total) == "42.50"
    for bad in (
        dict(project_type="奇怪的类型"),
        dict(year=1999),
        dict(funds={}),
        dict(funds={"衔接资金": "abc"}),
        dict(funds={"": "5"}),
        dict(funds={"衔接资金": ""}),
    ):
        args = dict(unit_id=community.id, title="坏项目", project_type="基础设施", year=2026, funds={"县级": "1"})
        with pytest.raises(InvalidInput):
            more.propose_project(db, actor=handler, **(args | bad))
    with pytest.raises(PermissionDenied):
        more.propose_project(
            db,
            actor=city.users["water_handler"],
            unit_id=community.id,
            title="越权项目",
            project_type="基础设施",
            year=2026,
            funds={"县级": "1"},
        )
    with pytest.raises(Conflict):
        more.promote_project(db, project, plist, actor=leader)  # not approved yet
    with pytest.raises(PermissionDenied):
        more.decide_project(db, project, actor=handler, approve=True)
    with pytest.raises(InvalidInput):
        more.decide_project(db, project, actor=leader, approve=False)  # a rejection says why
    more.decide_project(db, project, actor=leader, approve=True, note="同意")
    with pytest.raises(Conflict):
        more.decide_project(db, project, actor=leader, approve=True)
    other_year = versions.create_list(
        db, actor=leader, title="2027年清单", year=2027, owner_unit_id=city.units["district"].id
    )
    with pytest.raises(InvalidInput):
        more.promote_project(db, project, other_year, actor=leader)
    item = more.promote_project(db, project, plist, actor=leader, due_on="2026-09-30")
    assert (project.status, project.item_id) == ("promoted", item.id)
    assert (item.owner_unit_id, str(item.budget_planned), item.external_id) == (
        community.id,
        "42.50",
        f"XMK-{project.id}",
    )
    assert plist.pending_changes  # a published list's new item waits for the next version
    ledger = overview.village_ledger(db, community, 2026)
    assert ledger.figures["items"] == 1 and ledger.funds_by_source == {"衔接资金": 30.0, "村集体经济": 12.5}
    with pytest.raises(NotFound):
        more.get_project(db, 999999, jurisdiction_id=city.jid)


def test_the_library_and_village_pages(client, db, city, clock):
    plist, _, _, leader = published(db, city)
    community = city.units["community"]
    login(client, city.users["district_leader"].username, PASSWORD)
    token = csrf_from(client, "/staff/pledges/library")
    bad = client.post(
        "/staff/pledges/library",
        data={
            "csrf_token": token,
            "unit_id": str(community.id),
            "title": "道路",
            "project_type": "基础设施",
            "year": "2026",
        },
    )
    assert bad.status_code == 422 and "资金来源" in bad.text
    ok = client.post(
        "/staff/pledges/library",
        follow_redirects=False,
        data={
            "csrf_token": token,
            "unit_id": str(community.id),
            "title": "村内道路硬化",
            "project_type": "基础设施",
            "year": "2026",
            "source_1": "县级财政",
            "amount_1": "68",
        },
    )
    assert ok.status_code == 303
    project = db.scalars(select(PledgeProject).where(PledgeProject.title == "村内道路硬化")).one()
    page = client.get("/staff/pledges/library?year=2026")
    assert 'id="lib-funds">68<' in page.text and "批准" in page.text
    assert client.get(f"/staff/pledges/library?year=2026&unit={community.id}").status_code == 200
    decided = client.post(
        f"/staff/pledges/library/{project.id}/decide",
        follow_redirects=False,
        data={"csrf_token": token, "decision": "approve"},
    )
    assert decided.status_code == 303 and project.status == "approved"
    again = client.post(
        f"/staff/pledges/library/{project.id}/decide", data={"csrf_token": token, "decision": "approve"}
    )
    assert again.status_code == 409
    promoted = client.post(
        f"/staff/pledges/library/{project.id}/promote",
        follow_redirects=False,
        data={"csrf_token": token, "list_id": str(plist.id), "due_on": "2026-10-31"},
    )
    assert promoted.status_code == 303 and project.status == "promoted"
    village = client.get(f"/staff/pledges/villages/{community.id}?year=2026")
    assert village.status_code == 200 and "村内道路硬化" in village.text and 'id="v-items">1<' in village.text
    assert "县级财政：68" in village.text
    assert client.get("/staff/pledges/villages/999999").status_code == 404


# ---------------------------------------------------------------- meetings: agenda and new items


def test_the_meeting_agenda_and_a_decision_that_creates_an_item(client, db, city, clock):
    plist, lights, toilets, leader = published(db, city)  # toilets were due on 1 February: overdue
    soon = svc.add_item(db, plist, actor=leader, title="社区食堂开业", due_on=date(2026, 3, 10))
    later = svc.add_item(db, plist, actor=leader, title="口袋公园", due_on=date(2026, 11, 30))
    rows = queries.ledger(db, plist, public=False)
    agenda = [(r.item.title, reason) for r, reason in queries.agenda(rows)]
    assert agenda == [("新建公厕两座", "逾期"), ("社区食堂开业", "即将到期")]
    work.change_item_status(db, later, "suspend", actor=leader)
    assert ("口袋公园", "暂缓") in [
        (r.item.title, reason) for r, reason in queries.agenda(queries.ledger(db, plist, public=False))
    ]
    login(client, city.users["district_leader"].username, PASSWORD)
    bench = client.get(f"/staff/pledges/{plist.id}")
    assert bench.text.count('class="agenda-row"') == 3 and soon.title in bench.text
    token = csrf_from(client, f"/staff/pledges/{plist.id}")
    saved = client.post(
        f"/staff/pledges/{plist.id}/meetings",
        follow_redirects=False,
        data={
            "csrf_token": token,
            "title": "周二联席会议",
            "held_on": "2026-03-02",
            "attendees": "书记、主任",
            f"decision_{toilets.id}": "督促施工方本周进场",
            f"tick_{toilets.id}": "1",
            "new_title_1": "小区充电桩安装",
            "new_unit_1": str(city.units["street"].id),
            "new_due_1": "2026-08-31",
            "new_decision_1": "群众提出，列入清单",
        },
    )
    assert saved.status_code == 303
    new = db.scalars(select(PledgeItem).where(PledgeItem.title == "小区充电桩安装")).one()
    decision = db.scalars(select(PledgeDecision).where(PledgeDecision.created_item_id == new.id)).one()
    assert decision.decision == "群众提出，列入清单" and new.owner_unit_id == city.units["street"].id
    assert toilets.milestones[0].title.startswith("周二联席会议")
    assert "新增事项" in client.get(f"/staff/pledges/{plist.id}").text


# ---------------------------------------------------------------- an unsatisfied comment becomes an appeal


def test_an_unsatisfied_rating_comment_becomes_an_appeal(db, city, clock):
    plist, lights, _, leader = published(db, city)
    work.complete_item(db, lights, actor=leader)
    happy = ratings.rate_publicly(db, lights, phone="13800000001", stars=5, comment="很好，晚上亮了")
    assert happy.appeal_id is None
    short = ratings.rate_publicly(db, lights, phone="13800000002", stars=1, comment="差")
    assert short.appeal_id is None  # too short to act on
    unhappy = ratings.rate_publicly(
        db, lights, phone="13800000003", stars=2, comment="我家楼下那盏还是不亮，请再来看看"
    )
    appeal = db.get(Appeal, unhappy.appeal_id)
    assert appeal.appellant_phone == "13800000003" and "还是不亮" in appeal.content and appeal.channel.value == "web"
    assert db.scalars(select(PledgeEvent).where(PledgeEvent.kind == "rating_appeal")).one().payload["order_no"] == (
        appeal.order_no
    )


# ---------------------------------------------------------------- the public ledger at scale, item page, photos


def test_the_public_ledger_pages_filters_and_counts_the_whole_list(client, db, city, clock):
    leader = city.users["district_leader"]
    plist = versions.create_list(db, actor=leader, title="大清单", year=2026, owner_unit_id=city.units["district"].id)
    parent = svc.add_item(db, plist, actor=leader, title="街道实事")
    kids = [
        svc.add_item(
            db,
            plist,
            actor=leader,
            title=f"实事 {n:03d}",
            parent_id=parent.id,
            position=n,
            budget_planned="10",
            owner_unit_id=city.units["street" if n % 2 else "urban"].id,
        )
        for n in range(1, 121)
    ]
    versions.approve_list(db, plist, actor=leader)
    versions.publish_list(db, plist, actor=leader)
    for kid in kids[:30]:
        work.complete_item(db, kid, actor=leader)
    first = client.get(f"/pledges/lists/{plist.id}")
    assert first.status_code == 200
    assert 'id="kpi-total">121<' in first.text and 'id="kpi-done">30<' in first.text
    assert "共 121 项 · 第1/3页" in first.text and "实事 049" in first.text and "实事 050" not in first.text
    assert "计划投资 1200 万元" in first.text  # leaves only: the parent does not count twice
    third = client.get(f"/pledges/lists/{plist.id}?page=3")
    assert "实事 120" in third.text and 'rel="next"' not in third.text and 'rel="prev"' in third.text
    done = client.get(f"/pledges/lists/{plist.id}?status=completed&q=实事 00")
    assert "共 9 项" in done.text
    by_unit = client.get(f"/pledges/lists/{plist.id}?unit={city.units['urban'].id}")
    assert "共 60 项" in by_unit.text
    work.complete_item(db, kids[30], actor=leader)  # a change shows at once
    assert 'id="kpi-done">31<' in client.get(f"/pledges/lists/{plist.id}").text
    staff = queries.ledger_page(db, plist, public=False, q="实事 12")
    assert staff.matched == 1 and staff.rows[0].item.title == "实事 120"


def test_the_item_page_with_a_milestone_photo_and_a_rating(client, db, city, clock, settings):
    plist, lights, _, leader = published(db, city)
    unpublished = svc.add_item(db, plist, actor=leader, title="尚未公示")
    login(client, city.users["street_handler"].username, PASSWORD)
    token = csrf_from(client, f"/staff/pledges/{plist.id}")
    posted = client.post(
        f"/staff/pledges/items/{lights.id}/milestones",
        follow_redirects=False,
        data={"csrf_token": token, "title": "完成路灯安装", "dated": "2026-03-01", "progress": "80"},
        files=[("photos", ("lamp.jpg", jpeg(), "image/jpeg"))],
    )
    assert posted.status_code == 303, posted.text
    milestone = lights.milestones[0]
    assert len(milestone.photos) == 1 and lights.progress == 80
    bad = client.post(
        f"/staff/pledges/items/{lights.id}/milestones",
        data={"csrf_token": token, "title": "坏照片"},
        files=[("photos", ("x.jpg", b"not an image", "image/jpeg"))],
    )
    assert bad.status_code == 422
    page = client.get(f"/pledges/items/{lights.id}")
    assert page.status_code == 200 and "完成路灯安装" in page.text and 'id="item-progress">80%<' in page.text
    photo = client.get(f"/pledges/milestones/{milestone.id}/photos/0")
    assert photo.status_code == 200 and photo.content[:3] == b"\xff\xd8\xff"
    assert client.get(f"/pledges/milestones/{milestone.id}/photos/5").status_code == 404
    assert client.get(f"/pledges/items/{unpublished.id}").status_code == 404
    work.complete_item(db, lights, actor=leader)
    wrong = client.post(
        f"/pledges/items/{lights.id}/rate", data={"csrf_token": token, "from": "item", "phone": "1", "stars": "5"}
    )
    assert wrong.status_code == 422 and "11 位手机号码" in wrong.text
    rated = client.post(
        f"/pledges/items/{lights.id}/rate",
        follow_redirects=False,
        data={"csrf_token": token, "from": "item", "phone": "13900000009", "stars": "5"},
    )
    assert rated.status_code == 303 and rated.headers["location"] == f"/pledges/items/{lights.id}?rated=1"
    assert db.scalars(select(PledgeRating).where(PledgeRating.item_id == lights.id)).one().score == 100


# ---------------------------------------------------------------- /api/v1/commitments


def test_the_public_commitments_api(client, db, city, clock):
    plist, lights, toilets, leader = published(db, city)
    work.complete_item(db, lights, actor=leader)
    svc.update_item(db, toilets, actor=leader, title="新建公厕三座")  # not republished: the API keeps the promise
    lists = client.get("/api/v1/commitments").json()
    assert [(x["id"], x["figures"]["done"], x["figures"]["total"]) for x in lists] == [(plist.id, 1, 2)]
    ledger = client.get(f"/api/v1/commitments/{plist.id}").json()
    assert ledger["figures"]["rate"] == 50 and ledger["pages"] == 1
    assert [(i["title"], i["status"], i["overdue"]) for i in ledger["items"]] == [
        ("老旧小区路灯改造", "completed", False),
        ("新建公厕两座", "planned", True),
    ]
    assert ledger["items"][0]["milestones"][0]["title"] == "办结"
    only = client.get(f"/api/v1/commitments/{plist.id}?status=planned").json()
    assert only["matched"] == 1
    one = client.get(f"/api/v1/commitments/items/{lights.id}").json()
    assert one["owner_unit"] == "和平街道" and one["targets"][0]["name"] == "新装路灯"
    versions.publish_list(db, plist, actor=leader, note="增加一座公厕")
    history = client.get(f"/api/v1/commitments/{plist.id}/history").json()
    assert history[0]["note"] == "增加一座公厕"
    assert history[0]["changed"] == [{"item": "新建公厕三座", "fields": {"title": ["新建公厕两座", "新建公厕三座"]}}]
    draft = versions.create_list(db, actor=leader, title="草稿", year=2026, owner_unit_id=city.units["district"].id)
    assert client.get(f"/api/v1/commitments/{draft.id}").status_code == 404
    fresh = svc.add_item(db, plist, actor=leader, title="未公示事项")
    assert client.get(f"/api/v1/commitments/items/{fresh.id}").status_code == 404


# ---------------------------------------------------------------- Excel import, round trip


def test_the_ledger_round_trips_through_excel_with_a_report(client, db, city, clock):
    from openpyxl import load_workbook

    from lianxin.pledges.excel import import_ledger

    plist, lights, toilets, leader = published(db, city)
    login(client, city.users["district_leader"].username, PASSWORD)
    exported = client.get(f"/staff/pledges/{plist.id}/ledger.xlsx").content
    book = load_workbook(io.BytesIO(exported))
    sheet = book["台账 Ledger"]
    assert sheet["B3"].value == f"#{lights.id}"
    sheet["I3"] = date(2026, 7, 31)  # the lights' due date moves
    sheet["B4"] = "EXT-TOILETS"  # a key the list does not know: the row is added as a new item
    sheet.append([None, "EXT-NEW", "新建社区食堂", "和平街道", "张副区长", "民生", "和平里", None, "2026-10-31", 150])
    sheet.append([None, "EXT-SUB", "　食堂厨房改造", "和平街道", None, None, None, None, None, 20])
    sheet.append([None, "EXT-BAD", "坏单位的事项", "不存在的单位"])
    sheet.append([None, "EXT-BAD2", "坏日期的事项", None, None, None, None, None, "明年"])
    out = io.BytesIO()
    book.save(out)
    token = csrf_from(client, f"/staff/pledges/{plist.id}/import")
    page = client.post(
        f"/staff/pledges/{plist.id}/import",
        data={"csrf_token": token},
        files={"file": ("ledger.xlsx", out.getvalue(), "application/octet-stream")},
    )
    assert page.status_code == 200, page.text
    counts = re.search(r"id=\"import-counts\">([^<]*)<", page.text).group(1)
    assert counts == "新增 3 · 更新 1 · 未变 0 · 出错 2"
    assert "不存在" in page.text
    assert lights.due_on == date(2026, 7, 31) and plist.pending_changes
    canteen = db.scalars(select(PledgeItem).where(PledgeItem.external_id == "EXT-NEW")).one()
    kitchen = db.scalars(select(PledgeItem).where(PledgeItem.external_id == "EXT-SUB")).one()
    assert kitchen.parent_id == canteen.id and str(canteen.budget_planned) == "150.00"
    again = import_ledger(db, plist, out.getvalue(), actor=leader)  # the same file again changes nothing new
    assert [r.action for r in again].count("added") == 0 and [r.action for r in again].count("unchanged") == 4
    bad = client.post(
        f"/staff/pledges/{plist.id}/import",
        data={"csrf_token": token},
        files={"file": ("x.xlsx", b"not a workbook", "application/octet-stream")},
    )
    assert bad.status_code == 422 and "无法读取" in bad.text
    none = client.post(f"/staff/pledges/{plist.id}/import", data={"csrf_token": token})
    assert none.status_code == 422


# ---------------------------------------------------------------- leader figures and co-units


def test_the_leader_sees_month_on_month_change_and_ratings_by_unit(client, db, city, clock):
    plist, lights, toilets, leader = published(db, city)
    work.complete_item(db, lights, actor=leader, completed_on="2026-02-20")  # last month
    ratings.self_assess(db, lights, actor=leader, score=90)
    work.complete_item(db, toilets, actor=leader, completed_on="2026-03-01")  # this month
    rows, _ = overview.unit_overview(db, city.jid, year=2026)
    by_unit = {r.unit: r for r in rows}
    assert by_unit["和平街道"].change == 0.0 and by_unit["和平街道"].rating == 90.0
    assert by_unit["区城市管理委员会"].change == 100.0 and by_unit["区城市管理委员会"].rating is None
    login(client, city.users["leader"].username, PASSWORD)
    page = client.get("/leader/pledges?year=2026")
    assert '<td class="num mom">+100.0</td>' in page.text
    api = client.get("/api/v1/pledges/overview?year=2026").json()
    assert {r["unit"]: r["change"] for r in api} == {"和平街道": 0.0, "区城市管理委员会": 100.0}


def test_an_item_names_its_co_units(client, db, city, clock):
    plist, lights, _, leader = published(db, city)
    login(client, city.users["district_leader"].username, PASSWORD)
    token = csrf_from(client, f"/staff/pledges/{plist.id}")
    added = client.post(
        f"/staff/pledges/{plist.id}/items",
        follow_redirects=False,
        data={
            "csrf_token": token,
            "title": "背街小巷整治",
            "co_unit_ids": [str(city.units["urban"].id), str(city.units["housing"].id)],
        },
    )
    assert added.status_code == 303
    item = db.scalars(select(PledgeItem).where(PledgeItem.title == "背街小巷整治")).one()
    assert item.co_unit_ids == [city.units["urban"].id, city.units["housing"].id]
    versions.publish_list(db, plist, actor=leader, note="新增背街小巷整治")
    page = client.get(f"/pledges/items/{item.id}")
    assert 'id="co-units">区城市管理委员会、市住房和城乡建设委员会<' in page.text


# ---------------------------------------------------------------- an indicator derived from the appeals


def test_an_indicator_counts_the_appeals_residents_stop_sending(client, db, city, clock):
    from lianxin.appeals.models import Category
    from lianxin.pledges.cli import overdue_job

    plist, lights, _, leader = published(db, city)
    clock.move_to("2026-02-10T10:00:00+08:00")
    for _ in range(4):
        new_appeal(db, city)  # 路灯故障 at 和平里小区3号楼
    new_appeal(db, city, address="别处的小区")
    clock.move_to("2026-03-02T09:30:00+08:00")
    new_appeal(db, city)
    lamp = db.scalars(select(Category).where(Category.jurisdiction_id == city.jid, Category.name == "路灯故障")).one()
    parent = db.get(Category, lamp.parent_id)
    target = more.add_derived_target(
        db,
        lights,
        actor=leader,
        name="路灯故障诉求量",
        category_id=parent.id,  # the category and those under it
        place="和平里",
        baseline_from="2026-02-01",
        baseline_to="2026-03-01",
        reduction_pct=50,
    )
    assert (target.source, target.baseline, target.target, target.unit) == ("appeals_derived", 4.0, 2.0, "件")
    assert target.actual == 5.0  # the 28 days to today still hold February's four, and today's
    for bad in (
        dict(baseline_from="2026-03-01", baseline_to="2026-02-01"),
        dict(category_id=None, place=""),
        dict(reduction_pct=0),
        dict(category_id=999999),
    ):
        args = dict(name="x指标", category_id=lamp.id, place="", baseline_from="2026-02-01", baseline_to="2026-03-01")
        with pytest.raises(InvalidInput):
            more.add_derived_target(db, lights, actor=leader, **(args | {"reduction_pct": 50} | bad))
    clock.move_to("2026-05-01T09:00:00+08:00")
    assert overdue_job(db) >= 1 and target.actual == 0.0 and target.measured_on == date(2026, 5, 1)
    assert more.refresh_derived(db) == 0  # idempotent
    login(client, city.users["district_leader"].username, PASSWORD)
    token = csrf_from(client, f"/staff/pledges/{plist.id}")
    posted = client.post(
        f"/staff/pledges/items/{lights.id}/derived",
        follow_redirects=False,
        data={
            "csrf_token": token,
            "category_id": str(lamp.id),
            "place": "",
            "baseline_from": "2026-02-01",
            "baseline_to": "2026-03-01",
            "reduction_pct": "60",
        },
    )
    assert posted.status_code == 303
    assert "相关 12345 诉求量" in client.get(f"/staff/pledges/{plist.id}").text


def test_overdue_counts_the_promised_due_date_until_the_change_is_published(db, city, clock):
    plist, lights, toilets, leader = published(db, city)  # toilets promised for 1 February: overdue
    assert queries.ledger_page(db, plist).summary["overdue"] == 1
    svc.update_item(db, lights, actor=leader, due_on="2026-02-15")  # moved into the past, not yet published
    svc.update_item(db, toilets, actor=leader, due_on="2026-12-31")  # moved out, not yet published
    assert queries.ledger_page(db, plist).summary["overdue"] == 1  # the public still sees the promise
    staff = queries.ledger_page(db, plist, public=False).summary
    assert staff["overdue"] == 1 and staff["budget_planned"] == 80.0
    versions.publish_list(db, plist, actor=leader, note="调整完成时限")
    after = queries.ledger_page(db, plist)
    assert after.summary["overdue"] == 1 and after.rows[0].overdue and not after.rows[1].overdue
    work.complete_item(db, lights, actor=leader)
    assert queries.ledger_page(db, plist).summary["overdue"] == 0
