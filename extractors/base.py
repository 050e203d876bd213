"""The scorer contract of stage 1c, the embedding-cache contract, and the registry.

A :class:`Scorer` turns (queries, chunks) into a relevance matrix, higher is
more relevant. Implementations register by name; :func:`get_scorer` builds
one from :class:`~docsieve.settings.SelectSettings`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from docsieve.errors import ConfigError, UnknownNameError
from docsieve.types import Chunk

if TYPE_CHECKING:
    import numpy as np

    from docsieve.settings import SelectSettings


@runtime_checkable
class Scorer(Protocol):
    """Scores chunks against queries: ``(len(queries), len(chunks))``, higher = more relevant."""

    name: str

    def score(self, queries: list[str], chunks: list[Chunk]) -> np.ndarray: ...


@runtime_checkable
class EmbeddingCache(Protocol):
    """Stores chunk embeddings keyed by (model name, sha256 of the embedded text)."""

    def get_many(self, model: str, keys: list[str]) -> dict[str, np.ndarray]: ...

    def put_many(self, model: str, items: dict[str, np.ndarray]) -> None: ...


def text_key(text: str) -> str:
    """The cache key of an embedded text: its sha256."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class InMemoryEmbeddingCache:
    """A dict-backed :class:`EmbeddingCache`; counts puts so tests can check reuse."""

    def __init__(self) -> None:
        self._data: dict[tuple[str, str], np.ndarray] = {}
        self.puts = 0

    def get_many(self, model: str, keys: list[str]) -> dict[str, np.ndarray]:
        return {k: self._data[(model, k)] for k in keys if (model, k) in self._data}

    def put_many(self, model: str, items: dict[str, np.ndarray]) -> None:
        for k, v in items.items():
            self._data[(model, k)] = v
        self.puts += len(items)

    def __len__(self) -> int:
        return len(self._data)


ScorerFactory = Callable[["SelectSettings", "EmbeddingCache | None"], Scorer]
_REGISTRY: dict[str, ScorerFactory] = {}


def register_scorer(name: str) -> Callable[[ScorerFactory], ScorerFactory]:
    def deco(factory: ScorerFactory) -> ScorerFactory:
        _REGISTRY[name] = factory
        return factory

    return deco


def scorer_names() -> list[str]:
    _load_builtin()
    return sorted(_REGISTRY)


def get_scorer(
    name: str, settings: SelectSettings, *, embedding_cache: EmbeddingCache | None = None
) -> Scorer:
    """Build the scorer registered as ``name``; unknown names list the valid ones."""
    _load_builtin()
    if name not in _REGISTRY:
        raise UnknownNameError("scorer", name, list(_REGISTRY))
    if name == "rerank" and not settings.reranker_model:
        raise ConfigError("scorer 'rerank' needs select.reranker_model to be set", scorer=name)
    return _REGISTRY[name](settings, embedding_cache)


def _load_builtin() -> None:
    # -- importing the modules registers them; kept lazy so base has no heavy imports --
    from extractors import dense, fusion, lexical, rerank  # noqa: F401
