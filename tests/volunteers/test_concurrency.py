"""Races on the real database (a database of its own, two connections, threads released together): two
redemptions of the last item — one wins, the other changes nothing, the ledger stays balanced and stock
equals the register; two volunteers taking the last place — one is enrolled, the other waits; the same
member spending the same points twice — only one spend goes through."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from lianxin.clock import utcnow
from lianxin.db import make_engine, make_sessionmaker, session_scope
from lianxin.errors import Conflict
from lianxin.points import service as points
from lianxin.points.models import PointsAccount
from lianxin.volunteers import market
from lianxin.volunteers import service as svc
from lianxin.volunteers.models import Enrollment, Good, Redemption
from lianxin.volunteers.status import EnrollmentStatus as E
from lianxin.wishes.models import Member
from lianxin.wishes.people import create_member
from tests.factories import build_city
from tests.helpers import migrated, scratch_database


@pytest.fixture(scope="module")
def own(settings, tmp_path_factory):
    with scratch_database(settings, tmp_path_factory, "volrace") as own:
        migrated(own)
        # the loser of each race waits on the winner's row lock: on a CI machine running two suites at once the
        # winner's transaction once took over the default 10 s, so the wait here is bounded at 60 s
        yield own.model_copy(update={"db_lock_timeout": 60.0})


def race(factory, calls):
    """Run each ``call(session)`` in its own thread and transaction, released together; results or errors."""
    barrier, results = threading.Barrier(len(calls)), [None] * len(calls)

    def run(i, call):
        barrier.wait()
        try:
            with session_scope(factory) as session:
                results[i] = call(session)
        except Conflict as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


def setup(factory, n_members=2, stock=1, grant=100):
    with session_scope(factory) as s:
        city = build_city(s)
        points.ensure_rules(s, city.jurisdiction)
        community = city.units["community"]
        people = [
            create_member(
                s, jurisdiction_id=city.jid, name=f"志愿者{i}", phone=f"1370000{city.jid:02d}{i:02d}", kind="volunteer"
            )
            for i in range(n_members)
        ]
        for m in people:
            points.grant(s, member=m, amount=grant, memo="服务积分", actor=None)
        good = market.add_good(s, jurisdiction_id=city.jid, community_id=community.id, name="大米", price_points=30)
        market.donate(s, good, quantity=stock, donor_kind="enterprise", donor_name="惠民超市", actor=None)
        return city.jid, community.id, [m.id for m in people], good.id


def test_two_redemptions_of_the_last_item_one_wins(own):
    factory = make_sessionmaker(make_engine(own, immediate=True), own)
    jid, _, members, good_id = setup(factory)

    def buy(member_id):
        def call(s):
            return market.redeem(s, s.get(Member, member_id), [(s.get(Good, good_id), 1)], actor=None).id

        return call

    results = race(factory, [buy(members[0]), buy(members[1])])
    wins = [r for r in results if isinstance(r, int)]
    losses = [r for r in results if isinstance(r, Conflict)]
    assert len(wins) == 1 and len(losses) == 1 and "库存不足" in losses[0].message_zh, results
    with session_scope(factory) as s:
        assert s.get(Good, good_id).stock == 0
        assert len(s.scalars(select(Redemption).where(Redemption.jurisdiction_id == jid)).all()) == 1
        balances = sorted(points.member_account(s, s.get(Member, m)).balance for m in members)
        assert balances == [70, 100]
        assert points.check_ledger(s, jid).balanced and market.register_mismatches(s, jid) == []


def test_the_same_points_cannot_be_spent_twice(own):
    factory = make_sessionmaker(make_engine(own, immediate=True), own)
    jid, _, members, good_id = setup(factory, n_members=1, stock=5, grant=50)

    def buy(s):
        return market.redeem(s, s.get(Member, members[0]), [(s.get(Good, good_id), 1)], actor=None).id

    results = race(factory, [buy, buy])
    assert sum(isinstance(r, int) for r in results) == 1 and sum(isinstance(r, Conflict) for r in results) == 1
    with session_scope(factory) as s:
        assert s.get(Good, good_id).stock == 4 and points.member_account(s, s.get(Member, members[0])).balance == 20
        assert points.check_ledger(s, jid).balanced and market.register_mismatches(s, jid) == []


def test_two_volunteers_for_the_last_place(own):
    factory = make_sessionmaker(make_engine(own, immediate=True), own)
    jid, community, members, _ = setup(factory)
    with session_scope(factory) as s:
        start = utcnow() + timedelta(days=1)
        activity = svc.create_activity(
            s,
            jurisdiction_id=jid,
            community_id=community,
            title="最后一个名额",
            place="社区",
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            slots=1,
            actor=None,
        )
        activity_id = activity.id

    def join(member_id):
        def call(s):
            return svc.sign_up(
                s, svc.get_activity(s, activity_id, jurisdiction_id=jid), s.get(Member, member_id), actor=None
            ).status

        return call

    results = race(factory, [join(members[0]), join(members[1])])
    assert sorted(results) == sorted([E.ENROLLED, E.WAITLISTED]), results
    with session_scope(factory) as s:
        rows = s.scalars(select(Enrollment).where(Enrollment.activity_id == activity_id)).all()
        assert sorted(r.status for r in rows) == sorted([E.ENROLLED, E.WAITLISTED])


def test_a_household_and_a_volunteer_race_for_the_last_item(own):
    """A household's 爱心存折 pays through the same conditional UPDATEs: one of the two wins."""
    factory = make_sessionmaker(make_engine(own, immediate=True), own)
    jid, community_id, members, good_id = setup(factory, n_members=1)
    with session_scope(factory) as s:
        from lianxin.orgs.models import Unit

        account = points.open_household(
            s,
            community=s.get(Unit, community_id),
            code=f"R-{jid}",
            name="赛跑户",
            holder_phone="13700001234",
            actor=None,
        )
        points.grant(s, account=account, amount=60, memo="测试", actor=None)
        account_id = account.id

    def household(s):
        return market.redeem(s, s.get(PointsAccount, account_id), [(s.get(Good, good_id), 1)], actor=None).id

    def volunteer(s):
        return market.redeem(s, s.get(Member, members[0]), [(s.get(Good, good_id), 1)], actor=None).id

    results = race(factory, [household, volunteer])
    assert sum(isinstance(r, int) for r in results) == 1 and sum(isinstance(r, Conflict) for r in results) == 1
    with session_scope(factory) as s:
        assert s.get(Good, good_id).stock == 0
        spent = (
            60
            - s.get(PointsAccount, account_id).balance
            + 100
            - points.member_account(s, s.get(Member, members[0])).balance
        )
        assert spent == 30
        assert points.check_ledger(s, jid).balanced and market.register_mismatches(s, jid) == []
