"""每月一题: creating topics from hotspots, tasks, policies, permissions and the measured effect."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from lianxin.clock import utcnow
from lianxin.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from lianxin.hotspots.service import refresh_snapshot
from lianxin.topics.models import TopicStatus
from lianxin.topics.service import (
    add_policy,
    add_task,
    create_topic,
    create_topic_from_hotspot,
    get_task,
    get_topic,
    list_topics,
    set_topic_status,
    topic_effect,
    update_task,
)
from tests.factories import new_appeal
from tests.hotspots.test_service import NOISE


def noise_appeal(db, city, title="幸福里小区工地夜间施工噪音扰民"):
    return new_appeal(db, city, title=title, content=f"{title}，请尽快处理。", address="幸福里小区")


@pytest.fixture
def topic(db, city, clock):
    return create_topic(
        db,
        actor=city.users["leader"],
        title="幸福里小区工地夜间施工噪音",
        month="2026-03",
        owner_unit_id=city.units["street"].id,
        terms=["施工", "噪音"],
        places=["幸福里"],
    )


def test_a_leader_turns_a_hotspot_into_a_topic(db, city, clock):
    for _day, title in enumerate(NOISE):
        noise_appeal(db, city, title)
        clock.shift(timedelta(days=1))
    snapshot = refresh_snapshot(
        db, city.jid, since=utcnow() - timedelta(days=30), until=utcnow() + timedelta(seconds=1)
    )
    hotspot = snapshot.hotspots[0]
    topic = create_topic_from_hotspot(
        db, hotspot.id, actor=city.users["leader"], month="2026-03", owner_unit_id=city.units["street"].id
    )
    assert topic.source_hotspot_id == hotspot.id and topic.status == TopicStatus.ACTIVE
    assert topic.title == hotspot.description and topic.places == [hotspot.place] and topic.terms
    assert "4 件诉求" in topic.description
    assert list_topics(db, city.jid, month="2026-03") == [topic]
    assert get_topic(db, topic.id, jurisdiction_id=city.jid) is topic
    with pytest.raises(PermissionDenied):  # handlers do not set topics
        create_topic_from_hotspot(
            db, hotspot.id, actor=city.users["dispatcher"], month="2026-03", owner_unit_id=city.units["street"].id
        )


def test_topic_input_is_validated_in_both_languages(db, city, clock):
    leader = city.users["leader"]
    good = dict(actor=leader, title="路灯维修", month="2026-03", owner_unit_id=city.units["street"].id, terms=["路灯"])
    for change, field in [
        ({"month": "2026-13"}, "month"),
        ({"title": "灯"}, "title"),
        ({"terms": []}, "terms"),
        ({"owner_unit_id": 999999}, "owner_unit"),
        ({"category_id": 999999}, "category"),
    ]:
        with pytest.raises(InvalidInput) as err:
            create_topic(db, **(good | change))
        assert err.value.field == field and err.value.message_zh and err.value.message_en
    district_leader = city.users["district_leader"]
    with pytest.raises(PermissionDenied):  # the owner unit must be within the leader's reach
        create_topic(db, **(good | {"actor": district_leader, "owner_unit_id": city.units["housing"].id}))
    with pytest.raises(NotFound):
        get_topic(db, 999999, jurisdiction_id=city.jid)


def test_tasks_belong_to_their_owner_units_handlers(db, city, topic, clock):
    task = add_task(
        db,
        topic,
        actor=city.users["leader"],
        title="约谈施工单位，限定夜间施工时间",
        owner_unit_id=city.units["urban"].id,
        deadline=date(2026, 3, 20),
    )
    assert get_task(db, task.id, jurisdiction_id=city.jid) is task and topic.tasks == [task]
    with pytest.raises(PermissionDenied):  # another street's handler
        update_task(db, task, actor=city.users["street2_handler"], done=True)
    update_task(db, task, actor=city.users["urban_handler"], note="已约谈，施工单位承诺22时后停工")
    assert task.done_at is None and "22时" in task.note
    update_task(db, task, actor=city.users["urban_handler"], done=True)
    assert task.done_at == utcnow()
    update_task(db, task, actor=city.users["urban_handler"], done=False)
    assert task.done_at is None
    with pytest.raises(InvalidInput):
        update_task(db, task, actor=city.users["urban_handler"])
    with pytest.raises(InvalidInput) as err:
        add_task(
            db,
            topic,
            actor=city.users["street_handler"],
            title="过期任务",
            owner_unit_id=city.units["street"].id,
            deadline=date(2026, 3, 1),
        )
    assert err.value.field == "deadline"
    with pytest.raises(PermissionDenied):  # tasks are added by leaders or the topic owner's handlers
        add_task(
            db,
            topic,
            actor=city.users["water_handler"],
            title="巡查",
            owner_unit_id=city.units["street"].id,
            deadline=date(2026, 3, 20),
        )


def test_policies_need_a_link_or_text(db, city, topic, clock):
    policy = add_policy(
        db,
        topic,
        actor=city.users["street_handler"],
        title="关于规范建筑工地夜间施工的通知",
        issued_at=date(2026, 3, 5),
        url="https://example.gov.cn/notice/1",
    )
    assert topic.policies == [policy]
    with pytest.raises(InvalidInput) as err:
        add_policy(db, topic, actor=city.users["leader"], title="无内容", issued_at=date(2026, 3, 5))
    assert err.value.field == "url"
    with pytest.raises(InvalidInput):
        add_policy(db, topic, actor=city.users["leader"], title="坏链接", issued_at=date(2026, 3, 5), url="ftp://x")


def test_completed_topics_are_frozen_until_reopened(db, city, topic, clock):
    task = add_task(
        db,
        topic,
        actor=city.users["leader"],
        title="夜间巡查",
        owner_unit_id=city.units["street"].id,
        deadline=date(2026, 3, 30),
    )
    with pytest.raises(PermissionDenied):
        set_topic_status(db, topic, actor=city.users["street_handler"], status="completed")
    set_topic_status(db, topic, actor=city.users["leader"], status="completed")
    with pytest.raises(Conflict):
        update_task(db, task, actor=city.users["street_handler"], done=True)
    with pytest.raises(Conflict):
        set_topic_status(db, topic, actor=city.users["leader"], status="completed")
    with pytest.raises(InvalidInput):
        set_topic_status(db, topic, actor=city.users["leader"], status="lost")
    set_topic_status(db, topic, actor=city.users["leader"], status=TopicStatus.ACTIVE)
    update_task(db, task, actor=city.users["street_handler"], done=True)


def test_effect_counts_matching_appeals_per_week_before_and_after(db, city, clock):
    start = utcnow()
    clock.move_to(start - timedelta(weeks=2))
    for _ in range(4):
        noise_appeal(db, city)  # 4 in the week two weeks before
    clock.move_to(start - timedelta(days=3))
    noise_appeal(db, city)
    noise_appeal(db, city, "建设路路灯不亮")  # not about the topic
    new_appeal(
        db, city, title="阳光花园工地夜间施工噪音", content="阳光花园工地夜间施工噪音，请处理。", address="阳光花园"
    )
    clock.move_to(start)
    topic = create_topic(
        db,
        actor=city.users["leader"],
        title="幸福里小区工地夜间施工噪音",
        month="2026-03",
        owner_unit_id=city.units["street"].id,
        terms=["施工", "噪音"],
        places=["幸福里"],
    )
    clock.move_to(start + timedelta(days=1))
    noise_appeal(db, city)
    effect = topic_effect(db, topic, weeks=4, now=start + timedelta(days=10))
    counts = [(w["count"], w["after"]) for w in effect.weeks]
    assert counts == [(0, False), (0, False), (4, False), (1, False), (1, True), (0, True)]
    assert effect.before_per_week == 1.25 and effect.after_per_week == 0.5 and effect.change == -0.6
    early = topic_effect(db, topic, weeks=4, now=start - timedelta(days=1))
    assert early.after_per_week is None and early.change is None
    # the day after the start: appeals before, none yet since; a day is no week, so nothing is compared
    today = topic_effect(db, topic, weeks=4, now=start + timedelta(days=1))
    assert today.too_early and today.after_per_week is None and today.change is None and today.before_per_week == 1.25
    assert not effect.too_early and not topic_effect(db, topic, weeks=4, now=start + timedelta(days=7)).too_early
    with pytest.raises(InvalidInput):
        topic_effect(db, topic, weeks=0)
