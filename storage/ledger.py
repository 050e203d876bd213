"""The token and cost ledger: write one entry per (run, document, stage), read the funnel.

Stages, in funnel order:
  ``document``  tokens of the whole document text (tiktoken estimate);
  ``chunk``     tokens of all chunks (contextualised form) and the chunking time;
  ``select``    tokens of the selected sections (union over questions), stage-1 time;
  ``analyze``   stage-2 input, output and cache tokens and cost, from the call log;
  ``baseline``  what sending the whole document to the same model would have cost.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from storage.tables_ledger import LedgerRow

STAGES = ("document", "chunk", "select", "analyze", "baseline")


def record(
    s: Session,
    run_id: int,
    document_id: int,
    stage: str,
    *,
    tokens_in: int = 0,
    tokens_out: int = 0,
    cache_write_tokens: int = 0,
    cache_read_tokens: int = 0,
    cost_usd: float = 0.0,
    seconds: float = 0.0,
    detail: dict[str, Any] | None = None,
    package_id: int | None = None,
) -> LedgerRow:
    """Write (or overwrite) the entry of one stage for one document of one run."""
    if stage not in STAGES:
        raise ValueError(f"unknown ledger stage {stage!r}; valid: {', '.join(STAGES)}")
    row = s.exec(
        select(LedgerRow).where(
            LedgerRow.run_id == run_id,
            LedgerRow.document_id == document_id,
            LedgerRow.stage == stage,
        )
    ).first()
    if row is None:
        row = LedgerRow(run_id=run_id, document_id=document_id, stage=stage)
    row.tokens_in, row.tokens_out = tokens_in, tokens_out
    row.cache_write_tokens, row.cache_read_tokens = cache_write_tokens, cache_read_tokens
    row.cost_usd, row.seconds, row.detail = cost_usd, seconds, detail or {}
    row.package_id = package_id
    s.add(row)
    s.flush()
    return row


@dataclass
class StageTotals:
    tokens_in: int = 0
    tokens_out: int = 0
    cache_write_tokens: int = 0
    cache_read_tokens: int = 0
    cost_usd: float = 0.0
    seconds: float = 0.0
    documents: int = 0

    def add(self, r: LedgerRow) -> None:
        self.tokens_in += r.tokens_in
        self.tokens_out += r.tokens_out
        self.cache_write_tokens += r.cache_write_tokens
        self.cache_read_tokens += r.cache_read_tokens
        self.cost_usd += r.cost_usd
        self.seconds += r.seconds
        self.documents += 1


@dataclass
class Funnel:
    run_id: int
    stages: dict[str, StageTotals] = field(default_factory=dict)
    per_document: dict[int, dict[str, LedgerRow]] = field(default_factory=dict)

    def total(self, stage: str) -> StageTotals:
        return self.stages.get(stage, StageTotals())

    @property
    def saving_usd(self) -> float:
        return self.total("baseline").cost_usd - self.total("analyze").cost_usd

    @property
    def selected_fraction(self) -> float:
        doc = self.total("document").tokens_in
        return self.total("select").tokens_in / doc if doc else 0.0


def funnel(s: Session, run_id: int) -> Funnel:
    """Totals per stage and entries per document for one run."""
    f = Funnel(run_id=run_id)
    rows = s.exec(
        select(LedgerRow).where(LedgerRow.run_id == run_id).order_by(col(LedgerRow.document_id))
    )
    for r in rows:
        f.stages.setdefault(r.stage, StageTotals()).add(r)
        f.per_document.setdefault(r.document_id, {})[r.stage] = r
    return f
