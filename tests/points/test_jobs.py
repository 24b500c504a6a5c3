"""points_for_visits and points_for_appeals: points for confirmed work only, once each, by the current rule,
the ledger balanced after every run."""

from __future__ import annotations

from sqlalchemy import select

from lianxin.appeals.status import AppealStatus
from lianxin.points import jobs
from lianxin.points import service as points
from lianxin.points.models import EntryReason, PointsEntry
from lianxin.visits.service import record_return_visit
from lianxin.wishes.models import MemberKind, OrgKind
from lianxin.wishes.people import create_member, create_party_org, decide_report, report_to_community
from tests.appeals.test_service import replied
from tests.care.conftest import home  # noqa: F401, F811  (the fixture)


def balanced(db, jid):
    check = points.check_ledger(db, jid)
    assert check.total == 0 and check.balanced, check


def entries(db, reason):
    return db.scalars(select(PointsEntry).where(PointsEntry.reason == reason).order_by(PointsEntry.id)).all()


def test_an_appeal_solved_by_a_confirmed_dual_report_member_earns_points_once(db, city, settings):
    points.ensure_rules(db, city.jurisdiction)
    branch = create_party_org(db, jurisdiction_id=city.jid, kind=OrgKind.BRANCH, name="街道机关党支部")
    handler = city.users["street_handler"]
    member = create_member(db, jurisdiction_id=city.jid, name="赵街道", phone="13511110001", org=branch, user=handler)
    visitor = create_member(
        db,
        jurisdiction_id=city.jid,
        name="钱回访",
        phone="13511110002",
        kind=MemberKind.VOLUNTEER,
        user=city.users["visitor"],
    )
    appeal = replied(db, city)
    assert appeal.community_id == city.units["community"].id
    assert jobs.credit_solved_appeals(db, settings) == 0  # replied, not solved yet
    assert jobs.credit_visits(db, settings) == 0
    record_return_visit(db, appeal, actor=city.users["visitor"], contacted=True, solved=True, satisfaction="satisfied")
    assert appeal.status == AppealStatus.CLOSED and appeal.solved is True
    assert jobs.credit_solved_appeals(db, settings) == 0  # the member has not reported to the community
    report = report_to_community(db, community=city.units["community"], member=member)
    assert jobs.credit_solved_appeals(db, settings) == 0  # reported, not yet confirmed
    decide_report(db, report, actor=None, confirm=True)
    assert jobs.credit_solved_appeals(db, settings) == 1
    assert jobs.credit_solved_appeals(db, settings) == 0  # once
    (entry,) = entries(db, EntryReason.APPEAL)
    assert entry.ref_type == "appeal" and entry.ref_id == appeal.id and entry.rule_version == 1
    assert entry.amount == 10 and points.member_account(db, member).balance == 10
    # the return visit was done by a member with the visitor's login
    assert jobs.credit_visits(db, settings) == 1
    assert jobs.credit_visits(db, settings) == 0
    (visit,) = entries(db, EntryReason.VISIT)
    assert visit.amount == 5 and points.member_account(db, visitor).balance == 5 and appeal.order_no in visit.memo
    balanced(db, city.jid)


def test_a_new_rule_version_applies_to_later_credits(db, city, settings):
    points.ensure_rules(db, city.jurisdiction)
    points.set_rule(db, jurisdiction_id=city.jid, code=EntryReason.VISIT, points=8, actor=city.users["leader"])
    member = create_member(
        db,
        jurisdiction_id=city.jid,
        name="孙网格",
        phone="13511110003",
        kind=MemberKind.VOLUNTEER,
        user=city.users["visitor"],
    )
    appeal = replied(db, city)
    record_return_visit(
        db, appeal, actor=city.users["visitor"], contacted=True, solved=False, satisfaction="basically_satisfied"
    )
    assert jobs.credit_visits(db, settings) == 1
    (visit,) = entries(db, EntryReason.VISIT)
    assert visit.amount == 8 and visit.rule_version == 2 and points.member_account(db, member).balance == 8
    balanced(db, city.jid)


def test_visits_by_people_who_are_not_members_earn_nothing(db, city, settings):
    points.ensure_rules(db, city.jurisdiction)
    appeal = replied(db, city)
    record_return_visit(db, appeal, actor=city.users["visitor"], contacted=True, solved=True, satisfaction="satisfied")
    assert jobs.credit_visits(db, settings) == 0 and jobs.credit_solved_appeals(db, settings) == 0


def test_a_care_home_visit_by_a_member_earns_points_while_care_is_on(db, city, settings, home):  # noqa: F811
    from lianxin.care import alarms as al
    from lianxin.care.models import AlertRule

    points.ensure_rules(db, city.jurisdiction)
    gw = city.users["grid_worker"]
    member = create_member(
        db, jurisdiction_id=city.jid, name="周网格", phone="13511110004", kind=MemberKind.VOLUNTEER, user=gw
    )
    rule = db.scalar(select(AlertRule).where(AlertRule.jurisdiction_id == city.jid, AlertRule.kind == "button"))
    alarm = al.raise_alarm(db, home.household, rule, device=home.button, value=None, detail="按下紧急按钮")
    al.record_visit(db, alarm, actor=gw, outcome="safe", note="误触，老人平安")
    off = settings.model_copy(update={"modules": "-care,-poverty"})
    assert jobs.credit_visits(db, off) == 0  # care switched off: its visits are not read
    assert jobs.credit_visits(db, settings) == 1
    assert jobs.credit_visits(db, settings) == 0
    (visit,) = entries(db, EntryReason.VISIT)
    assert visit.ref_type == "care_visit" and points.member_account(db, member).balance == 5
    balanced(db, city.jid)
