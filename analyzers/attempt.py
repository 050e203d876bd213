"""One provider's part of the fallback chain: its attempts, retries and one repair.

Every paid answer is kept and reused:

- before an attempt is sent, a ``pending`` row with its worst case (estimated
  input plus ``max_tokens``, priced) goes into the call log; the answer
  replaces it. A process killed during the call leaves the worst case, which
  the next start marks "unknown outcome" (:func:`storage.calls_repo.reconcile`);
- the raw answer is recorded before it is judged, so an answer that failed
  validation is in the log too; a resumed or repeated run finds an answer to
  the same request (and the same repair note) there and validates it again
  instead of buying it again;
- no attempt is sent that would go beyond what the budget reserved for the chain.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from analyzers.base import Estimate, Provider
from analyzers.budget import Admission
from analyzers.calls import ChainOutcome, call_fields
from analyzers.ratelimit import Reservation
from docsieve.analysis import AnalysisRequest, ProviderResponse, Step, Usage
from docsieve.errors import DocsieveError, InvalidOutputError, ProviderError

if TYPE_CHECKING:
    from analyzers.chain import FallbackChain

# -- the validation error sent back on the repair attempt is capped (REPAIR_ALLOWANCE_TOKENS) --
REPAIR_NOTE_CHARS = 2000


@dataclass
class Failure:
    reason: str
    disable: bool = False


def reuse_logged(
    chain: FallbackChain, prov: Provider, req: AnalysisRequest, rhash: str
) -> ProviderResponse | InvalidOutputError | None:
    """An answer to this exact attempt bought before, judged again; None when there is none."""
    store = chain.store
    if store is None or not chain.use_cache or prov.offline:
        return None
    logged = store.reusable_response(rhash, req.repair_note)
    if logged is None:
        return None
    raw_response, wire = logged
    try:
        return prov.parse_raw(req, wire or {}, raw_response)
    except InvalidOutputError as exc:
        return exc
    except ProviderError:  # -- this provider cannot read logged answers: buy it --
        return None


def try_provider(
    chain: FallbackChain,
    prov: Provider,
    req: AnalysisRequest,
    rhash: str,
    out: ChainOutcome,
    *,
    run_id: int | None,
    document_id: int | None,
    fallback_reason: str | None,
    estimate: Estimate | None = None,
    admission: Admission | None = None,
) -> ProviderResponse | Failure:
    """Send ``req`` to ``prov`` with retries and one repair; the response or why it failed."""
    a = chain.settings.analyze
    rec = chain.recorder
    retries = 0
    attempt = 0
    repaired = False
    while True:
        attempt += 1
        reused = reuse_logged(chain, prov, req, rhash)
        if isinstance(reused, ProviderResponse):
            out.steps.append(
                Step(
                    provider=prov.name,
                    model=req.model,
                    attempt=attempt,
                    outcome="reused",
                    message="the answer bought before for this request, validated again",
                )
            )
            if chain.store is not None:
                chain.store.cache_put(rhash, req.content_hash(), reused, None)
            return reused
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
        exc: Exception | None = reused
        call_id: int | None = None
        latency = 0.0
        resp: ProviderResponse | None = None
        if exc is None:
            if admission is not None and not admission.fits(out.usage, out.cost_usd, estimate):
                return Failure(
                    f"budget: attempt {attempt} needs up to {estimate.tokens} tokens, beyond "
                    f"what was reserved for the chain ({admission.tokens} tokens)"
                )
            # -- offline analyzers use no API quota --
            reservation = (
                chain.limiter.acquire(estimate.input_tokens, req.max_tokens)
                if not prov.offline
                else Reservation(0.0, 0, 0)
            )
            # -- logged once the limiter let it go: only a call really on its way is pending --
            call_id = rec.begin(log, req, prov, estimate)
            start = time.perf_counter()
            try:
                resp = prov.execute(req)
            except Exception as e:  # -- sorted below; a bug must not stop the batch --
                exc = e
            latency = time.perf_counter() - start
            used = resp.usage if resp is not None else _usage_of(exc)
            chain.limiter.settle(
                reservation,
                used.input_tokens + used.cache_write_tokens + used.cache_read_tokens,
                used.output_tokens,
            )
        if resp is not None:
            rec.accept(out, log, req, prov, resp, rhash, call_id=call_id)
            return resp
        if isinstance(exc, InvalidOutputError):
            if call_id is not None or reused is None:
                rec.record(
                    out,
                    log,
                    req,
                    prov,
                    status="invalid",
                    kind=exc.kind,
                    message=str(exc),
                    usage=_usage_of(exc),
                    response=exc.context.get("raw_response"),
                    latency=latency,
                    call_id=call_id,
                )
            else:
                out.steps.append(
                    Step(
                        provider=prov.name,
                        model=req.model,
                        attempt=attempt,
                        outcome="invalid",
                        kind=exc.kind,
                        message=f"the answer bought before, judged again: {exc}",
                    )
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
                req = req.model_copy(update={"repair_note": str(exc)[:REPAIR_NOTE_CHARS]})
                estimate = None
                continue
            return Failure(f"invalid output after one repair ({exc.kind}): {exc}")
        assert exc is not None
        kind, message = _classify(exc)
        rec.record(
            out,
            log,
            req,
            prov,
            status="error",
            kind=kind,
            message=message,
            latency=latency,
            call_id=call_id,
        )
        if isinstance(exc, ProviderError):
            if exc.retryable and retries < a.max_retries:
                retries += 1
                delay = backoff(chain, retries, exc.retry_after)
                last = out.steps[-1]
                out.steps[-1] = last.model_copy(
                    update={
                        "message": f"{last.message}; retry {retries}/{a.max_retries} "
                        f"in {delay:.2f}s"
                    }
                )
                chain.sleep(delay)
                continue
            why = "retries exhausted" if exc.retryable else "not retryable"
            return Failure(
                f"{exc.kind} ({why}): {exc}", disable=exc.kind in ("spend_limit", "auth")
            )
        if isinstance(exc, DocsieveError):  # -- configuration: missing key, model path --
            return Failure(f"config: {exc}", disable=True)
        return Failure(f"unexpected {type(exc).__name__}: {exc}")


def _usage_of(exc: Exception | None) -> Usage:
    ctx: dict[str, Any] = getattr(exc, "context", None) or {}
    return Usage.model_validate(ctx.get("usage") or {})


def _classify(exc: Exception) -> tuple[str, str]:
    if isinstance(exc, ProviderError):
        return exc.kind, str(exc)
    if isinstance(exc, DocsieveError):
        return "config", str(exc)
    return "unexpected", f"{type(exc).__name__}: {exc}"


def backoff(chain: FallbackChain, retry: int, retry_after: float | None) -> float:
    cap = chain.settings.analyze.max_backoff_s
    if retry_after is not None:
        return float(min(max(retry_after, 0.0), cap))
    base = chain.settings.analyze.backoff_base_s * (2 ** (retry - 1))
    # -- full jitter keeps many workers from retrying in step --
    return float(min(cap, base * (0.5 + chain._rng.random() / 2)))
