"""The wish demo builds organisations, members, 双报到 and wishes in every state through the real verbs."""

from __future__ import annotations

import random

from sqlalchemy import func, select

from lianxin.wishes.demo import build_demo
from lianxin.wishes.models import DualReport, Member, PartyOrg, PioneerPost, Wish, WishClaim, WishEvent
from lianxin.wishes.status import WishStatus


def test_the_demo_is_believable_and_consistent(db, city, settings):
    report = build_demo(
        db, settings, random.Random(7), jurisdiction_code=city.jurisdiction.code, wishes=120, password="demo-pass-123"
    )
    assert "心愿 120" in report and "member1" in report
    count = lambda model: db.scalar(select(func.count()).select_from(model))  # noqa: E731
    assert count(PartyOrg) >= 5 and count(Member) >= 10 and count(DualReport) >= 5 and count(PioneerPost) >= 1
    statuses = set(db.scalars(select(Wish.status).where(Wish.jurisdiction_id == city.jid)))
    assert {WishStatus.PUBLISHED, WishStatus.CLOSED, WishStatus.CLAIMED} <= statuses
    # every claimed wish has exactly one live claim; every realised wish one realised claim
    for wish in db.scalars(select(Wish).where(Wish.jurisdiction_id == city.jid)):
        states = [c.status for c in db.scalars(select(WishClaim).where(WishClaim.wish_id == wish.id))]
        if wish.status in (WishStatus.CLAIMED, WishStatus.IN_PROGRESS, WishStatus.DELIVERED):
            assert states.count("active") == 1
        elif wish.status in (WishStatus.CONFIRMED, WishStatus.CLOSED):
            assert states.count("realised") == 1 and "active" not in states
        else:
            assert "active" not in states
        assert wish.public_text is None or wish.resident_name not in wish.public_text
    assert count(WishEvent) > 120
    # the demo resident (我的心愿) has a wish waiting for their confirmation; a volunteer signs in as a resident
    from lianxin.wishes.demo import DEMO_RESIDENT

    assert DEMO_RESIDENT in report and "只有居民账号的志愿者" in report
    own = db.scalars(select(Wish.status).where(Wish.resident_phone == DEMO_RESIDENT)).all()
    assert sorted(own) == sorted([WishStatus.DELIVERED, WishStatus.PUBLISHED, WishStatus.CLOSED])
