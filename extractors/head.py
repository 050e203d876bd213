"""A small learned relevance head: logistic regression over scorer features.

Features of one (query, chunk) pair, all computed within one document:
dense cosine, its gap to the query's best chunk, its rank, per-query
normalised BM25, its rank, log BM25, and the chunk's length. The weights are
trained on the CUAD train split by ``python -m bench.calibrate`` and shipped
as ``extractors/relevance_head.json``; without that file the hybrid scorer
falls back to the fixed fusion in :mod:`extractors.fusion`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

HEAD_FILE = Path(__file__).with_name("relevance_head.json")
FEATURES = ["cos", "cos_gap", "cos_inv_rank", "bm25_norm", "bm25_inv_rank", "bm25_log",
            "cos_x_bm25", "log_tokens"]


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

    def predict(self, feats: np.ndarray) -> np.ndarray:
        z = ((feats - self.mean) / self.std) @ self.weights + self.bias
        return (1.0 / (1.0 + np.exp(-z))).astype(np.float32)

    def to_json(self, **meta: object) -> str:
        return json.dumps({"features": FEATURES, "weights": self.weights.tolist(),
                           "bias": self.bias, "mean": self.mean.tolist(),
                           "std": self.std.tolist(), **meta}, indent=1)


def fit(x: np.ndarray, y: np.ndarray, l2: float = 1.0, iters: int = 30,
        pos_weight: float = 1.0) -> Head:
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
    return Head(w[:-1].astype(np.float32), float(w[-1]), mean.astype(np.float32),
                std.astype(np.float32))


@lru_cache(maxsize=1)
def load_head(path: str = str(HEAD_FILE)) -> Head | None:
    p = Path(path)
    if not p.is_file():
        return None
    d = json.loads(p.read_text(encoding="utf-8"))
    if d.get("features") != FEATURES:
        return None  # -- trained for another feature set: ignore rather than misuse --
    return Head(np.array(d["weights"], np.float32), float(d["bias"]),
                np.array(d["mean"], np.float32), np.array(d["std"], np.float32))
