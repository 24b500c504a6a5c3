"""Likely repeats (重复件) at intake: the same phone recently, or similar text about the same place.

Each appeal's top keywords (jieba TF-IDF) go into ``appeal_terms`` with its community and time. Intake only
marks the appeal (``terms_pending``): the job ``index_terms`` (``index_pending``) writes the keywords of the
appeals taken since it last ran, so an intake does not spend its time segmenting words. A lookup reads, for each
keyword of the new text, the newest rows of one index range (community × term × time window, or jurisdiction ×
term × window when the place is unknown), and the texts of the few appeals still pending in the same place and
window (a partial index), so an appeal taken a second ago is found as well as one indexed a month ago; it counts
shared keywords per appeal and scores the few best. The phone path uses the appellants' unique index. No query
scans appeals, so the cost does not grow with the table.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache, lru_cache

import jieba
from sqlalchemy import bindparam, func, insert, select, union_all
from sqlalchemy.orm import Session

from lianxin.appeals.models import Appeal, Appellant
from lianxin.appeals.service import mark_terms_indexed
from lianxin.appeals.status import AppealStatus
from lianxin.clock import utcnow
from lianxin.dispatch.models import AppealTerm
from lianxin.errors import InvalidInput
from lianxin.geo.service import resolve_location

jieba.setLogLevel(60)

TERMS_PER_APPEAL = 8
ROWS_PER_TERM = 100  # the newest postings read per keyword: bounds the work of one lookup
MIN_SIMILARITY = 0.3  # Jaccard of keyword sets; a paraphrase of the same complaint scores ~0.45
PHONE_WEIGHT = 0.3  # the same caller alone is context, not a repeat: below SUGGEST_SCORE without similar text
SUGGEST_SCORE = 0.5  # at or above: offered as a likely repeat (可并单); below: listed as context only
NEARBY_METRES = 500
CLOSED_TO_MERGES = (AppealStatus.MERGED, AppealStatus.NOT_ACCEPTED, AppealStatus.TERMINATED)
_SKIP = re.compile(r"^[\d\W_a-zA-Z]+$")


@dataclass
class RepeatCandidate:
    appeal: Appeal
    score: float
    reasons: list[str] = field(default_factory=list)  # 中文
    reasons_en: list[str] = field(default_factory=list)

    @property
    def likely(self) -> bool:
        """Offered as a likely repeat (可并单); below the threshold the candidate is context only."""
        return self.score >= SUGGEST_SCORE


def terms_of(text: str | None) -> list[str]:
    """An appeal's keywords: jieba TF-IDF top words, without numbers, latin fragments and punctuation."""
    if not text:
        return []
    import jieba.analyse  # here: its TF-IDF tables take ~1 s to import, which only intake and the lookups need

    tags = jieba.analyse.extract_tags(text, topK=TERMS_PER_APPEAL * 2)
    return [t for t in tags if len(t) <= 32 and not _SKIP.match(t)][:TERMS_PER_APPEAL]


def load_jieba() -> None:
    """Load jieba's dictionary and TF-IDF tables now (~1–2 s, once a process) rather than at the first keyword."""
    terms_of("连心")


def text_of(title: str | None, content: str) -> str:
    return content if content.startswith(title or "") else f"{title} {content}"


def appeal_text(appeal: Appeal) -> str:
    return text_of(appeal.title, appeal.content)


@lru_cache(maxsize=4096)
def _pending_terms(text: str) -> tuple[str, ...]:
    """A pending appeal's keywords, once per process (a lookup reads the same few pending appeals many times)."""
    return tuple(terms_of(text))


INDEX_BATCH = 500
INDEX_BATCHES_PER_RUN = 40  # a backlog (a bulk import) is worked off 20,000 appeals a run, each run bounded


@cache
def _to_index(batch: int, one_jurisdiction: bool):
    columns = (Appeal.id, Appeal.jurisdiction_id, Appeal.community_id, Appeal.received_at, Appeal.title, Appeal.content)
    where = [Appeal.terms_pending]
    if one_jurisdiction:
        where.append(Appeal.jurisdiction_id == bindparam("jurisdiction"))
    return (
        select(*columns)
        .where(*where)
        .order_by(Appeal.id)
        .limit(batch)
        .with_for_update(skip_locked=True)  # job processes share the backlog (PostgreSQL; SQLite has one writer)
    )


def index_pending(
    session: Session, settings=None, now: datetime | None = None, *, jurisdiction_id: int | None = None
) -> int:
    """The job ``index_terms``: write the keywords of the appeals taken since the last run (of every jurisdiction,
    or of one) into the repeat index and clear their mark; returns how many appeals it indexed. Idempotent: an
    indexed appeal is not pending."""
    # Before the first statement: on SQLite it takes the write lock, which every other writer would wait on while
    # jieba loaded (seen in CI: "database is locked" for a job process beside).
    load_jieba()
    done = 0
    statement = _to_index(INDEX_BATCH, jurisdiction_id is not None)
    for _ in range(INDEX_BATCHES_PER_RUN):
        rows = session.execute(statement, {"jurisdiction": jurisdiction_id}).all()
        if not rows:
            break
        terms = [
            dict(
                jurisdiction_id=row.jurisdiction_id,
                appeal_id=row.id,
                term=term,
                community_id=row.community_id,
                received_at=row.received_at,
            )
            for row in rows
            for term in terms_of(text_of(row.title, row.content))
        ]
        if terms:
            session.execute(_INSERT_TERMS, terms)
        mark_terms_indexed(session, [row.id for row in rows])
        done += len(rows)
        if len(rows) < INDEX_BATCH:
            break
    return done


def index_after_demo(session: Session, city) -> None:
    """The ``after_demo`` hook: the demo city's appeals are in the repeat index before its first lookup."""
    while index_pending(session, jurisdiction_id=city.jid):
        pass


# RETURNING makes SQLAlchemy send the rows as one multi-row INSERT ("insertmanyvalues", compiled once): one
# round trip, where a plain executemany is a pipeline of one INSERT per row. Built once; a call binds the rows.
_INSERT_TERMS = insert(AppealTerm.__table__).returning(AppealTerm.__table__.c.id)


@cache
def _postings(by_community: bool, count: int):
    """The newest index rows of each of ``count`` terms in the window, for a community or the whole
    jurisdiction: one UNION ALL of covering index ranges, built once per shape so a lookup only binds."""
    place = AppealTerm.community_id if by_community else AppealTerm.jurisdiction_id
    parts = [
        select(AppealTerm.appeal_id, AppealTerm.term)
        .where(
            place == bindparam("place"),
            AppealTerm.term == bindparam(f"t{i}"),
            AppealTerm.received_at >= bindparam("since"),
        )
        .order_by(AppealTerm.received_at.desc())
        .limit(ROWS_PER_TERM)
        .subquery(f"p{i}")
        for i in range(count)
    ]
    return union_all(*(select(part.c.appeal_id, part.c.term) for part in parts))


def _shared_terms(
    session: Session, jurisdiction_id: int, terms: list[str], community_id: int | None, since: datetime
) -> dict[int, list[str]]:
    params = {"place": community_id if community_id is not None else jurisdiction_id, "since": since}
    params |= {f"t{i}": term for i, term in enumerate(terms)}
    shared: dict[int, list[str]] = {}
    for appeal_id, term in session.connection().execute(_postings(community_id is not None, len(terms)), params).all():
        shared.setdefault(appeal_id, []).append(term)
    return shared


TERM_COUNTS = (
    select(AppealTerm.appeal_id, func.count())
    .where(AppealTerm.appeal_id.in_(bindparam("ids", expanding=True)))
    .group_by(AppealTerm.appeal_id)
)


def _term_counts(session: Session, appeal_ids: list[int]) -> dict[int, int]:
    if not appeal_ids:
        return {}
    return dict(session.connection().execute(TERM_COUNTS, {"ids": appeal_ids}).all())


PENDING_LIMIT = 200  # the newest pending appeals a lookup reads per place: the job indexes them every minute


@cache
def _pending(by_community: bool):
    place = Appeal.community_id if by_community else Appeal.jurisdiction_id
    return (
        select(Appeal.id, Appeal.title, Appeal.content)
        .where(
            Appeal.terms_pending,
            Appeal.jurisdiction_id == bindparam("jurisdiction"),
            place == bindparam("place"),
            Appeal.received_at >= bindparam("since"),
        )
        .order_by(Appeal.id.desc())
        .limit(PENDING_LIMIT)
    )


def _pending_shared(
    session: Session, jurisdiction_id: int, terms: list[str], community_id: int | None, since: datetime
) -> tuple[dict[int, list[str]], dict[int, int]]:
    """For the appeals not yet indexed in the place and window: the keywords each shares with ``terms``, and how
    many keywords each has (what the index would say of them once the job has run)."""
    params = {
        "jurisdiction": jurisdiction_id,
        "place": community_id if community_id is not None else jurisdiction_id,
        "since": since,
    }
    wanted = set(terms)
    shared: dict[int, list[str]] = {}
    counts: dict[int, int] = {}
    for appeal_id, title, content in session.connection().execute(_pending(community_id is not None), params):
        own = _pending_terms(text_of(title, content))
        words = [term for term in own if term in wanted]
        if words:
            shared[appeal_id], counts[appeal_id] = words, len(own)
    return shared, counts


PHONE_APPEALS = (
    select(Appeal.id)
    .join(Appellant, Appellant.id == Appeal.appellant_id)
    .where(
        Appellant.jurisdiction_id == bindparam("jurisdiction"),
        Appellant.phone == bindparam("phone"),
        Appeal.received_at >= bindparam("since"),
    )
    .order_by(Appeal.received_at.desc())
    .limit(20)
)


def _phone_matches(session: Session, jurisdiction_id: int, phone: str | None, since: datetime) -> list[int]:
    if not phone:
        return []
    params = {"jurisdiction": jurisdiction_id, "phone": phone, "since": since}
    return list(session.connection().execute(PHONE_APPEALS, params).scalars())


def metres_between(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Equirectangular distance: accurate to well under 1 % at city scale."""
    x = math.radians(lng2 - lng1) * math.cos(math.radians((lat1 + lat2) / 2))
    return 6_371_000 * math.hypot(x, math.radians(lat2 - lat1))


def find_repeats(
    session: Session,
    jurisdiction_id: int,
    *,
    phone: str | None = None,
    text: str | None = None,
    address: str | None = None,
    community_id: int | None = None,
    lat: float | None = None,
    lng: float | None = None,
    exclude_id: int | None = None,
    window_days: int = 30,
    limit: int = 5,
    now: datetime | None = None,
) -> list[RepeatCandidate]:
    """Likely repeats of an appeal being taken, best first, each with a score in 0..1 and the reasons."""
    if not 1 <= window_days <= 366 or not 1 <= limit <= 50:
        raise InvalidInput(
            "时间窗口须为 1–366 天，数量须为 1–50", "window_days is 1..366 and limit is 1..50", field="window_days"
        )
    since = (now or utcnow()) - timedelta(days=window_days)
    if community_id is None and (lat is not None or address):
        where = resolve_location(session, jurisdiction_id, lat=lat, lng=lng, address=address)
        community_id = where.community.id if where.community else None
    terms = terms_of(text)
    shared, pending_counts = {}, {}
    if terms:
        shared = _shared_terms(session, jurisdiction_id, terms, community_id, since)
        pending, pending_counts = _pending_shared(session, jurisdiction_id, terms, community_id, since)
        shared |= pending
    shared.pop(exclude_id, None)
    best = sorted(shared, key=lambda a: len(shared[a]), reverse=True)[: limit * 4]
    counts = _term_counts(session, [a for a in best if a not in pending_counts]) | pending_counts
    similarity = {a: len(shared[a]) / (len(terms) + counts.get(a, 0) - len(shared[a])) for a in best}
    similar = [a for a in best if similarity[a] >= MIN_SIMILARITY]
    phone_ids = [a for a in _phone_matches(session, jurisdiction_id, phone, since) if a != exclude_id]
    ids = set(similar) | set(phone_ids)
    if not ids:
        return []
    appeals = session.scalars(
        select(Appeal).where(
            Appeal.id.in_(ids), Appeal.jurisdiction_id == jurisdiction_id, Appeal.status.not_in(CLOSED_TO_MERGES)
        )
    ).all()
    query = dict(phone=phone, community_id=community_id, lat=lat, lng=lng, now=now or utcnow(), window=window_days)
    found = [
        _score(appeal, similarity.get(appeal.id, 0.0), shared.get(appeal.id, []), appeal.id in phone_ids, query)
        for appeal in appeals
    ]
    found.sort(key=lambda c: (c.score, c.appeal.received_at), reverse=True)
    return found[:limit]


def _score(appeal: Appeal, similarity: float, words: list[str], same_phone: bool, query: dict) -> RepeatCandidate:
    zh, en = [], []
    days = max(0.0, (query["now"] - appeal.received_at).total_seconds() / 86400)
    if same_phone:
        zh.append(f"同一来电号码（{days:.0f} 天前）")
        en.append(f"same phone ({days:.0f} days ago)")
    place = 0.0
    if similarity:
        zh.append(f"内容相似度 {similarity:.2f}（共同关键词：{'、'.join(words[:5])}）")
        en.append(f"text similarity {similarity:.2f} (shared keywords: {', '.join(words[:5])})")
        if query["community_id"] is not None and appeal.community_id == query["community_id"]:
            place = 1.0
            zh.append("同一社区（村）")
            en.append("same community")
        elif None not in (query["lat"], query["lng"], appeal.lat, appeal.lng):
            metres = metres_between(query["lat"], query["lng"], appeal.lat, appeal.lng)
            if metres <= NEARBY_METRES:
                place = 1 - metres / (2 * NEARBY_METRES)
                zh.append(f"相距约 {metres:.0f} 米")
                en.append(f"about {metres:.0f} m away")
    text_part = similarity * (0.8 + 0.2 * place)
    score = 1 - (1 - (PHONE_WEIGHT if same_phone else 0.0)) * (1 - text_part)
    score *= 1 - 0.2 * min(days, query["window"]) / query["window"]  # the older, the less likely
    return RepeatCandidate(appeal, round(score, 3), zh, en)


def repeats_of(session: Session, appeal: Appeal, **options) -> list[RepeatCandidate]:
    """Likely repeats of a stored appeal (its own phone, text and place), excluding itself."""
    return find_repeats(
        session,
        appeal.jurisdiction_id,
        phone=appeal.appellant_phone,
        text=appeal_text(appeal),
        address=appeal.address,
        community_id=appeal.community_id,
        lat=appeal.lat,
        lng=appeal.lng,
        exclude_id=appeal.id,
        **options,
    )
