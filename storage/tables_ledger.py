"""Tables for the token and cost ledger and for budget reservations.

``ledger`` holds one row per (run, document, stage) with the tokens that went
in and out of the stage, its cost and compute time. ``budgets`` holds limits
and reservations; a reservation is taken by one conditional UPDATE, which is
atomic on SQLite and PostgreSQL alike, so parallel tasks cannot overspend.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.tables import utcnow


class LedgerRow(SQLModel, table=True):
    __tablename__ = "ledger"
    __table_args__ = (
        UniqueConstraint("run_id", "document_id", "stage", name="uq_ledger_entry"),
        Index("ix_ledger_run", "run_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="runs.id")
    document_id: int = Field(foreign_key="documents.id")
    stage: str = Field(max_length=32)  # document, chunk, select, analyze, baseline
    tokens_in: int = 0
    tokens_out: int = 0
    cache_write_tokens: int = 0
    cache_read_tokens: int = 0
    cost_usd: float = 0.0
    seconds: float = 0.0
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    created_at: datetime = Field(default_factory=utcnow)
    # -- migration 7: the package this entry belongs to; stage 2 of a package is recorded
    #    once, on its lead document --
    package_id: int | None = None


class BudgetRow(SQLModel, table=True):
    __tablename__ = "budgets"
    __table_args__ = (UniqueConstraint("run_id", "scope", "document_id", name="uq_budget"),)

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="runs.id", index=True)
    scope: str = Field(max_length=16)  # run or document
    document_id: int = Field(default=0)  # 0 for the run-wide budget
    limit_tokens: int | None = None
    limit_usd: float | None = None
    reserved_tokens: int = 0
    reserved_usd: float = 0.0
    spent_tokens: int = 0
    spent_usd: float = 0.0


class LeaseRow(SQLModel, table=True):
    """Who owns a run (or a stage-2 slot) and until when; an expired lease is free.

    ``expires_at`` is epoch seconds (one type on every backend); the holder renews it
    while it works (:class:`storage.leases.LeaseKeeper`), so a killed holder's lease
    lapses within its time to live.
    """

    __tablename__ = "leases"

    name: str = Field(primary_key=True, max_length=200)
    owner: str = Field(max_length=200)
    run_id: int | None = None
    acquired_at: float
    expires_at: float
