"""Hotspot detection (pure, no database): messages about the same problem at the same place over time.

Pipeline:

1. **Places** (:mod:`lianxin.hotspots.places`): district codes and the corpus's named places
   (小区, 路, 村, 学校, 公司 …), plus any place the caller already knows (the appeal's community).
2. **Text similarity**: TF-IDF over jieba tokens (the corpus's place names added to the
   tokenizer so they stay whole) and over character bigrams of title + body (body cut at 400
   chars), and character 2–3-grams of the title alone, each L2-normalised, combined as
   ``sim = 0.35·cos_words + 0.3·cos_chars + 0.35·cos_title``.
3. **Linking**: two messages within ``window_days`` of each other are linked when
   ``sim ≥ strong`` (same wording, wherever), ``sim ≥ medium`` in the same district, or
   ``sim ≥ weak`` naming a common place ("魅力之城" matches "万科魅力之城"); never when both titles
   name places and share none, or both name districts and share none.
4. **Clustering**: connected components of that graph, each split again by average-linkage
   agglomerative clustering (distance ``1 − sim``, less ``place_bonus`` when both titles name the
   same place, conflicting places at distance 1) cut at
   ``1 − cut``: a chain of pairwise links does not make one problem unless the group holds together
   on average.
5. **Heat** (documented in :func:`heat_score`), ranking by heat, then earliest start, then id.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.sparse import csr_matrix, hstack
from scipy.sparse.csgraph import connected_components
from scipy.spatial.distance import squareform
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from lianxin import progress
from lianxin.hotspots.placeless import combine, placeless_clusters
from lianxin.hotspots.places import Gazetteer, Places, jieba_dictionary, same_place

BODY_CHARS = 400
MAX_DF = 0.5  # a term in more than half the messages tells none apart
WEIGHTS = (0.35, 0.3, 0.35)  # words of title + body, characters of title + body, characters of the title
STOP_WORDS = frozenset(
    "的 了 在 是 我 我们 你 他 她 它 和 与 及 或 也 都 就 还 又 很 被 把 给 让 对 于 从 向 到 为 以 因 "
    "因为 所以 但 但是 而 而且 如果 这 那 这个 那个 这些 那些 之 其 该 有 没有 无 不 没 要 会 能 可以 "
    "请 请问 希望 恳请 请求 反映 关于 投诉 举报 咨询 建议 问题 情况 相关 部门 领导 政府 您好 你好 谢谢 "
    "尊敬 现在 目前 已经 一直 一个 什么 怎么 如何 为什么 是否 能否 何时 多少 时候 今年 去年 年 月 日 号 "
    "市 区 县 省 西地省 A市".split()
)
_TOKEN_RE = re.compile(r"[\u4e00-\u9fa5A-Za-z0-9]")


@dataclass(frozen=True)
class Message:
    """One appeal or board message. ``place`` is a place the caller knows (e.g. the community);
    ``author`` (optional) makes one person's many messages count once in the volume."""

    id: int | str
    created_at: datetime
    title: str
    body: str = ""
    likes: int = 0
    dislikes: int = 0
    place: str | None = None
    author: str | None = None
    repeats: int = 0  # merged duplicates (并单) behind this message
    dissatisfied: bool = False  # the resident said 不满意 at the return visit


@dataclass(frozen=True)
class Params:
    strong: float = 0.55  # link regardless of place
    medium: float = 0.4  # link within the same district
    weak: float = 0.25  # link when a place is shared
    cut: float = 0.22  # average similarity a cluster must keep
    place_bonus: float = 0.1  # added to the similarity of two messages whose titles name the same place
    merge: float = 0.5  # clusters whose centroids are this similar are one problem
    placeless_link: float = 0.3  # the place graph links two messages whose titles name no place at this similarity
    placeless: float = 0.3  # place-less path: title-word similarity linking two messages whose titles name no place
    placeless_cut: float = 0.2  # average title-word similarity a place-less cluster must keep
    placeless_window_days: int = 120  # a policy issue lasts longer than a broken street lamp
    window_days: int = 60  # linked messages are at most this far apart
    min_size: int = 2  # a hotspot has at least this many messages
    recent_days: int = 30  # growth compares the last recent_days with the recent_days before


@dataclass(frozen=True)
class Hotspot:
    rank: int
    heat: float
    start: datetime
    end: datetime
    place: str
    description: str
    message_ids: tuple
    terms: tuple[str, ...]
    volume: int
    growth: float
    likes: int
    dislikes: int
    repeats: int
    dissatisfied: int

    def as_dict(self) -> dict:
        return {
            "rank": self.rank,
            "heat": self.heat,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "place": self.place,
            "description": self.description,
            "message_ids": list(self.message_ids),
            "terms": list(self.terms),
            "volume": self.volume,
            "growth": self.growth,
            "likes": self.likes,
            "dislikes": self.dislikes,
            "repeats": self.repeats,
            "dissatisfied": self.dissatisfied,
        }


def heat_score(*, volume: int, growth: float, likes: int, dislikes: int, repeats: int, dissatisfied: int) -> float:
    """Heat = 10·ln(1+V) + 5·min(G, 3) + 3·ln(1+likes) + 1.5·ln(1+dislikes) + 4·ln(1+R) + 6·ln(1+D).

    V: distinct authors (messages when authors are unknown); G: growth, the messages of the last
    ``recent_days`` over those of the ``recent_days`` before (``(recent − earlier) / (earlier + 1)``,
    floored at 0); R: merged repeats; D: dissatisfied return visits. Every term is log-damped so that
    a thousand likes on one message cannot outweigh many people raising the problem.
    """
    return round(
        10 * math.log1p(volume)
        + 5 * min(max(growth, 0.0), 3.0)
        + 3 * math.log1p(likes)
        + 1.5 * math.log1p(dislikes)
        + 4 * math.log1p(repeats)
        + 6 * math.log1p(dissatisfied),
        2,
    )


def _text(message: Message) -> str:
    return f"{message.title}。{message.body[:BODY_CHARS]}"


def _tokenizer(gazetteer: Gazetteer):
    """A tokenizer of its own for one corpus: jieba's dictionary plus the corpus's place names."""
    import jieba

    freq, total = jieba_dictionary()
    tokenizer = jieba.Tokenizer()
    tokenizer.FREQ, tokenizer.total, tokenizer.initialized = dict(freq), total, True
    for name in sorted(gazetteer.names):
        tokenizer.add_word(name, freq=1000)
    return tokenizer


def _fit(make, docs: list[str], limits: dict) -> tuple[TfidfVectorizer, csr_matrix]:
    """Fit TF-IDF with the document-frequency limits, or without them when they leave no term (every
    message the same words); texts with no terms at all give zero vectors."""
    for kwargs in (limits, {}):
        vectorizer = make(**kwargs)
        try:
            return vectorizer, normalize(vectorizer.fit_transform(docs))
        except ValueError:  # empty vocabulary
            continue
    vectorizer = make(vocabulary=["\x00"])
    return vectorizer, csr_matrix((len(docs), 1))


def _words_of(gazetteer: Gazetteer):
    tokenizer = _tokenizer(gazetteer)

    def words(text: str) -> list[str]:
        return [t for t in tokenizer.lcut(text, HMM=False) if t not in STOP_WORDS and len(t) > 1 and _TOKEN_RE.match(t)]

    return words


def _vectors(texts: list[str], titles: list[str], gazetteer: Gazetteer) -> tuple[csr_matrix, TfidfVectorizer]:
    words = _words_of(gazetteer)

    # In a large corpus a term seen once is noise; in a small one rare terms are all there is.
    # A term in most messages tells none apart (unless there are too few messages to say).
    limits = dict(min_df=2 if len(texts) >= 200 else 1, max_df=MAX_DF if len(texts) >= 10 else 1.0)
    word_vec, xw = _fit(lambda **kw: TfidfVectorizer(analyzer=words, sublinear_tf=True, **kw), texts, limits)
    blocks = [xw * math.sqrt(WEIGHTS[0])]
    for weight, docs, longest in ((WEIGHTS[1], texts, 2), (WEIGHTS[2], titles, 3)):
        clean = [re.sub(r"[^\u4e00-\u9fa5A-Za-z0-9]+", " ", t) for t in docs]
        _, x = _fit(
            lambda longest=longest, **kw: TfidfVectorizer(
                analyzer="char", ngram_range=(2, longest), sublinear_tf=True, **kw
            ),
            clean,
            limits,
        )
        blocks.append(x * math.sqrt(weight))
    return csr_matrix(hstack(blocks)), word_vec


def _conflict(a: Places, b: Places) -> bool:
    """Different places: both titles name places and none is shared, or both name other districts. Two
    titles that name no place never conflict (a city-wide issue is raised from every community)."""
    if a.placeless and b.placeless:
        return False
    return bool(
        (a.title_names and b.title_names and not same_place(a.title_names, b.title_names))
        or (a.districts and b.districts and not a.districts & b.districts)
    )


def _linked(sim: float, a: Places, b: Places, p: Params) -> bool:
    if sim >= p.strong:
        return True
    if sim >= p.medium and a.districts & b.districts:
        return True
    if sim >= p.placeless_link and a.placeless and b.placeless:
        return True  # neither names a place: content alone (see lianxin.hotspots.placeless)
    return same_place(a.names, b.names)


def _edges(x: csr_matrix, places: list[Places], days: np.ndarray, p: Params) -> tuple[list[int], list[int]]:
    rows, cols = [], []
    for start in range(0, x.shape[0], 512):
        sims = (x[start : start + 512] @ x.T).toarray()
        for i, j in zip(*np.nonzero(sims >= p.weak)):
            a, b = start + int(i), int(j)
            if b <= a or abs(days[a] - days[b]) > p.window_days or _conflict(places[a], places[b]):
                continue
            if _linked(sims[i, j], places[a], places[b], p):
                rows.append(a)
                cols.append(b)
    return rows, cols


def _split(members: list[int], x: csr_matrix, places: list[Places], p: Params) -> list[list[int]]:
    """Average-linkage clusters of one component, cut where the average similarity drops below ``cut``."""
    if len(members) < 3:
        return [members]
    sims = (x[members] @ x[members].T).toarray()
    dist = np.clip(1.0 - sims, 0.0, 1.0)
    for i, a in enumerate(members):
        for j in range(i + 1, len(members)):
            b = places[members[j]]
            if _conflict(places[a], b):
                dist[i, j] = dist[j, i] = 1.0
            elif same_place(places[a].title_names, b.title_names):
                dist[i, j] = dist[j, i] = max(dist[i, j] - p.place_bonus, 0.0)
    np.fill_diagonal(dist, 0.0)
    labels = fcluster(linkage(squareform(dist, checks=False), method="average"), t=1.0 - p.cut, criterion="distance")
    groups: dict[int, list[int]] = {}
    for member, label in zip(members, labels):
        groups.setdefault(int(label), []).append(member)
    return list(groups.values())


def _summary_places(members: list[int], places: list[Places]) -> Places:
    """A cluster's places: the districts and title names most of its messages give."""

    def common(sets: list[frozenset[str]]) -> frozenset[str]:
        counts = Counter(n for names in sets for n in names)
        return frozenset(n for n, c in counts.items() if c * 2 >= len(members))

    districts = common([places[i].districts for i in members])
    titles = common([places[i].title_names for i in members])
    return Places(districts, titles, titles, titles)


def _merge(
    clusters: list[list[int]], x: csr_matrix, places: list[Places], days: np.ndarray, p: Params
) -> list[list[int]]:
    """Join clusters of the same problem that the linkage cut apart (their centroids agree ≥ ``merge``)."""
    big = [c for c in clusters if len(c) >= p.min_size]
    if len(big) < 2:
        return clusters
    rows = [i for i, c in enumerate(big) for _ in c]
    members = csr_matrix((np.ones(len(rows)), (rows, [m for c in big for m in c])), shape=(len(big), x.shape[0]))
    centroids = normalize(members @ x)  # sparse: each cluster's summed (then normalised) vectors
    sims = (centroids @ centroids.T).toarray()
    summary = [_summary_places(c, places) for c in big]
    spans = [(days[c].min(), days[c].max()) for c in big]
    parent = list(range(len(big)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in zip(*np.nonzero(np.triu(sims, 1) >= p.merge)):
        near = spans[b][0] - spans[a][1] <= p.window_days and spans[a][0] - spans[b][1] <= p.window_days
        if near and not _conflict(summary[a], summary[b]):
            parent[root(int(b))] = root(int(a))
    merged: dict[int, list[int]] = {}
    for i, members in enumerate(big):
        merged.setdefault(root(i), []).extend(members)
    return [sorted(m) for m in merged.values()] + [c for c in clusters if len(c) < p.min_size]


def cluster(
    messages: Sequence[Message], p: Params = Params()
) -> tuple[list[list[int]], csr_matrix, list[Places], TfidfVectorizer]:
    """Indices of the messages in each cluster (every message in exactly one)."""
    texts = [_text(m) for m in messages]
    gazetteer = Gazetteer.from_texts(f"{m.title}。{m.body}" for m in messages)
    places = [gazetteer.places(m.title, m.body, m.place) for m in messages]
    x, word_vec = _vectors(texts, [m.title for m in messages], gazetteer)
    epoch = min(m.created_at for m in messages)
    days = np.array([(m.created_at - epoch).total_seconds() / 86400 for m in messages])
    rows, cols = _edges(x, places, days, p)
    graph = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(messages), len(messages)))
    _, labels = connected_components(graph, directed=False)
    components: dict[int, list[int]] = {}
    for index, label in enumerate(labels):
        components.setdefault(int(label), []).append(index)
    clusters = [group for members in components.values() for group in _split(members, x, places, p)]
    clusters = _merge(clusters, x, places, days, p)
    topics = placeless_clusters([m.title for m in messages], x, places, days, _words_of(gazetteer), p)
    return combine(clusters, topics, p.min_size), x, places, word_vec


CITY_WIDE = "全市"


def _place_label(members: list[int], places: list[Places]) -> str:
    """The district and the place most of the cluster's titles name (the body's names if titles name none).

    A city-wide issue — most titles name no place and no body name is shared by half the messages — is
    labelled by the district half of them name, else ``CITY_WIDE``."""
    districts = Counter(d for i in members for d in places[i].districts)
    names = Counter(n for i in members for n in places[i].title_names)
    half = len(members) / 2
    if sum(1 for i in members if not places[i].placeless) < half:
        body = Counter(n for i in members for n in places[i].names)
        if not body or body.most_common(1)[0][1] <= half:
            common = districts.most_common(1)
            return common[0][0] if common and common[0][1] >= half else CITY_WIDE
        names = names or body
    district = districts.most_common(1)[0][0] if districts else ""
    if not names:
        return district
    top = names.most_common(1)[0][1]
    return district + max((n for n, c in names.items() if c == top), key=lambda n: (len(n), n))


def _terms(members: list[int], x_words, vocabulary: np.ndarray, k: int = 5) -> tuple[str, ...]:
    weights = np.asarray(x_words[members].sum(axis=0)).ravel()
    order = np.argsort(-weights, kind="stable")[:k]
    return tuple(str(vocabulary[i]) for i in order if weights[i] > 0)


def _growth(dates: list[datetime], now: datetime, days: int) -> float:
    recent = sum(now - timedelta(days=days) < d <= now for d in dates)
    earlier = sum(now - timedelta(days=2 * days) < d <= now - timedelta(days=days) for d in dates)
    return round(max(recent - earlier, 0) / (earlier + 1), 2)


def detect_hotspots(
    messages: Sequence[Message], *, top: int = 10, now: datetime | None = None, params: Params = Params()
) -> list[Hotspot]:
    """The ``top`` hottest clusters of at least ``params.min_size`` messages, ranked by heat.

    ``now`` anchors growth (default: the newest message), so a past data set is judged as of its end.
    """
    if not messages:
        return []
    progress.update(description="聚类 / clustering")
    clusters, x, places, word_vec = cluster(messages, params)
    progress.update(description="描述热点 / describing clusters", total=len(clusters))
    now = now or max(m.created_at for m in messages)
    n_words = len(word_vec.vocabulary_)
    x_words = x[:, :n_words]
    vocabulary = word_vec.get_feature_names_out()
    found = []
    for members in progress.track(clusters):
        if len(members) < params.min_size:
            continue
        group = [messages[i] for i in members]
        volume = len({m.author for m in group if m.author}) + sum(1 for m in group if not m.author)
        stats = dict(
            volume=volume,
            growth=_growth([m.created_at for m in group], now, params.recent_days),
            likes=sum(m.likes for m in group),
            dislikes=sum(m.dislikes for m in group),
            repeats=sum(m.repeats for m in group),
            dissatisfied=sum(m.dissatisfied for m in group),
        )
        sims = (x[members] @ x[members].T).toarray().mean(axis=1)
        central = group[int(np.argmax(sims))]
        ordered = sorted(group, key=lambda m: (m.created_at, str(m.id)))
        found.append(
            dict(
                heat=heat_score(**stats),
                start=ordered[0].created_at,
                end=ordered[-1].created_at,
                place=_place_label(members, places),
                description=central.title.strip(),
                message_ids=tuple(m.id for m in ordered),
                terms=_terms(members, x_words, vocabulary),
                **stats,
            )
        )
    found.sort(key=lambda h: (-h["heat"], h["start"], str(h["message_ids"][0])))
    return [Hotspot(rank=i + 1, **h) for i, h in enumerate(found[:top])]
