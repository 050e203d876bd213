"""Hybrid scorer: dense cosine fused with per-query normalised BM25.

With the shipped relevance head (:mod:`extractors.head`, trained on development
documents only) the fused score is the head's probability that the chunk is
evidence for the query; with the default encoder the head also reads the query
and chunk embeddings (its question-conditioned term). Without it:
``fused = cosine + bm25_weight * bm25 / max_bm25(query)``. The dense cosine keeps
its absolute scale, which is what lets the selector say "nothing here is
relevant"; BM25 is normalised per query (its raw scale depends on the query's
length and the document's vocabulary) and adds exact clause-name matches that
a small embedding model misses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from docsieve.types import Chunk
from extractors.base import EmbeddingCache, register_scorer
from extractors.dense import DenseScorer, load_encoder
from extractors.head import Head, features, load_head
from extractors.lexical import BM25Scorer

if TYPE_CHECKING:
    from docsieve.settings import SelectSettings

BM25_WEIGHT = 0.25


def normalise_bm25(raw: np.ndarray) -> np.ndarray:
    """Divide each query's row by its maximum (rows of zeros stay zero)."""
    mx = raw.max(axis=1, keepdims=True) if raw.size else raw
    return np.where(mx > 0, raw / np.maximum(mx, 1e-9), 0.0).astype(np.float32)


def fuse(dense: np.ndarray, bm25_raw: np.ndarray, weight: float = BM25_WEIGHT) -> np.ndarray:
    return (dense + weight * normalise_bm25(bm25_raw)).astype(np.float32)


def hybrid_matrix(
    dense: np.ndarray,
    bm25_raw: np.ndarray,
    tokens: np.ndarray,
    head: Head | None,
    qv: np.ndarray | None = None,
    cv: np.ndarray | None = None,
) -> np.ndarray:
    """The hybrid score: the head's probability when a head is given, else :func:`fuse`.
    A question-conditioned head also reads the query and chunk embeddings."""
    if head is None:
        return fuse(dense, bm25_raw)
    return head.predict(features(dense, bm25_raw, tokens), qv, cv)


class HybridScorer:
    def __init__(
        self, dense: DenseScorer, lexical: BM25Scorer | None = None, head: Head | bool | None = True
    ) -> None:
        self.dense = dense
        self.lexical = lexical or BM25Scorer()
        # -- True: the shipped head for this encoder if there is one (question-conditioned
        #    when trained with it); False/None: the fixed fusion --
        self.head: Head | None = load_head(dense.encoder.name) if head is True else (head or None)
        # -- the name keys the calibrated threshold: each head has its own scale --
        self.name = (
            "hybrid-fixed"
            if self.head is None
            else "hybrid"
            if self.head.conditioned
            else "hybrid-scalar"
        )

    def score(self, queries: list[str], chunks: list[Chunk]) -> np.ndarray:
        if not queries or not chunks:
            return np.zeros((len(queries), len(chunks)), dtype=np.float32)
        tokens = np.array([c.tokens for c in chunks], dtype=np.float32)
        cos, qv, cv = self.dense.score_with_embeddings(queries, chunks)
        return hybrid_matrix(cos, self.lexical.score(queries, chunks), tokens, self.head, qv, cv)


@register_scorer("hybrid")
def _make_hybrid(settings: SelectSettings, cache: EmbeddingCache | None) -> HybridScorer:
    enc = load_encoder(settings.embedding_model, settings.device, settings.batch_size)
    return HybridScorer(DenseScorer(enc, cache))
