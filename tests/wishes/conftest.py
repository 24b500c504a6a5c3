"""Wish fixtures: a party committee with a branch, two members (one with a login), a community staff user."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from lianxin.orgs.models import Role, User
from lianxin.orgs.service import create_user
from lianxin.wishes.models import Member, OrgKind, PartyOrg, Wish
from lianxin.wishes.people import create_member, create_party_org
from lianxin.wishes.service import submit_wish
from tests.factories import PASSWORD


@dataclass
class Party:
    committee: PartyOrg
    branch: PartyOrg
    member: Member
    other: Member
    member_user: User
    secretary: User
    staff: User


@pytest.fixture
def party(db, city) -> Party:
    jid = city.jid
    staff = create_user(
        db,
        jurisdiction_id=jid,
        username=f"{city.jurisdiction.code}-cstaff",
        display_name="社区书记",
        password=PASSWORD,
        grants=[(Role.HANDLER, city.units["community"])],
    )
    secretary = create_user(
        db,
        jurisdiction_id=jid,
        username=f"{city.jurisdiction.code}-secretary",
        display_name="支部书记",
        password=PASSWORD,
    )
    member_user = create_user(
        db, jurisdiction_id=jid, username=f"{city.jurisdiction.code}-member", display_name="李党员", password=PASSWORD
    )
    committee = create_party_org(
        db, jurisdiction_id=jid, kind=OrgKind.COMMITTEE, name="市住建委机关党委", unit=city.units["housing"]
    )
    branch = create_party_org(
        db,
        jurisdiction_id=jid,
        kind=OrgKind.BRANCH,
        name="市住建委第一党支部",
        parent=committee,
        unit=city.units["housing"],
        secretary=secretary,
    )
    member = create_member(db, jurisdiction_id=jid, name="李建国", phone="13900000001", org=branch, user=member_user)
    other = create_member(db, jurisdiction_id=jid, name="王志海", phone="13900000002", org=branch)
    return Party(committee, branch, member, other, member_user, secretary, staff)


@pytest.fixture
def wish(db, city) -> Wish:
    return submit_wish(
        db,
        jurisdiction_id=city.jid,
        community_id=city.units["community"].id,
        content="我是独居老人，希望每周有人来陪我聊聊天，读读报纸。",
        category="company",
        resident_phone="13712345678",
        resident_name="赵大爷",
        resident_address="和平里3号楼2单元401",
    )


def later(days: int) -> date:
    from datetime import timedelta

    from lianxin.wishes.service import today

    return today() + timedelta(days=days)
