"""Stage 1c: score chunks against a profile's questions and select what stage 2 needs.

Public API: :func:`get_scorer` (``dense``, ``bm25``, ``hybrid``, ``rerank``),
:func:`select_document`, :class:`Scorer`, :class:`EmbeddingCache`,
:class:`InMemoryEmbeddingCache`.
"""

from extractors.base import (
    EmbeddingCache,
    InMemoryEmbeddingCache,
    Scorer,
    get_scorer,
    register_scorer,
    scorer_names,
)
from extractors.select import question_scores, select_document

__all__ = [
    "EmbeddingCache",
    "InMemoryEmbeddingCache",
    "Scorer",
    "get_scorer",
    "question_scores",
    "register_scorer",
    "scorer_names",
    "select_document",
]
