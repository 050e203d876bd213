"""The cost model behind ``docsieve cost``, built from the ledger.

Per document: the measured stage-2 cost, the whole-document baseline and the
stage-1 compute time. Per month at a volume. And the break-even between API
models and a self-hosted model on a rented GPU, from its hourly price and the
measured (or given) throughput.
"""

from __future__ import annotations

from pydantic import BaseModel
from sqlmodel import Session, col, select

from storage.tables_ledger import LedgerRow

HOURS_PER_MONTH = 730.0


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
    q = select(LedgerRow)
    if run_id is not None:
        q = q.where(LedgerRow.run_id == run_id)
    rows = list(s.exec(q.order_by(col(LedgerRow.id))))
    by_stage: dict[str, list[LedgerRow]] = {}
    for r in rows:
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
