"""Small synthetic appeals: each topic has its own words, all share filler, so a classifier must learn."""

from __future__ import annotations

import random

TOPICS = {
    "路灯": ["路灯", "灯泡", "照明", "夜间", "漆黑", "灯杆", "不亮", "闪烁", "电线", "路口"],
    "停水": ["停水", "自来水", "水压", "水管", "供水", "水龙头", "爆管", "水表", "用水", "断水"],
    "噪声": ["噪声", "施工", "夜里", "机器", "轰鸣", "扰民", "吵闹", "工地", "打桩", "休息"],
}
FILLER = [
    "小区",
    "居民",
    "希望",
    "尽快",
    "处理",
    "反映",
    "多次",
    "门口",
    "附近",
    "问题",
    "影响",
    "生活",
    "楼下",
    "最近",
]


def appeal_text(topic: str, rng: random.Random) -> str:
    words = rng.sample(TOPICS[topic], 4) + rng.sample(FILLER, 5)
    rng.shuffle(words)
    return "，".join(words[:3]) + "。" + "".join(words[3:]) + "！"


def rows(rng: random.Random, per_topic: int) -> list[tuple[str, str]]:
    """(text, topic) pairs, topics interleaved."""
    return [(appeal_text(topic, rng), topic) for _ in range(per_topic) for topic in TOPICS]
