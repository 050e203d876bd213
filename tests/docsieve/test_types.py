"""The data passed between stages is frozen: a stage builds new objects, never edits one."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from docsieve.types import (
    Chunk,
    DocStatus,
    DocType,
    DocTypeGuess,
    Element,
    ElementKind,
    IngestResult,
    ParsedDocument,
    TableRow,
)


def _doc() -> ParsedDocument:
    row = TableRow(cells=["a", "b"], start=0, end=5)
    el = Element(kind=ElementKind.TABLE, text="a | b", start=0, end=5, rows=[row])
    return ParsedDocument(
        path="x.txt",
        sha256="0" * 64,
        media_type="text/plain",
        parser="text",
        text="a | b",
        pages=1,
        elements=[el],
        doc_type=DocTypeGuess(doc_type=DocType.OTHER, confidence=0.5),
    )


def test_parsed_documents_and_their_parts_are_frozen() -> None:
    doc = _doc()
    with pytest.raises(ValidationError, match="frozen"):
        doc.sha256 = "1" * 64  # type: ignore[misc]
    with pytest.raises(ValidationError, match="frozen"):
        doc.elements[0].page = 2  # type: ignore[misc]
    assert doc.elements[0].rows is not None
    with pytest.raises(ValidationError, match="frozen"):
        doc.elements[0].rows[0].start = 1  # type: ignore[misc]
    assert doc.doc_type is not None
    with pytest.raises(ValidationError, match="frozen"):
        doc.doc_type.confidence = 1.0  # type: ignore[misc]


def test_chunks_and_ingest_results_are_frozen_and_copied_on_change() -> None:
    chunk = Chunk(
        id="c0", index=0, text="t", page_start=1, page_end=1, start=0, end=1, tokens=1, chunker="x"
    )
    with pytest.raises(ValidationError, match="frozen"):
        chunk.index = 3  # type: ignore[misc]
    moved = chunk.model_copy(update={"index": 3})
    assert (moved.index, chunk.index) == (3, 0)
    result = IngestResult(path="x.txt", status=DocStatus.OK)
    with pytest.raises(ValidationError, match="frozen"):
        result.status = DocStatus.FAILED  # type: ignore[misc]
