"""What stage 2 records of each request: its steps, usage and cost, the call log, the cache.

:class:`ChainOutcome` is what the fallback chain did for one request;
:class:`CallRecorder` adds each attempt to it and to the store's
``model_calls`` log (cost from the price table), stores accepted responses
in the response cache, and looks identical requests up there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from analyzers.base import CallLog, Estimate, Provider
from analyzers.pricing import PriceTable
from docsieve.analysis import AnalysisRequest, ProviderResponse, Step, Usage


@dataclass
class ChainOutcome:
    """What the chain did for one request."""

    status: str  # -- analysed, cached or degraded --
    reason: str | None = None
    response: ProviderResponse | None = None
    request_hash: str | None = None
    steps: list[Step] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    cost_usd: float | None = 0.0


def call_fields(
    prov: Provider,
    req: AnalysisRequest,
    rhash: str,
    *,
    run_id: int | None,
    document_id: int | None,
    attempt: int = 1,
    fallback_reason: str | None = None,
    estimate: Estimate | None = None,
) -> dict[str, Any]:
    """The call-log fields that identify one attempt."""
    log: dict[str, Any] = {
        "run_id": run_id,
        "document_id": document_id,
        "provider": prov.name,
        "model": req.model,
        "attempt": attempt,
        "request_hash": rhash,
        "fallback_reason": fallback_reason,
    }
    if estimate is not None:
        log.update(estimated_input_tokens=estimate.input_tokens, estimate_source=estimate.source)
    return log


class CallRecorder:
    """Records attempts on a :class:`ChainOutcome` and in the call log, and reads the cache."""

    def __init__(self, store: CallLog | None, prices: PriceTable, *, use_cache: bool = True):
        self.store = store
        self.prices = prices
        self.use_cache = use_cache

    def cached(self, prov: Provider, rhash: str) -> ProviderResponse | None:
        """The response to an identical request answered before (never for offline models)."""
        if self.store is None or not self.use_cache or prov.offline:
            return None
        return self.store.cache_get(rhash)

    def cached_content(self, req: AnalysisRequest) -> ProviderResponse | None:
        """The newest cached response to the same content, from any provider and model."""
        if self.store is None or not self.use_cache:
            return None
        return self.store.cache_get_content(req.content_hash())

    def accept(
        self,
        out: ChainOutcome,
        log: dict[str, Any],
        req: AnalysisRequest,
        prov: Provider,
        resp: ProviderResponse,
        rhash: str,
        *,
        call_id: int | None = None,
    ) -> None:
        """Record a successful response: log, usage, cost, response cache."""
        call_id = self.record(
            out,
            log,
            req,
            prov,
            status="ok",
            usage=resp.usage,
            response=resp.raw_response,
            wire=resp.raw_request,
            latency=resp.latency_s,
            batch=resp.batch,
            call_id=call_id,
        )
        if self.store is not None and not prov.offline:
            self.store.cache_put(rhash, req.content_hash(), resp, call_id)

    def begin(
        self,
        log: dict[str, Any],
        req: AnalysisRequest,
        prov: Provider,
        estimate: Estimate,
        *,
        batch: bool = False,
    ) -> int | None:
        """Log an attempt before it is sent, at its worst case (``pending``); its row id.

        If the process dies during the call, the row keeps the worst case: the
        next start marks it "unknown outcome" and the ledger counts it.
        """
        if self.store is None or prov.offline:
            return None
        worst = Usage(input_tokens=estimate.input_tokens, output_tokens=req.max_tokens)
        try:
            wire: dict[str, Any] | None = prov.wire_request(req)
        except Exception:  # -- building the log entry must never hide the real call --
            wire = None
        return self.store.log_call(
            **log,
            stage="analyze",
            status="pending",
            batch=batch,
            request_json=req.model_dump(mode="json"),
            wire_request_json=wire,
            input_tokens=worst.input_tokens,
            output_tokens=worst.output_tokens,
            cost_usd=self.prices.cost(worst, req.model, batch=batch),
        )

    def record(
        self,
        out: ChainOutcome,
        log: dict[str, Any],
        req: AnalysisRequest,
        prov: Provider,
        *,
        status: str,
        kind: str | None = None,
        message: str = "",
        usage: Usage | None = None,
        response: dict[str, Any] | None = None,
        wire: dict[str, Any] | None = None,
        latency: float = 0.0,
        batch: bool = False,
        call_id: int | None = None,
    ) -> int | None:
        """Add one attempt to the outcome (step, usage, cost) and to the call log.

        ``call_id`` is the attempt's ``pending`` row (:meth:`begin`): it is completed.
        """
        usage = usage or Usage()
        cost = self.prices.cost(usage, req.model, batch=batch) if usage.total else 0.0
        out.usage = out.usage + usage
        if cost is None or out.cost_usd is None:
            out.cost_usd = None
        else:
            out.cost_usd = round(out.cost_usd + cost, 10)
        out.steps.append(
            Step(
                provider=prov.name,
                model=req.model,
                attempt=log["attempt"],
                outcome=status,
                kind=kind,
                message=message,
                fallback_reason=log.get("fallback_reason"),
                latency_s=latency,
            )
        )
        if self.store is None:
            return None
        if wire is None:
            try:
                wire = prov.wire_request(req)
            except Exception:  # -- building the log entry must never hide the real error --
                wire = None
        return self.store.log_call(
            call_id=call_id,
            **log,
            stage="analyze",
            status=status,
            error_kind=kind,
            error_message=message or None,
            batch=batch,
            request_json=req.model_dump(mode="json"),
            wire_request_json=wire,
            response_json=response,
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            cache_write_tokens=usage.cache_write_tokens,
            cache_read_tokens=usage.cache_read_tokens,
            cost_usd=cost,
            latency_s=latency,
        )
