"""The wish pages and /api/v1/wishes end to end on the in-process app: a resident posts a wish, the community
publishes it, a member claims and delivers it, the resident confirms; the wall never shows personal data."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from lianxin.app import create_app
from lianxin.web.deps import get_session
from lianxin.wishes.models import ReportStatus, Wish, WishEvent
from lianxin.wishes.people import report_to_community
from lianxin.wishes.status import WishStatus as S
from tests.factories import PASSWORD
from tests.helpers import csrf_from, login
from tests.wishes.conftest import later

PUBLIC = "一位独居老人希望每周有人上门陪伴聊天、读报。"


@pytest.fixture
def app(db, settings, city):
    app = create_app(settings.model_copy(update={"public_jurisdiction": city.jurisdiction.code}))
    app.dependency_overrides[get_session] = lambda: db
    return app


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client


def post(client: TestClient, path: str, data: dict | None = None, token_page: str = "/login"):
    return client.post(path, data={"csrf_token": csrf_from(client, token_page), **(data or {})}, follow_redirects=False)


def resident_posts_a_wish(client, city) -> str:
    response = post(
        client,
        "/wishes/new",
        {
            "form_key": "k" * 20,
            "community_id": str(city.units["community"].id),
            "category": "company",
            "content": "我是独居老人，希望每周有人来陪我聊聊天，读读报纸。",
            "resident_phone": "13712345678",
            "resident_name": "赵大爷",
            "resident_address": "和平里3号楼2单元401",
        },
        token_page="/wishes/new",
    )
    assert response.status_code == 303, response.text
    return response.headers["location"].split("?")[0]


def test_the_whole_journey_through_the_pages(client, db, city, clock, party):
    assert "我要许愿" in client.get("/wishes").text
    track = resident_posts_a_wish(client, city)
    again = post(
        client,
        "/wishes/new",
        {  # the same form sent twice makes one wish
            "form_key": "k" * 20,
            "community_id": str(city.units["community"].id),
            "category": "company",
            "content": "我是独居老人，希望每周有人来陪我聊聊天，读读报纸。",
            "resident_phone": "13712345678",
        },
        token_page="/wishes/new",
    )
    assert again.headers["location"].split("?")[0] == track
    wish = db.scalar(select(Wish))
    assert client.get(track).status_code == 200 and "已收集" in client.get(track).text

    login(client, party.staff.username, PASSWORD)
    desk = client.get("/wishes/staff")
    assert desk.status_code == 200 and "137****5678" in desk.text and "13712345678" not in desk.text
    detail = client.get(f"/wishes/staff/{wish.id}")
    assert "13712345678" in detail.text  # staff see it, and the view is logged
    assert db.scalar(select(WishEvent).where(WishEvent.wish_id == wish.id, WishEvent.kind == "contact_viewed"))
    assert post(client, f"/wishes/staff/{wish.id}/register", {"triage_class": "individual"}).status_code == 303
    leak = post(client, f"/wishes/staff/{wish.id}/publish", {"public_text": "赵大爷希望有人每周来陪伴聊天"})
    assert leak.status_code == 422 and "不能包含" in leak.text and wish.status == S.REGISTERED
    assert post(client, f"/wishes/staff/{wish.id}/publish", {"public_text": PUBLIC}).status_code == 303
    client.post("/logout", data={"csrf_token": csrf_from(client)})

    wall = client.get(f"/wishes?community={city.units['community'].id}").text
    assert PUBLIC in wall
    # the exact address, not a bare "401": a community id such as 6401 may appear in a link on PostgreSQL
    for private in ("赵大爷", "13712345678", "****5678", "和平里3号楼", "2单元401", "独居老人，希望每周有人来陪我"):
        assert private not in wall
    # not even the phone's tail or the flat number as a figure of its own (ids such as 6401 may appear)
    assert not re.search(r"(?<!\d)(5678|401)(?!\d)", wall)

    login(client, party.member_user.username, PASSWORD)
    assert "我要认领" in client.get("/wishes").text
    assert post(client, f"/wishes/{wish.id}/claim", {"promised_on": later(5).isoformat()}).status_code == 303
    assert wish.status == S.CLAIMED
    contact = post(client, f"/wishes/{wish.id}/member/contact")
    assert contact.status_code == 200 and "13712345678" in contact.text
    assert post(client, f"/wishes/{wish.id}/member/deliver", {"note": "已上门陪老人聊天两小时"}).status_code == 303
    assert wish.status == S.DELIVERED
    assert "已实现 <strong>0</strong>" in client.get("/wishes/mine").text
    client.post("/logout", data={"csrf_token": csrf_from(client)})

    assert post(client, f"{track}/confirm", {"rating": "5", "comment": "谢谢"}, token_page=track).status_code == 303
    assert wish.status == S.CONFIRMED
    login(client, party.member_user.username, PASSWORD)
    assert "已实现 <strong>1</strong>" in client.get("/wishes/mine").text
    client.post("/logout", data={"csrf_token": csrf_from(client)})
    wall = client.get("/wishes").text
    assert PUBLIC in wall and "李**" in wall and "李建国" not in wall

    login(client, city.users["leader"].username, PASSWORD)
    stats = client.get("/wishes/stats?lang=en")
    assert stats.status_code == 200 and "Micro-wish statistics" in stats.text and "和平社区" in stats.text


def test_bad_input_on_the_resident_form_is_explained_and_saves_nothing(client, db, city):
    response = post(
        client,
        "/wishes/new",
        {
            "form_key": "x" * 20,
            "community_id": "",
            "category": "company",
            "content": "帮帮我吧谢谢",
            "resident_phone": "13712345678",
        },
        token_page="/wishes/new",
    )
    assert response.status_code == 422 and "请选择所在社区" in response.text
    response = client.post(
        "/wishes/new?lang=en",
        data={
            "csrf_token": csrf_from(client, "/wishes/new"),
            "form_key": "x" * 20,
            "community_id": str(city.units["community"].id),
            "category": "company",
            "content": "帮帮我吧谢谢",
            "resident_phone": "123",
        },
    )
    assert response.status_code == 422 and "valid mobile" in response.text
    assert db.scalar(select(Wish)) is None


def test_a_rejected_wish_tells_the_resident_why(client, db, city, party):
    track = resident_posts_a_wish(client, city)
    wish = db.scalar(select(Wish))
    login(client, party.staff.username, PASSWORD)
    assert post(client, f"/wishes/staff/{wish.id}/reject", {"reason": ""}).status_code == 422
    assert (
        post(client, f"/wishes/staff/{wish.id}/reject", {"reason": "属于商业服务，建议联系家政公司"}).status_code == 303
    )
    client.post("/logout", data={"csrf_token": csrf_from(client)})
    page = client.get(track).text
    assert "不予采纳" in page and "建议联系家政公司" in page


def test_pages_refuse_the_wrong_people(client, db, city, party):
    resident_posts_a_wish(client, city)
    wish = db.scalar(select(Wish))
    assert client.get("/wishes/staff", follow_redirects=False).status_code == 303  # login first
    login(client, city.users["street2_handler"].username, PASSWORD)
    assert "13712345678" not in client.get("/wishes/staff").text  # not their community
    assert client.get(f"/wishes/staff/{wish.id}").status_code == 403
    assert post(client, f"/wishes/staff/{wish.id}/register", {"triage_class": "individual"}).status_code == 403
    assert wish.status == S.COLLECTED
    assert client.get("/wishes/t/not-a-token").status_code == 404


def test_dual_report_through_the_pages(client, db, city, party):
    login(client, party.member_user.username, PASSWORD)
    assert post(client, "/wishes/mine/report", {"community_id": str(city.units["community"].id)}).status_code == 303
    client.post("/logout", data={"csrf_token": csrf_from(client)})
    login(client, party.staff.username, PASSWORD)
    assert party.member.name in client.get("/wishes/staff").text
    from lianxin.wishes.models import DualReport

    report = db.scalar(select(DualReport))
    assert post(client, f"/wishes/reports/{report.id}/confirm").status_code == 303
    assert report.status == ReportStatus.CONFIRMED


def test_api_lifecycle_masks_personal_data_and_enforces_one_claim(client, db, city, clock, party):
    login(client, party.staff.username, PASSWORD)
    made = client.post(
        "/api/v1/wishes",
        json={
            "community_id": city.units["community"].id,
            "category": "study",
            "content": "孩子需要一套冬季校服，尺码160。",
            "resident_phone": "13612345678",
            "resident_name": "钱女士",
        },
        headers={"Idempotency-Key": "w1"},
    )
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["resident_phone"] == "136****5678" and "钱女士" not in made.text and body["status"] == "collected"
    wid = body["id"]
    bad = client.post(f"/api/v1/wishes/{wid}/actions/register", json={})
    assert bad.status_code == 422 and bad.json()["field"] == "triage_class"
    ok = client.post(f"/api/v1/wishes/{wid}/actions/register", json={"triage_class": "individual"})
    assert ok.json()["status"] == "registered"
    stale = client.post(
        f"/api/v1/wishes/{wid}/actions/publish",
        json={"public_text": "一名学生需要一套冬季校服。"},
        headers={"If-Match": "1"},
    )
    assert stale.status_code == 409
    assert (
        client.post(f"/api/v1/wishes/{wid}/actions/publish", json={"public_text": "一名学生需要一套冬季校服。"}).json()[
            "status"
        ]
        == "published"
    )
    assert client.get("/api/v1/wishes?status=published").json()["total"] == 1
    client.post("/logout", data={"csrf_token": csrf_from(client)})

    login(client, party.member_user.username, PASSWORD)
    refused = client.post(f"/api/v1/wishes/{wid}/contact", json={})
    assert refused.status_code == 403 and "认领后" in refused.json()["message"]
    claimed = client.post(f"/api/v1/wishes/{wid}/actions/claim", json={"promised_on": later(3).isoformat()})
    assert claimed.status_code == 200 and claimed.json()["claimed_by"] == "李**"
    assert client.post(f"/api/v1/wishes/{wid}/contact", json={}).json()["phone"] == "13612345678"
    client.post("/logout", data={"csrf_token": csrf_from(client)})

    login(client, party.secretary.username, PASSWORD)  # a second claimant cannot claim the same wish
    second = client.post(
        f"/api/v1/wishes/{wid}/actions/claim", json={"promised_on": later(3).isoformat(), "org_id": party.branch.id}
    )
    assert second.status_code == 409 and second.json()["code"] == "conflict"
    quotas = client.get("/api/v1/wishes/quotas?scope=member").json()
    assert {q["name"]: q["claimed"] for q in quotas}["李建国"] == 1
    assert client.get("/api/v1/wishes/stats").json()["by_status"]["claimed"] == 1


def test_a_secretary_claims_for_the_branch_from_the_wall_and_leaders_export_excel(client, db, city, clock, party, wish):
    from io import BytesIO

    from openpyxl import load_workbook

    from lianxin.wishes.service import publish_wish, register_wish

    register_wish(db, wish, actor=party.staff, triage_class="common")
    publish_wish(db, wish, actor=party.staff, public_text=PUBLIC)
    login(client, party.secretary.username, PASSWORD)
    wall = client.get("/wishes").text
    assert party.branch.name in wall and "我本人" not in wall  # the secretary is no member: only the branch
    assert (
        post(
            client, f"/wishes/{wish.id}/claim", {"promised_on": later(4).isoformat(), "as_org": str(party.branch.id)}
        ).status_code
        == 303
    )
    assert wish.claimed_org is party.branch and wish.status == S.CLAIMED
    client.post("/logout", data={"csrf_token": csrf_from(client)})
    assert client.get("/wishes/stats.xlsx", follow_redirects=False).status_code == 303
    login(client, city.users["leader"].username, PASSWORD)
    response = client.get("/wishes/stats.xlsx?year=2026")
    assert response.status_code == 200 and "attachment" in response.headers["content-disposition"]
    book = load_workbook(BytesIO(response.content))
    orgs = {row[1]: row for row in book["党组织 Organisations"].iter_rows(min_row=2, values_only=True)}
    assert orgs[party.branch.name][2:5] == (0, 3, 1)  # realised, target, in hand


def png_bytes() -> bytes:
    from io import BytesIO

    from PIL import Image

    out = BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, format="PNG")
    return out.getvalue()


def test_delivery_photos_show_on_the_wall_once_realised_and_a_grid_worker_confirms_with_a_signature(
    client, db, city, clock, party, wish
):
    from lianxin.wishes.claims import claim_wish
    from lianxin.wishes.service import publish_wish, register_wish

    register_wish(db, wish, actor=party.staff, triage_class="individual")
    publish_wish(db, wish, actor=party.staff, public_text=PUBLIC)
    claim_wish(db, wish, member=party.member, promised_on=later(3))
    login(client, party.member_user.username, PASSWORD)
    token = csrf_from(client, "/wishes/mine")
    bad = client.post(
        f"/wishes/{wish.id}/member/deliver",
        data={"csrf_token": token, "note": "已上门陪伴聊天"},
        files=[("photos", ("a.png", b"not an image", "image/png"))],
        follow_redirects=False,
    )
    assert bad.status_code == 422 and wish.status == S.CLAIMED
    done = client.post(
        f"/wishes/{wish.id}/member/deliver",
        data={"csrf_token": token, "note": "已上门陪伴聊天"},
        files=[("photos", ("a.png", png_bytes(), "image/png"))],
        follow_redirects=False,
    )
    assert done.status_code == 303 and wish.status == S.DELIVERED and wish.delivery_photos[0].startswith("wishes/")
    assert client.get(f"/wishes/{wish.id}/photos/0").status_code == 404  # not public before it is realised
    client.post("/logout", data={"csrf_token": csrf_from(client)})

    login(client, city.users["grid_worker"].username, PASSWORD)
    token = csrf_from(client, f"/wishes/staff/{wish.id}")
    unsigned = client.post(
        f"/wishes/proxy/{wish.id}/confirm", data={"csrf_token": token, "rating": "5"}, follow_redirects=False
    )
    assert unsigned.status_code == 422 and wish.status == S.DELIVERED
    signed = client.post(
        f"/wishes/proxy/{wish.id}/confirm",
        data={"csrf_token": token, "rating": "5"},
        files=[("photos", ("sign.png", png_bytes(), "image/png"))],
        follow_redirects=False,
    )
    assert signed.status_code == 303 and wish.status == S.CONFIRMED and wish.confirmed_by_proxy
    client.post("/logout", data={"csrf_token": csrf_from(client)})
    assert f"/wishes/{wish.id}/photos/0" in client.get("/wishes").text
    photo = client.get(f"/wishes/{wish.id}/photos/0")
    assert photo.status_code == 200 and photo.content.startswith(b"\x89PNG")


def test_the_wall_takes_the_whole_city_or_one_community(client, city):
    assert client.get("/wishes?community=").status_code == 200  # the select's "whole city" option
    assert client.get(f"/wishes?community={city.units['community'].id}").status_code == 200
    for bad in ("abc", str(city.units["street"].id), "99999999999999"):
        assert client.get(f"/wishes?community={bad}").status_code == 404


def test_staff_register_members_and_pioneer_posts_which_the_wall_lists(client, db, city, party):
    from lianxin.wishes.models import Member, PioneerPost

    report = report_to_community(db, community=city.units["community"], member=party.other)
    login(client, party.staff.username, PASSWORD)
    refused = post(client, "/wishes/members", {"name": "周丽", "phone": "13900000009", "kind": "party_member"})
    assert refused.status_code == 422 and "党组织" in refused.text
    assert (
        post(
            client, "/wishes/members", {"name": "周丽", "phone": "13900000009", "kind": "volunteer", "skills": "理发"}
        ).status_code
        == 303
    )
    assert db.scalar(select(Member).where(Member.phone == "13900000009")).kind == "volunteer"
    assert (
        post(
            client, "/wishes/posts", {"report_id": str(report.id), "name": "党员先锋岗", "starts_on": "2026-03-01"}
        ).status_code
        == 422
    )  # not confirmed yet
    assert post(client, f"/wishes/reports/{report.id}/confirm").status_code == 303
    assert (
        post(
            client,
            "/wishes/posts",
            {"report_id": str(report.id), "name": "党员先锋岗", "service": "水电维修", "starts_on": "2026-03-01"},
        ).status_code
        == 303
    )
    assert db.scalar(select(PioneerPost)).holder is party.other
    desk = client.get("/wishes/staff").text
    assert "登记党员、志愿者" in desk and party.branch.name in desk
    assert "水电维修" in client.get(f"/wishes?community={city.units['community'].id}").text
