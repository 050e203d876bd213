"""Optional cross-encoder reranker (``select.reranker_model``), on top of the hybrid scorer.

The hybrid scorer shortlists each query's top ``shortlist`` chunks; the
cross-encoder rescores only those (it is ~100x slower per pair than a dot
product). Other chunks keep a score below every reranked one. Loaded offline
(``local_files_only=True``); CUDA fp16 when present.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np

from docsieve.errors import ConfigError
from docsieve.types import Chunk
from extractors.base import EmbeddingCache, register_scorer
from extractors.dense import DenseScorer, load_encoder, pick_device
from extractors.fusion import HybridScorer

if TYPE_CHECKING:
    from docsieve.settings import SelectSettings


class CrossEncoder:
    def __init__(self, model: str, device: str = "auto", batch_size: int = 32) -> None:
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        self.name = model
        self.device = pick_device(device)
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(model, local_files_only=True)
            mdl = AutoModelForSequenceClassification.from_pretrained(model, local_files_only=True)
        except OSError as exc:
            raise ConfigError(
                f"cannot load reranker {model!r} offline: {exc}", model=model
            ) from exc
        mdl.eval()
        if self.device == "cuda":
            mdl = mdl.half()
        self.model: Any = mdl.to(self.device)
        self.batch_size = batch_size
        self._torch = torch
        self._lock = threading.Lock()

    def predict(self, pairs: list[tuple[str, str]]) -> np.ndarray:
        torch = self._torch
        out = np.zeros(len(pairs), dtype=np.float32)
        with self._lock, torch.inference_mode():
            for b in range(0, len(pairs), self.batch_size):
                batch = pairs[b : b + self.batch_size]
                enc = self.tokenizer(
                    [p[0] for p in batch],
                    [p[1] for p in batch],
                    padding=True,
                    truncation=True,
                    max_length=512,
                    return_tensors="pt",
                ).to(self.device)
                logits = self.model(**enc).logits.float()
                col = logits[:, -1] if logits.shape[-1] > 1 else logits[:, 0]
                out[b : b + len(batch)] = torch.sigmoid(col).cpu().numpy()
        return out


@lru_cache(maxsize=2)
def load_cross_encoder(model: str, device: str = "auto") -> CrossEncoder:
    return CrossEncoder(model, device)


class RerankScorer:
    name = "rerank"

    def __init__(self, first: HybridScorer, cross: CrossEncoder, shortlist: int = 20) -> None:
        self.first = first
        self.cross = cross
        self.shortlist = shortlist

    def score(self, queries: list[str], chunks: list[Chunk]) -> np.ndarray:
        base = self.first.score(queries, chunks)
        out = np.full(base.shape, -1.0, dtype=np.float32)
        for qi, q in enumerate(queries):
            top = np.argsort(-base[qi])[: self.shortlist]
            probs = self.cross.predict([(q, chunks[i].contextualized) for i in top])
            out[qi, top] = probs
        return out


@register_scorer("rerank")
def _make_rerank(settings: SelectSettings, cache: EmbeddingCache | None) -> RerankScorer:
    assert settings.reranker_model  # -- checked by get_scorer --
    enc = load_encoder(settings.embedding_model, settings.device, settings.batch_size)
    return RerankScorer(
        HybridScorer(DenseScorer(enc, cache)),
        load_cross_encoder(settings.reranker_model, settings.device),
    )
