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
from analyzers.batch import NOTHING_SELECTED
from analyzers.budget import Admission, Budget, Limits, admit, chain_worst_case
from analyzers.calls import ChainOutcome
from analyzers.chain import FallbackChain
from analyzers.prompt import answer_schema, build_request
from docsieve.analysis import AnalysisRequest, Answer, DocumentAnalysis
from docsieve.errors import BudgetExceededError, DocsieveError
from docsieve.profiles import Profile
from docsieve.selection import DocumentSelection
from docsieve.settings import Settings

NOT_FOUND = "not found by stage 1: no section was selected for this question"


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
        """The request for ``selection``: only the questions stage 1 found sections for.

        A question without sections is answered "not found by stage 1" by
        :meth:`finish`, never by a paid call; with none left the request is empty.
        """
        primary = self.primary()
        return evidence_only(
            build_request(
                selection,
                profile,
                model=primary.model if primary else "",
                max_tokens=self.settings.analyze.max_output_tokens,
            )
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

    def worst_case(self, request: AnalysisRequest, estimate: Estimate) -> tuple[int, float]:
        """What the whole chain may spend on ``request``: every provider, each with a repair."""
        estimates = [estimate]
        for spec in self.chain.specs[1:]:
            if spec in self.chain.disabled:
                continue
            try:
                prov = self.chain.provider(spec)
            except DocsieveError:  # -- the chain skips it too --
                continue
            estimates.append(prov.estimate(request.model_copy(update={"model": prov.model})))
        return chain_worst_case(estimates)

    def admit(self, request: AnalysisRequest, budget: Budget) -> Admission:
        """Reserve the chain's worst case of ``request`` on ``budget``, or raise."""
        estimate = self.estimate(request)
        return admit(estimate, budget, self.worst_case(request, estimate))

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
        if not request.questions:
            # -- no evidence, no call: stage 1 found nothing for any question --
            if admission is not None:
                admission.release()
            outcome = ChainOutcome(status="analysed", reason=NOTHING_SELECTED)
        else:
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
                admission = admit(
                    estimate,
                    budget or Limits.for_document(self.settings.budget),
                    self.worst_case(request, estimate),
                )
            except BudgetExceededError as exc:
                return self.chain.refuse(
                    request, str(exc), run_id=run_id, document_id=document_id, estimate=estimate
                )
        try:
            outcome = self.chain.run(
                request,
                run_id=run_id,
                document_id=document_id,
                estimate=admission.estimate,
                admission=admission,
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

        done = analyze_batch(self, primary, list(selections), profile, run_id, ids)
        assert all(a is not None for a in done)  # -- only items with budgets are deferred --
        return [a for a in done if a is not None]

    def batches(self) -> Provider | None:
        """The primary provider when this run's requests go out as one batch, else None."""
        primary = self.primary()
        if self.settings.analyze.batch and primary is not None and primary.supports_batch:
            return primary
        return None

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
        answered = {a.question_id for a in resp.answers} if resp else set()
        unasked = [
            Answer(question_id=q.id, found=False, answer=NOT_FOUND)
            for q in profile.questions
            if q.id not in answered and q.id not in {x.id for x in request.questions}
        ]
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
            answers=[*(resp.answers if resp else []), *unasked],
            usage=outcome.usage,
            cost_usd=outcome.cost_usd,
            request_hash=outcome.request_hash,
            request=request,
            steps=outcome.steps,
            package=selection.package,
        )
        if self.store is not None:
            self.store.save_analysis(analysis)
        return analysis


def evidence_only(request: AnalysisRequest) -> AnalysisRequest:
    """``request`` without the questions that have no selected section (and the schema to match)."""
    asked = [q for q in request.questions if q.chunk_ids]
    if len(asked) == len(request.questions):
        return request
    keep = {c for q in asked for c in q.chunk_ids}
    return request.model_copy(
        update={
            "questions": asked,
            "sections": [x for x in request.sections if x.chunk_id in keep],
            "answer_schema": answer_schema(asked),
        }
    )


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
