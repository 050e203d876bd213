"""Stage-2 budgets: the one place where a request is checked against its limits.

Before a request is sent, its worst case (:meth:`analyzers.base.Provider.estimate`
of the first provider: input tokens, counted by the API where it can, plus
``max_tokens``, priced) is reserved on a :class:`Budget` by :func:`admit`.
A request that does not fit is never sent. After the call the reservation is
settled with what the calls cost, or released when none was made.

``storage.budget.StoredBudget`` implements :class:`Budget` on the run's and
the document's budget rows; :class:`Limits` holds one document's limits in
memory when stage 2 runs without a database. :func:`analyze_within_budget`
degrades in a fixed order when a request does not fit: drop the
lowest-scoring sections, switch to the cheaper model, defer the document.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from analyzers.base import Estimate
from docsieve.analysis import DocumentAnalysis, Usage
from docsieve.errors import BudgetExceededError
from docsieve.profiles import Profile
from docsieve.selection import DocumentSelection
from docsieve.settings import BudgetSettings

if TYPE_CHECKING:
    from analyzers.api import Analyzer


class Budget(Protocol):
    """Where a request's worst case is reserved before it is sent."""

    def reserve(self, tokens: int, usd: float) -> Any:
        """Reserve or raise :class:`BudgetExceededError`; returns a hold."""
        ...

    def settle(self, hold: Any, tokens: int, usd: float) -> None:
        """Replace the reservation by what was spent."""
        ...

    def release(self, hold: Any) -> None:
        """Give the reservation back (nothing was sent)."""
        ...


class Limits:
    """One document's limits, held in memory: stage 2 without a database."""

    def __init__(self, tokens: int | None, usd: float | None) -> None:
        self.limit_tokens, self.limit_usd = tokens, usd
        self.tokens, self.usd = 0, 0.0
        self._lock = threading.Lock()

    @classmethod
    def for_document(cls, settings: BudgetSettings) -> Limits:
        return cls(settings.document_tokens, settings.document_usd)

    def reserve(self, tokens: int, usd: float) -> tuple[int, float]:
        with self._lock:
            if self.limit_tokens is not None and self.tokens + tokens > self.limit_tokens:
                raise BudgetExceededError(
                    f"request needs up to {tokens} tokens; document budget is "
                    f"{self.limit_tokens - self.tokens}",
                    scope="document",
                    estimate=tokens,
                )
            if self.limit_usd is not None and self.usd + usd > self.limit_usd + 1e-12:
                raise BudgetExceededError(
                    f"request may cost up to ${usd:.4f}; document budget is "
                    f"${self.limit_usd - self.usd:.4f}",
                    scope="document",
                    estimate=tokens,
                )
            self.tokens += tokens
            self.usd += usd
            return tokens, usd

    def settle(self, hold: tuple[int, float], tokens: int, usd: float) -> None:
        with self._lock:
            self.tokens += tokens - hold[0]
            self.usd += usd - hold[1]

    def release(self, hold: tuple[int, float]) -> None:
        self.settle(hold, 0, 0.0)


# -- a repair re-sends the request with the validation error (capped at 2,000 characters
#    by the chain): the allowance for its extra input tokens in the worst case --
REPAIR_ALLOWANCE_TOKENS = 700


def chain_worst_case(estimates: list[Estimate]) -> tuple[int, float]:
    """Tokens and dollars the whole chain may spend: each provider's call and its repair."""
    tokens, usd = 0, 0.0
    for e in estimates:
        tokens += 2 * e.tokens + REPAIR_ALLOWANCE_TOKENS
        if e.usd is not None:
            per_token = e.usd / max(e.tokens, 1)
            usd += 2 * e.usd + per_token * REPAIR_ALLOWANCE_TOKENS
    return tokens, usd


@dataclass(frozen=True)
class Admission:
    """A request's worst case, reserved on a budget until the calls are settled.

    ``tokens`` and ``usd`` are what was reserved: the worst case of the whole
    chain (:func:`chain_worst_case`). The chain checks every attempt against
    them (:meth:`fits`), so no estimate error can make it spend more.
    """

    estimate: Estimate
    budget: Budget
    hold: Any
    tokens: int = 0
    usd: float = 0.0

    def fits(self, spent: Usage, spent_usd: float | None, attempt: Estimate) -> bool:
        """Whether ``attempt`` still fits what was reserved, after ``spent`` so far."""
        if spent.total + attempt.tokens > self.tokens:
            return False
        if attempt.usd is None or spent_usd is None or not self.usd:
            return True
        return spent_usd + attempt.usd <= self.usd + 1e-12

    def settle(self, usage: Usage, usd: float | None) -> None:
        self.budget.settle(self.hold, usage.total, usd or 0.0)

    def release(self) -> None:
        self.budget.release(self.hold)


def admit(estimate: Estimate, budget: Budget, worst: tuple[int, float] | None = None) -> Admission:
    """Reserve ``worst`` (default: one call of ``estimate``) on ``budget``, or raise."""
    # -- a model with no price on file reserves no dollars: its cost is unknown, not 0,
    #    and the token limits still hold --
    tokens, usd = worst if worst is not None else (estimate.tokens, estimate.usd or 0.0)
    return Admission(estimate, budget, budget.reserve(tokens, usd), tokens, usd)


@dataclass
class AnalyzeOutcome:
    """Stage 2 for one document within its budgets: the analysis, or why there is none."""

    analysis: DocumentAnalysis | None
    deferred: bool = False
    degraded: list[str] = field(default_factory=list)
    reason: str | None = None


def drop_lowest(sel: DocumentSelection) -> DocumentSelection | None:
    """``sel`` without the lowest-scoring chunk of a question that keeps at least one."""
    best: tuple[float, int, int] | None = None
    for qi, q in enumerate(sel.questions):
        if len(q.chunks) < 2:
            continue
        ci = min(range(len(q.chunks)), key=lambda i: q.chunks[i].score)
        if best is None or q.chunks[ci].score < best[0]:
            best = (q.chunks[ci].score, qi, ci)
    if best is None:
        return None
    _, qi, ci = best
    q = sel.questions[qi]
    smaller = q.model_copy(update={"chunks": [c for i, c in enumerate(q.chunks) if i != ci]})
    questions = [smaller if i == qi else x for i, x in enumerate(sel.questions)]
    return sel.model_copy(update={"questions": questions})


def analyze_within_budget(
    analyzer: Analyzer,
    selection: DocumentSelection,
    profile: Profile,
    budget: Budget,
    *,
    cheaper: Analyzer | None = None,
    run_id: int | None = None,
    document_id: int | None = None,
) -> AnalyzeOutcome:
    """Stage 2 for one document, degrading until its worst case fits ``budget``.

    The order: drop the lowest-scoring sections, switch to the cheaper model,
    defer the document to the next run. What was done is returned.
    """
    degraded: list[str] = []
    sel = selection
    chosen = analyzer
    while True:
        request = chosen.request_for(sel, profile)
        if not request.questions:  # -- nothing selected: answered without a call --
            return AnalyzeOutcome(
                chosen.analyze(sel, profile, run_id=run_id, document_id=document_id)
            )
        try:
            admission = chosen.admit(request, budget)
            break
        except BudgetExceededError as exc:
            smaller = drop_lowest(sel)
            if smaller is not None:
                sel = smaller
                if not degraded or not degraded[-1].startswith("dropped"):
                    degraded.append("dropped lowest-scoring sections")
                continue
            if cheaper is not None and chosen is not cheaper:
                chosen = cheaper
                sel = selection
                degraded.append("switched to the cheaper model")
                continue
            degraded.append("deferred to the next run")
            return AnalyzeOutcome(None, deferred=True, degraded=degraded, reason=f"budget: {exc}")
    analysis = chosen.analyze(
        sel, profile, run_id=run_id, document_id=document_id, admission=admission
    )
    return AnalyzeOutcome(analysis, degraded=degraded)
