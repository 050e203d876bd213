"""Selections and the embedding cache round-trip through SQLite and PostgreSQL."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import inspect
from sqlmodel import select

from docsieve.errors import StorageError
from docsieve.selection import ChunkDecision, DocumentSelection, QuestionSelection, SelectedChunk
from storage.db import open_database
from storage.selection_repo import SqlEmbeddingCache, load_selection, save_selection
from storage.tables import DocumentRow, RunRow
from storage.tables_select import SelectionRow


def _selection() -> DocumentSelection:
    kept = SelectedChunk(
        chunk_id="c1",
        text="governed by the laws of Delaware",
        heading_path=["12 Miscellaneous"],
        page_start=3,
        page_end=3,
        start=100,
        end=133,
        tokens=9,
        score=0.71,
        rank=1,
    )
    return DocumentSelection(
        document_sha="ab" * 32,
        path="/x/a.txt",
        profile="contract",
        scorer="hybrid",
        document_tokens=500,
        questions=[
            QuestionSelection(
                question_id="law",
                threshold=0.6,
                chunks=[kept],
                decisions=[
                    ChunkDecision(
                        chunk_id="c1", kept=True, score=0.71, rank=1, reason="above threshold"
                    ),
                    ChunkDecision(
                        chunk_id="c2", kept=False, score=0.2, rank=2, reason="below threshold"
                    ),
                ],
            ),
            QuestionSelection(
                question_id="insurance",
                threshold=0.3,
                decisions=[
                    ChunkDecision(
                        chunk_id="c1",
                        kept=False,
                        score=0.1,
                        rank=1,
                        reason="nothing relevant: top score below floor",
                    )
                ],
            ),
        ],
    )


def test_save_and_load_selection(database_url: str) -> None:
    db = open_database(database_url)
    assert {"selections", "selection_docs", "embedding_cache"} <= set(
        inspect(db.engine).get_table_names()
    )
    with db.session() as s:
        run = RunRow(kind="select")
        doc = DocumentRow(path="/x/a.txt", sha256="ab" * 32, status="ok")
        s.add(run)
        s.add(doc)
        s.flush()
        assert run.id is not None and doc.id is not None
        run_id, doc_id = run.id, doc.id
        save_selection(s, run_id, doc_id, _selection())
    with db.session() as s:
        back = load_selection(s, run_id, doc_id)
        rows = s.exec(select(SelectionRow).where(SelectionRow.run_id == run_id)).all()
    assert back == _selection()
    assert back.selected_tokens == 9 and back.union_chunks()[0].heading_path == ["12 Miscellaneous"]
    assert len(rows) == 3
    assert {(r.question_id, r.chunk_id, r.kept, r.rank) for r in rows} == {
        ("law", "c1", True, 1),
        ("law", "c2", False, 2),
        ("insurance", "c1", False, 1),
    }
    # -- saving again replaces, never duplicates --
    with db.session() as s:
        save_selection(s, run_id, doc_id, _selection())
    with db.session() as s:
        assert len(s.exec(select(SelectionRow)).all()) == 3
        with pytest.raises(StorageError, match="no selection stored"):
            load_selection(s, run_id + 1, doc_id)
    db.dispose()


def test_embedding_cache_round_trip(database_url: str) -> None:
    db = open_database(database_url)
    cache = SqlEmbeddingCache(db, chunk=2)
    v = {f"k{i}": np.arange(4, dtype=np.float32) + i for i in range(5)}
    cache.put_many("m", v)
    cache.put_many("m", {"k0": v["k0"]})  # -- a duplicate is ignored --
    got = cache.get_many("m", ["k0", "k3", "missing", "k4"])
    assert set(got) == {"k0", "k3", "k4"}
    assert np.array_equal(got["k3"], v["k3"]) and got["k3"].dtype == np.float32
    assert cache.get_many("other-model", ["k0"]) == {}
    db.dispose()
