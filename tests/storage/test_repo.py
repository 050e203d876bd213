"""Typed data round-trips through storage on SQLite and PostgreSQL."""

from __future__ import annotations

from docsieve.types import (
    Chunk,
    DocStatus,
    DocType,
    DocTypeGuess,
    Element,
    ElementKind,
    ParsedDocument,
    TableRow,
)
from storage import ledger, repo
from storage.db import open_database

TEXT = "ARTICLE 1 TERM\n\nThis Agreement lasts two years.\n\n| a | b |"


def _doc() -> ParsedDocument:
    return ParsedDocument(
        path="/tmp/c.txt",
        sha256="a" * 64,
        media_type="text/plain",
        parser="text",
        text=TEXT,
        pages=1,
        elements=[
            Element(
                kind=ElementKind.HEADING,
                text="ARTICLE 1 TERM",
                start=0,
                end=14,
                level=1,
                number="1",
            ),
            Element(
                kind=ElementKind.PARAGRAPH, text="This Agreement lasts two years.", start=16, end=47
            ),
            Element(
                kind=ElementKind.TABLE,
                text="| a | b |",
                start=49,
                end=58,
                rows=[TableRow(cells=["a", "b"], start=49, end=58)],
            ),
        ],
        doc_type=DocTypeGuess(doc_type=DocType.CONTRACT, confidence=0.9, signals=["ARTICLE"]),
    )


def _chunk(i: int, start: int, end: int) -> Chunk:
    return Chunk(
        id=f"c{i}",
        index=i,
        text=TEXT[start:end],
        heading_path=["ARTICLE 1 TERM"],
        page_start=1,
        page_end=1,
        start=start,
        end=end,
        tokens=5,
        chunker="contract",
    )


def test_document_and_chunks_round_trip(database_url: str) -> None:
    db = open_database(database_url)
    with db.session() as s:
        run = repo.start_run(s, "ingest", root="/tmp")
        row = repo.record_document(
            s,
            run_id=run.id or 0,
            path="/tmp/c.txt",
            sha256="a" * 64,
            size=58,
            status=DocStatus.OK,
            parsed=_doc(),
            tokens=12,
        )
        repo.add_run_item(s, run.id or 0, "/tmp/c.txt", DocStatus.OK, document_id=row.id)
        doc_id, run_id = row.id, run.id
    assert doc_id is not None and run_id is not None
    with db.session() as s:
        back = repo.load_parsed(s, doc_id)
        assert back.model_dump() == _doc().model_dump()
        assert [r.status for r in repo.run_items(s, run_id)] == ["ok"]
        assert [d.id for d in repo.ok_documents(s, run_id)] == [doc_id]

        first = repo.save_chunk_set(
            s, doc_id, "contract", "h1", {"max_tokens": 512}, [_chunk(0, 0, 47), _chunk(1, 49, 58)]
        )
        # -- same options: the stored set is reused, not duplicated --
        assert repo.save_chunk_set(s, doc_id, "contract", "h1", {}, []).id == first.id
        # -- other options: a new set, the old one is kept --
        second = repo.save_chunk_set(
            s, doc_id, "contract", "h2", {"max_tokens": 256}, [_chunk(0, 0, 58)]
        )
        assert [c.id for c in repo.chunk_sets(s, doc_id)] == [first.id, second.id]
        assert [c.text for c in repo.load_chunks(s, first.id or 0)] == [TEXT[:47], TEXT[49:58]]
        assert first.total_tokens == 10

        ledger.record(s, run_id, doc_id, "document", tokens_in=100)
        ledger.record(s, run_id, doc_id, "select", tokens_in=20, seconds=0.5)
        ledger.record(s, run_id, doc_id, "select", tokens_in=25, seconds=0.5)  # -- overwrite --
        f = ledger.funnel(s, run_id)
        assert f.total("select").tokens_in == 25
        assert f.selected_fraction == 0.25
    db.dispose()


def test_failed_document_is_recorded_with_reason(database_url: str) -> None:
    db = open_database(database_url)
    with db.session() as s:
        run = repo.start_run(s, "ingest")
        row = repo.record_document(
            s,
            run_id=run.id or 0,
            path="/tmp/x.pdf",
            sha256="b" * 64,
            size=0,
            status=DocStatus.FAILED,
            reason="empty file",
        )
    with db.session() as s:
        found = repo.find_document(s, "/tmp/x.pdf", "b" * 64)
        assert found is not None and found.id == row.id
        assert (found.status, found.reason) == ("failed", "empty file")
    db.dispose()
