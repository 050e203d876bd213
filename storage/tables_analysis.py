"""sqlmodel tables of stage 2: the model-call log, the response cache, and analyses.

``model_calls`` holds every provider call (attempts that failed included) with
the full request and response JSON, usage, cost and latency; API keys and
auth headers are never part of them. ``response_cache`` maps the hash of a
normalised request to the validated response, so no identical request is
paid twice. ``document_analyses`` holds stage 2's result per run and document.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, Text
from sqlmodel import Field, SQLModel

from storage.tables import utcnow


class ModelCallRow(SQLModel, table=True):
    __tablename__ = "model_calls"
    __table_args__ = (
        Index("ix_model_calls_run_doc", "run_id", "document_id"),
        Index("ix_model_calls_hash", "request_hash"),
    )

    id: int | None = Field(default=None, primary_key=True)
    run_id: int | None = None
    document_id: int | None = None
    stage: str = Field(default="analyze", max_length=32)
    provider: str = Field(max_length=32)
    model: str = Field(max_length=200)
    attempt: int = 1
    status: str = Field(max_length=32, description="ok, error, invalid, cache_hit")
    error_kind: str | None = Field(default=None, max_length=64)
    error_message: str | None = Field(default=None, sa_column=Column(Text))
    fallback_reason: str | None = Field(default=None, sa_column=Column(Text))
    request_hash: str | None = Field(default=None, max_length=64)
    batch: bool = False
    request_json: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    wire_request_json: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    response_json: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    input_tokens: int = 0
    output_tokens: int = 0
    cache_write_tokens: int = 0
    cache_read_tokens: int = 0
    estimated_input_tokens: int | None = None
    estimate_source: str | None = Field(default=None, max_length=32)
    cost_usd: float | None = None
    latency_s: float = 0.0
    created_at: datetime = Field(default_factory=utcnow)
    # -- migration 6: the Message Batch an item was sent in, so a resumed run collects it --
    batch_id: str | None = Field(default=None, max_length=100)


class ResponseCacheRow(SQLModel, table=True):
    __tablename__ = "response_cache"

    request_hash: str = Field(primary_key=True, max_length=64)
    content_hash: str = Field(max_length=64, index=True)
    provider: str = Field(max_length=32)
    model: str = Field(max_length=200)
    response_json: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    call_id: int | None = None
    created_at: datetime = Field(default_factory=utcnow)


class DocumentAnalysisRow(SQLModel, table=True):
    __tablename__ = "document_analyses"
    __table_args__ = (Index("ix_document_analyses_run_doc", "run_id", "document_id"),)

    id: int | None = Field(default=None, primary_key=True)
    run_id: int | None = None
    document_id: int | None = None
    document_sha: str = Field(max_length=64)
    profile: str = Field(max_length=200)
    status: str = Field(max_length=32, index=True)
    reason: str | None = Field(default=None, sa_column=Column(Text))
    provider: str | None = Field(default=None, max_length=32)
    model: str | None = Field(default=None, max_length=200)
    request_hash: str | None = Field(default=None, max_length=64)
    input_tokens: int = 0
    output_tokens: int = 0
    cache_write_tokens: int = 0
    cache_read_tokens: int = 0
    cost_usd: float | None = None
    analysis_json: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    created_at: datetime = Field(default_factory=utcnow)
    # -- migration 7: the package answered (its lead document is ``document_id``) --
    package_id: int | None = None
