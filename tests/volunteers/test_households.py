"""Households' points (爱心存折): opening an account held by the 户主's phone, crediting it from the pool,
redeeming goods at the 爱心超市 with it (points and stock together), and 我的积分 for a resident."""

from __future__ import annotations

import io

import pytest
from itsdangerous import URLSafeTimedSerializer
from openpyxl import load_workbook
from sqlalchemy import select

from lianxin.clock import utcnow
from lianxin.errors import Conflict, InvalidInput, PermissionDenied
from lianxin.orgs.models import Unit, UnitKind
from lianxin.points import service as points
from lianxin.points.models import AccountKind
from lianxin.residents.models import ResidentAccount
from lianxin.volunteers import market
from lianxin.volunteers.models import Redemption
from tests.volunteers.test_web import as_user, post

HEAD = "13755550001"


def balanced(db, jid):
    check = points.check_ledger(db, jid)
    assert check.total == 0 and check.balanced, check


def household(db, city, vol, code="HH-001", phone=HEAD):
    return points.open_household(
        db, community=city.units["community"], code=code, name="王大爷户", holder_phone=phone, actor=vol.organiser
    )


def test_open_credit_and_redeem_with_a_household_account(db, city, vol):
    account = household(db, city, vol)
    assert account.kind == AccountKind.HOUSEHOLD and account.holder_phone == HEAD and account.min_balance == 0
    with pytest.raises(Conflict), db.begin_nested():
        household(db, city, vol)  # the same household number twice
    with pytest.raises(InvalidInput) as exc, db.begin_nested():
        household(db, city, vol, code="HH-002", phone="12345")
    assert exc.value.field == "holder_phone"
    with pytest.raises(InvalidInput), db.begin_nested():
        household(db, city, vol, code="")
    with pytest.raises(PermissionDenied), db.begin_nested():
        points.open_household(
            db, community=city.units["community"], code="HH-9", name="李家", holder_phone=HEAD, actor=vol.alice_user
        )
    points.grant(db, account=account, amount=50, memo="庭院整洁", actor=vol.organiser)
    assert account.balance == 50
    assert points.pool_account(db, city.jid, city.units["community"]).balance < 0
    balanced(db, city.jid)
    with pytest.raises(InvalidInput), db.begin_nested():
        points.grant(db, account=account, member=vol.alice, amount=5, memo="两个账户", actor=None)
    with pytest.raises(InvalidInput), db.begin_nested():
        points.grant(db, account=points.pool_account(db, city.jid), amount=5, memo="积分池", actor=None)

    row = market.redeem(db, account, [(vol.oil, 2)], actor=vol.organiser)
    assert row.member_id is None and row.account_id == account.id and row.points == 40
    assert account.balance == 10 and vol.oil.stock == 3
    assert market.register_mismatches(db, city.jid) == []
    balanced(db, city.jid)
    with pytest.raises(Conflict), db.begin_nested():  # 10 points cannot buy rice at 30: nothing moves
        market.redeem(db, account, [(vol.rice, 1)], actor=vol.organiser)
    assert account.balance == 10 and vol.rice.stock == 2
    with pytest.raises(InvalidInput), db.begin_nested():  # only a person's or a household's points buy goods
        market.redeem(db, points.pool_account(db, city.jid), [(vol.oil, 1)], actor=vol.organiser)
    assert points.households_of_phone(db, city.jid, HEAD) == [account]
    assert points.households_of_phone(db, city.jid, None) == []
    assert points.households(db, city.units["community"].id) == [account]


def test_a_household_redeems_only_at_its_own_community(db, city, vol):
    other = Unit(
        jurisdiction_id=city.jid,
        parent_id=city.units["street"].id,
        kind=UnitKind.COMMUNITY,
        code="hh-c2",
        name="幸福社区",
    )
    db.add(other)
    db.flush()
    account = points.open_household(db, community=other, code="X1", name="外社区户", holder_phone=HEAD, actor=None)
    points.grant(db, account=account, amount=100, memo="测试", actor=None)
    with pytest.raises(InvalidInput), db.begin_nested():
        market.redeem(db, account, [(vol.oil, 1)], actor=vol.organiser)


def test_market_page_opens_credits_and_redeems_for_a_household(client, db, city, vol):
    as_user(client, vol.organiser)
    page = "/volunteer/market"
    assert "还没有家庭账户" in client.get(page).text
    opened = post(
        client, "/volunteer/market/households", {"code": "7-2-301", "name": "王大爷户", "holder_phone": HEAD}, page
    )
    assert opened.status_code == 303
    bad = post(client, "/volunteer/market/households", {"code": "7-2-302", "name": "李户", "holder_phone": "1"}, page)
    assert bad.status_code == 422 and "户主的手机号" in bad.text
    account = points.households(db, city.units["community"].id)[0]
    assert (
        post(
            client, f"/volunteer/market/households/{account.id}/grant", {"amount": "60", "memo": "孝老爱亲"}, page
        ).status_code
        == 303
    )
    no_reason = post(client, f"/volunteer/market/households/{account.id}/grant", {"amount": "5"}, page)
    assert no_reason.status_code == 422
    shop = client.get(page)
    assert "王大爷户" in shop.text and "137****0001" in shop.text and HEAD not in shop.text
    done = post(client, "/volunteer/market/redeem", {"household": str(account.id), f"qty_{vol.rice.id}": "2"}, page)
    assert done.status_code == 303
    receipt = client.get(done.headers["location"])
    assert "王大爷户" in receipt.text and "60" in receipt.text
    row = db.scalar(select(Redemption).where(Redemption.account_id == account.id))
    assert row.points == 60 and vol.rice.stock == 0
    book = load_workbook(io.BytesIO(client.get("/volunteer/market/register.xlsx").content))
    assert any("王大爷户" in (row or ()) for row in book["台账 Register"].iter_rows(values_only=True))
    wrong = post(client, "/volunteer/market/redeem", {"household": "999999", f"qty_{vol.oil.id}": "1"}, page)
    assert wrong.status_code == 422 and "家庭账户" in wrong.text
    balanced(db, city.jid)


def test_redeem_api_takes_a_household(client, db, city, vol, make_key):
    account = household(db, city, vol)
    points.grant(db, account=account, amount=30, memo="测试", actor=None)
    headers = {**make_key("handler", "community"), "Idempotency-Key": "hh-1"}
    body = {"household_account_id": account.id, "lines": [{"good_id": vol.oil.id, "quantity": 1}]}
    done = client.post("/api/v1/volunteers/market/redeem", json=body, headers=headers)
    assert done.status_code == 201, done.text
    assert done.json()["balance"] == 10 and done.json()["points"] == 20
    both = {**body, "phone": vol.alice.phone}
    headers["Idempotency-Key"] = "hh-2"
    assert client.post("/api/v1/volunteers/market/redeem", json=both, headers=headers).status_code == 422


def _resident(client, db, city, settings, phone):
    now = utcnow()
    account = ResidentAccount(jurisdiction_id=city.jid, phone=phone, verified_at=now, last_login_at=now)
    db.add(account)
    db.flush()
    client.cookies.clear()
    client.cookies.set(
        "lianxin_resident", URLSafeTimedSerializer(settings.secret_key, salt="lianxin-resident").dumps(account.id)
    )
    return account


def test_my_points_for_residents_and_members(client, db, city, vol, settings):
    assert client.get("/points/me", follow_redirects=False).headers["location"] == "/me/login"
    account = household(db, city, vol)
    points.grant(db, account=account, amount=25, memo="环境卫生", actor=None)
    _resident(client, db, city, settings, HEAD)
    mine = client.get("/points/me")
    assert mine.status_code == 200 and "王大爷户" in mine.text and "环境卫生" in mine.text and ">25<" in mine.text
    _resident(client, db, city, settings, vol.alice.phone)  # a volunteer signed in as a resident
    points.grant(db, member=vol.alice, amount=12, memo="季度评议", actor=None)
    mine = client.get("/points/me")
    assert "张丽" in mine.text and ">12<" in mine.text and "王大爷户" not in mine.text
    _resident(client, db, city, settings, "13999990000")
    assert "还没有积分账户" in client.get("/points/me").text
    client.cookies.clear()
    as_user(client, vol.alice_user)
    assert ">12<" in client.get("/points/me").text
    city.users["operator"].phone = HEAD  # a staff login holding a household (no member): sees the household
    as_user(client, city.users["operator"])
    assert "王大爷户" in client.get("/points/me").text


def test_households_through_the_api(client, db, city, vol, make_key):
    key = make_key("handler", "community")
    code = city.units["community"].code
    body = {"community_code": code, "code": "A-1", "name": "周家户", "holder_phone": HEAD}
    made = client.post("/api/v1/points/households", json=body, headers={**key, "Idempotency-Key": "h-open"})
    assert made.status_code == 201 and made.json()["holder_phone"] == "137****0001", made.text
    again = client.post("/api/v1/points/households", json=body, headers={**key, "Idempotency-Key": "h-open"})
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert client.post("/api/v1/points/households", json=body, headers=key).status_code == 409
    account_id = made.json()["id"]
    credit = client.post(
        f"/api/v1/points/households/{account_id}/grant", json={"amount": 40, "memo": "垃圾分类"}, headers=key
    )
    assert credit.status_code == 201 and credit.json()["amount"] == 40
    listed = client.get(f"/api/v1/points/households?community_code={code}", headers=key).json()
    assert [(h["name"], h["balance"]) for h in listed] == [("周家户", 40)]
    pool = points.pool_account(db, city.jid, city.units["community"]).id
    assert (
        client.post(
            f"/api/v1/points/households/{pool}/grant", json={"amount": 1, "memo": "池"}, headers=key
        ).status_code
        == 404
    )
    water = make_key("handler", "water")
    assert client.get(f"/api/v1/points/households?community_code={code}", headers=water).status_code == 403
    balanced(db, city.jid)
