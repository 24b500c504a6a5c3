"""Text → canonical tokens, the same for raw appeal text and for pre-tokenised rows.

Raw text is cut with jieba (its shipped dictionary, offline); pre-tokenised rows are split on
whitespace. Both then go through the same normalisation (NFKC, stop words, punctuation and single
digits dropped), so a model trained on a mix of raw and tokenised appeals sees comparable features.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from functools import lru_cache
from importlib.resources import files

_WORDLIKE = re.compile(r"\w", re.UNICODE)
_EXCEL_CR = "_x000D_"
# A bound on the work per appeal: only the leading part of a very long letter is read (about 1% of
# the Teddy appeals are longer; in one CV run, cutting at the 95th percentile cost ~0.004 macro-F1).
MAX_CHARS = 3000
MAX_TOKENS = 1000


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    lines = files("lianxin.data").joinpath("stopwords.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


@lru_cache(maxsize=1)
def _jieba():
    """jieba's default tokenizer, shared by the whole process: its dictionary takes ~1 s to load, once.
    Nothing adds words to it (the hotspots' place names go into tokenizers of their own)."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.dt.check_initialized()
    return jieba.dt


def _keep(token: str, stops: frozenset[str]) -> bool:
    if token in stops or not _WORDLIKE.search(token):
        return False
    return not (len(token) == 1 and token.isdigit())


def normalise(tokens: list[str]) -> list[str]:
    stops = stop_words()
    return [t for t in (unicodedata.normalize("NFKC", t).strip() for t in tokens) if _keep(t, stops)][:MAX_TOKENS]


def tokenize(text: str) -> list[str]:
    """Cut raw Chinese text into canonical tokens."""
    text = unicodedata.normalize("NFKC", (text or "")[:MAX_CHARS].replace(_EXCEL_CR, " "))
    return normalise(_jieba().lcut(text))


def split_tokens(tokens: str) -> list[str]:
    """Canonical tokens from a pre-tokenised (space-separated) row."""
    return normalise((tokens or "").replace(_EXCEL_CR, " ").split())
