"""办实事 service verbs on a real database: lists through their lifecycle, versions with a diff,
items, progress against targets with weighted roll-up, meetings that tick items, and 三评."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from lianxin.errors import Conflict, InvalidInput, PermissionDenied
from lianxin.pledges import meetings, ratings, versions, work
from lianxin.pledges import service as svc
from lianxin.pledges.models import PledgeEvent, PledgeItem, PledgeListVersion, PledgeMilestone, PledgeRating
from lianxin.pledges.status import ItemAction, ItemStatus, ListStatus


def make_list(db, city, *, items=2):
    leader = city.users["district_leader"]
    plist = versions.create_list(
        db, actor=leader, title="东城区2026年为民办实事清单", year=2026, owner_unit_id=city.units["district"].id
    )
    made = [
        svc.add_item(
            db,
            plist,
            actor=leader,
            title=f"事项{n}",
            owner_unit_id=city.units["street"].id,
            due_on=date(2026, 6, 30),
            lead_official="张副区长",
            budget_planned="120.5",
        )
        for n in range(1, items + 1)
    ]
    return plist, made, leader


def publish(db, plist, leader):
    versions.approve_list(db, plist, actor=leader)
    return versions.publish_list(db, plist, actor=leader)


def events(db, plist):
    return [
        e.kind for e in db.scalars(select(PledgeEvent).where(PledgeEvent.list_id == plist.id).order_by(PledgeEvent.id))
    ]


def test_a_list_goes_draft_approved_published_archived_with_events(db, city, clock):
    plist, _, leader = make_list(db, city)
    assert plist.status == ListStatus.DRAFT and plist.version == 0
    version = publish(db, plist, leader)
    assert plist.status == ListStatus.PUBLISHED and plist.version == 1 and version.number == 1
    assert sorted(version.changes["added"]) == sorted(str(i.id) for i in plist.items)
    versions.archive_list(db, plist, actor=leader)
    assert plist.status == ListStatus.ARCHIVED
    assert events(db, plist) == ["created", "item_added", "item_added", "approve", "publish", "archive"]
    with pytest.raises(Conflict):
        versions.publish_list(db, plist, actor=leader)


def test_publishing_needs_approval_first_and_only_leaders_decide(db, city):
    plist, _, leader = make_list(db, city)
    with pytest.raises(Conflict):
        versions.publish_list(db, plist, actor=leader)
    with pytest.raises(PermissionDenied):
        versions.approve_list(db, plist, actor=city.users["street_handler"])
    assert plist.status == ListStatus.DRAFT


def test_an_empty_list_cannot_be_approved_and_approved_lists_are_frozen(db, city):
    leader = city.users["district_leader"]
    empty = versions.create_list(db, actor=leader, title="空清单", year=2026, owner_unit_id=city.units["district"].id)
    with pytest.raises(Conflict):
        versions.approve_list(db, empty, actor=leader)
    plist, items, _ = make_list(db, city)
    versions.approve_list(db, plist, actor=leader)
    with pytest.raises(Conflict):
        svc.update_item(db, items[0], actor=leader, title="改个名字")
    versions.revise_list(db, plist, actor=leader, note="补充资金来源")
    assert plist.status == ListStatus.DRAFT
    assert svc.update_item(db, items[0], actor=leader, title="改个名字") == {"title": ["事项1", "改个名字"]}


def test_changes_after_publishing_make_a_new_version_with_a_diff(db, city, clock):
    plist, items, leader = make_list(db, city)
    publish(db, plist, leader)
    with pytest.raises(Conflict):  # nothing changed
        versions.publish_list(db, plist, actor=leader, note="无变化")
    svc.update_item(db, items[0], actor=leader, due_on="2026-09-30")
    extra = svc.add_item(db, plist, actor=leader, title="新建公厕两座", owner_unit_id=city.units["urban"].id)
    assert plist.pending_changes
    with pytest.raises(InvalidInput):  # a republish says why
        versions.publish_list(db, plist, actor=leader)
    v2 = versions.publish_list(db, plist, actor=leader, note="根据群众意见调整")
    assert v2.number == 2 and plist.version == 2 and not plist.pending_changes
    assert v2.changes["added"] == [str(extra.id)] and v2.changes["removed"] == []
    assert v2.changes["changed"] == {str(items[0].id): {"due_on": ["2026-06-30", "2026-09-30"]}}
    published = db.scalars(select(PledgeListVersion).where(PledgeListVersion.list_id == plist.id)).all()
    assert [v.number for v in published] == [1, 2]
    assert str(extra.id) not in published[0].snapshot["items"]  # the first version is kept as it was


def test_live_work_does_not_count_as_a_change_of_commitment(db, city, clock):
    plist, items, leader = make_list(db, city)
    publish(db, plist, leader)
    work.report_progress(db, items[0], actor=city.users["street_handler"], progress=30, note="开工")
    svc.update_item(db, items[0], actor=city.users["street_handler"], budget_spent="20")
    assert not plist.pending_changes
    with pytest.raises(PermissionDenied):  # the owner unit's handler does not rewrite the commitment
        svc.update_item(db, items[0], actor=city.users["street_handler"], title="换个说法")


def test_bad_item_input_is_refused_and_changes_nothing(db, city):
    plist, items, leader = make_list(db, city, items=1)
    for bad in (
        {"title": "x"},
        {"title": "修路", "due_on": "2026-13-01"},
        {"title": "修路", "budget_planned": "很多"},
        {"title": "修路", "start_on": "2026-05-01", "due_on": "2026-04-01"},
        {"title": "修路", "weight": -1},
        {"title": "修路", "parent_id": 999999},
    ):
        with pytest.raises(InvalidInput):
            with db.begin_nested():
                svc.add_item(db, plist, actor=leader, **bad)
    assert db.scalars(select(PledgeItem).where(PledgeItem.list_id == plist.id)).all() == items
    with pytest.raises(InvalidInput):
        svc.update_item(db, items[0], actor=leader, parent_id=items[0].id)


def test_progress_against_a_measurable_target(db, city, clock):
    plist, items, leader = make_list(db, city, items=1)
    item = items[0]
    target = svc.add_target(
        db,
        item,
        actor=leader,
        name="蓝藻水华发生次数",
        unit="次",
        baseline=50,
        baseline_period="2020年",
        target=11,
        method="环保部门监测",
    )
    publish(db, plist, leader)
    handler = city.users["street_handler"]
    work.report_progress(db, item, actor=handler, target_id=target.id, value=30.5, note="第一季度监测")
    assert target.actual == 30.5 and item.progress == 50 and item.status == ItemStatus.IN_PROGRESS
    work.report_progress(db, item, actor=handler, target_id=target.id, value=11)
    assert item.progress == 99  # 100 % only by completing
    with pytest.raises(InvalidInput):
        work.report_progress(db, item, actor=handler, progress=120)
    with pytest.raises(InvalidInput):
        work.report_progress(db, item, actor=handler)
    with pytest.raises(PermissionDenied):
        work.report_progress(db, item, actor=city.users["water_handler"], progress=10)
    progress = [
        e.payload
        for e in db.scalars(select(PledgeEvent).where(PledgeEvent.item_id == item.id, PledgeEvent.kind == "progress"))
    ]
    assert [p["progress"] for p in progress] == [[0, 50], [50, 99]]


def test_children_roll_up_weighted_and_complete_their_parent(db, city, clock):
    plist, items, leader = make_list(db, city, items=1)
    parent = items[0]
    a = svc.add_item(db, plist, actor=leader, title="子项甲", parent_id=parent.id, weight=3)
    b = svc.add_item(db, plist, actor=leader, title="子项乙", parent_id=parent.id, weight=1)
    publish(db, plist, leader)
    work.report_progress(db, a, actor=leader, progress=40)
    assert parent.progress == 30 and parent.status == ItemStatus.IN_PROGRESS
    with pytest.raises(Conflict):
        work.report_progress(db, parent, actor=leader, progress=80)
    work.complete_item(db, a, actor=leader)
    assert parent.progress == 75
    work.complete_item(db, b, actor=leader)
    assert parent.status == ItemStatus.COMPLETED and parent.progress == 100


def test_complete_writes_a_milestone_and_overdue_items_are_flagged(db, city, clock):
    plist, items, leader = make_list(db, city)
    publish(db, plist, leader)
    work.complete_item(db, items[0], actor=leader, note="已验收", completed_on="2026-03-01")
    assert items[0].completed_on == date(2026, 3, 1) and items[0].milestones[0].title == "办结"
    assert work.mark_overdue(db, city.jid, today=date(2026, 7, 1)) == 1
    assert items[1].status == ItemStatus.DELAYED and items[0].status == ItemStatus.COMPLETED
    assert work.mark_overdue(db, city.jid, today=date(2026, 7, 1)) == 0  # idempotent
    with pytest.raises(InvalidInput):
        work.change_item_status(db, items[1], ItemAction.CANCEL, actor=leader)  # needs a reason
    work.change_item_status(db, items[1], ItemAction.CANCEL, actor=leader, note="并入市级项目")
    assert items[1].status == ItemStatus.CANCELLED and plist.pending_changes


def test_a_joint_meeting_ticks_items_and_records_follow_ups(db, city, clock):
    plist, items, leader = make_list(db, city, items=3)
    publish(db, plist, leader)
    meeting = meetings.record_meeting(
        db,
        plist,
        actor=leader,
        title="周二联席会议",
        held_on="2026-03-01",
        attendees=["程鹏", "张浩然", " "],
        minutes="爱心超市物资已补充。",
        decisions=[
            {"item_id": items[0].id, "decision": "爱心超市完成", "completes": True},
            {"item_id": items[1].id, "decision": "路灯已招标", "ticked": True},
            {
                "item_id": items[2].id,
                "decision": "资金待落实",
                "follow_up": "报县财政局",
                "follow_up_owner": "程鹏",
                "follow_up_due": "2026-03-10",
            },
        ],
    )
    assert meeting.attendees == ["程鹏", "张浩然"] and len(meeting.decisions) == 3
    assert items[0].status == ItemStatus.COMPLETED and items[0].completed_on == date(2026, 3, 1)
    ticked = db.scalars(select(PledgeMilestone).where(PledgeMilestone.item_id == items[1].id)).one()
    assert ticked.meeting_id == meeting.id and "路灯已招标" in ticked.title
    assert not db.scalars(select(PledgeMilestone).where(PledgeMilestone.item_id == items[2].id)).all()
    with pytest.raises(InvalidInput):
        meetings.record_meeting(
            db,
            plist,
            actor=leader,
            title="周二联席会议",
            held_on="2026-03-01",
            attendees=["程鹏"],
            decisions=[{"item_id": items[1].id, "decision": "待定", "follow_up": "再议"}],
        )


def test_three_ratings_follow_the_rules(db, city, clock):
    plist, items, leader = make_list(db, city)
    item = items[0]
    work.complete_item(db, item, actor=leader)
    with pytest.raises(Conflict):  # not published yet
        ratings.rate_publicly(db, item, phone="13800138000", stars=5)
    publish(db, plist, leader)
    with pytest.raises(Conflict):  # not completed
        ratings.rate_publicly(db, items[1], phone="13800138000", stars=5)
    with pytest.raises(Conflict):  # review before self-assessment
        ratings.review_item(db, item, actor=city.users["leader"], score=90)
    ratings.self_assess(db, item, actor=city.users["street_handler"], score=95, comment="按期完成")
    with pytest.raises(Conflict):
        ratings.self_assess(db, item, actor=city.users["street_handler"], score=90)
    ratings.rate_publicly(db, item, phone="138 0013 8000", stars=4, comment="路灯亮了")
    with pytest.raises(Conflict):  # one per account
        ratings.rate_publicly(db, item, phone="13800138000", stars=1)
    ratings.rate_publicly(db, item, phone="13900139000", stars=2)
    for phone, stars in (("12345", 3), ("13700137000", 6), ("13700137000", "很好")):
        with pytest.raises(InvalidInput):
            ratings.rate_publicly(db, item, phone=phone, stars=stars)
    with pytest.raises(PermissionDenied):
        ratings.review_item(db, item, actor=city.users["street_handler"], score=80)
    ratings.review_item(db, item, actor=city.users["leader"], score=85)
    summary = ratings.ratings_for(db, item)
    assert summary["self"] == 95 and summary["public"] == 60.0 and summary["public_count"] == 2
    assert summary["review"] == 85 and summary["composite"] == round((95 * 20 + 60 * 40 + 85 * 40) / 100, 1)
    assert db.scalars(select(PledgeRating).where(PledgeRating.item_id == item.id)).all().__len__() == 4
    plist.rating_weights = {"self": 0, "public": 1, "review": 0}
    assert ratings.ratings_for(db, item)["composite"] == 60.0


def test_lists_need_an_owner_and_a_sane_year(db, city):
    leader = city.users["leader"]
    with pytest.raises(InvalidInput):
        versions.create_list(db, actor=leader, title="清单", year=2026)
    with pytest.raises(InvalidInput):
        versions.create_list(db, actor=leader, title="清单", year=1800, owner_unit_id=city.units["city"].id)
    with pytest.raises(PermissionDenied):
        versions.create_list(
            db, actor=city.users["street_handler"], title="区清单", year=2026, owner_unit_id=city.units["district"].id
        )
    party = versions.create_list(db, actor=leader, title="党支部清单", year=2026, party_org_id=7)
    assert party.owner_unit_id is None and party.party_org_id == 7
