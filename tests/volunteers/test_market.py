"""爱心超市: donations in, redemptions out in one transaction with the points, stock = register, stock-take."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from lianxin.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from lianxin.points import service as points
from lianxin.volunteers import market


def test_redeem_moves_points_and_stock_together(db, city, vol):
    points.grant(db, member=vol.alice, amount=100, memo="服务积分", actor=None)
    redemption = market.redeem(db, vol.alice, [(vol.rice, 1), (vol.oil, 2), (vol.oil, 1)], actor=vol.organiser)
    assert redemption.points == 90 and redemption.receipt_no.startswith("DH")
    assert (vol.rice.stock, vol.oil.stock) == (1, 2)
    assert [(m.good.name, m.quantity) for m in redemption.moves] == [("大米 5kg", 1), ("食用油", 3)]
    assert points.member_account(db, vol.alice).balance == 10
    shop = points.market_account(db, city.jid, city.units["community"])
    assert shop.balance == 90
    assert market.get_redemption(db, redemption.id, jurisdiction_id=city.jid) == redemption
    # not enough points: neither stock nor points move
    with pytest.raises(Conflict, match="积分不足"), db.begin_nested():
        market.redeem(db, vol.alice, [(vol.rice, 1)], actor=vol.organiser)
    db.refresh(vol.rice)
    assert (vol.rice.stock, points.member_account(db, vol.alice).balance) == (1, 10)
    # not enough stock
    points.grant(db, member=vol.alice, amount=500, memo="补录", actor=None)
    with pytest.raises(Conflict, match="库存不足"), db.begin_nested():
        market.redeem(db, vol.alice, [(vol.oil, 1), (vol.rice, 2)], actor=vol.organiser)
    db.refresh(vol.oil), db.refresh(vol.rice)
    assert (vol.oil.stock, vol.rice.stock, points.member_account(db, vol.alice).balance) == (2, 1, 510)
    assert market.register_mismatches(db, city.jid) == []
    assert points.check_ledger(db, city.jid).balanced


def test_guards(db, city, vol):
    with pytest.raises(PermissionDenied):
        market.redeem(db, vol.alice, [(vol.rice, 1)], actor=vol.alice_user)
    with pytest.raises(InvalidInput):
        market.redeem(db, vol.alice, [], actor=vol.organiser)
    with pytest.raises(InvalidInput):
        market.redeem(db, vol.alice, [(vol.rice, 0)], actor=vol.organiser)
    vol.oil.active = False
    with pytest.raises(Conflict):
        market.redeem(db, vol.alice, [(vol.oil, 1)], actor=vol.organiser)
    with pytest.raises(Conflict):
        market.add_good(
            db, jurisdiction_id=city.jid, community_id=vol.rice.community_id, name="大米 5kg", price_points=5
        )
    with pytest.raises(InvalidInput):
        market.add_good(db, jurisdiction_id=city.jid, community_id=vol.rice.community_id, name="肥皂", price_points=0)
    with pytest.raises(InvalidInput):
        market.donate(db, vol.rice, quantity=1, donor_kind="alien", donor_name="某某", actor=None)
    with pytest.raises(InvalidInput):
        market.donate(db, vol.rice, quantity=1, donor_kind="person", donor_name="", actor=None)
    with pytest.raises(PermissionDenied):
        market.donate(
            db, vol.rice, quantity=1, donor_kind="person", donor_name="李四", actor=city.users["water_handler"]
        )
    with pytest.raises(Conflict), db.begin_nested():
        market.write_off(db, vol.rice, quantity=3, actor=None, note="受潮")
    with pytest.raises(NotFound):
        market.get_good(db, 10**9, jurisdiction_id=city.jid)
    with pytest.raises(NotFound):
        market.get_redemption(db, 10**9, jurisdiction_id=city.jid)
    assert market.get_good(db, vol.rice.id, jurisdiction_id=city.jid) == vol.rice


def test_stocktake_and_register_export(db, city, vol, clock):
    points.grant(db, member=vol.bob, amount=100, memo="服务积分", actor=None)
    market.redeem(db, vol.bob, [(vol.oil, 2)], actor=vol.organiser)
    market.write_off(db, vol.rice, quantity=1, actor=vol.organiser, note="包装破损")
    clock.shift(40 * 86400)  # April
    market.donate(db, vol.oil, quantity=10, donor_kind="person", donor_name="赵先生", actor=vol.organiser)
    community = city.units["community"].id
    march = {
        r.good.name: (r.opening, r.donated, r.redeemed, r.written_off, r.closing)
        for r in market.stocktake(db, community, "2026-03")
    }
    assert march == {"食用油": (0, 5, 2, 0, 3), "大米 5kg": (0, 2, 0, 1, 1)}
    april = {
        r.good.name: (r.opening, r.donated, r.closing, r.good.stock)
        for r in market.stocktake(db, community, market.now_month())
    }
    assert april == {"食用油": (3, 10, 13, 13), "大米 5kg": (1, 0, 1, 1)}
    with pytest.raises(InvalidInput):
        market.month_bounds("2026-13")
    book = load_workbook(io.BytesIO(market.register_workbook(db, community)))
    stock = [row for row in book["库存 Stock"].iter_rows(min_row=2, values_only=True)]
    assert all(row[3] == row[4] for row in stock) and len(stock) == 2
    moves = list(book["台账 Register"].iter_rows(min_row=2, values_only=True))
    assert [m[3] for m in moves] == [2, 5, -2, -1, 10] and moves[2][6] == "王强" and moves[0][4] == "帮扶单位：市住建委"
