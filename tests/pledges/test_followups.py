"""The follow-ups of the 办实事 lists: indicator direction, milestone documents, followers told when an item
moves, due-date reminders on the working-day calendar, the meeting schedule, secretaries and follow-up actions."""

from __future__ import annotations

import pytest

from lianxin.errors import InvalidInput
from lianxin.pledges import meetings, work
from lianxin.pledges import service as svc
from lianxin.pledges.queries import ledger
from lianxin.pledges.status import check_direction, target_met, target_progress
from tests.pledges.test_service import make_list, publish


def test_direction_decides_what_progress_and_met_mean():
    assert target_progress(100, 20, 60, "down") == 50  # algae blooms 100 → 20: halfway at 60
    assert target_progress(100, 20, 10, "down") == 100 and target_met(20, 10, "down")
    assert target_progress(100, 20, 130, "down") == 0  # worse than the baseline
    assert target_progress(None, 5, 3, "down") == 100 and target_progress(None, 5, 7, "down") == 0
    assert target_progress(0, 50, 60, "up") == 100 and not target_met(50, 40, "up")
    assert target_progress(10, 10, 9, "down") == 100 and target_progress(10, 10, 11, "up") == 100
    assert target_progress(0, 50, 25) == 50 and target_progress(0, 50, None, "up") is None
    assert check_direction(100, 20, "down") == "down"
    for baseline, target, direction in ((100, 20, "up"), (20, 100, "down"), (1, 2, "sideways")):
        with pytest.raises(InvalidInput):
            check_direction(baseline, target, direction)


def test_a_lower_is_better_indicator_reports_progress_and_shows_met(db, city):
    plist, (item, _), leader = make_list(db, city)
    with pytest.raises(InvalidInput):
        svc.add_target(db, item, actor=leader, name="蓝藻发生次数", baseline=50, target=80, direction="down")
    target = svc.add_target(
        db, item, actor=leader, name="蓝藻发生次数", unit="次", baseline=50, target=10, direction="down"
    )
    inferred = svc.add_target(db, item, actor=leader, name="投诉件数", baseline=40, target=20)
    assert inferred.direction == "down"  # a target below its baseline: lower is better
    assert svc.add_target(db, item, actor=leader, name="新装路灯", baseline=0, target=120).direction == "up"
    publish(db, plist, leader)
    work.report_progress(db, item, actor=leader, target_id=target.id, value=30, progress=50)
    assert item.progress == 50
    work.report_progress(db, item, actor=leader, target_id=target.id, value=8)
    assert (
        item.progress == 99
    )  # indicators not yet measured do not count; 100 % is reached by completing  # 100 % is reached by completing
    row = next(r for r in ledger(db, plist, public=True) if r.item.id == item.id)
    assert row.targets[0][-2:] == (100, "down")
    assert plist.versions[0].snapshot["items"][str(item.id)]["targets"][0]["direction"] == "down"


def _account(db, city, phone):
    from lianxin.clock import utcnow
    from lianxin.residents.models import ResidentAccount

    account = ResidentAccount(jurisdiction_id=city.jid, phone=phone, verified_at=utcnow(), last_login_at=utcnow())
    db.add(account)
    db.flush()
    return account


def _told(db, kind="pledge_moved"):
    from sqlalchemy import select

    from lianxin.notify import Notification

    return db.scalars(select(Notification).where(Notification.kind == kind).order_by(Notification.id)).all()


def test_followers_and_the_appellants_of_linked_appeals_are_told_when_an_item_moves(db, city):
    from lianxin.errors import NotFound
    from lianxin.pledges import follow
    from lianxin.pledges.more import link_item
    from tests.factories import new_appeal

    plist, (item, other), leader = make_list(db, city)
    resident = _account(db, city, "13900005555")
    with pytest.raises(NotFound):
        follow.follow(db, item, resident)  # not public yet
    publish(db, plist, leader)
    follow.follow(db, item, resident)
    follow.follow(db, item, resident)  # again: nothing changes
    assert follow.follows(db, item, resident) and not follow.follows(db, other, resident)
    appeal = new_appeal(db, city)
    link_item(db, item, actor=leader, kind="appeal", ref=appeal.order_no)
    assert follow.follower_phones(db, item) == ["13900005555", "13800138000"]
    work.report_progress(db, item, actor=leader, progress=40, note="开工")
    work.add_milestone(db, item, actor=leader, title="完成管网铺设")
    told = _told(db)
    assert [(n.recipient, n.audience) for n in told][:2] == [("13900005555", "appellant"), ("13800138000", "appellant")]
    assert "进度更新为 40%" in told[0].message and any("完成管网铺设" in n.message for n in told)
    assert len(told) == 4  # the progress report and the milestone, two phones each
    work.report_progress(db, other, actor=leader, progress=10)
    assert len(_told(db)) == 4  # nobody follows the other item
    assert follow.unfollow(db, item, resident) and not follow.unfollow(db, item, resident)
    with pytest.raises(Exception, match="sign in"):
        follow.follow(db, item, None)


def test_owner_units_are_reminded_before_due_dates_on_working_days(db, city):
    from datetime import date

    from lianxin.pledges import follow
    from lianxin.pledges.models import PledgeEvent

    plist, (item, other), leader = make_list(db, city)
    item.due_on, other.due_on = date(2026, 10, 9), date(2026, 12, 31)  # 9 Oct 2026: after the National Day week
    publish(db, plist, leader)
    # 8 working days left on 21 Sep: Mid-Autumn (25–27 Sep) and National Day (1–7 Oct) are off
    assert follow.remind_due(db, today=date(2026, 9, 21)) == 0
    assert follow.remind_due(db, today=date(2026, 10, 1)) == 1  # a holiday: 8 and 9 Oct are the working days left
    assert follow.remind_due(db, today=date(2026, 10, 8)) == 0  # once per due date
    told = _told(db, "pledge_due")
    assert [(n.audience, n.recipient) for n in told] == [("unit", str(item.owner_unit_id))]
    assert "还有 2 个工作日" in told[0].message
    assert db.query(PledgeEvent).filter_by(item_id=item.id, kind="reminded").count() == 1
    item.due_on = date(2026, 10, 12)  # a new due date is reminded again
    assert follow.remind_due(db, today=date(2026, 10, 8)) == 1


def test_a_due_date_on_a_holiday_falls_due_on_the_next_working_day(db, city):
    from datetime import date

    plist, (item, other), leader = make_list(db, city)
    item.due_on, other.due_on = date(2026, 10, 3), date(2026, 12, 31)  # a holiday: due on Thursday 8 October
    publish(db, plist, leader)
    assert work.mark_overdue(db, today=date(2026, 10, 8)) == 0
    assert work.mark_overdue(db, today=date(2026, 10, 9)) == 1 and item.status.value == "delayed"


def test_the_meeting_schedule_secretaries_and_follow_up_actions(db, city):
    from datetime import date

    from lianxin.errors import PermissionDenied
    from lianxin.pledges import follow

    plist, (item, _), leader = make_list(db, city)
    publish(db, plist, leader)
    secretary = city.users["operator"]
    with pytest.raises(PermissionDenied):
        meetings.record_meeting(db, plist, actor=secretary, title="例会", held_on=None, attendees=["甲"])
    for bad in ({"weekday": 9}, {"weekday": 1, "time": "9am"}, {"weekday": 1, "secretary_ids": ["999999"]}):
        with pytest.raises(InvalidInput):
            follow.set_schedule(db, plist, actor=leader, **bad)
    follow.set_schedule(
        db,
        plist,
        actor=leader,
        weekday="1",
        time="09:00",
        place="村委会",
        participants=["村书记", "驻村第一书记", " "],
        secretary_ids=[str(secretary.id)],
    )
    assert follow.schedule_text(plist) == "每周二 09:00 · 村委会" and plist.meeting_participants == [
        "村书记",
        "驻村第一书记",
    ]
    assert follow.schedule_text(plist, "en").startswith("every Tuesday")
    assert follow.next_meeting_on(plist, date(2026, 12, 6)) == date(2026, 12, 8)  # Sunday → Tuesday
    assert follow.is_secretary(secretary, plist) and follow.can_minute(db, secretary, plist)
    meeting = meetings.record_meeting(
        db,
        plist,
        actor=secretary,
        title="第一次例会",
        held_on=None,
        attendees=["村书记"],
        decisions=[
            {
                "item_id": item.id,
                "decision": "加快推进",
                "ticked": True,
                "follow_up": "联系施工队",
                "follow_up_owner": "王主任",
                "follow_up_due": "2026-12-20",
            }
        ],
    )
    decision = meeting.decisions[0]
    assert follow.open_follow_ups(db, plist) == [decision]
    with pytest.raises(InvalidInput):
        follow.finish_follow_up(db, decision, actor=secretary, result="")
    follow.finish_follow_up(db, decision, actor=secretary, result="施工队已进场")
    assert decision.follow_up_done_on is not None and follow.open_follow_ups(db, plist) == []
    with pytest.raises(InvalidInput):
        follow.finish_follow_up(db, decision, actor=secretary, result="again")
    assert follow.schedule_text(follow.set_schedule(db, plist, actor=leader, weekday="")) == ""
