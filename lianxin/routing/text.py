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


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    lines = files("lianxin.data").joinpath("stopwords.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


@lru_cache(maxsize=1)
def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


def _keep(token: str, stops: frozenset[str]) -> bool:
    if token in stops or not _WORDLIKE.search(token):
        return False
    return not (len(token) == 1 and token.isdigit())


def normalise(tokens: list[str]) -> list[str]:
    stops = stop_words()
    return [t for t in (unicodedata.normalize("NFKC", t).strip() for t in tokens) if _keep(t, stops)]


def tokenize(text: str) -> list[str]:
    """Cut raw Chinese text into canonical tokens."""
    text = unicodedata.normalize("NFKC", (text or "").replace(_EXCEL_CR, " "))
    return normalise(_jieba().lcut(text))


def split_tokens(tokens: str) -> list[str]:
    """Canonical tokens from a pre-tokenised (space-separated) row."""
    return normalise((tokens or "").replace(_EXCEL_CR, " ").split())
