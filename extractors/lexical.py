"""Lexical scorer: Okapi BM25 over one document's chunks.

The corpus is the document itself, so IDF says which words are rare *in this
document*: a clause name that occurs in one section scores high. Tokens are
lower-cased words with English stop words removed and a light suffix stemmer
(``terminat-ion``/``terminat-es`` match), which is enough for clause vocabulary
and keeps the scorer dependency-free and fast (numpy only).
"""

from __future__ import annotations

import re
from collections import Counter
from typing import TYPE_CHECKING

import numpy as np

from docsieve.types import Chunk
from extractors.base import EmbeddingCache, register_scorer

if TYPE_CHECKING:
    from docsieve.settings import SelectSettings

_WORD = re.compile(r"[a-z0-9]+")
STOP = frozenset(
    """a about above after again all also am an and any are as at be been
before being below between both but by can could did do does doing down during each
few for from further had has have having he her here hers him his how i if in into is
it its itself just me more most my no nor not now of off on once only or other our out
over own same she should so some such than that the their them then there these they
this those through to too under until up very was we were what when where which while
who whom why will with would you your shall may must hereof herein hereto hereunder
thereof therein such any""".split()  # noqa: SIM905
)
_SUFFIXES = ("ment", "ing", "ion", "ies", "ied", "ed", "es", "ly", "e")


def stem(word: str) -> str:
    """Drop a plural ``s``, then one common suffix: terminat(e|ed|ion|ions|ing)."""
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    for suf in _SUFFIXES:
        if len(word) - len(suf) >= 4 and word.endswith(suf):
            return word[: -len(suf)]
    return word


def tokenize(text: str) -> list[str]:
    return [stem(w) for w in _WORD.findall(text.lower()) if w not in STOP and len(w) > 1]


class BM25Scorer:
    """BM25 (k1, b) with the document's chunks as the corpus."""

    name = "bm25"

    def __init__(self, k1: float = 1.2, b: float = 0.75) -> None:
        self.k1 = k1
        self.b = b

    def score(self, queries: list[str], chunks: list[Chunk]) -> np.ndarray:
        return self.score_texts(queries, [c.contextualized for c in chunks])

    def score_texts(self, queries: list[str], texts: list[str]) -> np.ndarray:
        out = np.zeros((len(queries), len(texts)), dtype=np.float32)
        if not queries or not texts:
            return out
        docs = [Counter(tokenize(t)) for t in texts]
        lengths = np.array([sum(d.values()) for d in docs], dtype=np.float32)
        avg = float(lengths.mean()) or 1.0
        n = len(docs)
        df: Counter[str] = Counter()
        for d in docs:
            df.update(d.keys())
        norm = self.k1 * (1 - self.b + self.b * lengths / avg)
        for qi, q in enumerate(queries):
            for term in set(tokenize(q)):
                if term not in df:
                    continue
                idf = np.log(1 + (n - df[term] + 0.5) / (df[term] + 0.5))
                tf = np.array([d.get(term, 0) for d in docs], dtype=np.float32)
                out[qi] += idf * tf * (self.k1 + 1) / (tf + norm)
        return out


@register_scorer("bm25")
def _make_bm25(settings: SelectSettings, cache: EmbeddingCache | None) -> BM25Scorer:
    return BM25Scorer()
