"""sqlmodel tables for runs, documents, parsed elements and chunks.

Tables of later stages live in their own modules (``tables_select``,
``tables_analysis``...) so each migration creates only its own tables.
JSON payloads use SQLAlchemy's JSON type: JSONB-like on PostgreSQL, text on SQLite.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class RunRow(SQLModel, table=True):
    """One invocation of a flow (ingest, chunk, select, analyze or the whole run)."""

    __tablename__ = "runs"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32, index=True)
    status: str = Field(default="running", max_length=32)
    root: str | None = Field(default=None, sa_column=Column(Text))
    profile: str | None = Field(default=None, max_length=200)
    settings_json: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    summary_json: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    prefect_flow_run_id: str | None = Field(default=None, max_length=64)
    started_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None


class DocumentRow(SQLModel, table=True):
    """One version (by content hash) of one file."""

    __tablename__ = "documents"
    __table_args__ = (
        UniqueConstraint("path", "sha256", name="uq_documents_path_sha"),
        Index("ix_documents_sha", "sha256"),
    )

    id: int | None = Field(default=None, primary_key=True)
    path: str = Field(sa_column=Column(Text, nullable=False))
    sha256: str = Field(max_length=64)
    size_bytes: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    media_type: str | None = Field(default=None, max_length=100)
    status: str = Field(max_length=32, index=True)
    reason: str | None = Field(default=None, sa_column=Column(Text))
    parser: str | None = Field(default=None, max_length=64)
    doc_type: str | None = Field(default=None, max_length=32)
    doc_type_confidence: float | None = None
    doc_type_signals: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    title: str | None = Field(default=None, sa_column=Column(Text))
    pages: int | None = None
    tokens: int | None = None
    text: str | None = Field(default=None, sa_column=Column(Text))
    warnings: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    first_run_id: int | None = Field(default=None, foreign_key="runs.id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    # -- migration 5: content, limit or transient (failed documents), and the parse
    #    settings the file was read with, so a limit failure is retried when they change --
    failure_kind: str | None = Field(default=None, max_length=16)
    parse_fingerprint: str | None = Field(default=None, max_length=64)


class RunItemRow(SQLModel, table=True):
    """What one run did with one file: the rows of the ingest summary."""

    __tablename__ = "run_items"

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="runs.id", index=True)
    document_id: int | None = Field(default=None, foreign_key="documents.id", index=True)
    path: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(max_length=32)
    reason: str | None = Field(default=None, sa_column=Column(Text))
    stage: str = Field(default="ingest", max_length=32)
    created_at: datetime = Field(default_factory=utcnow)


class ElementRow(SQLModel, table=True):
    """One parsed element (heading, paragraph, table...) of a document."""

    __tablename__ = "elements"
    __table_args__ = (Index("ix_elements_doc_seq", "document_id", "seq"),)

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="documents.id")
    seq: int
    kind: str = Field(max_length=32)
    text: str = Field(sa_column=Column(Text, nullable=False))
    page: int
    page_end: int | None = None
    start: int
    end: int
    level: int | None = None
    number: str | None = Field(default=None, max_length=64)
    rows_json: list[dict[str, Any]] | None = Field(default=None, sa_column=Column(JSON))
    meta_json: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))


class ChunkSetRow(SQLModel, table=True):
    """Chunks of one document made by one chunker with one set of options.

    Re-chunking with other options makes a new set; old sets are kept.
    """

    __tablename__ = "chunk_sets"
    __table_args__ = (
        UniqueConstraint("document_id", "chunker", "options_hash", name="uq_chunk_sets"),
    )

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="documents.id", index=True)
    chunker: str = Field(max_length=32)
    options_hash: str = Field(max_length=64)
    options_json: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    chunk_count: int = 0
    total_tokens: int = 0
    created_at: datetime = Field(default_factory=utcnow)


class ChunkRow(SQLModel, table=True):
    __tablename__ = "chunks"
    __table_args__ = (Index("ix_chunks_set_seq", "chunk_set_id", "seq"),)

    pk: int | None = Field(default=None, primary_key=True)
    chunk_id: str = Field(max_length=64, index=True)
    chunk_set_id: int = Field(foreign_key="chunk_sets.id")
    seq: int
    text: str = Field(sa_column=Column(Text, nullable=False))
    heading_path: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    page_start: int
    page_end: int
    start: int
    end: int
    tokens: int
    kind: str = Field(default="section", max_length=32)
