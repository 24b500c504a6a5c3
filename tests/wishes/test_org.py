"""党组织书记: the party_secretary role granted with the post, the organisation's board (quota progress of the
organisation, those below it and its members, months, overdue, 双报到) and its workbook, and the monthly quota
reminders from July."""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from lianxin import clock as lclock
from lianxin.errors import InvalidInput, PermissionDenied
from lianxin.notify import Notification
from lianxin.orgs.models import Role, User
from lianxin.orgs.service import has_role
from lianxin.wishes import claims, people, queries
from lianxin.wishes.export import org_workbook
from lianxin.wishes.jobs import quota_reminders
from lianxin.wishes.models import OrgKind, PartyOrg
from tests.factories import PASSWORD
from tests.helpers import login
from tests.wishes.conftest import later
from tests.wishes.test_stats import client, realised  # noqa: F401  (the fixture)


def at(year, month, day, hour=10):
    return lclock.at(datetime(year, month, day, hour, tzinfo=lclock.local_zone()))


def test_appointing_a_secretary_grants_the_role_once(db, city, party):
    assert has_role(db, party.secretary, (Role.PARTY_SECRETARY,))
    assert people.orgs_led_by(db, party.secretary) == [party.branch]
    people.set_secretary(db, party.branch, party.secretary, actor=city.users["leader"])  # again: one grant
    assert sum(g.role == Role.PARTY_SECRETARY for g in party.secretary.grants) == 1
    with pytest.raises(PermissionDenied):
        people.set_secretary(db, party.committee, party.secretary, actor=city.users["operator"])
    stranger = User(id=999999, jurisdiction_id=city.jid + 999, username="x-sec", display_name="X", password_hash="")
    with pytest.raises(InvalidInput):
        people.set_secretary(db, party.committee, stranger, actor=None)
    leader_orgs = people.orgs_led_by(db, city.users["leader"])
    assert {party.committee, party.branch} <= set(leader_orgs)
    assert people.orgs_led_by(db, party.staff) == []


def test_the_board_counts_the_tree_and_its_members(db, city, party, client):  # noqa: F811
    with at(2026, 3, 2):
        realised(db, city, party, "13711110001")
    with at(2026, 4, 8):
        realised(db, city, party, "13711110002", member=party.other)
        wish = realised(db, city, party, "13711110003")
    board = queries.org_board(db, party.committee, 2026)
    assert {p.name: p.realised for p in board.orgs} == {"市住建委机关党委": 0, "市住建委第一党支部": 0}
    assert {p.name: p.realised for p in board.members} == {"李建国": 2, "王志海": 1}
    assert board.members_met == 2 and board.months[3] == 1 and board.months[4] == 2
    april = queries.org_board(db, party.branch, 2026, month=4)
    assert {p.name: p.realised for p in april.members} == {"李建国": 1, "王志海": 1}
    assert wish.claimed_member_id == party.member.id

    login(client, party.secretary.username, PASSWORD)
    page = client.get("/wishes/org?year=2026")
    assert page.status_code == 200 and "市住建委第一党支部" in page.text and 'id="member-ranking"' in page.text
    assert "李建国" in page.text and "党组织看板" in page.text  # the menu entry
    assert client.get(f"/wishes/org?org={party.committee.id}").status_code == 403
    assert client.get("/wishes/org?org=999999").status_code == 404
    book = load_workbook(io.BytesIO(client.get("/wishes/org.xlsx?year=2026").content))
    assert book.sheetnames == ["党组织 Organisations", "党员志愿者 Members", "按月 By month", "超期 Overdue"]
    members = list(book["党员志愿者 Members"].iter_rows(min_row=2, values_only=True))
    assert members[0][:3] == (1, "李建国", 2)
    client.cookies.clear()
    login(client, city.users["leader"].username, PASSWORD)
    assert "市住建委机关党委" in client.get(f"/wishes/org?org={party.committee.id}&month=4").text
    client.cookies.clear()
    login(client, party.staff.username, PASSWORD)
    assert client.get("/wishes/org").status_code == 403


def test_overdue_claims_and_reports_on_the_board(db, city, party, wish):
    from lianxin.wishes import service as svc
    from lianxin.wishes.people import decide_report, report_to_community

    svc.register_wish(db, wish, actor=party.staff, triage_class="individual")
    svc.publish_wish(db, wish, actor=party.staff, public_text="一位独居老人希望有人陪伴聊天。")
    claims.claim_wish(db, wish, member=party.other, promised_on=later(1))
    report = report_to_community(db, community=city.units["community"], member=party.member)
    report_to_community(db, community=city.units["community"], member=party.other)
    decide_report(db, report, actor=party.staff, confirm=True)
    lclock_now = lclock.utcnow() + timedelta(days=5)
    with lclock.at(lclock_now):
        board = queries.org_board(db, party.branch, lclock_now.year)
        assert [w.id for w in board.overdue] == [wish.id]
        assert board.reports == {"confirmed": 1, "pending": 1}
        book = load_workbook(io.BytesIO(org_workbook(board)))
        assert list(book["超期 Overdue"].iter_rows(min_row=2, values_only=True))[0][2] == "王志海"


def test_quota_reminders_from_july_on_the_first_working_day_once(db, city, party, settings):
    def sent():
        return db.scalars(select(Notification).where(Notification.kind == "wish_quota").order_by(Notification.id)).all()

    with at(2026, 3, 2):
        assert quota_reminders(db, settings, lclock.utcnow()) == 0  # before July
    with at(2026, 8, 1):  # a Saturday: nothing
        assert quota_reminders(db, settings, lclock.utcnow()) == 0
    with at(2026, 8, 3):  # Monday, the month's first working day
        realised(db, city, party, "13711110009")  # 李建国 has met his quota of 1
        assert quota_reminders(db, settings, lclock.utcnow()) == 2  # 王志海, and the branch (1 of 3)
        assert quota_reminders(db, settings, lclock.utcnow()) == 0
    rows = sent()
    assert {(n.audience, n.recipient) for n in rows} == {
        ("member", party.other.phone),
        ("user", str(party.secretary.id)),
    }
    assert any("已实现微心愿 0 件" in n.message for n in rows)
    with at(2026, 8, 4):
        assert quota_reminders(db, settings, lclock.utcnow()) == 0  # not the first working day
    with at(2026, 9, 1):  # Tuesday
        assert quota_reminders(db, settings, lclock.utcnow()) == 2
    assert quota_reminders(db, settings, None) >= 0
    assert party.branch.kind == OrgKind.BRANCH


def test_leaders_keep_the_tree_and_appoint_secretaries(db, city, party, client):  # noqa: F811
    login(client, city.users["leader"].username, PASSWORD)
    page = client.get("/wishes/orgs")
    assert page.status_code == 200 and "市住建委机关党委" in page.text and 'id="org-tree"' in page.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    done = client.post(
        "/wishes/orgs",
        data={
            "csrf_token": token,
            "kind": "branch",
            "name": "市住建委第二党支部",
            "parent_id": str(party.committee.id),
            "unit_code": city.units["housing"].code,
            "secretary": party.member_user.username,
        },
        follow_redirects=False,
    )
    assert done.status_code == 303
    org = db.scalar(select(PartyOrg).where(PartyOrg.name == "市住建委第二党支部"))
    assert org.parent_id == party.committee.id and org.unit_id == city.units["housing"].id
    assert org.secretary_user_id == party.member_user.id and has_role(db, party.member_user, (Role.PARTY_SECRETARY,))
    bad = {"csrf_token": token, "kind": "branch", "name": "下级", "parent_id": str(party.branch.id)}
    refused = client.post("/wishes/orgs", data=bad)
    assert refused.status_code == 422 and "党支部下不能再设党组织" in refused.text
    refused = client.post("/wishes/orgs", data={**bad, "parent_id": "", "unit_code": "nope"})
    assert refused.status_code == 422 and "单位编码" in refused.text
    refused = client.post("/wishes/orgs", data={**bad, "parent_id": "999999"})
    assert refused.status_code == 422
    appointed = client.post(
        f"/wishes/orgs/{party.committee.id}/secretary",
        data={"csrf_token": token, "secretary": party.secretary.username},
        follow_redirects=False,
    )
    assert appointed.status_code == 303 and party.committee.secretary_user_id == party.secretary.id
    nobody = client.post(f"/wishes/orgs/{party.committee.id}/secretary", data={"csrf_token": token, "secretary": "x"})
    assert nobody.status_code == 422 and "登录账号" in nobody.text
    tree = client.get("/wishes/orgs").text
    assert tree.index("市住建委机关党委") < tree.index("市住建委第二党支部")
    client.cookies.clear()
    login(client, party.secretary.username, PASSWORD)
    assert client.get("/wishes/orgs").status_code == 403


def test_the_board_through_the_api(db, city, party, client, make_key):  # noqa: F811
    with at(2026, 3, 2):
        realised(db, city, party, "13711110001")
    leader = make_key("leader", "city")
    listed = client.get("/api/v1/wishes/orgs", headers=leader).json()
    assert {o["name"] for o in listed} >= {"市住建委机关党委", "市住建委第一党支部"}
    board = client.get(f"/api/v1/wishes/orgs/{party.branch.id}/board?year=2026", headers=leader)
    assert board.status_code == 200, board.text
    body = board.json()
    assert {m["name"]: m["realised"] for m in body["members"]} == {"李建国": 1, "王志海": 0}
    assert body["months"]["3"] == 1 and body["overdue"] == []
    staff = make_key("handler", "community")
    assert client.get("/api/v1/wishes/orgs", headers=staff).json() == []
    assert client.get(f"/api/v1/wishes/orgs/{party.branch.id}/board", headers=staff).status_code == 403
    assert client.get("/api/v1/wishes/orgs/999999/board", headers=leader).status_code == 404


def test_a_secretary_reports_the_organisation_to_a_community(db, city, party, client):  # noqa: F811
    login(client, party.secretary.username, PASSWORD)
    page = client.get("/wishes/org")
    assert "本组织还没有向社区报到" in page.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    community = str(city.units["community"].id)
    path = f"/wishes/org/{party.branch.id}/report"
    done = client.post(
        path, data={"csrf_token": token, "community_id": community, "note": "支部共建"}, follow_redirects=False
    )
    assert done.status_code == 303
    again = client.post(path, data={"csrf_token": token, "community_id": community})
    assert again.status_code == 409 and "已向该社区报到" in again.text
    assert client.post(path, data={"csrf_token": token, "community_id": "999999"}).status_code == 422
    assert "待确认" in client.get("/wishes/org").text
    assert (
        client.post(
            f"/wishes/org/{party.committee.id}/report", data={"csrf_token": token, "community_id": community}
        ).status_code
        == 403
    )


def test_a_member_sees_their_place_in_the_branch(db, city, party, client):  # noqa: F811
    with at(2026, 3, 2):
        realised(db, city, party, "13711110001", member=party.other)
        assert queries.member_rank(db, party.other, 2026) == (1, 2)
        assert queries.member_rank(db, party.member, 2026) == (2, 2)
        login(client, party.member_user.username, PASSWORD)
        assert "支部内第 2 / 2" in client.get("/wishes/mine").text
    volunteer = people.create_member(db, jurisdiction_id=city.jid, name="志愿者", phone="13711119999", kind="volunteer")
    assert queries.member_rank(db, volunteer, 2026) is None
