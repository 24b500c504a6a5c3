"""``lianxin eval repeats``: precision, recall and rank of the repeat lookup on messages with their authors.

The labelled set is built from the messages themselves (CSV columns ``user_id, created_at, title, body``;
the shared Teddy 2020 files have them), pair by pair, by a rule that does not use the lookup's own
features (jieba keywords, phone, place):

- a **repeat** is an earlier message within the window whose text is a near copy of the new one
  (character-trigram Jaccard ≥ ``NEAR_COPY``), or — from the same author — whose title or text is
  one (the same resident raising the same case again, often with a new body under the same title);
- a **different** case is an earlier message whose text and title share less than ``UNRELATED`` of
  their trigrams with the new one;
- pairs in between are **unsure** and counted neither right nor wrong.

The messages are replayed in time order through the real ``find_repeats`` on a private in-memory
SQLite database: each message is looked up (its author stands in for the caller's phone; the data's
place names are anonymised, so no place is given and the jurisdiction-wide keyword index is read) and
then taken in by the real intake (``submit_appeal``, whose hook indexes it), so a lookup sees only what
came before it.
"""

from __future__ import annotations

import csv
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import create_engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool

from lianxin import progress
from lianxin.clock import local_zone
from lianxin.errors import InvalidInput

NEAR_COPY = 0.5
UNRELATED = 0.15
REQUIRED = ("user_id", "created_at", "title", "body")


@dataclass
class Message:
    author: str
    created_at: datetime
    title: str
    body: str
    grams: frozenset = field(default_factory=frozenset, repr=False)
    title_grams: frozenset = field(default_factory=frozenset, repr=False)

    @property
    def text(self) -> str:
        return f"{self.title} {self.body}"


def _trigrams(text: str) -> frozenset:
    squeezed = "".join(text.split())
    return frozenset(squeezed[i : i + 3] for i in range(len(squeezed) - 2))


def _jaccard(a: frozenset, b: frozenset) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def read_messages(paths: list[Path]) -> list[Message]:
    """Messages from CSVs with user_id, created_at, title and body, the same message once, in time order."""
    seen: dict[tuple, Message] = {}
    for path in paths:
        if not path.is_file():
            raise InvalidInput(f"文件不存在：{path}", f"no such file: {path}", field="file")
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in REQUIRED if c not in (reader.fieldnames or ())]
            if missing:
                raise InvalidInput(
                    f"{path} 缺少列：{', '.join(missing)}", f"{path} lacks columns: {', '.join(missing)}", field="file"
                )
            for row in reader:
                author, when, title = (row["user_id"] or "").strip(), (row["created_at"] or "").strip(), row["title"]
                if not author or not when or not (title or "").strip():
                    continue
                try:
                    created = datetime.fromisoformat(when)
                except ValueError:
                    continue
                key = (author, when, title.strip())
                if key not in seen:
                    body = row["body"] or ""
                    seen[key] = Message(
                        author,
                        created if created.tzinfo else created.replace(tzinfo=local_zone()),
                        title.strip(),
                        body,
                        _trigrams(f"{title}{body}"),
                        _trigrams(title),
                    )
    return sorted(seen.values(), key=lambda m: m.created_at)


def label(new: Message, old: Message) -> str:
    """ "repeat", "different" or "unsure" (see the module docstring)."""
    text = _jaccard(new.grams, old.grams)
    title = _jaccard(new.title_grams, old.title_grams) if new.author == old.author else 0.0
    if max(text, title) >= NEAR_COPY:
        return "repeat"
    if text < UNRELATED and _jaccard(new.title_grams, old.title_grams) < UNRELATED:
        return "different"
    return "unsure"


@dataclass
class RepeatFigures:
    messages: int = 0
    positives: int = 0  # (new, earlier) repeat pairs within the window
    queries_with_repeat: int = 0
    suggested: dict = field(default_factory=lambda: {"repeat": 0, "different": 0, "unsure": 0})
    recalled: int = 0
    ranks: list[int] = field(
        default_factory=list
    )  # rank of the best true repeat per query that has one (0: not listed)
    latencies: list[float] = field(default_factory=list)

    @property
    def precision(self) -> float:
        judged = self.suggested["repeat"] + self.suggested["different"]
        return self.suggested["repeat"] / judged if judged else 0.0

    @property
    def recall(self) -> float:
        return self.recalled / self.positives if self.positives else 0.0

    def share_at(self, rank: int) -> float:
        return sum(1 for r in self.ranks if 0 < r <= rank) / len(self.ranks) if self.ranks else 0.0


def _database():
    import lianxin.models  # noqa: F401  every table, for create_all
    from lianxin.db import Base

    engine = create_engine("sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False})
    Base.metadata.create_all(engine)
    return engine


def evaluate(messages: list[Message], window_days: int = 30, limit: int = 5) -> RepeatFigures:
    from lianxin.appeals.schemas import AppealCreate
    from lianxin.appeals.service import submit_appeal
    from lianxin.dispatch.repeats import SUGGEST_SCORE, find_repeats, index_pending
    from lianxin.orgs.models import Jurisdiction

    figures = RepeatFigures(messages=len(messages))
    window = timedelta(days=window_days)
    engine = _database()
    progress.update(description="重复件回放 / replaying repeats", total=len(messages))
    with Session(engine) as session:
        jurisdiction = Jurisdiction(code="eval", name="评测")
        session.add(jurisdiction)
        session.flush()
        jid, start = jurisdiction.id, 0
        phones: dict[str, str] = {}  # author → phone
        index_of: dict[int, int] = {}  # appeal id → message index
        for index, message in enumerate(messages):
            while messages[start].created_at < message.created_at - window:
                start += 1
            truth = {j: label(message, messages[j]) for j in range(start, index)}
            positives = {j for j, v in truth.items() if v == "repeat"}
            phone = phones.get(message.author) or f"13{len(phones) + 1:09d}"
            started = time.perf_counter()
            found = find_repeats(
                session,
                jid,
                phone=phone,
                text=message.text,
                now=message.created_at,
                window_days=window_days,
                limit=limit,
            )
            figures.latencies.append(time.perf_counter() - started)
            listed = [index_of[c.appeal.id] for c in found]
            for candidate in found:
                if candidate.score >= SUGGEST_SCORE:
                    verdict = truth.get(index_of[candidate.appeal.id], "unsure")
                    figures.suggested[verdict] += 1
                    figures.recalled += verdict == "repeat"
            figures.positives += len(positives)
            if positives:
                figures.queries_with_repeat += 1
                figures.ranks.append(next((r for r, j in enumerate(listed, 1) if j in positives), 0))
            if message.author not in phones:
                phones[message.author] = phone
            appeal = submit_appeal(  # the real intake, then the job that indexes its keywords
                session,
                AppealCreate(
                    jurisdiction_id=jid,
                    channel="web",
                    appeal_type="complaint",
                    title=message.title[:200],
                    content=message.text[:5000] if len(message.text) >= 5 else f"{message.text}（留言）",
                    appellant_phone=phone,
                ),
                actor=None,
                now=message.created_at,
            )
            index_pending(session)
            index_of[appeal.id] = index
            progress.advance()
    engine.dispose()
    return figures


def report(figures: RepeatFigures, window_days: int, limit: int) -> list[str]:
    from lianxin.dispatch.repeats import SUGGEST_SCORE

    judged = figures.suggested
    lat = [v * 1000 for v in figures.latencies] or [0.0]
    found = [r for r in figures.ranks if r]
    return [
        f"{figures.messages} 条留言按时间回放，窗口 {window_days} 天 / {figures.messages} messages replayed in time "
        f"order, {window_days}-day window, top {limit} listed",
        f"标注 / labelled: {figures.positives} repeat pairs (near copies, trigram Jaccard ≥ {NEAR_COPY}) in "
        f"{figures.queries_with_repeat} messages; different cases < {UNRELATED}; pairs in between unsure",
        f"建议阈值 / suggestion threshold {SUGGEST_SCORE:.2f}: {sum(judged.values())} suggested = "
        f"{judged['repeat']} repeat + {judged['different']} different + {judged['unsure']} unsure",
        f"真重复件排名 / rank of the true repeat: first in {figures.share_at(1):.1%} of the "
        f"{len(figures.ranks)} messages that have one, listed (top {limit}) in {figures.share_at(limit):.1%}"
        + (f", first in {sum(1 for r in found if r == 1) / len(found):.1%} of those listed" if found else ""),
        f"查询延迟 / lookup latency on this small set: p50 {np.percentile(lat, 50):.1f} ms, "
        f"p95 {np.percentile(lat, 95):.1f} ms (bench/repeats.py times 1 M appeals)",
        f"precision={figures.precision:.4f} recall={figures.recall:.4f} first={figures.share_at(1):.4f}",
    ]
