"""The place-less path of hotspot detection (pure): city-wide issues that name no place.

A policy complaint (a subsidy scheme, a fee rule, an admissions policy, a fraud case) is raised by
many residents who each name no street or estate, so the place path (:mod:`lianxin.hotspots.engine`)
never links them. Here the messages whose **titles** name no place are clustered on the words of
their titles alone — the subject a resident puts in a title is what such messages share, while
their bodies tell each person's own story — with a threshold, a cut and a time window of their own
(``Params.placeless*``). :func:`combine` then merges the two sets of clusters where they overlap, so
every message stays in one cluster and all hotspots are ranked by the same heat.
"""

from __future__ import annotations

import math
import re

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.sparse import csr_matrix, hstack
from scipy.sparse.csgraph import connected_components
from scipy.spatial.distance import squareform
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from lianxin.hotspots.places import Places

TITLE_WEIGHT = 0.5  # the rest: the place path's whole-text similarity


def placeless_clusters(
    titles: list[str], full: csr_matrix, places: list[Places], days: np.ndarray, words, p
) -> list[list[int]]:
    """Clusters (indices into ``titles``) of at least ``p.min_size`` place-less messages on one subject."""
    chosen = [i for i, found in enumerate(places) if found.placeless]
    if len(chosen) < p.min_size:
        return []
    x = _title_vectors(titles, words)  # weighted over every title: a subject all of them share still counts
    if x is None:
        return []
    x = x[chosen]
    x = csr_matrix(hstack([x * math.sqrt(TITLE_WEIGHT), full[chosen] * math.sqrt(1 - TITLE_WEIGHT)]))
    sims = (x @ x.T).tocsr()
    sims.data[sims.data < p.placeless] = 0
    sims.eliminate_zeros()
    rows, cols = sims.nonzero()
    near = np.abs(days[chosen][rows] - days[chosen][cols]) <= p.placeless_window_days
    graph = csr_matrix((np.ones(int(near.sum())), (rows[near], cols[near])), shape=sims.shape)
    _, labels = connected_components(graph, directed=False)
    out = []
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        if len(members) < p.min_size:
            continue
        out += [[chosen[i] for i in group] for group in _split(members, x, p.placeless_cut) if len(group) >= p.min_size]
    return out


def _title_vectors(titles: list[str], words) -> csr_matrix | None:
    """Title words and title character 2–3-grams (a name like "58车贷" is no dictionary word), half each."""
    min_df, max_df = (2 if len(titles) >= 200 else 1), (0.5 if len(titles) >= 10 else 1.0)
    clean = [re.sub(r"[^\u4e00-\u9fa5A-Za-z0-9]+", " ", t) for t in titles]
    blocks = []
    for vectorizer, docs in (
        (TfidfVectorizer(analyzer=words, sublinear_tf=True, min_df=min_df, max_df=max_df), titles),
        (TfidfVectorizer(analyzer="char", ngram_range=(2, 3), sublinear_tf=True, min_df=min_df, max_df=max_df), clean),
    ):
        try:
            blocks.append(normalize(vectorizer.fit_transform(docs)) * math.sqrt(0.5))
        except ValueError:  # no term kept
            return None
    return csr_matrix(hstack(blocks))


def _split(members: np.ndarray, x: csr_matrix, cut: float) -> list[list[int]]:
    if len(members) < 3:
        return [list(members)]
    dist = np.clip(1.0 - (x[members] @ x[members].T).toarray(), 0.0, 1.0)
    np.fill_diagonal(dist, 0.0)
    labels = fcluster(linkage(squareform(dist, checks=False), method="average"), t=1.0 - cut, criterion="distance")
    return [list(members[labels == label]) for label in np.unique(labels)]


def combine(place_clusters: list[list[int]], topics: list[list[int]], min_size: int) -> list[list[int]]:
    """Every message in one cluster: a place cluster at least half of whose messages are in a place-less
    cluster joins it (the same issue, seen both ways); otherwise the place cluster keeps its messages and
    the place-less cluster keeps the rest, if it still has ``min_size``."""
    where = {m: c for c, members in enumerate(place_clusters) for m in members}
    taken: set[int] = set()
    out: list[list[int]] = []
    for topic in topics:
        members = set(topic) - taken
        for c in {where[m] for m in members}:
            cluster = set(place_clusters[c]) - taken
            if len(members & cluster) * 2 >= len(cluster):
                members |= cluster
            else:
                members -= cluster
        if len(members) >= min_size:
            out.append(sorted(members))
            taken |= members
    for cluster in place_clusters:
        rest = [m for m in cluster if m not in taken]
        if rest:
            out.append(rest)
    return out
