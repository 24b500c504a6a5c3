"""Volunteer fixtures: an organiser (community handler), two volunteers with logins, the default points
rules, an activity tomorrow morning in the test community, a 爱心超市 with goods."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest

from lianxin.orgs.models import Role, User
from lianxin.orgs.service import create_user
from lianxin.points.service import ensure_rules
from lianxin.volunteers import market
from lianxin.volunteers import service as svc
from lianxin.volunteers.models import Activity, Good
from lianxin.wishes.models import Member, MemberKind
from lianxin.wishes.people import create_member
from tests.factories import PASSWORD

START = datetime.fromisoformat("2026-03-03T09:00:00+08:00")  # a Tuesday; the clock fixture is 2026-03-02 09:30


@dataclass
class Vol:
    organiser: User
    alice: Member
    bob: Member
    alice_user: User
    bob_user: User
    activity: Activity
    rice: Good
    oil: Good


@pytest.fixture
def vol(db, city, clock) -> Vol:
    jid, code = city.jid, city.jurisdiction.code
    ensure_rules(db, city.jurisdiction)
    organiser = create_user(
        db,
        jurisdiction_id=jid,
        username=f"{code}-organiser",
        display_name="社区志愿服务站",
        password=PASSWORD,
        grants=[(Role.HANDLER, city.units["community"])],
    )
    alice_user = create_user(db, jurisdiction_id=jid, username=f"{code}-alice", display_name="张丽", password=PASSWORD)
    bob_user = create_user(db, jurisdiction_id=jid, username=f"{code}-bob", display_name="王强", password=PASSWORD)
    alice = create_member(
        db, jurisdiction_id=jid, name="张丽", phone="13800000101", kind=MemberKind.VOLUNTEER, user=alice_user
    )
    bob = create_member(
        db, jurisdiction_id=jid, name="王强", phone="13800000102", kind=MemberKind.VOLUNTEER, user=bob_user
    )
    activity = svc.create_activity(
        db,
        jurisdiction_id=jid,
        community_id=city.units["community"].id,
        title="清理楼道小广告",
        content="和平里小区 1–6 号楼楼道清理",
        place="和平里小区北门",
        starts_at=START,
        ends_at=START + timedelta(hours=3),
        slots=1,
        actor=organiser,
    )
    rice = market.add_good(
        db,
        jurisdiction_id=jid,
        community_id=city.units["community"].id,
        name="大米 5kg",
        price_points=30,
        unit="袋",
        actor=organiser,
    )
    oil = market.add_good(
        db,
        jurisdiction_id=jid,
        community_id=city.units["community"].id,
        name="食用油",
        price_points=20,
        unit="桶",
        actor=organiser,
    )
    market.donate(db, rice, quantity=2, donor_kind="pairing_unit", donor_name="市住建委", actor=organiser)
    market.donate(db, oil, quantity=5, donor_kind="enterprise", donor_name="自来水集团", actor=organiser)
    return Vol(organiser, alice, bob, alice_user, bob_user, activity, rice, oil)
