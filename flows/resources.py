"""What the flows share within one process: the scorer, the analyzers and the price table.

Models and SDK clients are expensive to build, so each is made once per
process and settings: the scorer's model loads once per run, and one
analyzer (one rate limiter, one set of SDK clients) serves every document.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from docsieve.settings import Settings
from flows.runtime import database

if TYPE_CHECKING:
    from analyzers.api import Analyzer
    from analyzers.pricing import PriceTable
    from extractors.base import Scorer

_shared: dict[tuple[str, str], Any] = {}


def _settings_key(settings: Settings) -> str:
    secret = settings.anthropic_api_key.get_secret_value() if settings.anthropic_api_key else ""
    blob = settings.model_dump_json() + secret
    return hashlib.sha256(blob.encode()).hexdigest()


def scorer(settings: Settings) -> Scorer:
    """One scorer per process and settings: the model loads once per run."""
    key = ("scorer", _settings_key(settings))
    if key not in _shared:
        from extractors import get_scorer
        from storage.selection_repo import SqlEmbeddingCache

        _shared[key] = get_scorer(
            settings.select.scorer,
            settings.select,
            embedding_cache=SqlEmbeddingCache(database(settings)),
        )
    return _shared[key]


def analyzers(settings: Settings) -> tuple[Analyzer, Analyzer | None]:
    """The run's analyzer (shared rate limiter) and the cheaper one used near a budget."""
    key = ("analyzer", _settings_key(settings))
    if key not in _shared:
        from analyzers.api import Analyzer
        from analyzers.base import primary_spec
        from storage.calls_repo import CallStore

        secrets = [
            s.get_secret_value() for s in (settings.anthropic_api_key, settings.openai_api_key) if s
        ]
        store = CallStore(database(settings), secrets=secrets)
        main = Analyzer(settings, store)
        cheaper = None
        spec = primary_spec(settings)
        if settings.run.cheaper_model and ":" in spec:
            provider, model = spec.split(":", 1)
            if model != settings.run.cheaper_model:
                specs = [f"{provider}:{settings.run.cheaper_model}"]
                cheaper = Analyzer(settings, store, specs=specs)
        _shared[key] = (main, cheaper)
    return _shared[key]


@lru_cache(maxsize=4)
def prices(data_dir: Path) -> PriceTable:
    from analyzers.pricing import PriceTable

    return PriceTable.load(data_dir)
