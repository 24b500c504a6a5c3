"""The hotspot engine on small synthetic message sets (pure: no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from lianxin.hotspots.engine import Message, Params, detect_hotspots, heat_score
from lianxin.hotspots.places import Gazetteer, admin_areas, candidate_places, same_place

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)

NOISE_XFL = [
    "幸福里小区旁工地夜间施工噪音扰民",
    "投诉幸福里小区附近工地深夜施工噪音",
    "幸福里小区旁边的工地晚上施工太吵",
    "幸福里小区工地夜间施工噪音严重影响休息",
    "A3区幸福里小区周边工地夜里施工扰民",
]
NOISE_YGHY = [
    "阳光花园小区旁工地夜间施工噪音扰民",
    "投诉阳光花园小区附近工地深夜施工噪音",
    "阳光花园小区旁边的工地晚上施工太吵",
    "阳光花园小区工地夜间施工噪音严重影响休息",
]
LAMPS = [
    "建设路路灯不亮好几天了",
    "建设路路灯坏了晚上不亮",
    "建设路路灯损坏不亮无人维修",
]
OTHERS = [
    "咨询新生儿医保办理流程",
    "公积金提取需要哪些材料",
    "希望增加公交线路到火车站",
    "菜市场占道经营严重",
    "小区物业费上涨不合理",
    "养老保险转移怎么办理",
    "学校门口交通拥堵",
    "电动车充电桩太少",
    "老旧小区加装电梯的补贴政策",
    "河道垃圾没人清理",
    "农村低保申请条件",
    "出租车拒载乘客",
]


def messages(
    titles: list[str], *, start: datetime = T0, step_days: float = 1.0, prefix: str = "m", **kw
) -> list[Message]:
    return [
        Message(
            id=f"{prefix}{i}",
            created_at=start + timedelta(days=i * step_days),
            title=t,
            body=f"{t}，请相关部门尽快处理。",
            **kw,
        )
        for i, t in enumerate(titles)
    ]


def corpus() -> list[Message]:
    return (
        messages(NOISE_XFL, prefix="x")
        + messages(NOISE_YGHY, prefix="y")
        + messages(LAMPS, prefix="l")
        + messages(OTHERS, prefix="o", step_days=2)
    )


def test_places_are_found_by_suffix_and_district_codes():
    assert "幸福里" in candidate_places("投诉幸福里小区附近工地深夜施工")
    assert "建设路" in candidate_places("反映建设路路灯不亮")
    assert admin_areas("A市A5区魅力之城小区") == {"A5区"}  # the bare city code says nothing
    gazetteer = Gazetteer.from_texts(["魅力之城小区油烟扰民", "魅力之城小区噪音", "路灯不亮"])
    assert gazetteer.find("万科魅力之城商铺无排烟管道") == {"魅力之城"}  # found without the suffix
    assert same_place({"魅力之城"}, {"万科魅力之城"}) and not same_place({"幸福里"}, {"阳光花园"})


def test_clusters_group_one_problem_and_keep_places_apart():
    found = detect_hotspots(corpus(), top=10)
    groups = {frozenset(h.message_ids) for h in found}
    assert frozenset(f"x{i}" for i in range(5)) in groups
    assert frozenset(f"y{i}" for i in range(4)) in groups  # same wording, other place: its own hotspot
    assert frozenset(f"l{i}" for i in range(3)) in groups
    assert all(not any(i.startswith("o") for i in h.message_ids) for h in found)
    top = found[0]
    assert top.message_ids[0] == "x0" and "幸福里" in top.place and top.description in NOISE_XFL
    assert top.start == T0 and top.end == T0 + timedelta(days=4)
    assert [h.rank for h in found] == list(range(1, len(found) + 1))


def test_messages_far_apart_in_time_are_not_one_hotspot():
    spread = messages(LAMPS, step_days=200)
    assert detect_hotspots(spread, top=5) == []
    assert len(detect_hotspots(messages(LAMPS), top=5)) == 1


def test_heat_orders_by_volume_likes_and_growth():
    assert heat_score(volume=5, growth=0, likes=0, dislikes=0, repeats=0, dissatisfied=0) > heat_score(
        volume=4, growth=0, likes=0, dislikes=0, repeats=0, dissatisfied=0
    )
    base = dict(volume=4, growth=0, likes=0, dislikes=0, repeats=0, dissatisfied=0)
    for key in ("growth", "likes", "dislikes", "repeats", "dissatisfied"):
        assert heat_score(**(base | {key: 2})) > heat_score(**base), key
    # Likes are log-damped: a thousand likes do not outweigh many people raising the problem.
    assert heat_score(**(base | {"volume": 1, "likes": 1000})) < heat_score(**(base | {"volume": 40}))
    liked = messages(NOISE_YGHY, prefix="y", likes=50) + messages(NOISE_XFL, prefix="x")
    assert detect_hotspots(liked, top=1)[0].message_ids[0] == "y0"


def test_growth_compares_recent_weeks_with_the_weeks_before():
    now = T0 + timedelta(days=60)
    rising = messages(LAMPS, start=now - timedelta(days=3))
    found = detect_hotspots(rising + messages(NOISE_XFL, prefix="x", start=T0), top=2, now=now)
    by_first = {h.message_ids[0]: h for h in found}
    assert by_first["m0"].growth == 3.0 and by_first["x0"].growth == 0.0
    assert found[0].message_ids[0] == "m0"


def test_one_author_posting_many_times_counts_once():
    same = messages(NOISE_XFL, author="u1")
    assert detect_hotspots(same, top=1)[0].volume == 1
    assert detect_hotspots(messages(NOISE_XFL), top=1)[0].volume == 5


def test_repeats_and_dissatisfaction_raise_heat_and_ordering_is_stable():
    plain = detect_hotspots(corpus(), top=3)
    assert detect_hotspots(corpus(), top=3) == plain
    boosted = messages(LAMPS, prefix="l", repeats=3, dissatisfied=True)
    found = detect_hotspots(boosted + messages(NOISE_XFL, prefix="x"), top=2)
    assert found[0].message_ids[0] == "l0" and found[0].repeats == 9 and found[0].dissatisfied == 3


def test_min_size_and_empty_input():
    assert detect_hotspots([], top=5) == []
    assert detect_hotspots(messages(LAMPS[:1]), top=5) == []
    assert len(detect_hotspots(messages(LAMPS), top=5, params=Params(min_size=4))) == 0
