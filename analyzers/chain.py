"""The fallback chain: primary, secondary, cached response, graceful error.

For each provider in turn: an identical request answered before is served
from the response cache; otherwise the call goes through the rate limiter
and is retried with backoff (retry-after honoured, capped by settings) while
the error is retryable. Spend-limit and other non-retryable errors move on
at once. Invalid output gets one repair attempt (the validation error is
sent back), then the chain moves on (one provider's attempts:
:mod:`analyzers.attempt`). When every provider failed, the newest cached
response to the same content (any model) is served; failing that the document
is marked degraded with the reason. Every step is recorded in the returned
outcome and every call in the store's ``model_calls`` log (through
:class:`analyzers.calls.CallRecorder`). A request is admitted on its budget
before it enters the chain (:mod:`analyzers.budget`), for the worst case of the
whole chain; each attempt is checked against that reservation.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable

from analyzers.attempt import try_provider
from analyzers.base import CallLog, Estimate, Provider, get_provider, primary_spec
from analyzers.budget import Admission
from analyzers.calls import CallRecorder, ChainOutcome, call_fields
from analyzers.pricing import PriceTable
from analyzers.ratelimit import RateLimiter
from docsieve.analysis import AnalysisRequest, ProviderResponse, Step
from docsieve.errors import DocsieveError
from docsieve.settings import Settings

logger = logging.getLogger(__name__)


def specs_from_settings(settings: Settings) -> list[str]:
    specs = [primary_spec(settings)]
    if settings.analyze.secondary:
        specs.append(settings.analyze.secondary)
    return specs


class FallbackChain:
    """Runs requests down a list of ``provider:model`` specs; shared across documents."""

    def __init__(
        self,
        settings: Settings,
        store: CallLog | None = None,
        *,
        specs: list[str] | None = None,
        limiter: RateLimiter | None = None,
        sleep: Callable[[float], None] = time.sleep,
        seed: int | None = None,
        use_cache: bool = True,
    ) -> None:
        a = settings.analyze
        self.settings = settings
        self.store = store
        self.specs = specs or specs_from_settings(settings)
        self.limiter = limiter or RateLimiter(
            a.requests_per_minute, a.input_tokens_per_minute, a.output_tokens_per_minute
        )
        self.sleep = sleep
        self.use_cache = use_cache
        self.prices = PriceTable.load(settings.data_dir)
        self.recorder = CallRecorder(store, self.prices, use_cache=use_cache)
        self._rng = random.Random(seed)
        self._providers: dict[str, Provider] = {}
        self._lock = threading.Lock()
        # -- account-wide failures (spend limit, bad key) skip the provider for the run --
        self.disabled: dict[str, str] = {}
        if store is not None:
            store.add_secrets(
                s.get_secret_value()
                for s in (settings.anthropic_api_key, settings.openai_api_key)
                if s
            )

    def provider(self, spec: str) -> Provider:
        # -- a run's tasks may share one chain across threads --
        with self._lock:
            if spec not in self._providers:
                self._providers[spec] = get_provider(spec, self.settings)
            return self._providers[spec]

    def close(self) -> None:
        for p in self._providers.values():
            p.close()
        self._providers.clear()

    # -- the whole chain for one request --
    def run(
        self,
        base: AnalysisRequest,
        *,
        run_id: int | None = None,
        document_id: int | None = None,
        first_reason: str | None = None,
        skip_specs: int = 0,
        estimate: Estimate | None = None,
        admission: Admission | None = None,
    ) -> ChainOutcome:
        """Run ``base`` down the chain.

        ``estimate`` is the first provider's estimate of ``base``, made when the
        budget admitted it: reused for the call log and the rate limiter.
        ``admission`` is what the budget reserved: no attempt goes beyond it.
        """
        out = ChainOutcome(status="degraded")
        reasons = [first_reason] if first_reason else []
        for spec in self.specs[skip_specs:]:
            reason = "; ".join(reasons) or None
            if spec in self.disabled:
                out.steps.append(
                    Step(
                        provider=spec,
                        model="",
                        outcome="skipped",
                        kind="disabled",
                        message=self.disabled[spec],
                        fallback_reason=reason,
                    )
                )
                reasons.append(f"{spec}: skipped, {self.disabled[spec]}")
                continue
            try:
                prov = self.provider(spec)
            except DocsieveError as exc:
                out.steps.append(
                    Step(
                        provider=spec,
                        model="",
                        outcome="skipped",
                        kind="config",
                        message=str(exc),
                        fallback_reason=reason,
                    )
                )
                reasons.append(f"{spec}: {exc}")
                continue
            req = base.model_copy(update={"model": prov.model, "repair_note": None})
            rhash = req.request_hash(prov.name)
            cached = self.recorder.cached(prov, rhash)
            if cached is not None:
                out.steps.append(
                    Step(
                        provider=prov.name,
                        model=prov.model,
                        outcome="cache_hit",
                        message=f"request {rhash[:12]} answered before",
                    )
                )
                out.status, out.response, out.request_hash = "cached", cached, rhash
                out.reason = "identical request answered before; served from the response cache"
                out.cost_usd = 0.0
                return out
            result = try_provider(
                self,
                prov,
                req,
                rhash,
                out,
                run_id=run_id,
                document_id=document_id,
                fallback_reason=reason,
                estimate=estimate if spec == self.specs[0] else None,
                admission=admission,
            )
            if isinstance(result, ProviderResponse):
                out.status, out.response, out.request_hash = "analysed", result, rhash
                out.reason = f"served by {spec} after fallback: {reason}" if reason else None
                return out
            out.steps.append(
                Step(
                    provider=prov.name,
                    model=prov.model,
                    outcome="fallback",
                    message=result.reason,
                    fallback_reason=result.reason,
                )
            )
            if result.disable:
                self.disabled[spec] = f"disabled for this run after {result.reason}"
            logger.warning("stage 2: falling back from %s: %s", spec, result.reason)
            reasons.append(f"{spec}: {result.reason}")
        return self._last_resort(base, out, "; ".join(reasons) or "no provider configured")

    def refuse(
        self,
        base: AnalysisRequest,
        why: str,
        *,
        run_id: int | None = None,
        document_id: int | None = None,
        estimate: Estimate | None = None,
    ) -> ChainOutcome:
        """The budget refused ``base`` before any call: record it, then the last resort."""
        out = ChainOutcome(status="degraded")
        spec = self.specs[0]
        reason = f"{spec}: budget: {why}"
        try:
            prov = self.provider(spec)
        except DocsieveError:
            return self._last_resort(base, out, reason)
        req = base.model_copy(update={"model": prov.model, "repair_note": None})
        log = call_fields(
            prov,
            req,
            req.request_hash(prov.name),
            run_id=run_id,
            document_id=document_id,
            estimate=estimate,
        )
        self.recorder.record(out, log, req, prov, status="error", kind="budget", message=why)
        out.steps.append(
            Step(
                provider=prov.name,
                model=prov.model,
                outcome="fallback",
                message=f"budget: {why}",
                fallback_reason=f"budget: {why}",
            )
        )
        logger.warning("stage 2: not sent, over budget: %s", why)
        return self._last_resort(base, out, reason)

    def _last_resort(self, base: AnalysisRequest, out: ChainOutcome, reason: str) -> ChainOutcome:
        cached = self.recorder.cached_content(base)
        if cached is not None:
            req = base.model_copy(update={"model": cached.model})
            out.steps.append(
                Step(
                    provider=cached.provider,
                    model=cached.model,
                    outcome="cache_hit",
                    message="cached fallback",
                )
            )
            out.status, out.response = "cached", cached
            out.request_hash = req.request_hash(cached.provider)
            out.reason = (
                f"every provider failed ({reason}); served the cached response "
                f"of {cached.provider}:{cached.model}"
            )
            return out
        out.status, out.reason = "degraded", f"every provider failed: {reason}"
        logger.warning("stage 2: degraded: %s", out.reason)
        return out
