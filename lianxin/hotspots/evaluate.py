"""``lianxin eval hotspots``: how many known issues the top hotspots recover, place-bound and place-less.

The labelled set is a CSV of topics (``topic, kind, title_pattern[, note]``; kind ``place`` or
``placeless``): a topic's messages are those whose **title** matches its regular expression, a rule
written by reading the messages and checked by listing what it matches (for the shared Teddy 2020
board see ``bench/teddy2020_hotspot_topics.csv``: the answer key's five issues where they have at
least five messages, plus city-wide policy topics whose titles name no place). A topic is
**recovered** when one of the top-N hotspots holds at least ``MIN_SHARE`` of the topic's messages
(and at least two) and at least ``MIN_PURITY`` of that hotspot's messages belong to the topic.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from lianxin.errors import InvalidInput

MIN_SHARE = 0.25
MIN_PURITY = 0.5
KINDS = ("place", "placeless")


@dataclass(frozen=True)
class Topic:
    name: str
    kind: str
    pattern: re.Pattern


@dataclass
class TopicResult:
    topic: Topic
    size: int
    rank: int = 0  # the best hotspot holding it (0: none in the top N)
    share: float = 0.0  # of the topic's messages in that hotspot
    purity: float = 0.0  # of that hotspot's messages on the topic

    @property
    def recovered(self) -> bool:
        return self.rank > 0


def read_topics(path: Path) -> list[Topic]:
    if not path.is_file():
        raise InvalidInput(f"文件不存在：{path}", f"no such file: {path}", field="topics")
    topics = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            kind, pattern = (row.get("kind") or "").strip(), (row.get("title_pattern") or "").strip()
            if kind not in KINDS or not pattern or not (row.get("topic") or "").strip():
                raise InvalidInput(
                    f"{path} 第 {line} 行：需要 topic、kind（place 或 placeless）与 title_pattern",
                    f"{path} row {line}: needs topic, kind (place or placeless) and title_pattern",
                    field="topics",
                )
            try:
                topics.append(Topic(row["topic"].strip(), kind, re.compile(pattern)))
            except re.error as exc:
                raise InvalidInput(
                    f"{path} 第 {line} 行：正则表达式有误（{exc}）",
                    f"{path} row {line}: bad pattern ({exc})",
                    field="topics",
                ) from None
    return topics


def score(messages, hotspots, topics: list[Topic]) -> list[TopicResult]:
    """Match each topic to the top hotspots (``hotspots`` ranked, as ``detect_hotspots`` returns them)."""
    results = []
    for topic in topics:
        members = {m.id for m in messages if topic.pattern.search(m.title)}
        result = TopicResult(topic, len(members))
        for hotspot in hotspots:
            ids = set(hotspot.message_ids)
            hits = len(ids & members)
            share, purity = (hits / len(members) if members else 0.0), hits / len(ids)
            if hits >= 2 and share >= MIN_SHARE and purity >= MIN_PURITY and share > result.share:
                result.rank, result.share, result.purity = hotspot.rank, share, purity
        results.append(result)
    return results


def report(results: list[TopicResult], top: int, n_messages: int, seconds: float) -> list[str]:
    lines = [
        f"{n_messages} 条留言，{seconds:.1f} 秒；前 {top} 个热点 / {n_messages} messages in {seconds:.1f} s; top {top} hotspots",
        f"召回条件 / recovered: one hotspot holds ≥ {MIN_SHARE:.0%} of the topic (≥ 2 messages) and is ≥ {MIN_PURITY:.0%} on it",
    ]
    for r in results:
        found = f"rank {r.rank}, share {r.share:.0%}, purity {r.purity:.0%}" if r.recovered else "not recovered"
        lines.append(f"  [{r.topic.kind:<9}] {r.topic.name}（{r.size} 条 / messages）: {found}")
    summary = []
    for kind in KINDS:
        kept = [r for r in results if r.topic.kind == kind]
        summary.append(f"{kind}={sum(r.recovered for r in kept)}/{len(kept)}")
    lines.append(f"recovered={sum(r.recovered for r in results)}/{len(results)} " + " ".join(summary))
    return lines
