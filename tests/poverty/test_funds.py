"""The fund ledger: a payment is requested, approved by a county leader other than the requester while the
fund holds the amount, then paid by the fund's unit; the balance follows."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lianxin.errors import Conflict, InvalidInput, PermissionDenied
from lianxin.notify import Notification
from lianxin.poverty import funds, service
from lianxin.poverty.models import MonitoringCase
from lianxin.poverty.status import PaymentStatus
from tests.poverty.conftest import declare_self, identified


@pytest.fixture
def case(db, city, world):
    return db.get(MonitoringCase, identified(db, city, declare_self(db, city, world)).case_id)


def test_request_approve_pay_and_the_ledger(db, city, world, case):
    worker, leader = city.users["grid_worker"], city.users["district_leader"]
    payment = funds.request_payment(db, case, actor=worker, fund_id=world.fund.id, amount=20_000, purpose="医疗救助金")
    assert funds.ledger(db, world.fund) == {"budget": 50_000, "approved": 0, "paid": 0, "balance": 50_000}
    with pytest.raises(Conflict, match="不能发放"):
        funds.pay(db, payment, actor=leader)
    funds.approve_payment(db, payment, actor=leader)
    assert funds.ledger(db, world.fund)["balance"] == 30_000
    with pytest.raises(PermissionDenied):
        funds.pay(db, payment, actor=city.users["street_handler"])  # not the fund's unit
    funds.pay(db, payment, actor=leader)
    assert payment.status == PaymentStatus.PAID and payment.paid_at is not None
    assert funds.ledger(db, world.fund) == {"budget": 50_000, "approved": 0, "paid": 20_000, "balance": 30_000}
    assert "20000 元" in db.scalar(select(Notification.message).where(Notification.kind == "poverty_paid"))
    assert [e.payload["payment_action"] for e in service.history(db, "case", case.id) if e.action == "payment"] == [
        "request",
        "approve",
        "pay",
    ]


def test_the_requester_never_approves_and_the_fund_cannot_be_overspent(db, city, world, case):
    leader = city.users["district_leader"]
    own = funds.request_payment(db, case, actor=leader, fund_id=world.fund.id, amount=40_000, purpose="临时救助")
    with pytest.raises(PermissionDenied, match="申请人"):
        funds.approve_payment(db, own, actor=leader)
    funds.approve_payment(db, own, actor=city.users["leader"])
    big = funds.request_payment(
        db, case, actor=city.users["grid_worker"], fund_id=world.fund.id, amount=20_000, purpose="住房修缮"
    )
    with pytest.raises(Conflict, match="余额不足"):
        funds.approve_payment(db, big, actor=leader)
    assert big.status == PaymentStatus.REQUESTED
    with pytest.raises(InvalidInput):
        funds.reject_payment(db, big, actor=leader, reason="")
    funds.reject_payment(db, big, actor=leader, reason="超出余额")
    assert big.status == PaymentStatus.REJECTED and funds.ledger(db, world.fund)["balance"] == 10_000


@pytest.mark.parametrize(
    ("kw", "message"), [({"amount": 0}, "金额"), ({"purpose": ""}, "用途"), ({"fund_id": 999999}, "基金")]
)
def test_bad_requests_are_refused(db, city, world, case, kw, message):
    data = {"fund_id": world.fund.id, "amount": 100, "purpose": "救助"} | kw
    with pytest.raises(InvalidInput, match=message):
        funds.request_payment(db, case, actor=city.users["grid_worker"], **data)


def test_fund_creation_rules(db, city, world):
    with pytest.raises(PermissionDenied):
        funds.create_fund(
            db,
            actor=city.users["grid_worker"],
            jurisdiction_id=city.jid,
            unit_id=city.units["district"].id,
            name="新基金",
            year=2026,
            budget=100,
        )
    with pytest.raises(Conflict):
        funds.create_fund(
            db,
            actor=None,
            jurisdiction_id=city.jid,
            unit_id=city.units["district"].id,
            name="防返贫救助基金",
            year=2026,
            budget=100,
        )
    for kw in ({"budget": 0}, {"name": "x"}, {"year": 1990}, {"unit_id": 999999}):
        data = {"name": "乡村振兴基金", "year": 2026, "budget": 100, "unit_id": city.units["district"].id} | kw
        with pytest.raises(InvalidInput):
            funds.create_fund(db, actor=None, jurisdiction_id=city.jid, **data)
    fund = funds.create_fund(
        db,
        actor=city.users["district_leader"],
        jurisdiction_id=city.jid,
        unit_id=city.units["district"].id,
        name="乡村振兴基金",
        year=2026,
        budget=100,
    )
    assert [f.name for f in funds.funds(db, city.jid)] == ["防返贫救助基金", "乡村振兴基金"] and fund.id
