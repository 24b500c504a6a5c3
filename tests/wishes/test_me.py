"""我的心愿 (/me/wishes) for residents signed in with phone and code, a member who has only a resident
account claiming and carrying out a wish, and the claim rules (四类, one's own wish, the live-claim cap)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select

from lianxin.app import create_app
from lianxin.clock import utcnow
from lianxin.errors import Conflict, InvalidInput, PermissionDenied
from lianxin.residents.models import ResidentAccount
from lianxin.web.deps import get_session
from lianxin.wishes import claims, people
from lianxin.wishes import service as svc
from lianxin.wishes.models import MemberKind, Wish, WishEvent
from lianxin.wishes.status import WishStatus as S
from tests.helpers import csrf_from
from tests.wishes.conftest import later

PUBLIC = "一位独居老人希望每周有人上门陪伴聊天、读报。"
PHONE = "13655550001"


@pytest.fixture
def app(db, settings, city):
    app = create_app(settings.model_copy(update={"public_jurisdiction": city.jurisdiction.code}))
    app.dependency_overrides[get_session] = lambda: db
    return app


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client


def sign_in(client: TestClient, db, city, settings, phone: str = PHONE) -> ResidentAccount:
    """What /me/login does after a right code: the account and its signed cookie."""
    now = utcnow()
    account = ResidentAccount(jurisdiction_id=city.jid, phone=phone, verified_at=now, last_login_at=now)
    db.add(account)
    db.flush()
    cookie = URLSafeTimedSerializer(settings.secret_key, salt="lianxin-resident").dumps(account.id)
    client.cookies.set("lianxin_resident", cookie)
    return account


def post(client: TestClient, path: str, data: dict | None = None, files=None, token_page: str = "/wishes/new"):
    return client.post(
        path,
        data={"csrf_token": csrf_from(client, token_page), **(data or {})},
        files=files,
        follow_redirects=False,
    )


def published(db, city, party, *, phone="13712345678", triage="individual", account_id=None) -> Wish:
    wish = svc.submit_wish(
        db,
        jurisdiction_id=city.jid,
        community_id=city.units["community"].id,
        content="我是独居老人，希望每周有人来陪我聊聊天，读读报纸。",
        category="company",
        resident_phone=phone,
        resident_name="赵大爷",
        resident_address="和平里3号楼2单元401",
        resident_account_id=account_id,
    )
    svc.register_wish(db, wish, actor=party.staff, triage_class=triage)
    svc.publish_wish(db, wish, actor=party.staff, public_text=PUBLIC)
    return wish


def test_a_signed_in_resident_makes_a_wish_and_finds_every_wish_of_the_phone(client, db, city, settings, party):
    assert client.get("/me/wishes", follow_redirects=False).headers["location"] == "/me/login"
    earlier = published(db, city, party, phone=PHONE)  # made before the account existed
    published(db, city, party, phone="13812349999")  # someone else's
    account = sign_in(client, db, city, settings)
    form = client.get("/wishes/new").text
    assert f'value="{PHONE}"' in form  # the account's phone to start with
    made = post(
        client,
        "/wishes/new",
        {
            "form_key": "m" * 20,
            "community_id": str(city.units["community"].id),
            "category": "repair",
            "content": "厨房水龙头一直漏水，自己修不好。",
            "resident_phone": PHONE,
        },
        token_page="/wishes/new",
    )
    assert made.status_code == 303
    wish = db.scalar(select(Wish).where(Wish.category == "repair"))
    assert wish.resident_account_id == account.id
    page = client.get("/me/wishes").text
    assert f"my-wish-{wish.id}" in page and f"my-wish-{earlier.id}" in page and "13812349999" not in page
    assert f"/wishes/t/{wish.tracking_token}" in page and "我认领的心愿" not in page  # not a member
    assert client.get("/me/wishes?lang=en").text.count("My wishes") >= 1
    assert "/me/wishes" in client.get("/me").text


def test_a_member_with_only_a_resident_account_claims_and_carries_out_a_wish(client, db, city, settings, party, clock):
    helper = people.create_member(
        db, jurisdiction_id=city.jid, name="周志愿", phone=PHONE, kind=MemberKind.VOLUNTEER, skills="陪伴聊天"
    )
    wish = published(db, city, party)
    common = published(db, city, party, phone="13712340000", triage="common")
    sign_in(client, db, city, settings)
    wall = client.get("/wishes").text
    assert f'action="/me/wishes/{wish.id}/claim"' in wall
    assert f'action="/me/wishes/{common.id}/claim"' not in wall  # organisations take common wishes
    refused = post(client, f"/me/wishes/{common.id}/claim", {"promised_on": later(3).isoformat()})
    assert refused.status_code == 422 and "党组织认领" in refused.text
    claimed = post(client, f"/me/wishes/{wish.id}/claim", {"promised_on": later(3).isoformat()})
    assert claimed.status_code == 303 and wish.status == S.CLAIMED and wish.claimed_member is helper
    page = client.get("/me/wishes").text
    assert f"claimed-{wish.id}" in page and "周志愿" in page and "13712345678" not in page
    contact = post(client, f"/me/wishes/{wish.id}/contact")
    assert contact.status_code == 200 and "13712345678" in contact.text
    assert db.scalar(
        select(WishEvent).where(WishEvent.kind == "contact_viewed", WishEvent.actor_member_id == helper.id)
    )
    assert post(client, f"/me/wishes/{wish.id}/start").status_code == 303 and wish.status == S.IN_PROGRESS
    assert post(client, f"/me/wishes/{wish.id}/deliver", {"note": "短"}).status_code == 422
    assert post(client, f"/me/wishes/{wish.id}/deliver", {"note": "已上门陪老人聊天两小时"}).status_code == 303
    assert wish.status == S.DELIVERED
    assert post(client, f"/me/wishes/{wish.id}/nonsense").status_code == 404
    claims.confirm_wish(db, wish, token=wish.tracking_token, rating=5)
    assert "已实现 <strong>1</strong>" in client.get("/me/wishes").text


def test_a_resident_member_releases_a_claim_and_a_plain_resident_cannot_claim(client, db, city, settings, party, clock):
    wish = published(db, city, party)
    sign_in(client, db, city, settings, phone="13655550002")
    assert f'action="/me/wishes/{wish.id}/claim"' not in client.get("/wishes").text
    refused = post(client, f"/me/wishes/{wish.id}/claim", {"promised_on": later(3).isoformat()})
    assert refused.status_code == 422 and "还不是登记的党员" in refused.text
    people.create_member(db, jurisdiction_id=city.jid, name="吴党员", phone="13655550002", org=party.branch)
    assert post(client, f"/me/wishes/{wish.id}/claim", {"promised_on": later(3).isoformat()}).status_code == 303
    assert post(client, f"/me/wishes/{wish.id}/release", {"reason": "临时出差"}).status_code == 303
    assert wish.status == S.PUBLISHED and wish.claimed_member is None
    client.cookies.clear()
    for path in (f"/me/wishes/{wish.id}/claim", f"/me/wishes/{wish.id}/start"):
        assert client.post(path, data={}, follow_redirects=False).status_code in (303, 403)


def test_claim_rules(db, city, party, clock):
    # nobody claims their own wish
    own = published(db, city, party, phone=party.member.phone)
    with pytest.raises(PermissionDenied):
        claims.claim_wish(db, own, member=party.member, promised_on=later(3))
    # a common wish is for an organisation
    common = published(db, city, party, phone="13712340001", triage="common")
    with pytest.raises(InvalidInput) as info:
        claims.claim_wish(db, common, member=party.other, promised_on=later(3))
    assert info.value.field == "org_id"
    claims.claim_wish(db, common, org=party.branch, promised_on=later(3), actor=party.secretary)
    # a legacy wish is led by a leader: the secretary alone may not take it, a leader may
    legacy = published(db, city, party, phone="13712340002", triage="legacy")
    with pytest.raises(PermissionDenied):
        claims.claim_wish(db, legacy, org=party.branch, promised_on=later(9), actor=party.secretary)
    claims.claim_wish(db, legacy, org=party.branch, promised_on=later(9), actor=city.users["leader"])
    assert legacy.claimed_org is party.branch
    # a member holds at most MAX_LIVE_CLAIMS live claims
    for n in range(svc.MAX_LIVE_CLAIMS):
        claims.claim_wish(
            db, published(db, city, party, phone=f"1371235000{n}"), member=party.other, promised_on=later(3)
        )
    with pytest.raises(Conflict):
        claims.claim_wish(db, published(db, city, party, phone="13712359999"), member=party.other, promised_on=later(3))


def test_a_resident_member_reports_to_their_home_community(client, db, city, settings, party):
    member = people.create_member(db, jurisdiction_id=city.jid, name="周志愿", phone=PHONE, kind=MemberKind.VOLUNTEER)
    sign_in(client, db, city, settings)
    page = client.get("/me/wishes")
    assert "双报到" in page.text and "还没有报到" in page.text
    community = str(city.units["community"].id)
    done = post(client, "/me/wishes/report", {"community_id": community, "note": "住和平里"}, token_page="/wishes/new")
    assert done.status_code == 303
    again = post(client, "/me/wishes/report", {"community_id": community}, token_page="/wishes/new")
    assert again.status_code == 409 and "已向该社区报到" in again.text
    bad = post(client, "/me/wishes/report", {"community_id": "999999"}, token_page="/wishes/new")
    assert bad.status_code == 422
    assert "待确认" in client.get("/me/wishes").text
    from lianxin.wishes.models import DualReport

    (report,) = db.scalars(select(DualReport).where(DualReport.member_id == member.id)).all()
    assert report.note == "住和平里"
    sign_in(client, db, city, settings, phone="13655550009")  # not a member
    assert post(client, "/me/wishes/report", {"community_id": community}, token_page="/wishes/new").status_code == 422
    client.cookies.clear()
    assert post(client, "/me/wishes/report", {"community_id": community}, token_page="/wishes/new").status_code == 303
