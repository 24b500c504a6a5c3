"""The 办实事 demo: lists in every list status, items in most item statuses, versions, meetings, 三评."""

from __future__ import annotations

import random
from collections import Counter

from sqlalchemy import select

from lianxin.pledges.demo import build_demo
from lianxin.pledges.models import (
    PledgeDecision,
    PledgeItem,
    PledgeList,
    PledgeMeeting,
    PledgeProject,
    PledgeRating,
    PledgeTarget,
)
from lianxin.pledges.status import ListStatus


def test_the_demo_needs_the_demo_city(db, settings):
    assert "跳过" in build_demo(db, settings, random.Random(1), jurisdiction_code="nowhere")


def test_the_demo_builds_believable_lists(db, settings):
    from lianxin.demo import build_demo as build_city

    build_city(db, settings, appeals=0, modules=[])  # the city alone: the pledge demo is built below
    report = build_demo(db, settings, random.Random(7))
    assert "6 份清单" in report
    lists = db.scalars(select(PledgeList)).all()
    assert Counter(pl.status for pl in lists) == {ListStatus.PUBLISHED: 4, ListStatus.ARCHIVED: 1, ListStatus.DRAFT: 1}
    assert max(pl.version for pl in lists) == 2
    items = db.scalars(select(PledgeItem)).all()
    assert len(items) > 100
    assert any(i.status_key in ("tendering", "building", "inspecting") for i in items)
    projects = db.scalars(select(PledgeProject)).all()
    assert {p.status for p in projects} == {"candidate", "approved", "promoted"}
    county = next(pl for pl in lists if any(p.item_id and p.item_id in {i.id for i in pl.items} for p in projects))
    assert county.version == 2  # published again with the library's projects
    assert db.scalars(select(PledgeTarget).where(PledgeTarget.source == "appeals_derived")).all()
    statuses = {i.status.value for i in items}
    assert {"planned", "in_progress", "completed", "suspended"} <= statuses
    assert len(db.scalars(select(PledgeMeeting)).all()) >= 1
    assert len(db.scalars(select(PledgeRating)).all()) >= 6 * 5
    scheduled = [pl for pl in lists if pl.meeting_weekday is not None]
    assert len(scheduled) == 1 and scheduled[0].meeting_weekday == 1 and scheduled[0].secretary_ids
    decisions = db.scalars(select(PledgeDecision).where(PledgeDecision.follow_up != "")).all()
    assert any(d.follow_up_done_on for d in decisions) and any(not d.follow_up_done_on for d in decisions)
    assert "已存在" in build_demo(db, settings, random.Random(7))


def test_the_demo_hook_places_community_items_on_the_map(db, settings):
    from lianxin.demo import build_demo as build_city
    from lianxin.pledges import MODULE

    build_city(db, settings, appeals=0, modules=[MODULE])
    located = db.scalars(select(PledgeItem).where(PledgeItem.lat.is_not(None))).all()
    assert len(located) > 20 and all(23 < i.lat < 33 and 108 < i.lng < 118 for i in located)
