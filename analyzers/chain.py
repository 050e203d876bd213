"""The fallback chain: primary, secondary, cached response, graceful error.

For each provider in turn: an identical request answered before is served
from the response cache; otherwise the call goes through the rate limiter
and is retried with backoff (retry-after honoured, capped by settings) while
the error is retryable. Spend-limit and other non-retryable errors move on
at once. Invalid output gets one repair attempt (the validation error is
sent back), then the chain moves on. When every provider failed, the newest
cached response to the same content (any model) is served; failing that the
document is marked degraded with the reason. Every step is recorded in the
returned outcome and every call in the store's ``model_calls`` log (through
:class:`analyzers.calls.CallRecorder`). Budgets are not checked here: a request
is admitted on its budget before it enters the chain (:mod:`analyzers.budget`).
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from analyzers.base import CallLog, Estimate, Provider, get_provider, primary_spec
from analyzers.calls import CallRecorder, ChainOutcome, call_fields
from analyzers.pricing import PriceTable
from analyzers.ratelimit import RateLimiter, Reservation
from docsieve.analysis import AnalysisRequest, ProviderResponse, Step, Usage
from docsieve.errors import DocsieveError, InvalidOutputError, ProviderError
from docsieve.settings import Settings

logger = logging.getLogger(__name__)


@dataclass
class _Failure:
    reason: str
    disable: bool = False


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
    ) -> ChainOutcome:
        """Run ``base`` down the chain.

        ``estimate`` is the first provider's estimate of ``base``, made when the
        budget admitted it: reused for the call log and the rate limiter.
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
            result = self.try_provider(
                prov,
                req,
                rhash,
                out,
                run_id=run_id,
                document_id=document_id,
                fallback_reason=reason,
                estimate=estimate if spec == self.specs[0] else None,
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

    # -- one provider: retries, one repair --
    def try_provider(
        self,
        prov: Provider,
        req: AnalysisRequest,
        rhash: str,
        out: ChainOutcome,
        *,
        run_id: int | None,
        document_id: int | None,
        fallback_reason: str | None,
        repaired: bool = False,
        estimate: Estimate | None = None,
    ) -> ProviderResponse | _Failure:
        a = self.settings.analyze
        retries = 0
        attempt = 0
        while True:
            attempt += 1
            # -- counted once per request text (count_tokens is a call too) --
            if estimate is None:
                estimate = prov.estimate(req)
            log = call_fields(
                prov,
                req,
                rhash,
                run_id=run_id,
                document_id=document_id,
                attempt=attempt,
                fallback_reason=fallback_reason if attempt == 1 else None,
                estimate=estimate,
            )
            # -- offline analyzers use no API quota --
            reservation = (
                self.limiter.acquire(estimate.input_tokens, req.max_tokens)
                if not prov.offline
                else Reservation(0.0, 0, 0)
            )
            start = time.perf_counter()
            try:
                resp = prov.execute(req)
            except InvalidOutputError as exc:
                usage = Usage.model_validate(exc.context.get("usage") or {})
                self.limiter.settle(
                    reservation,
                    usage.input_tokens + usage.cache_write_tokens + usage.cache_read_tokens,
                    usage.output_tokens,
                )
                self.recorder.record(
                    out,
                    log,
                    req,
                    prov,
                    status="invalid",
                    kind=exc.kind,
                    message=str(exc),
                    usage=usage,
                    response=exc.context.get("raw_response"),
                    latency=time.perf_counter() - start,
                )
                if not repaired:
                    repaired = True
                    out.steps.append(
                        Step(
                            provider=prov.name,
                            model=req.model,
                            attempt=attempt,
                            outcome="repair",
                            kind=exc.kind,
                            message="re-asking once with the validation error",
                        )
                    )
                    req = req.model_copy(update={"repair_note": str(exc)[:2000]})
                    estimate = None
                    continue
                return _Failure(f"invalid output after one repair ({exc.kind}): {exc}")
            except ProviderError as exc:
                self.limiter.settle(reservation, 0, 0)
                self.recorder.record(
                    out,
                    log,
                    req,
                    prov,
                    status="error",
                    kind=exc.kind,
                    message=str(exc),
                    latency=time.perf_counter() - start,
                )
                if exc.retryable and retries < a.max_retries:
                    retries += 1
                    delay = self._backoff(retries, exc.retry_after)
                    last = out.steps[-1]
                    out.steps[-1] = last.model_copy(
                        update={
                            "message": f"{last.message}; retry {retries}/{a.max_retries} "
                            f"in {delay:.2f}s"
                        }
                    )
                    self.sleep(delay)
                    continue
                why = "retries exhausted" if exc.retryable else "not retryable"
                return _Failure(
                    f"{exc.kind} ({why}): {exc}", disable=exc.kind in ("spend_limit", "auth")
                )
            except DocsieveError as exc:  # -- configuration: missing key, model path --
                self.limiter.settle(reservation, 0, 0)
                self.recorder.record(
                    out,
                    log,
                    req,
                    prov,
                    status="error",
                    kind="config",
                    message=str(exc),
                    latency=time.perf_counter() - start,
                )
                return _Failure(f"config: {exc}", disable=True)
            except Exception as exc:  # -- a bug or an unknown SDK error must not stop the batch --
                self.limiter.settle(reservation, 0, 0)
                self.recorder.record(
                    out,
                    log,
                    req,
                    prov,
                    status="error",
                    kind="unexpected",
                    message=f"{type(exc).__name__}: {exc}",
                    latency=time.perf_counter() - start,
                )
                return _Failure(f"unexpected {type(exc).__name__}: {exc}")
            u = resp.usage
            self.limiter.settle(
                reservation,
                u.input_tokens + u.cache_write_tokens + u.cache_read_tokens,
                u.output_tokens,
            )
            self.recorder.accept(out, log, req, prov, resp, rhash)
            return resp

    def _backoff(self, retry: int, retry_after: float | None) -> float:
        cap = self.settings.analyze.max_backoff_s
        if retry_after is not None:
            return float(min(max(retry_after, 0.0), cap))
        base = self.settings.analyze.backoff_base_s * (2 ** (retry - 1))
        # -- full jitter keeps many workers from retrying in step --
        return float(min(cap, base * (0.5 + self._rng.random() / 2)))
