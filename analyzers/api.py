"""Stage 2 entry points: analyse one document or a run's documents.

:class:`Analyzer` holds one fallback chain (so the rate limiter and SDK
clients are shared across a run's documents). Each request is admitted on a
budget before it is sent (:mod:`analyzers.budget`). ``analyze_documents``
sends a run's uncached requests as one batch when ``settings.analyze.batch``
is on and the primary provider ``supports_batch`` (:mod:`analyzers.batch`);
failed batch items fall back to the synchronous chain. Replay is in
:mod:`analyzers.replay`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from analyzers.base import CallLog, Estimate, Provider
from analyzers.budget import Admission, Budget, Limits, admit
from analyzers.calls import ChainOutcome
from analyzers.chain import FallbackChain
from analyzers.prompt import build_request
from docsieve.analysis import AnalysisRequest, DocumentAnalysis
from docsieve.errors import BudgetExceededError, DocsieveError
from docsieve.profiles import Profile
from docsieve.selection import DocumentSelection
from docsieve.settings import Settings


class Analyzer:
    """Analyses documents down one fallback chain; reuse it for a whole run."""

    def __init__(
        self,
        settings: Settings,
        store: CallLog | None = None,
        *,
        specs: list[str] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        seed: int | None = None,
        use_cache: bool = True,
    ) -> None:
        self.settings = settings
        self.store = store
        self.sleep = sleep
        self.chain = FallbackChain(
            settings, store, specs=specs, sleep=sleep, seed=seed, use_cache=use_cache
        )

    def close(self) -> None:
        self.chain.close()

    def __enter__(self) -> Analyzer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def primary(self) -> Provider | None:
        """The chain's first provider; None when it cannot be built (e.g. no key)."""
        try:
            return self.chain.provider(self.chain.specs[0])
        except DocsieveError:
            return None

    def request_for(self, selection: DocumentSelection, profile: Profile) -> AnalysisRequest:
        primary = self.primary()
        return build_request(
            selection,
            profile,
            model=primary.model if primary else "",
            max_tokens=self.settings.analyze.max_output_tokens,
        )

    def estimate(self, request: AnalysisRequest) -> Estimate:
        """The worst case of ``request`` as the first provider of the chain sees it."""
        primary = self.primary()
        if primary is not None:
            return primary.estimate(request)
        # -- no usable primary: the chain will skip it; count locally, price nothing --
        from analyzers.prompt import local_token_count

        n = local_token_count(request, self.settings.encoding)
        return Estimate(n, request.max_tokens, None, "tiktoken-estimate")

    def admit(self, request: AnalysisRequest, budget: Budget) -> Admission:
        """Reserve the worst case of ``request`` on ``budget``, or raise BudgetExceededError."""
        return admit(self.estimate(request), budget)

    def analyze(
        self,
        selection: DocumentSelection,
        profile: Profile,
        *,
        run_id: int | None = None,
        document_id: int | None = None,
        budget: Budget | None = None,
        admission: Admission | None = None,
    ) -> DocumentAnalysis:
        """Stage 2 for one document.

        Pass ``admission`` when the request was admitted already; otherwise it
        is admitted on ``budget`` (default: the document limits of the settings).
        A request over budget is not sent: the analysis is degraded, or served
        from the cache of the same content.
        """
        request = self.request_for(selection, profile)
        outcome = self.run_request(
            request, run_id=run_id, document_id=document_id, budget=budget, admission=admission
        )
        return self.finish(outcome, request, selection, profile, run_id, document_id)

    def run_request(
        self,
        request: AnalysisRequest,
        *,
        run_id: int | None = None,
        document_id: int | None = None,
        budget: Budget | None = None,
        admission: Admission | None = None,
    ) -> ChainOutcome:
        """Admit ``request`` (unless ``admission`` is given), run it down the chain, settle."""
        primary = self.primary()
        if primary is not None and request.model != primary.model:
            request = request.model_copy(update={"model": primary.model})
        if admission is None:
            estimate = self.estimate(request)
            try:
                admission = admit(estimate, budget or Limits.for_document(self.settings.budget))
            except BudgetExceededError as exc:
                return self.chain.refuse(
                    request, str(exc), run_id=run_id, document_id=document_id, estimate=estimate
                )
        try:
            outcome = self.chain.run(
                request, run_id=run_id, document_id=document_id, estimate=admission.estimate
            )
        except BaseException:
            admission.release()
            raise
        admission.settle(outcome.usage, outcome.cost_usd)
        return outcome

    def analyze_many(
        self,
        selections: Sequence[DocumentSelection],
        profile: Profile,
        *,
        run_id: int | None = None,
        document_ids: Sequence[int | None] | None = None,
    ) -> list[DocumentAnalysis]:
        """Analyse a run's documents; one batch when batch mode is on and supported."""
        ids: list[int | None] = (
            list(document_ids) if document_ids is not None else [None] * len(selections)
        )
        primary = self.primary()
        if not (self.settings.analyze.batch and primary is not None and primary.supports_batch):
            return [
                self.analyze(s, profile, run_id=run_id, document_id=d)
                for s, d in zip(selections, ids, strict=True)
            ]
        from analyzers.batch import analyze_batch

        return analyze_batch(self, primary, list(selections), profile, run_id, ids)

    def finish(
        self,
        outcome: ChainOutcome,
        request: AnalysisRequest,
        selection: DocumentSelection,
        profile: Profile,
        run_id: int | None,
        document_id: int | None,
    ) -> DocumentAnalysis:
        """The document's analysis from what the chain did; stored when there is a store."""
        resp = outcome.response
        analysis = DocumentAnalysis(
            run_id=run_id,
            document_id=document_id,
            document_sha=selection.document_sha,
            profile=profile.name,
            status=outcome.status,
            reason=outcome.reason,
            provider=resp.provider if resp else None,
            model=resp.model if resp else None,
            extractive=bool(resp and any(a.extractive for a in resp.answers)),
            answers=list(resp.answers) if resp else [],
            usage=outcome.usage,
            cost_usd=outcome.cost_usd,
            request_hash=outcome.request_hash,
            request=request,
            steps=outcome.steps,
        )
        if self.store is not None:
            self.store.save_analysis(analysis)
        return analysis


def analyze_document(
    selection: DocumentSelection,
    profile: Profile,
    settings: Settings,
    *,
    store: CallLog | None = None,
    run_id: int | None = None,
    document_id: int | None = None,
    analyzer: Analyzer | None = None,
) -> DocumentAnalysis:
    """Stage 2 for one document. Pass ``analyzer`` to share limits across documents."""
    if analyzer is not None:
        return analyzer.analyze(selection, profile, run_id=run_id, document_id=document_id)
    with Analyzer(settings, store) as an:
        return an.analyze(selection, profile, run_id=run_id, document_id=document_id)


def analyze_documents(
    selections: Sequence[DocumentSelection],
    profile: Profile,
    settings: Settings,
    *,
    store: CallLog | None = None,
    run_id: int | None = None,
    document_ids: Sequence[int | None] | None = None,
) -> list[DocumentAnalysis]:
    """Stage 2 for a run's documents (one batch in batch mode)."""
    with Analyzer(settings, store) as an:
        return an.analyze_many(selections, profile, run_id=run_id, document_ids=document_ids)
