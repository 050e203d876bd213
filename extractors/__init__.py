"""Stage 1c: score chunks against a profile's questions and select what stage 2 needs.

Public API: :func:`get_scorer` (``units``, the default: sentence units scored by the
trained relevance model; ``dense``, ``bm25``, ``rerank``: whole chunks),
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
from extractors.select import select_document

__all__ = [
    "EmbeddingCache",
    "InMemoryEmbeddingCache",
    "Scorer",
    "get_scorer",
    "register_scorer",
    "scorer_names",
    "select_document",
]
