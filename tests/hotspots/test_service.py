"""Hotspots of the deployment's appeals: find_hotspots, snapshots, the job and who may read them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from lianxin.appeals.service import dispatch_appeal, merge_appeal, record_contact, reply_to_appeal, sign_appeal
from lianxin.clock import utcnow
from lianxin.errors import InvalidInput, NotFound, PermissionDenied
from lianxin.hotspots.models import HotspotSnapshot
from lianxin.hotspots.service import (
    find_hotspots,
    get_hotspot,
    latest_snapshot,
    member_appeals,
    refresh_due,
    refresh_snapshot,
    snapshot_for,
    trend_series,
    viewer_scope,
)
from lianxin.orgs.models import Role
from lianxin.orgs.service import create_user
from lianxin.visits.service import record_return_visit
from tests.factories import PASSWORD, new_appeal

NOISE = [
    "幸福里小区旁工地夜间施工噪音扰民",
    "投诉幸福里小区附近工地深夜施工噪音",
    "幸福里小区旁边的工地晚上施工太吵",
    "幸福里小区工地夜间施工噪音严重影响休息",
]
LAMPS = ["建设路路灯不亮好几天了", "建设路路灯坏了晚上不亮", "建设路路灯损坏不亮无人维修"]
OTHER = [
    "咨询新生儿医保办理流程",
    "公积金提取需要哪些材料",
    "希望增加公交线路到火车站",
    "菜市场占道经营严重",
    "养老保险转移怎么办理",
    "河道垃圾没人清理",
]


@pytest.fixture
def appeals(db, city, clock):
    """Four noise appeals in 和平社区 (with coordinates), three about lamps in another street, others."""
    made = {"noise": [], "lamps": [], "other": []}
    for day, title in enumerate(NOISE):
        made["noise"].append(
            new_appeal(
                db,
                city,
                title=title,
                content=f"{title}，请尽快处理。",
                lat=39.9 + day / 1000,
                lng=116.4,
                address="和平里幸福里小区",
            )
        )
        clock.shift(timedelta(days=1))
    for title in LAMPS:
        made["lamps"].append(
            new_appeal(db, city, title=title, content=f"{title}，请尽快处理。", community_id=None, address="建设路")
        )
        clock.shift(timedelta(hours=5))
    for title in OTHER:
        made["other"].append(
            new_appeal(db, city, title=title, content=f"{title}，谢谢。", community_id=None, address=None)
        )
    return made


def window():
    now = utcnow()
    return dict(since=now - timedelta(days=30), until=now + timedelta(seconds=1))


def test_find_hotspots_groups_the_appeals_of_one_problem(db, city, appeals):
    found = find_hotspots(db, city.jid, **window())
    groups = {frozenset(h.appeal_ids) for h in found}
    assert frozenset(a.id for a in appeals["noise"]) in groups
    assert frozenset(a.id for a in appeals["lamps"]) in groups
    noise = next(h for h in found if set(h.appeal_ids) == {a.id for a in appeals["noise"]})
    assert noise.place == "和平社区"  # the community is the known place
    assert sum(count for _, count in noise.trend) == 4 and len(noise.trend) == 4  # one a day
    assert [p["appeal_id"] for p in noise.points] == [a.id for a in appeals["noise"]]
    assert not any(a.id in h.appeal_ids for h in found for a in appeals["other"])


def test_merged_repeats_and_dissatisfied_visits_count_in_the_heat(db, city, appeals):
    lamp = appeals["lamps"][0]
    before = next(h for h in find_hotspots(db, city.jid, **window()) if lamp.id in h.appeal_ids)
    duplicate = new_appeal(db, city, title="路灯又坏了", content="同一处路灯还是不亮。", community_id=None)
    merge_appeal(db, duplicate, lamp, actor=city.users["dispatcher"])
    dispatch_appeal(db, appeals["lamps"][1], city.units["street"], actor=city.users["dispatcher"])
    sign_appeal(db, appeals["lamps"][1], actor=city.users["street_handler"])
    record_contact(db, appeals["lamps"][1], actor=city.users["street_handler"], note="已电话联系")
    reply_to_appeal(db, appeals["lamps"][1], actor=city.users["street_handler"], text="已报修，等待更换灯具。")
    record_return_visit(
        db, appeals["lamps"][1], actor=city.users["visitor"], contacted=True, solved=False, satisfaction="dissatisfied"
    )
    after = next(h for h in find_hotspots(db, city.jid, **window()) if lamp.id in h.appeal_ids)
    assert duplicate.id not in after.appeal_ids  # a merged appeal counts as a repeat of its main appeal
    assert after.stats["repeats"] == 1 and after.stats["dissatisfied"] == 1
    assert after.heat > before.heat


def test_unit_scope_and_window_limit_the_appeals(db, city, appeals):
    dispatch_appeal(db, appeals["lamps"][0], city.units["street2"], actor=city.users["dispatcher"])
    scoped = find_hotspots(db, city.jid, **window(), unit_id=city.units["street"].id)
    assert scoped and all(set(h.appeal_ids) <= {a.id for a in appeals["noise"]} for h in scoped)
    assert find_hotspots(db, city.jid, since=utcnow() - timedelta(days=60), until=utcnow() - timedelta(days=31)) == []
    with pytest.raises(InvalidInput):
        find_hotspots(db, city.jid, since=utcnow(), until=utcnow() - timedelta(days=1))


def test_trend_is_daily_for_short_windows_and_weekly_for_long_ones(clock):
    now = utcnow()
    moments = [now, now + timedelta(days=2), now + timedelta(days=2, hours=1)]
    daily = trend_series(moments, now - timedelta(days=10), now + timedelta(days=10))
    assert [c for _, c in daily] == [1, 0, 2]
    weekly = trend_series(moments + [now + timedelta(days=15)], now - timedelta(days=80), now + timedelta(days=20))
    assert sum(c for _, c in weekly) == 4 and len(weekly) in (3, 4)


def test_snapshots_cache_results_and_the_job_refreshes_them_hourly(db, city, appeals):
    assert latest_snapshot(db, city.jid) is None
    now = utcnow() + timedelta(seconds=1)  # the window ends before "now": include the last appeals
    assert refresh_due(db, now) >= 1
    snapshot = latest_snapshot(db, city.jid)
    assert snapshot.appeal_count == 13 and len(snapshot.hotspots) >= 2
    stored = {frozenset(h.appeal_ids) for h in snapshot.hotspots}
    assert frozenset(a.id for a in appeals["noise"]) in stored
    refresh_due(db, now + timedelta(minutes=30))
    assert latest_snapshot(db, city.jid).id == snapshot.id  # still fresh: page views read it
    refresh_due(db, now + timedelta(hours=1))
    assert latest_snapshot(db, city.jid).id != snapshot.id
    hotspot = snapshot.hotspots[0]
    assert [a.id for a in member_appeals(db, hotspot)] == sorted(hotspot.appeal_ids)
    assert len(db.scalars(select(HotspotSnapshot).where(HotspotSnapshot.jurisdiction_id == city.jid)).all()) == 2


def test_a_hotspot_lists_only_the_appeals_the_reader_may_see(db, city, appeals):
    refresh_due(db, utcnow() + timedelta(seconds=1))
    hotspot = next(
        h for h in latest_snapshot(db, city.jid).hotspots if set(h.appeal_ids) == {a.id for a in appeals["noise"]}
    )
    assert [a.id for a in member_appeals(db, hotspot, city.users["dispatcher"])] == sorted(hotspot.appeal_ids)
    handler = city.users["street_handler"]
    assert member_appeals(db, hotspot, handler) == []  # not yet dispatched to the street
    dispatch_appeal(db, appeals["noise"][0], city.units["street"], actor=city.users["dispatcher"])
    assert [a.id for a in member_appeals(db, hotspot, handler)] == [appeals["noise"][0].id]


def test_who_reads_which_hotspots(db, city, appeals):
    assert viewer_scope(db, city.users["dispatcher"]) is None
    assert viewer_scope(db, city.users["leader"]) is None  # city leader: whole jurisdiction
    assert viewer_scope(db, city.users["admin"]) is None
    assert viewer_scope(db, city.users["district_leader"]) == city.units["district"].id
    assert viewer_scope(db, city.users["street_handler"]) == city.units["street"].id
    with pytest.raises(PermissionDenied):
        viewer_scope(db, city.users["operator"])
    whole = refresh_snapshot(db, city.jid, **window())
    street = snapshot_for(db, city.users["street_handler"])  # computed on first view
    assert street.unit_id == city.units["street"].id and snapshot_for(db, city.users["street_handler"]).id == street.id
    assert get_hotspot(db, whole.hotspots[0].id, actor=city.users["leader"]).id == whole.hotspots[0].id
    with pytest.raises(NotFound):
        get_hotspot(db, whole.hotspots[0].id, actor=city.users["street_handler"])
    stranger = create_user(
        db,
        jurisdiction_id=city.jid,
        username=f"{city.jurisdiction.code}-grid2",
        display_name="网格员",
        password=PASSWORD,
        grants=[(Role.GRID_WORKER, city.units["grid"])],
    )
    with pytest.raises(PermissionDenied):
        get_hotspot(db, whole.hotspots[0].id, actor=stranger)
