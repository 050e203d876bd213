"""Batch mode: a run's uncached requests as one batch, failed items down the synchronous chain.

Used by :meth:`analyzers.api.Analyzer.analyze_many` when batch mode is on and
the primary provider ``supports_batch`` (Anthropic Message Batches). Each
request is admitted on its document budget first, like a synchronous call.
Items that errored, expired, were canceled or answered invalidly are
recorded and then sent synchronously, primary first, with the reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from analyzers.base import Provider
from analyzers.budget import Admission, Budget, Limits, admit
from analyzers.calls import ChainOutcome, call_fields
from docsieve.analysis import (
    AnalysisRequest,
    DocumentAnalysis,
    ProviderResponse,
    Step,
    Usage,
)
from docsieve.errors import BudgetExceededError, InvalidOutputError, ProviderError
from docsieve.profiles import Profile
from docsieve.selection import DocumentSelection

if TYPE_CHECKING:
    from analyzers.api import Analyzer

NOTHING_SELECTED = (
    "stage 1 selected no section for any question; no call was made "
    "(this usually means stage 1 failed on the document: check its type and text)"
)

CACHED_REASON = "identical request answered before; served from the response cache"


def analyze_batch(
    an: Analyzer,
    prov: Provider,
    selections: list[DocumentSelection],
    profile: Profile,
    run_id: int | None,
    ids: list[int | None],
    budgets: Sequence[Budget] | None = None,
) -> list[DocumentAnalysis | None]:
    """Analyse ``selections`` with one batch on ``prov``; results in input order.

    Each item is admitted on its budget (``budgets``, default the document
    limits) for its worst case: the batch attempt and the whole synchronous
    chain it may fall back to. With ``budgets`` given, an item that does not fit
    is deferred (None); otherwise it is refused (degraded). Items of a batch a
    killed process sent are collected from that batch, not sent again.
    """
    chain = an.chain
    requests = [an.request_for(s, profile) for s in selections]
    outcomes: dict[int, ChainOutcome] = {}
    admissions: dict[int, Admission] = {}
    calls: dict[int, int | None] = {}
    deferred: set[int] = set()
    sent: dict[str, list[tuple[str, AnalysisRequest]]] = {}  # -- batch id -> items --
    fresh: list[tuple[str, AnalysisRequest]] = []
    fresh_calls: list[int] = []
    index: dict[str, int] = {}
    later: list[int] = []
    for i, req in enumerate(requests):
        if not req.questions:  # -- no evidence, no call (see Analyzer.request_for) --
            outcomes[i] = ChainOutcome(status="analysed", reason=NOTHING_SELECTED)
            continue
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
        estimate = prov.estimate(req)
        tokens, usd = an.worst_case(req, estimate)
        budget = budgets[i] if budgets is not None else Limits.for_document(an.settings.budget)
        try:
            # -- the batch attempt, then the whole synchronous chain for the item --
            admissions[i] = admit(
                estimate, budget, (tokens + estimate.tokens, usd + (estimate.usd or 0.0))
            )
        except BudgetExceededError as exc:
            if budgets is not None:
                deferred.add(i)
            else:
                outcomes[i] = chain.refuse(
                    req, str(exc), run_id=run_id, document_id=ids[i], estimate=estimate
                )
            continue
        # -- named by the request alone, so a resumed run finds its item in an earlier batch --
        cid = f"req-{rhash[:40]}"
        if cid in index:  # -- the same request twice: the second is served from the cache --
            later.append(i)
            continue
        index[cid] = i
        open_batch = chain.store.open_batch_call(rhash) if chain.store is not None else None
        if open_batch is not None:  # -- sent by a process that was killed while it waited --
            calls[i] = open_batch[0]
            sent.setdefault(open_batch[1], []).append((cid, req))
            continue
        log = call_fields(prov, req, rhash, run_id=run_id, document_id=ids[i], estimate=estimate)
        call_id = calls[i] = chain.recorder.begin(log, req, prov, estimate, batch=True)
        fresh.append((cid, req))
        if call_id is not None:
            fresh_calls.append(call_id)
    results: dict[str, ProviderResponse | ProviderError] = {}
    errors: dict[str, str] = {}
    if fresh:
        try:
            bid = prov.submit_batch(fresh)
            if chain.store is not None:
                chain.store.set_batch_id(fresh_calls, bid)
            sent.setdefault(bid, []).extend(fresh)
        except ProviderError as exc:
            errors.update({cid: f"batch failed ({exc.kind}): {exc}" for cid, _ in fresh})
    for bid, items in sent.items():
        try:
            results.update(prov.collect_batch(bid, items, sleep=an.sleep))
        except ProviderError as exc:
            errors.update({cid: f"batch failed ({exc.kind}): {exc}" for cid, _ in items})
    for cid, i in index.items():
        req = requests[i]
        try:
            outcomes[i] = _collect(
                an,
                prov,
                req,
                results.get(cid),
                errors.get(cid),
                run_id,
                ids[i],
                admissions[i],
                calls.get(i),
            )
        except BaseException:
            admissions[i].release()
            raise
        admissions[i].settle(outcomes[i].usage, outcomes[i].cost_usd)
    for i in later:
        try:
            outcomes[i] = chain.run(
                requests[i],
                run_id=run_id,
                document_id=ids[i],
                estimate=admissions[i].estimate,
                admission=admissions[i],
            )
        except BaseException:
            admissions[i].release()
            raise
        admissions[i].settle(outcomes[i].usage, outcomes[i].cost_usd)
    return [
        None
        if i in deferred
        else an.finish(outcomes[i], requests[i], selections[i], profile, run_id, ids[i])
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
    admission: Admission,
    call_id: int | None,
) -> ChainOutcome:
    """One item's outcome: its batch answer, else the synchronous chain after recording why."""
    chain = an.chain
    rhash = req.request_hash(prov.name)
    out = ChainOutcome(status="degraded")
    log = call_fields(prov, req, rhash, run_id=run_id, document_id=document_id)
    if isinstance(res, ProviderResponse):
        chain.recorder.accept(out, log, req, prov, res, rhash, call_id=call_id)
        out.status, out.response, out.request_hash = "analysed", res, rhash
        return out
    if res is None and call_id is not None:  # -- the batch never answered: nothing billed --
        chain.recorder.record(
            out,
            log,
            req,
            prov,
            status="error",
            kind="batch_failed",
            message=batch_error or "batch returned nothing",
            batch=True,
            call_id=call_id,
        )
    if res is not None:
        chain.recorder.record(
            out,
            log,
            req,
            prov,
            # -- an answer that failed validation is kept as such: the chain reuses it --
            status="invalid" if isinstance(res, InvalidOutputError) else "error",
            kind=res.kind,
            message=str(res),
            usage=Usage.model_validate(res.context.get("usage") or {}),
            response=res.context.get("raw_response"),
            batch=True,
            call_id=call_id,
        )
        why = f"batch item {res.kind}: {res}"
    else:
        why = batch_error or "batch returned nothing"
    # -- fall back for this item: the synchronous chain, primary first --
    sync = chain.run(
        req,
        run_id=run_id,
        document_id=document_id,
        first_reason=why,
        estimate=admission.estimate,
        admission=_after(admission, out),
    )
    sync.steps = out.steps + sync.steps
    sync.usage = out.usage + sync.usage
    if sync.cost_usd is not None and out.cost_usd is not None:
        sync.cost_usd = round(sync.cost_usd + out.cost_usd, 10)
    if sync.reason is None:
        sync.reason = f"served synchronously after {why}"
    return sync


def _after(admission: Admission, spent: ChainOutcome) -> Admission:
    """What is left of ``admission`` for the synchronous chain after the batch attempt."""
    used = spent.usage.total
    return replace(
        admission,
        tokens=admission.tokens - used,
        usd=admission.usd - (spent.cost_usd or 0.0),
    )
