"""Accounting: the funnel entries of a document, its whole-document baseline, the cost model."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzers.pricing import PriceTable
from docsieve.analysis import Usage
from docsieve.selection import DocumentSelection, QuestionSelection, SelectedChunk
from docsieve.types import Chunk
from storage import accounting, ledger, repo
from storage.calls_repo import CallStore
from storage.db import open_database
from storage.tables import DocumentRow

REPO = Path(__file__).resolve().parents[2]
MODEL = "claude-sonnet-4-5"


def _selection(tokens: int) -> DocumentSelection:
    chunk = SelectedChunk(
        chunk_id="c1",
        text="x",
        page_start=1,
        page_end=1,
        start=0,
        end=1,
        tokens=tokens,
        score=0.9,
        rank=1,
    )
    return DocumentSelection(
        document_sha="0" * 64,
        path="/a.txt",
        profile="contract",
        scorer="test",
        document_tokens=5000,
        questions=[QuestionSelection(question_id="q", threshold=0.5, chunks=[chunk])],
    )


def test_funnel_baseline_and_cost_model(database_url: str) -> None:
    db = open_database(database_url)
    prices = PriceTable.load(REPO / "data")
    with db.session() as s:
        run_id = repo.start_run(s, "run").id
        doc = DocumentRow(path="/a.txt", sha256="0" * 64, status="ok")
        s.add(doc)
        s.flush()
        doc_id = doc.id
    assert run_id is not None and doc_id is not None
    CallStore(db).log_call(
        run_id=run_id,
        document_id=doc_id,
        provider="anthropic",
        model=MODEL,
        status="ok",
        input_tokens=900,
        output_tokens=100,
        cost_usd=0.0042,
    )
    sel = _selection(800)
    chunks = [
        Chunk(
            id=f"k{i}",
            index=i,
            text="t",
            page_start=1,
            page_end=1,
            start=0,
            end=1,
            tokens=t,
            chunker="contract",
        )
        for i, t in enumerate([3000, 1800])
    ]
    with db.session() as s:
        accounting.record_stage1(
            s,
            run_id,
            doc_id,
            doc_tokens=5000,
            chunker="contract",
            chunks=chunks,
            chunk_seconds=1.5,
            chunks_reused=False,
            selection=sel,
            select_seconds=0.5,
        )
        accounting.record_stage2(
            s,
            run_id,
            doc_id,
            doc_tokens=5000,
            selection=sel,
            analysis=None,
            degraded=[],
            reason=None,
            prices=prices,
            reference_model=MODEL,
            encoding="cl100k_base",
        )
    with db.session() as s:
        f = ledger.funnel(s, run_id)
        m = accounting.build_cost_model(
            s, run_id=run_id, volume=1000, gpu_usd_per_hour=2.0, selfhosted_docs_per_hour=None
        )
    entries = f.per_document[doc_id]
    assert (entries["document"].tokens_in, entries["chunk"].tokens_in) == (5000, 4800)
    assert entries["select"].tokens_in == 800 and entries["chunk"].seconds == 1.5
    # -- the analyze entry is the call log's; no request stored: the ratio is the
    #    provider's 900 over the selection's 800 local tokens --
    assert (entries["analyze"].tokens_in, entries["analyze"].cost_usd) == (900, 0.0042)
    base = entries["baseline"]
    assert base.tokens_in == round(5000 * 900 / 800) and base.tokens_out == 100
    assert base.cost_usd == pytest.approx(
        prices.cost(Usage(input_tokens=base.tokens_in, output_tokens=100), MODEL)
    )
    assert base.detail["reference_model"] == MODEL
    assert m.documents == 1 and m.api_usd_per_doc == pytest.approx(0.0042)
    assert m.baseline_usd_per_doc == pytest.approx(base.cost_usd)
    assert m.stage1_seconds_per_doc == pytest.approx(2.0)
    assert m.selfhosted_docs_per_hour == pytest.approx(1800.0)  # -- 3600 s / 2 s of stage 1 --
    db.dispose()
