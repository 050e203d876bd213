"""A small learned relevance head: logistic regression over scorer features,
optionally conditioned on the question.

Features of one (query, chunk) pair, all computed within one document:
dense cosine, its gap to the query's best chunk, its rank, per-query
normalised BM25, its rank, log BM25, and the chunk's length.

The question-conditioned term adds ``(q U) . (c V)`` to the logit, where ``q``
and ``c`` are the encoder's query and chunk embeddings and ``U``, ``V`` are
low-rank projections (384 x 64 for MiniLM). Cosine treats every direction of
the embedding space alike; the projections learn which directions separate the
clause a question asks for from its look-alikes (a cap on liability from an
indemnity, a renewal term from a payment term). It only applies to the encoder
it was trained with; with any other encoder the scalar head is used.

Both are trained by ``python -m bench.calibrate`` on development documents only
(see its docstring for the split) and shipped as ``extractors/relevance_head.json``;
without that file the hybrid scorer falls back to the fixed fusion in
:mod:`extractors.fusion`.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

HEAD_FILE = Path(__file__).with_name("relevance_head.json")
FEATURES = [
    "cos",
    "cos_gap",
    "cos_inv_rank",
    "bm25_norm",
    "bm25_inv_rank",
    "bm25_log",
    "cos_x_bm25",
    "log_tokens",
]


def _inv_rank(m: np.ndarray) -> np.ndarray:
    order = np.argsort(-m, axis=1, kind="stable")
    ranks = np.empty_like(order)
    rows = np.arange(m.shape[0])[:, None]
    ranks[rows, order] = np.arange(1, m.shape[1] + 1)[None, :]
    return (1.0 / ranks).astype(np.float32)


def features(dense: np.ndarray, bm25_raw: np.ndarray, tokens: np.ndarray) -> np.ndarray:
    """(queries, chunks, len(FEATURES)) feature tensor."""
    q, n = dense.shape
    if q == 0 or n == 0:
        return np.zeros((q, n, len(FEATURES)), dtype=np.float32)
    bmax = bm25_raw.max(axis=1, keepdims=True)
    bnorm = np.where(bmax > 0, bm25_raw / np.maximum(bmax, 1e-9), 0.0)
    cols = [
        dense,
        dense - dense.max(axis=1, keepdims=True),
        _inv_rank(dense),
        bnorm,
        np.where(bm25_raw > 0, _inv_rank(bm25_raw), 0.0),
        np.log1p(np.maximum(bm25_raw, 0)),
        dense * bnorm,
        np.broadcast_to(np.log1p(tokens.astype(np.float32))[None, :], (q, n)),
    ]
    return np.stack(cols, axis=-1).astype(np.float32)


@dataclass(frozen=True)
class Head:
    weights: np.ndarray
    bias: float
    mean: np.ndarray
    std: np.ndarray
    # -- the question-conditioned term: (dim, rank) projections of query and chunk
    #    embeddings, valid only for ``encoder`` --
    u: np.ndarray | None = None
    v: np.ndarray | None = None
    encoder: str | None = None

    @property
    def conditioned(self) -> bool:
        return self.u is not None and self.v is not None

    def predict(
        self, feats: np.ndarray, qv: np.ndarray | None = None, cv: np.ndarray | None = None
    ) -> np.ndarray:
        """Probabilities (queries, chunks); ``qv``/``cv`` feed the conditioned term."""
        z = ((feats - self.mean) / self.std) @ self.weights + self.bias
        if self.u is not None and self.v is not None:
            if qv is None or cv is None:
                raise ValueError("a question-conditioned head needs query and chunk embeddings")
            z = z + (qv @ self.u) @ (cv @ self.v).T
        return (1.0 / (1.0 + np.exp(-z))).astype(np.float32)

    def scalar_json(self) -> dict[str, object]:
        return {
            "features": FEATURES,
            "weights": self.weights.tolist(),
            "bias": self.bias,
            "mean": self.mean.tolist(),
            "std": self.std.tolist(),
        }

    def to_json(self, fallback: Head | None = None, **meta: object) -> str:
        d: dict[str, object] = self.scalar_json()
        if self.u is not None and self.v is not None:
            d["conditioned"] = {
                "encoder": self.encoder,
                "shape": list(self.u.shape),
                "u": _pack(self.u),
                "v": _pack(self.v),
            }
        if fallback is not None:
            d["fallback"] = fallback.scalar_json()
        d.update(meta)
        return json.dumps(d, indent=None, separators=(",", ":"))


def fit(
    x: np.ndarray, y: np.ndarray, l2: float = 1.0, iters: int = 30, pos_weight: float = 1.0
) -> Head:
    """L2-regularised logistic regression by Newton's method (features standardised)."""
    mean = x.mean(0)
    std = x.std(0) + 1e-6
    xs = np.hstack([(x - mean) / std, np.ones((len(x), 1))]).astype(np.float64)
    sw = np.where(y > 0, pos_weight, 1.0)
    w = np.zeros(xs.shape[1])
    reg = np.full(xs.shape[1], l2)
    reg[-1] = 0.0
    for _ in range(iters):
        p = 1 / (1 + np.exp(-(xs @ w)))
        g = xs.T @ (sw * (p - y)) + reg * w
        h = (xs * (sw * p * (1 - p))[:, None]).T @ xs + np.diag(reg + 1e-9)
        step = np.linalg.solve(h, g)
        w -= step
        if np.abs(step).max() < 1e-6:
            break
    return Head(
        w[:-1].astype(np.float32), float(w[-1]), mean.astype(np.float32), std.astype(np.float32)
    )


def _pack(m: np.ndarray) -> str:
    # -- float16, base64: 2 x 384 x 64 weights fit in ~130 kB instead of ~1 MB of decimals;
    #    the rounding moves a logit by far less than the head's own error --
    return base64.b64encode(m.astype("<f2").tobytes()).decode("ascii")


def _unpack(s: str, shape: list[int]) -> np.ndarray:
    return np.frombuffer(base64.b64decode(s), dtype="<f2").astype(np.float32).reshape(shape)


def encoder_key(name: str) -> str:
    """A model name as the head file records it (aliases of the packaged MiniLM agree)."""
    from extractors.dense import PACKAGED

    return "all-minilm-l6-v2" if name.lower() in {p.lower() for p in PACKAGED} else name


def _scalar(d: dict[str, Any]) -> Head | None:
    if d.get("features") != FEATURES:
        return None  # -- trained for another feature set: ignore rather than misuse --
    return Head(
        np.array(d["weights"], np.float32),
        float(d["bias"]),
        np.array(d["mean"], np.float32),
        np.array(d["std"], np.float32),
    )


@lru_cache(maxsize=8)
def load_head(encoder: str | None = None, path: str = str(HEAD_FILE)) -> Head | None:
    """The shipped head for ``encoder``: question-conditioned when it was trained with that
    encoder, else the scalar fallback; ``None`` without a usable file."""
    p = Path(path)
    if not p.is_file():
        return None
    d = json.loads(p.read_text(encoding="utf-8"))
    cond = d.get("conditioned")
    if cond and encoder is not None and encoder_key(encoder) == cond["encoder"]:
        head = _scalar(d)
        return (
            None
            if head is None
            else replace(
                head,
                u=_unpack(cond["u"], cond["shape"]),
                v=_unpack(cond["v"], cond["shape"]),
                encoder=cond["encoder"],
            )
        )
    # -- another encoder (or none named): the scalar head trained without the term --
    return _scalar(d.get("fallback", d))
