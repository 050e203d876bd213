"""Accounting: the ledger entries of a document, the whole-document baseline, the cost model.

Stage 1 writes three funnel entries (``document``, ``chunk``, ``select``);
stage 2 writes ``analyze`` from the call log, so report and log always agree,
and ``baseline``: what sending the whole document to the same model would
have cost. :func:`build_cost_model` turns the ledger into the figures behind
``docsieve cost``: per document, per month at a volume, and the break-even
of a self-hosted model on a rented GPU.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from sqlmodel import Session, col, select

from analyzers.pricing import PriceTable
from docsieve.analysis import AnalysisRequest, DocumentAnalysis, Usage
from docsieve.selection import DocumentSelection
from docsieve.tokens import count_tokens
from docsieve.types import Chunk
from storage import ledger
from storage.calls_repo import call_totals
from storage.tables_ledger import LedgerRow

HOURS_PER_MONTH = 730.0


def record_stage1(
    s: Session,
    run_id: int,
    document_id: int,
    *,
    doc_tokens: int,
    chunker: str,
    chunks: list[Chunk],
    chunk_seconds: float,
    chunks_reused: bool,
    selection: DocumentSelection,
    select_seconds: float,
    package_id: int | None = None,
) -> None:
    """Write the document, chunk and select entries of the funnel.

    A member of a package passes its share of the package selection and the package id.
    """
    ledger.record(s, run_id, document_id, "document", tokens_in=doc_tokens, package_id=package_id)
    ledger.record(
        s,
        run_id,
        document_id,
        "chunk",
        tokens_in=sum(c.tokens for c in chunks),
        seconds=chunk_seconds,
        detail={"chunker": chunker, "chunks": len(chunks), "reused": chunks_reused},
        package_id=package_id,
    )
    ledger.record(
        s,
        run_id,
        document_id,
        "select",
        tokens_in=selection.selected_tokens,
        seconds=select_seconds,
        detail={"scorer": selection.scorer, "profile": selection.profile},
        package_id=package_id,
    )


def local_request_tokens(request: AnalysisRequest, encoding: str) -> int:
    """The request counted with the local tokenizer, the one document and selection use.

    Not a budget estimate (providers make those): the baseline divides the
    provider's count of what was sent by this one, so the ratio converts the
    local token counts of the whole document into the provider's tokens.
    """
    return count_tokens(
        request.model_dump_json(include={"instructions", "sections", "questions", "answer_schema"}),
        encoding,
    )


def record_stage2(
    s: Session,
    run_id: int,
    document_id: int,
    *,
    doc_tokens: int,
    selection: DocumentSelection,
    analysis: DocumentAnalysis | None,
    degraded: list[str],
    reason: str | None,
    prices: PriceTable,
    reference_model: str,
    encoding: str,
    package_id: int | None = None,
) -> None:
    """Write the analyze entry (from the call log) and the whole-document baseline.

    A package's stage 2 is recorded once, on its lead document, with the package's
    tokens as ``doc_tokens`` (the baseline sends every file whole).

    ``reference_model`` prices the baseline when the serving model has no
    price (an offline analyzer), and is quoted as the API reference.
    """
    totals = call_totals(s, run_id, document_id)
    u = totals.usage
    a = analysis
    ledger.record(
        s,
        run_id,
        document_id,
        "analyze",
        tokens_in=u.input_tokens,
        tokens_out=u.output_tokens,
        cache_write_tokens=u.cache_write_tokens,
        cache_read_tokens=u.cache_read_tokens,
        cost_usd=totals.cost_usd,
        detail={
            "calls": totals.calls,
            "status": a.status if a else "deferred",
            "provider": a.provider if a else None,
            "model": a.model if a else None,
            "degraded": degraded,
            "reason": reason,
        },
        package_id=package_id,
    )
    # -- baseline: the whole document instead of the selection, same model, same output --
    model = (a.model if a and a.model else None) or reference_model
    if prices.price(model) is None:
        model = reference_model
    # -- a free (offline) model saves nothing; keep a reference at the API model's prices --
    reference: dict[str, Any] = {}
    if prices.price(reference_model) is not None:
        reference = {
            "reference_model": reference_model,
            "reference_selected_usd": prices.cost(
                Usage(input_tokens=selection.selected_tokens, output_tokens=u.output_tokens),
                reference_model,
            ),
            "reference_whole_usd": prices.cost(
                Usage(input_tokens=doc_tokens, output_tokens=u.output_tokens), reference_model
            ),
        }
    sent_in = u.input_tokens + u.cache_write_tokens + u.cache_read_tokens
    est_request = (
        local_request_tokens(a.request, encoding) if a and a.request else selection.selected_tokens
    )
    # -- the provider's own count of what was sent, over our estimate of it: no
    #    hard-coded ratio between tokenizers --
    ratio = sent_in / est_request if sent_in and est_request else 1.0
    base_in = round((est_request - selection.selected_tokens + doc_tokens) * ratio)
    base_cost = (
        prices.cost(Usage(input_tokens=base_in, output_tokens=u.output_tokens), model) or 0.0
    )
    ledger.record(
        s,
        run_id,
        document_id,
        "baseline",
        tokens_in=base_in,
        tokens_out=u.output_tokens,
        cost_usd=base_cost,
        detail={"model": model, **reference},
        package_id=package_id,
    )


class CostModel(BaseModel):
    documents: int
    api_usd_per_doc: float
    baseline_usd_per_doc: float
    stage1_seconds_per_doc: float
    input_tokens_per_doc: float
    output_tokens_per_doc: float
    volume_per_month: int
    api_usd_per_month: float
    baseline_usd_per_month: float
    gpu_usd_per_hour: float
    selfhosted_docs_per_hour: float
    selfhosted_usd_per_doc: float
    selfhosted_always_on_usd_per_month: float
    breakeven_docs_per_month: float | None
    gpu_hours_per_month: float


def build_cost_model(
    s: Session,
    *,
    run_id: int | None,
    volume: int,
    gpu_usd_per_hour: float,
    selfhosted_docs_per_hour: float | None,
) -> CostModel:
    """The cost model over one run's ledger, or every run's, counting each document once."""
    q = select(LedgerRow)
    if run_id is not None:
        q = q.where(LedgerRow.run_id == run_id)
    rows = list(s.exec(q.order_by(col(LedgerRow.id))))
    # -- each unique document once: a re-run of the same files adds entries for the same
    #    documents, and the latest entry of each stage stands for the document --
    latest: dict[tuple[str, int], LedgerRow] = {}
    for r in rows:
        latest[(r.stage, r.document_id)] = r
    by_stage: dict[str, list[LedgerRow]] = {}
    for r in latest.values():
        by_stage.setdefault(r.stage, []).append(r)
    analysed = by_stage.get("analyze", [])
    n = len(analysed) or 1
    api = sum(r.cost_usd for r in analysed) / n
    baseline = sum(r.cost_usd for r in by_stage.get("baseline", [])) / n
    stage1 = sum(r.seconds for st in ("chunk", "select") for r in by_stage.get(st, [])) / n
    tin = sum(r.tokens_in for r in analysed) / n
    tout = sum(r.tokens_out for r in analysed) / n
    # -- without a measured self-hosted throughput, assume stage 1 bounds it (optimistic) --
    rate = selfhosted_docs_per_hour or (3600.0 / stage1 if stage1 > 0 else 0.0)
    per_doc = gpu_usd_per_hour / rate if rate else float("inf")
    always_on = gpu_usd_per_hour * HOURS_PER_MONTH
    return CostModel(
        documents=len(analysed),
        api_usd_per_doc=api,
        baseline_usd_per_doc=baseline,
        stage1_seconds_per_doc=stage1,
        input_tokens_per_doc=tin,
        output_tokens_per_doc=tout,
        volume_per_month=volume,
        api_usd_per_month=api * volume,
        baseline_usd_per_month=baseline * volume,
        gpu_usd_per_hour=gpu_usd_per_hour,
        selfhosted_docs_per_hour=rate,
        selfhosted_usd_per_doc=per_doc,
        selfhosted_always_on_usd_per_month=always_on,
        breakeven_docs_per_month=(always_on / api) if api > 0 else None,
        gpu_hours_per_month=(volume / rate) if rate else float("inf"),
    )
