"""The follow-ups of the 办实事 lists: indicator direction, milestone documents, followers told when an item
moves, due-date reminders on the working-day calendar, the meeting schedule, secretaries and follow-up actions."""

from __future__ import annotations

import pytest

from lianxin.errors import InvalidInput
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
    svc.report_progress(db, item, actor=leader, target_id=target.id, value=30, progress=50)
    assert item.progress == 50
    svc.report_progress(db, item, actor=leader, target_id=target.id, value=8)
    assert (
        item.progress == 99
    )  # indicators not yet measured do not count; 100 % is reached by completing  # 100 % is reached by completing
    row = next(r for r in ledger(db, plist, public=True) if r.item.id == item.id)
    assert row.targets[0][-2:] == (100, "down")
    assert plist.versions[0].snapshot["items"][str(item.id)]["targets"][0]["direction"] == "down"
