"""The fallback chain: primary, secondary, cached response, graceful error.

For each provider in turn: an identical request answered before is served
from the response cache; otherwise the call goes through the rate limiter
and is retried with backoff (retry-after honoured, capped by settings) while
the error is retryable. Spend-limit and other non-retryable errors move on
at once. Invalid output gets one repair attempt (the validation error is
sent back), then the chain moves on. When every provider failed, the newest
cached response to the same content (any model) is served; failing that the
document is marked degraded with the reason. Every step is recorded in the
returned outcome and every call in the store's ``model_calls`` log.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from analyzers.base import CallLog, Provider, get_provider, primary_spec
from analyzers.pricing import PriceTable
from analyzers.ratelimit import RateLimiter, Reservation
from docsieve.analysis import AnalysisRequest, ProviderResponse, Step, Usage
from docsieve.errors import (
    BudgetExceededError,
    DocsieveError,
    InvalidOutputError,
    ProviderError,
)
from docsieve.settings import Settings

logger = logging.getLogger(__name__)


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
    ) -> ChainOutcome:
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
            cached = self._cached(prov, rhash)
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

    def _cached(self, prov: Provider, rhash: str) -> ProviderResponse | None:
        if self.store is None or not self.use_cache or prov.offline:
            return None
        return self.store.cache_get(rhash)

    def _last_resort(self, base: AnalysisRequest, out: ChainOutcome, reason: str) -> ChainOutcome:
        if self.store is not None and self.use_cache:
            cached = self.store.cache_get_content(base.content_hash())
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
    ) -> ProviderResponse | _Failure:
        a = self.settings.analyze
        retries = 0
        attempt = 0
        estimate: tuple[int, str] | None = None
        while True:
            attempt += 1
            log: dict[str, Any] = {
                "run_id": run_id,
                "document_id": document_id,
                "provider": prov.name,
                "model": req.model,
                "attempt": attempt,
                "request_hash": rhash,
                "fallback_reason": fallback_reason if attempt == 1 else None,
            }
            try:
                # -- counted once per request text (count_tokens is a call too) --
                if estimate is None:
                    estimate = prov.estimate_input_tokens(req)
                est, src = estimate
                log.update(estimated_input_tokens=est, estimate_source=src)
                self._check_budget(prov, req, est)
            except BudgetExceededError as exc:
                self._record(out, log, req, prov, status="error", kind="budget", message=str(exc))
                return _Failure(f"budget: {exc}")
            # -- offline analyzers use no API quota --
            reservation = (
                self.limiter.acquire(est, req.max_tokens)
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
                self._record(
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
                self._record(
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
                    out.steps[-1].message += f"; retry {retries}/{a.max_retries} in {delay:.2f}s"
                    self.sleep(delay)
                    continue
                why = "retries exhausted" if exc.retryable else "not retryable"
                return _Failure(
                    f"{exc.kind} ({why}): {exc}", disable=exc.kind in ("spend_limit", "auth")
                )
            except DocsieveError as exc:  # -- configuration: missing key, model path --
                self.limiter.settle(reservation, 0, 0)
                self._record(
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
                self._record(
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
            self.accept(out, log, req, prov, resp, rhash)
            return resp

    def accept(
        self,
        out: ChainOutcome,
        log: dict[str, Any],
        req: AnalysisRequest,
        prov: Provider,
        resp: ProviderResponse,
        rhash: str,
    ) -> None:
        """Record a successful response: log, usage, cost, response cache."""
        call_id = self._record(
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
        )
        if self.store is not None and not prov.offline:
            self.store.cache_put(rhash, req.content_hash(), resp, call_id)

    def _record(
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
    ) -> int | None:
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

    def _backoff(self, retry: int, retry_after: float | None) -> float:
        cap = self.settings.analyze.max_backoff_s
        if retry_after is not None:
            return float(min(max(retry_after, 0.0), cap))
        base = self.settings.analyze.backoff_base_s * (2 ** (retry - 1))
        # -- full jitter keeps many workers from retrying in step --
        return float(min(cap, base * (0.5 + self._rng.random() / 2)))

    def _check_budget(self, prov: Provider, req: AnalysisRequest, est: int) -> None:
        b = self.settings.budget
        if b.document_tokens is not None and est + req.max_tokens > b.document_tokens:
            raise BudgetExceededError(
                f"request needs up to {est + req.max_tokens} tokens; document budget is "
                f"{b.document_tokens}",
                provider=prov.name,
                estimate=est,
            )
        if b.document_usd is not None:
            worst = self.prices.cost(
                Usage(input_tokens=est, output_tokens=req.max_tokens), req.model
            )
            if worst is not None and worst > b.document_usd:
                raise BudgetExceededError(
                    f"request may cost up to ${worst:.4f}; document budget is "
                    f"${b.document_usd:.4f}",
                    provider=prov.name,
                    estimate=est,
                )
