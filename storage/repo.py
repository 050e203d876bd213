"""Convert between typed stage data and rows: runs, documents, elements, chunks.

Functions take an open ``Session`` so callers decide the transaction. Nothing
here knows about Prefect or the CLI.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, insert
from sqlmodel import Session, col, select

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
from storage.tables import ChunkRow, ChunkSetRow, DocumentRow, ElementRow, RunItemRow, RunRow


def _now() -> datetime:
    return datetime.now(UTC)


# -- runs ---------------------------------------------------------------------------------------


def start_run(
    s: Session,
    kind: str,
    *,
    root: str | None = None,
    profile: str | None = None,
    settings_json: dict[str, Any] | None = None,
) -> RunRow:
    run = RunRow(kind=kind, root=root, profile=profile, settings_json=settings_json or {})
    s.add(run)
    s.flush()
    return run


def finish_run(s: Session, run_id: int, status: str, summary: dict[str, Any]) -> RunRow:
    run = s.get(RunRow, run_id)
    assert run is not None, f"run {run_id} vanished"
    run.status = status
    run.summary_json = summary
    run.finished_at = _now()
    s.add(run)
    return run


def set_prefect_id(s: Session, run_id: int, flow_run_id: str | None) -> None:
    run = s.get(RunRow, run_id)
    if run is not None and flow_run_id:
        run.prefect_flow_run_id = flow_run_id
        s.add(run)


def add_run_item(
    s: Session,
    run_id: int,
    path: str,
    status: DocStatus | str,
    *,
    reason: str | None = None,
    document_id: int | None = None,
    stage: str = "ingest",
) -> RunItemRow:
    item = RunItemRow(
        run_id=run_id,
        path=path,
        status=str(status),
        reason=reason,
        document_id=document_id,
        stage=stage,
    )
    s.add(item)
    s.flush()
    return item


def get_run(s: Session, run_id: int) -> RunRow | None:
    return s.get(RunRow, run_id)


def latest_run_id(s: Session, kind: str | None = None) -> int | None:
    """The newest run (of ``kind``, if given)."""
    q = select(RunRow.id).order_by(col(RunRow.id).desc())
    if kind:
        q = q.where(RunRow.kind == kind)
    return s.exec(q).first()


def unfinished_run_id(s: Session, kind: str, root: str, profile: str | None) -> int | None:
    """The latest run of this kind, folder and profile, if it did not complete."""
    run = s.exec(
        select(RunRow)
        .where(RunRow.kind == kind, RunRow.root == root, RunRow.profile == profile)
        .order_by(col(RunRow.id).desc())
    ).first()
    if run is not None and run.status != "completed":
        return run.id
    return None


def run_items(s: Session, run_id: int, stage: str | None = None) -> list[RunItemRow]:
    q = select(RunItemRow).where(RunItemRow.run_id == run_id)
    if stage:
        q = q.where(RunItemRow.stage == stage)
    return list(s.exec(q.order_by(col(RunItemRow.id))))


# -- documents ----------------------------------------------------------------------------------


def find_document(s: Session, path: str, sha256: str) -> DocumentRow | None:
    return s.exec(
        select(DocumentRow).where(DocumentRow.path == path, DocumentRow.sha256 == sha256)
    ).first()


def reusable_document(
    s: Session, path: str, sha256: str, fingerprint: str, *, retry_failed: bool = False
) -> DocumentRow | None:
    """The stored version of this file to reuse instead of parsing it again, if any.

    A parse is reused; a failure too, unless it failed for a limit or a transient fault
    (or before kinds were stored) under other parse settings, or ``retry_failed``.
    """
    row = find_document(s, path, sha256)
    if row is None or row.status == DocStatus.OK.value:
        return row
    if retry_failed:
        return None
    if row.failure_kind == "content":
        return row
    return row if row.parse_fingerprint == fingerprint else None


def get_document(s: Session, document_id: int) -> DocumentRow | None:
    return s.get(DocumentRow, document_id)


def document_tokens(s: Session, document_id: int) -> int:
    """Tokens of the whole document text (0 when unknown)."""
    row = s.get(DocumentRow, document_id)
    return (row.tokens if row else None) or 0


def parsed_paths(s: Session, document_ids: list[int]) -> dict[int, str]:
    """Document id -> path of each document among ``document_ids`` that parsed, in order."""
    out: dict[int, str] = {}
    for doc_id in document_ids:
        if doc_id in out:
            continue
        d = s.get(DocumentRow, doc_id)
        if d is not None and d.status == DocStatus.OK.value:
            out[doc_id] = d.path
    return out


def record_document(
    s: Session,
    *,
    run_id: int,
    path: str,
    sha256: str,
    size: int,
    status: DocStatus,
    reason: str | None = None,
    parsed: ParsedDocument | None = None,
    tokens: int | None = None,
    media_type: str | None = None,
    failure_kind: str | None = None,
    fingerprint: str | None = None,
) -> DocumentRow:
    """Insert (or replace) the row for this file version, with its elements when parsed;
    ``failure_kind`` and the parse settings' ``fingerprint``: see ``reusable_document``."""
    row = find_document(s, path, sha256)
    if row is None:
        row = DocumentRow(path=path, sha256=sha256, status=str(status), first_run_id=run_id)
    else:
        s.connection().execute(
            delete(ElementRow.__table__).where(ElementRow.__table__.c.document_id == row.id)  # type: ignore[attr-defined]
        )
    row.size_bytes = size
    row.status = str(status)
    row.reason = reason
    row.media_type = media_type
    row.failure_kind = None if status == DocStatus.OK else (failure_kind or "content")
    row.parse_fingerprint = fingerprint
    row.updated_at = _now()
    if parsed is not None:
        row.media_type = parsed.media_type
        row.parser = parsed.parser
        row.pages = parsed.pages
        row.title = parsed.title
        row.text = parsed.text
        row.tokens = tokens
        row.warnings = list(parsed.warnings)
        if parsed.doc_type is not None:
            row.doc_type = parsed.doc_type.doc_type.value
            row.doc_type_confidence = parsed.doc_type.confidence
            row.doc_type_signals = list(parsed.doc_type.signals)
    s.add(row)
    s.flush()
    if parsed is not None and parsed.elements:
        assert row.id is not None
        # -- one executemany instead of an ORM object per element: documents have hundreds --
        s.connection().execute(
            insert(ElementRow.__table__),  # type: ignore[attr-defined]
            [_element_values(row.id, i, e) for i, e in enumerate(parsed.elements)],
        )
    return row


def _element_values(document_id: int, seq: int, e: Element) -> dict[str, Any]:
    return {
        "document_id": document_id,
        "seq": seq,
        "kind": e.kind.value,
        "text": e.text,
        "page": e.page,
        "page_end": e.page_end,
        "start": e.start,
        "end": e.end,
        "level": e.level,
        "number": e.number,
        "rows_json": [r.model_dump() for r in e.rows] if e.rows is not None else None,
        "meta_json": e.meta,
    }


def load_parsed(s: Session, document_id: int) -> ParsedDocument:
    """Rebuild the typed document from its rows."""
    row = s.get(DocumentRow, document_id)
    if row is None:
        raise KeyError(f"no document {document_id}")
    els = s.exec(
        select(ElementRow)
        .where(ElementRow.document_id == document_id)
        .order_by(col(ElementRow.seq))
    )
    elements = [
        Element(
            kind=ElementKind(e.kind),
            text=e.text,
            page=e.page,
            page_end=e.page_end,
            start=e.start,
            end=e.end,
            level=e.level,
            number=e.number,
            rows=[TableRow(**r) for r in e.rows_json] if e.rows_json is not None else None,
            meta=e.meta_json or {},
        )
        for e in els
    ]
    guess = None
    if row.doc_type:
        guess = DocTypeGuess(
            doc_type=DocType(row.doc_type),
            confidence=row.doc_type_confidence or 0.0,
            signals=list(row.doc_type_signals or []),
        )
    return ParsedDocument(
        path=row.path,
        sha256=row.sha256,
        media_type=row.media_type or "",
        parser=row.parser or "",
        text=row.text or "",
        pages=row.pages or 0,
        elements=elements,
        doc_type=guess,
        title=row.title,
        warnings=list(row.warnings or []),
    )


def set_doc_type(s: Session, document_id: int, guess: DocTypeGuess) -> None:
    row = s.get(DocumentRow, document_id)
    assert row is not None
    row.doc_type = guess.doc_type.value
    row.doc_type_confidence = guess.confidence
    row.doc_type_signals = list(guess.signals)
    s.add(row)


def ok_documents(s: Session, run_id: int | None = None) -> list[DocumentRow]:
    """Documents parsed successfully; with ``run_id``, those the run touched."""
    q = select(DocumentRow).where(DocumentRow.status == DocStatus.OK.value)
    if run_id is not None:
        ids = select(RunItemRow.document_id).where(RunItemRow.run_id == run_id)
        q = q.where(col(DocumentRow.id).in_(ids))
    return list(s.exec(q.order_by(col(DocumentRow.id))))


# -- chunks -------------------------------------------------------------------------------------


def find_chunk_set(
    s: Session, document_id: int, chunker: str, options_hash: str
) -> ChunkSetRow | None:
    return s.exec(
        select(ChunkSetRow).where(
            ChunkSetRow.document_id == document_id,
            ChunkSetRow.chunker == chunker,
            ChunkSetRow.options_hash == options_hash,
        )
    ).first()


def save_chunk_set(
    s: Session,
    document_id: int,
    chunker: str,
    options_hash: str,
    options: dict[str, Any],
    chunks: list[Chunk],
) -> ChunkSetRow:
    """Store chunks as a new set; an identical set (same options) is returned as is."""
    existing = find_chunk_set(s, document_id, chunker, options_hash)
    if existing is not None:
        return existing
    cs = ChunkSetRow(
        document_id=document_id,
        chunker=chunker,
        options_hash=options_hash,
        options_json=options,
        chunk_count=len(chunks),
        total_tokens=sum(c.tokens for c in chunks),
    )
    s.add(cs)
    s.flush()
    assert cs.id is not None
    if chunks:
        s.connection().execute(
            insert(ChunkRow.__table__),  # type: ignore[attr-defined]
            [
                {
                    "chunk_id": c.id,
                    "chunk_set_id": cs.id,
                    "seq": c.index,
                    "text": c.text,
                    "heading_path": c.heading_path,
                    "page_start": c.page_start,
                    "page_end": c.page_end,
                    "start": c.start,
                    "end": c.end,
                    "tokens": c.tokens,
                    "kind": c.kind,
                }
                for c in chunks
            ],
        )
    return cs


def load_chunks(s: Session, chunk_set_id: int) -> list[Chunk]:
    cs = s.get(ChunkSetRow, chunk_set_id)
    if cs is None:
        raise KeyError(f"no chunk set {chunk_set_id}")
    rows = s.exec(
        select(ChunkRow).where(ChunkRow.chunk_set_id == chunk_set_id).order_by(col(ChunkRow.seq))
    )
    return [
        Chunk(
            id=r.chunk_id,
            index=r.seq,
            text=r.text,
            heading_path=list(r.heading_path),
            page_start=r.page_start,
            page_end=r.page_end,
            start=r.start,
            end=r.end,
            tokens=r.tokens,
            chunker=cs.chunker,
            kind=r.kind,
        )
        for r in rows
    ]


def chunk_sets(s: Session, document_id: int) -> list[ChunkSetRow]:
    return list(
        s.exec(
            select(ChunkSetRow)
            .where(ChunkSetRow.document_id == document_id)
            .order_by(col(ChunkSetRow.id))
        )
    )
