"""The ledger: every entry moves points between two accounts, the sum stays zero after every operation,
cached balances match the entries, no overdraft, reversals instead of edits, rules versioned."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from lianxin.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from lianxin.points import service as points
from lianxin.points.models import EntryReason
from lianxin.wishes.people import create_member


def balanced(db, jid):
    check = points.check_ledger(db, jid)
    assert check.total == 0 and check.balanced, check
    return check


@pytest.fixture
def member(db, city):
    points.ensure_rules(db, city.jurisdiction)
    return create_member(db, jurisdiction_id=city.jid, name="刘芳", phone="13800000201", kind="volunteer")


def test_earn_spend_reverse_and_the_sum_stays_zero(db, city, member):
    community = city.units["community"]
    entry = points.earn(
        db,
        member=member,
        code="hours",
        quantity=2.5,
        role="team_leader",
        ref_type="enrollment",
        ref_id=1,
        community=community,
    )
    assert entry.amount == 35 and entry.rule_version == 1  # 10 × 2.5 × 1.4
    account = points.member_account(db, member)
    assert account.balance == 35
    assert points.pool_account(db, city.jid, community).balance == -35
    balanced(db, city.jid)
    with pytest.raises(Conflict):  # the same confirmed thing never pays twice
        points.earn(db, member=member, code="hours", quantity=1, ref_type="enrollment", ref_id=1, community=community)
    shop = points.market_account(db, city.jid, community)
    points.transfer(db, from_account=account, to_account=shop, amount=30, reason="redemption")
    balanced(db, city.jid)
    with pytest.raises(Conflict) as exc:  # no overdraft
        points.transfer(db, from_account=account, to_account=shop, amount=6, reason="redemption")
    assert exc.value.field == "points" and account.balance == 5
    with pytest.raises(Conflict), db.begin_nested():  # a balance of 5 cannot give back 35
        points.reverse(db, entry, actor=city.users["street_handler"], memo="时长登记有误")
    check = balanced(db, city.jid)
    assert check.entries == 2  # the failed reversal left nothing behind
    assert [points.signed(e, account) for e in points.entries_of(db, account)] == [-30, 35]


def test_reversal_rules(db, city, member):
    entry = points.grant(db, member=member, amount=50, memo="季度评议", actor=city.users["leader"])
    with pytest.raises(InvalidInput):
        points.reverse(db, entry, actor=None, memo="")
    with pytest.raises(PermissionDenied):
        points.reverse(db, entry, actor=city.users["operator"], memo="错误")
    back = points.reverse(db, entry, actor=None, memo="录入错误")
    with pytest.raises(Conflict):
        points.reverse(db, entry, actor=None, memo="再冲一次")
    with pytest.raises(Conflict):
        points.reverse(db, back, actor=None, memo="冲正的冲正")
    assert points.member_account(db, member).balance == 0
    balanced(db, city.jid)
    with pytest.raises(PermissionDenied):
        points.grant(db, member=member, amount=5, memo="奖励", actor=city.users["operator"])
    with pytest.raises(InvalidInput):
        points.grant(db, member=member, amount=5, memo="", actor=None)


def test_rules_are_versioned_and_penalties_are_capped(db, city, member):
    old = points.current_rule(db, city.jid, "hours")
    new = points.set_rule(db, jurisdiction_id=city.jid, code="hours", points=12, actor=city.users["leader"])
    assert (old.version, new.version) == (1, 2) and points.current_rule(db, city.jid, "hours").points == 12
    entry = points.earn(db, member=member, code="hours", quantity=1, ref_type="enrollment", ref_id=7)
    assert (entry.amount, entry.rule_id, entry.rule_version) == (12, new.id, 2)
    assert points.earn(db, member=member, code="penalty", ref_type="enrollment", ref_id=8).amount == 5
    assert points.member_account(db, member).balance == 7
    assert points.earn(db, member=member, code="penalty", ref_type="enrollment", ref_id=9).amount == 5
    assert points.earn(db, member=member, code="penalty", ref_type="enrollment", ref_id=10).amount == 2  # capped
    assert points.earn(db, member=member, code="penalty", ref_type="enrollment", ref_id=11) is None  # nothing left
    balanced(db, city.jid)
    for bad in (dict(code="hours", points=0), dict(code="nope", points=1), dict(code="redemption", points=1)):
        with pytest.raises(InvalidInput):
            points.set_rule(db, jurisdiction_id=city.jid, **bad)
    with pytest.raises(InvalidInput):
        points.set_rule(db, jurisdiction_id=city.jid, code="hours", points=1, multipliers={"x": 99})
    with pytest.raises(PermissionDenied):
        points.set_rule(db, jurisdiction_id=city.jid, code="hours", points=1, actor=city.users["operator"])
    assert points.ensure_rules(db, city.jurisdiction) == 0
    assert (
        points.rule_amount(new, 0.25) == 3 and points.rule_amount(points.current_rule(db, city.jid, "penalty"), 1) == -5
    )


def test_anomalies_and_database_guards(db, city, member):
    account = points.member_account(db, member)
    account.max_balance = 10
    points.grant(db, member=member, amount=20, memo="超过上限的奖励", actor=None)
    check = points.check_ledger(db, city.jid)
    assert [(a.kind, a.derived) for a in check.anomalies] == [("above_max", 20)] and check.balanced
    db.execute(text("UPDATE points_accounts SET balance = 999 WHERE id = :id"), {"id": account.id})
    db.expire_all()
    check = points.check_ledger(db, city.jid)
    assert not check.balanced and {a.kind for a in check.anomalies} == {"mismatch", "above_max"}
    assert check.anomalies[0].label[0]
    db.execute(text("UPDATE points_accounts SET balance = 20 WHERE id = :id"), {"id": account.id})
    for sql in (
        "UPDATE points_accounts SET balance = -1 WHERE id = :id",  # below min_balance
        "INSERT INTO points_entries (jurisdiction_id, from_account_id, to_account_id, amount, reason, memo, created_at)"
        " VALUES (1, :id, :id, 5, 'adjustment', '', CURRENT_TIMESTAMP)",  # the same account twice
    ):
        with pytest.raises(IntegrityError), db.begin_nested():
            db.execute(text(sql), {"id": account.id})
    with pytest.raises(InvalidInput):
        points.transfer(db, from_account=account, to_account=account, amount=1, reason="adjustment")
    with pytest.raises(InvalidInput):
        points.transfer(
            db, from_account=account, to_account=points.pool_account(db, city.jid), amount=0, reason="adjustment"
        )
    with pytest.raises(NotFound):
        points.get_account(db, 10**9, jurisdiction_id=city.jid)
    household = points.household_account(db, city.jid, "HH-1", "王家", city.units["community"])
    assert household.kind == "household" and points.get_account(db, household.id, jurisdiction_id=city.jid) == household
    assert [r for r, _, _ in points.totals_by_reason(db, city.jid)] == [EntryReason.ADJUSTMENT]
    assert points.accounts(db, city.jid, kinds=["person"])[0] == account
