"""The knowledge base (知识库): entries units keep current, BM25 search, and answering a 咨询 from an entry.

Search ranks the active entries valid today by BM25 over jieba tokens (question counted twice,
tags, answer). The index lives in the process and is rebuilt when the entries change: an edit in
this process bumps a generation, and an edit elsewhere changes count / max(updated_at).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date
from itertools import count

import jieba
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lianxin.appeals.models import Appeal
from lianxin.appeals.service import answer_directly
from lianxin.clock import local_zone, utcnow
from lianxin.errors import InvalidInput, NotFound, PermissionDenied
from lianxin.knowledge.models import KbEntry
from lianxin.orgs.models import Role, Unit, User
from lianxin.orgs.service import get_unit, has_role

jieba.setLogLevel(60)

FIELDS = ("question", "answer", "owner_unit_id", "valid_from", "valid_to", "tags", "active")
K1, B = 1.5, 0.75
STOPWORDS = frozenset(
    "的 了 吗 呢 啊 吧 是 在 我 我们 你 您 他 她 和 与 及 或 有 要 想 请问 请 问 怎么 怎样 如何 什么 哪里 "
    "能 能否 可以 可否 需要 一下 这个 那个 还 就 都 也 对 给 被 把 从 到 为 去 会".split()
)
_TOKEN = re.compile(r"[\w\u4e00-\u9fff]+")
_generation = count()
_edits = [next(_generation)]
_indexes: dict[int, tuple[tuple, _Index]] = {}


def today_local() -> date:
    return utcnow().astimezone(local_zone()).date()


def tokens(text: str | None) -> list[str]:
    """jieba search-mode tokens, lower-cased, without punctuation and stopwords."""
    words = jieba.lcut_for_search((text or "").lower())
    return [w for w in words if _TOKEN.fullmatch(w) and w not in STOPWORDS]


# --- editing -----------------------------------------------------------------------------------------


def may_edit(session: Session, actor: User | None, owner_unit_id: int) -> bool:
    """Admins, and handlers of the owner unit (or a unit above it)."""
    return actor is None or has_role(session, actor, (Role.ADMIN, Role.HANDLER), unit_id=owner_unit_id)


def _require_edit(session: Session, actor: User | None, unit: Unit) -> None:
    if not may_edit(session, actor, unit.id):
        raise PermissionDenied(
            f"只有管理员或「{unit.name}」的承办人可以维护该知识条目",
            "only admins and the owner unit's handlers may edit this entry",
        )


def _clean(session: Session, jurisdiction_id: int, values: dict) -> dict:
    question = (values.get("question") or "").strip()
    if not 4 <= len(question) <= 300:
        raise InvalidInput("问题须为 4–300 个字", "the question has 4–300 characters", field="question")
    answer = (values.get("answer") or "").strip()
    if not 5 <= len(answer) <= 5000:
        raise InvalidInput("答案须为 5–5000 个字", "the answer has 5–5000 characters", field="answer")
    owner_id = values.get("owner_unit_id")
    owner = session.get(Unit, owner_id) if isinstance(owner_id, int) else None
    if owner is None or owner.jurisdiction_id != jurisdiction_id:
        raise InvalidInput("请选择本辖区的负责单位", "choose an owner unit of this jurisdiction", field="owner_unit_id")
    valid_from, valid_to = values.get("valid_from"), values.get("valid_to")
    for name, value in (("valid_from", valid_from), ("valid_to", valid_to)):
        if value is not None and not isinstance(value, date):
            raise InvalidInput("有效期须为日期（YYYY-MM-DD）", f"{name} must be a date", field=name)
    if valid_from and valid_to and valid_to < valid_from:
        raise InvalidInput("有效期结束日期不能早于开始日期", "valid_to is before valid_from", field="valid_to")
    raw = values.get("tags") or []
    raw = raw.replace("，", ",").replace(" ", ",").split(",") if isinstance(raw, str) else raw
    tags = list(dict.fromkeys(str(t).strip() for t in raw if str(t).strip()))
    if len(tags) > 20 or any(len(t) > 20 for t in tags):
        raise InvalidInput("标签最多 20 个，每个不超过 20 字", "at most 20 tags of up to 20 characters", field="tags")
    return dict(
        question=question,
        answer=answer,
        owner_unit_id=owner.id,
        valid_from=valid_from,
        valid_to=valid_to,
        tags=tags,
        active=bool(values.get("active", True)),
    )


def _known(values: dict) -> None:
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise InvalidInput(f"未知字段：{'、'.join(sorted(unknown))}", f"unknown fields: {sorted(unknown)}")


def _bump() -> None:
    _edits[0] = next(_generation)


def create_entry(session: Session, *, actor: User | None, jurisdiction_id: int, **values) -> KbEntry:
    """``values``: question, answer, owner_unit_id, valid_from, valid_to, tags, active."""
    _known(values)
    clean = _clean(session, jurisdiction_id, values)
    _require_edit(session, actor, get_unit(session, clean["owner_unit_id"]))
    now = utcnow()
    entry = KbEntry(
        jurisdiction_id=jurisdiction_id,
        **clean,
        created_at=now,
        updated_at=now,
        updated_by_id=actor.id if actor else None,
    )
    session.add(entry)
    session.flush()
    _bump()
    return entry


def update_entry(session: Session, entry: KbEntry, *, actor: User | None, **changes) -> KbEntry:
    """Change some fields; the editor must be allowed on the current owner and on a new one."""
    _known(changes)
    _require_edit(session, actor, entry.owner_unit)
    clean = _clean(session, entry.jurisdiction_id, {name: getattr(entry, name) for name in FIELDS} | changes)
    if clean["owner_unit_id"] != entry.owner_unit_id:
        _require_edit(session, actor, get_unit(session, clean["owner_unit_id"]))
    for name, value in clean.items():
        setattr(entry, name, value)
    entry.updated_at, entry.updated_by_id = utcnow(), actor.id if actor else None
    session.flush()
    session.expire(entry, ["owner_unit"])
    _bump()
    return entry


def get_entry(session: Session, entry_id: int, jurisdiction_id: int | None = None) -> KbEntry:
    entry = session.get(KbEntry, entry_id)
    if entry is None or (jurisdiction_id is not None and entry.jurisdiction_id != jurisdiction_id):
        raise NotFound(f"知识条目 {entry_id} 不存在", f"knowledge entry {entry_id} not found", field="entry_id")
    return entry


def list_entries(
    session: Session, jurisdiction_id: int, *, owner_unit_id: int | None = None, include_inactive: bool = False
) -> list[KbEntry]:
    stmt = select(KbEntry).where(KbEntry.jurisdiction_id == jurisdiction_id)
    if owner_unit_id is not None:
        stmt = stmt.where(KbEntry.owner_unit_id == owner_unit_id)
    if not include_inactive:
        stmt = stmt.where(KbEntry.active.is_(True))
    return list(session.scalars(stmt.order_by(KbEntry.updated_at.desc(), KbEntry.id.desc())))


def is_valid(entry: KbEntry, today: date) -> bool:
    return (
        entry.active
        and (entry.valid_from is None or entry.valid_from <= today)
        and (entry.valid_to is None or today <= entry.valid_to)
    )


# --- search --------------------------------------------------------------------------------------------


class _Index:
    """BM25 over the active entries: term frequencies per entry and document frequencies."""

    def __init__(self, docs: dict[int, list[str]]):
        self.tf = {entry_id: Counter(words) for entry_id, words in docs.items()}
        self.length = {entry_id: len(words) for entry_id, words in docs.items()}
        self.avg = sum(self.length.values()) / len(docs) if docs else 1.0
        df = Counter(word for words in docs.values() for word in set(words))
        n = len(docs)
        self.idf = {word: math.log(1 + (n - k + 0.5) / (k + 0.5)) for word, k in df.items()}

    def scores(self, query: list[str]) -> dict[int, float]:
        result: dict[int, float] = {}
        for entry_id, tf in self.tf.items():
            norm = K1 * (1 - B + B * self.length[entry_id] / (self.avg or 1.0))
            score = sum(self.idf[w] * tf[w] * (K1 + 1) / (tf[w] + norm) for w in set(query) if w in tf)
            if score > 0:
                result[entry_id] = score
        return result


def _index(session: Session, jurisdiction_id: int) -> _Index:
    token = session.execute(
        select(func.count(KbEntry.id), func.max(KbEntry.updated_at), func.sum(KbEntry.id)).where(
            KbEntry.jurisdiction_id == jurisdiction_id, KbEntry.active.is_(True)
        )
    ).one()
    key = (*token, _edits[0])
    cached = _indexes.get(jurisdiction_id)
    if cached is None or cached[0] != key:
        rows = session.execute(
            select(KbEntry.id, KbEntry.question, KbEntry.answer, KbEntry.tags).where(
                KbEntry.jurisdiction_id == jurisdiction_id, KbEntry.active.is_(True)
            )
        ).all()
        docs = {
            row.id: tokens(row.question) * 2 + tokens(" ".join(row.tags or [])) + tokens(row.answer) for row in rows
        }
        _indexes[jurisdiction_id] = cached = (key, _Index(docs))
    return cached[1]


@dataclass
class KbHit:
    entry: KbEntry
    score: float


def search_entries(
    session: Session, jurisdiction_id: int, text: str, limit: int = 5, today: date | None = None
) -> list[KbHit]:
    """The valid entries that best answer ``text``, best first (BM25 over jieba tokens)."""
    if not 1 <= limit <= 50:
        raise InvalidInput("数量须为 1–50", "limit is 1..50", field="limit")
    query = tokens(text)
    if not query:
        return []
    today = today or today_local()
    scores = _index(session, jurisdiction_id).scores(query)
    entries = {e.id: e for e in session.scalars(select(KbEntry).where(KbEntry.id.in_(list(scores))))} if scores else {}
    ranked = sorted((e for e in entries.values() if is_valid(e, today)), key=lambda e: (-scores[e.id], e.id))
    return [KbHit(entry, round(scores[entry.id], 4)) for entry in ranked[:limit]]


# --- answering ----------------------------------------------------------------------------------------


def answer_from_entry(
    session: Session,
    appeal: Appeal,
    entry: KbEntry,
    *,
    actor: User | None,
    answer: str | None = None,
    expected_version: int | None = None,
) -> Appeal:
    """The operator answers the appeal (typically a 咨询) from an entry, optionally edited; the entry is
    recorded in the event payload and its use counted."""
    if entry.jurisdiction_id != appeal.jurisdiction_id:
        raise InvalidInput("知识条目属于其他辖区", "the entry belongs to another jurisdiction", field="entry_id")
    if not is_valid(entry, today_local()):
        raise InvalidInput(
            "该知识条目已停用或不在有效期内，不能用于答复", "the entry is inactive or out of date", field="entry_id"
        )
    answer_directly(
        session,
        appeal,
        actor=actor,
        answer=answer or entry.answer,
        kb_entry_id=entry.id,
        expected_version=expected_version,
    )
    entry.use_count += 1
    session.flush()
    return appeal
