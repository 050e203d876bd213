"""sqlmodel tables of stage 1c (selection) and the chunk-embedding cache.

``selection_docs`` holds one row per (run, document): what is needed to rebuild a
:class:`~docsieve.selection.DocumentSelection`. ``selections`` holds one row per
(run, document, question, chunk) with the decision, score and rank; kept chunks
also carry a snapshot of the chunk (text, span, pages) so a selection can be read
back without its chunk set. ``embedding_cache`` stores chunk embeddings keyed by
(model, sha256 of the embedded text) as float32 bytes. ``packages`` holds the
solicitation packages of a run (ADR 0010): the folder, its member documents
(lead first) and the rule that grouped them; a package's selection is stored
under its lead document with ``package_id`` set.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.tables import utcnow


class SelectionDocRow(SQLModel, table=True):
    __tablename__ = "selection_docs"
    __table_args__ = (UniqueConstraint("run_id", "document_id", name="uq_selection_docs"),)

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="runs.id", index=True)
    document_id: int = Field(foreign_key="documents.id", index=True)
    document_sha: str = Field(max_length=64)
    path: str = Field(sa_column=Column(Text, nullable=False))
    profile: str = Field(max_length=200)
    scorer: str = Field(max_length=64)
    document_tokens: int = 0
    selected_tokens: int = 0
    # -- question ids in profile order, with their thresholds --
    questions_json: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    schema_version: int = 1
    created_at: datetime = Field(default_factory=utcnow)
    # -- migration 7: set when the selection is a package's (stored under its lead document) --
    package_id: int | None = None


class SelectionRow(SQLModel, table=True):
    __tablename__ = "selections"
    __table_args__ = (
        UniqueConstraint("run_id", "document_id", "question_id", "chunk_id", name="uq_selections"),
        Index("ix_selections_run_doc", "run_id", "document_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="runs.id")
    document_id: int = Field(foreign_key="documents.id")
    question_id: str = Field(max_length=100)
    chunk_id: str = Field(max_length=64)
    kept: bool
    score: float
    rank: int
    reason: str = Field(max_length=200)
    # -- order of the kept chunk within its question's selection; None when dropped --
    position: int | None = None
    chunk_json: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))


class EmbeddingRow(SQLModel, table=True):
    __tablename__ = "embedding_cache"

    model: str = Field(max_length=300, primary_key=True)
    text_sha: str = Field(max_length=64, primary_key=True)
    dim: int
    vector: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class PackageRow(SQLModel, table=True):
    __tablename__ = "packages"
    __table_args__ = (UniqueConstraint("run_id", "root", name="uq_packages"),)

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="runs.id", index=True)
    label: str = Field(max_length=300)
    root: str = Field(sa_column=Column(Text, nullable=False))
    rule: str = Field(default="", max_length=200)
    lead_document_id: int = Field(foreign_key="documents.id")
    # -- member document ids and paths, lead first --
    document_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON))
    files: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    created_at: datetime = Field(default_factory=utcnow)
