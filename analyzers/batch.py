"""Batch mode: a run's uncached requests as one batch, failed items down the synchronous chain.

Used by :meth:`analyzers.api.Analyzer.analyze_many` when batch mode is on and
the primary provider ``supports_batch`` (Anthropic Message Batches). Each
request is admitted on its document budget first, like a synchronous call.
Items that errored, expired, were canceled or answered invalidly are
recorded and then sent synchronously, primary first, with the reason.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from analyzers.base import Estimate, Provider
from analyzers.budget import Limits, admit
from analyzers.calls import ChainOutcome, call_fields
from docsieve.analysis import (
    AnalysisRequest,
    DocumentAnalysis,
    ProviderResponse,
    Step,
    Usage,
)
from docsieve.errors import BudgetExceededError, ProviderError
from docsieve.profiles import Profile
from docsieve.selection import DocumentSelection

if TYPE_CHECKING:
    from analyzers.api import Analyzer

CACHED_REASON = "identical request answered before; served from the response cache"


def analyze_batch(
    an: Analyzer,
    prov: Provider,
    selections: list[DocumentSelection],
    profile: Profile,
    run_id: int | None,
    ids: list[int | None],
) -> list[DocumentAnalysis]:
    """Analyse ``selections`` with one batch on ``prov``; results in input order."""
    chain = an.chain
    requests = [an.request_for(s, profile) for s in selections]
    outcomes: dict[int, ChainOutcome] = {}
    estimates: dict[int, Estimate] = {}
    pending: list[tuple[str, AnalysisRequest]] = []
    index: dict[str, int] = {}
    for i, req in enumerate(requests):
        rhash = req.request_hash(prov.name)
        cached = chain.recorder.cached(prov, rhash)
        if cached is not None:
            outcomes[i] = ChainOutcome(
                status="cached",
                response=cached,
                request_hash=rhash,
                cost_usd=0.0,
                reason=CACHED_REASON,
                steps=[Step(provider=prov.name, model=prov.model, outcome="cache_hit")],
            )
            continue
        estimate = estimates[i] = prov.estimate(req)
        try:
            # -- the document limits bound an item as they bound a synchronous call --
            admit(estimate, Limits.for_document(an.settings.budget))
        except BudgetExceededError as exc:
            outcomes[i] = chain.refuse(
                req, str(exc), run_id=run_id, document_id=ids[i], estimate=estimate
            )
            continue
        cid = f"doc{i}-{rhash[:16]}"
        pending.append((cid, req))
        index[cid] = i
    results: dict[str, ProviderResponse | ProviderError] = {}
    batch_error: str | None = None
    if pending:
        try:
            results = prov.run_batch(pending, sleep=an.sleep)
        except ProviderError as exc:
            batch_error = f"batch failed ({exc.kind}): {exc}"
    for cid, req in pending:
        i = index[cid]
        outcomes[i] = _collect(
            an, prov, req, results.get(cid), batch_error, run_id, ids[i], estimates[i]
        )
    return [
        an.finish(outcomes[i], requests[i], selections[i], profile, run_id, ids[i])
        for i in range(len(selections))
    ]


def _collect(
    an: Analyzer,
    prov: Provider,
    req: AnalysisRequest,
    res: ProviderResponse | ProviderError | None,
    batch_error: str | None,
    run_id: int | None,
    document_id: int | None,
    estimate: Estimate,
) -> ChainOutcome:
    """One item's outcome: its batch answer, else the synchronous chain after recording why."""
    chain = an.chain
    rhash = req.request_hash(prov.name)
    out = ChainOutcome(status="degraded")
    log = call_fields(prov, req, rhash, run_id=run_id, document_id=document_id)
    if isinstance(res, ProviderResponse):
        chain.recorder.accept(out, log, req, prov, res, rhash)
        out.status, out.response, out.request_hash = "analysed", res, rhash
        return out
    if res is not None:
        chain.recorder.record(
            out,
            log,
            req,
            prov,
            status="error",
            kind=res.kind,
            message=str(res),
            usage=Usage.model_validate(res.context.get("usage") or {}),
            response=res.context.get("raw_response"),
            batch=True,
        )
        why = f"batch item {res.kind}: {res}"
    else:
        why = batch_error or "batch returned nothing"
    # -- fall back for this item: the synchronous chain, primary first --
    sync = chain.run(
        req, run_id=run_id, document_id=document_id, first_reason=why, estimate=estimate
    )
    sync.steps = out.steps + sync.steps
    sync.usage = out.usage + sync.usage
    if sync.cost_usd is not None and out.cost_usd is not None:
        sync.cost_usd = round(sync.cost_usd + out.cost_usd, 10)
    if sync.reason is None:
        sync.reason = f"served synchronously after {why}"
    return sync
