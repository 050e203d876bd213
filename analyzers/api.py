"""Stage 2 entry points: analyse documents, and replay a run from the call log.

:class:`Analyzer` holds one fallback chain (so the rate limiter and SDK
clients are shared across a run's documents). ``analyze_documents`` sends a
run's uncached requests as one Message Batch when ``settings.analyze.batch``
is on and the primary provider supports it; failed batch items fall back to
the synchronous chain. :func:`replay` re-executes a run from the log with no
network, or re-sends its requests to another provider/model, and diffs.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel, Field

from analyzers.anthropic_provider import AnthropicProvider
from analyzers.base import CallLog, get_provider
from analyzers.chain import ChainOutcome, FallbackChain
from analyzers.prompt import build_request
from docsieve.analysis import AnalysisRequest, Answer, DocumentAnalysis, ProviderResponse, Step
from docsieve.errors import DocsieveError, ProviderError
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

    def request_for(self, selection: DocumentSelection, profile: Profile) -> AnalysisRequest:
        try:
            model = self.chain.provider(self.chain.specs[0]).model
        except DocsieveError:
            model = ""
        return build_request(
            selection, profile, model=model, max_tokens=self.settings.analyze.max_output_tokens
        )

    def analyze(
        self,
        selection: DocumentSelection,
        profile: Profile,
        *,
        run_id: int | None = None,
        document_id: int | None = None,
    ) -> DocumentAnalysis:
        request = self.request_for(selection, profile)
        outcome = self.chain.run(request, run_id=run_id, document_id=document_id)
        return self._finish(outcome, request, selection, profile, run_id, document_id)

    def analyze_many(
        self,
        selections: Sequence[DocumentSelection],
        profile: Profile,
        *,
        run_id: int | None = None,
        document_ids: Sequence[int | None] | None = None,
    ) -> list[DocumentAnalysis]:
        """Analyse a run's documents; one Message Batch when batch mode is on."""
        ids: list[int | None] = (
            list(document_ids) if document_ids is not None else [None] * len(selections)
        )
        try:
            primary = self.chain.provider(self.chain.specs[0])
        except DocsieveError:
            primary = None
        if not (self.settings.analyze.batch and isinstance(primary, AnthropicProvider)):
            return [
                self.analyze(s, profile, run_id=run_id, document_id=d)
                for s, d in zip(selections, ids, strict=True)
            ]
        return self._batch(primary, list(selections), profile, run_id, ids)

    def _batch(
        self,
        prov: AnthropicProvider,
        selections: list[DocumentSelection],
        profile: Profile,
        run_id: int | None,
        ids: list[int | None],
    ) -> list[DocumentAnalysis]:
        requests = [self.request_for(s, profile) for s in selections]
        outcomes: dict[int, ChainOutcome] = {}
        pending: list[tuple[str, AnalysisRequest]] = []
        index: dict[str, int] = {}
        for i, req in enumerate(requests):
            rhash = req.request_hash(prov.name)
            cached = self.chain._cached(prov, rhash)
            if cached is not None:
                outcomes[i] = ChainOutcome(
                    status="cached",
                    response=cached,
                    request_hash=rhash,
                    cost_usd=0.0,
                    reason="identical request answered before; served from the response cache",
                    steps=[Step(provider=prov.name, model=prov.model, outcome="cache_hit")],
                )
                continue
            cid = f"doc{i}-{rhash[:16]}"
            pending.append((cid, req))
            index[cid] = i
        results: dict[str, ProviderResponse | ProviderError]
        batch_error: str | None = None
        if pending:
            try:
                results = prov.run_batch(pending, sleep=self.sleep)
            except ProviderError as exc:
                batch_error = f"batch failed ({exc.kind}): {exc}"
                results = {}
        else:
            results = {}
        for cid, req in pending:
            i = index[cid]
            rhash = req.request_hash(prov.name)
            out = ChainOutcome(status="degraded")
            log: dict[str, Any] = {
                "run_id": run_id,
                "document_id": ids[i],
                "provider": prov.name,
                "model": req.model,
                "attempt": 1,
                "request_hash": rhash,
                "fallback_reason": None,
            }
            res = results.get(cid)
            if isinstance(res, ProviderResponse):
                self.chain.accept(out, log, req, prov, res, rhash)
                out.status, out.response, out.request_hash = "analysed", res, rhash
                outcomes[i] = out
                continue
            if res is not None:
                usage_ctx = res.context.get("usage") or {}
                from docsieve.analysis import Usage

                self.chain._record(
                    out,
                    log,
                    req,
                    prov,
                    status="error",
                    kind=res.kind,
                    message=str(res),
                    usage=Usage.model_validate(usage_ctx),
                    response=res.context.get("raw_response"),
                    batch=True,
                )
                why = f"batch item {res.kind}: {res}"
            else:
                why = batch_error or "batch returned nothing"
            # -- fall back for this item: the synchronous chain, primary first --
            sync = self.chain.run(req, run_id=run_id, document_id=ids[i], first_reason=why)
            sync.steps = out.steps + sync.steps
            sync.usage = out.usage + sync.usage
            if sync.cost_usd is not None and out.cost_usd is not None:
                sync.cost_usd = round(sync.cost_usd + out.cost_usd, 10)
            if sync.reason is None:
                sync.reason = f"served synchronously after {why}"
            outcomes[i] = sync
        return [
            self._finish(outcomes[i], requests[i], selections[i], profile, run_id, ids[i])
            for i in range(len(selections))
        ]

    def _finish(
        self,
        outcome: ChainOutcome,
        request: AnalysisRequest,
        selection: DocumentSelection,
        profile: Profile,
        run_id: int | None,
        document_id: int | None,
    ) -> DocumentAnalysis:
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
    """Stage 2 for a run's documents (one Message Batch in batch mode)."""
    with Analyzer(settings, store) as an:
        return an.analyze_many(selections, profile, run_id=run_id, document_ids=document_ids)


# -- replay --
class AnswerDiff(BaseModel):
    question_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class DocumentReplay(BaseModel):
    document_id: int | None
    document_sha: str
    status_before: str
    provider_before: str | None
    model_before: str | None
    provider_after: str | None = None
    model_after: str | None = None
    status_after: str | None = None
    identical: bool
    diffs: list[AnswerDiff] = Field(default_factory=list)
    error: str | None = None


class ReplayReport(BaseModel):
    run_id: int
    mode: str = Field(..., description="'log' (no network) or 'resend:provider:model'")
    documents: list[DocumentReplay] = Field(default_factory=list)

    @property
    def identical(self) -> bool:
        return all(d.identical for d in self.documents)

    @property
    def changed(self) -> int:
        return sum(not d.identical for d in self.documents)

    def lines(self) -> list[str]:
        """A plain-text report for the CLI: one line per document, then each difference."""
        out = [
            f"replay of run {self.run_id} ({self.mode}): {len(self.documents)} documents, "
            f"{self.changed} changed"
        ]
        for d in self.documents:
            mark = "same" if d.identical else ("ERROR" if d.error else "DIFF")
            out.append(
                f"  [{mark}] document {d.document_id} {d.status_before} "
                f"{d.provider_before}:{d.model_before} -> "
                f"{d.provider_after}:{d.model_after}" + (f" ({d.error})" if d.error else "")
            )
            for diff in d.diffs:
                out.append(f"      {diff.question_id}: {diff.before} -> {diff.after}")
        return out


def _answer_view(a: Answer) -> dict[str, Any]:
    return a.model_dump(mode="json")


def diff_answers(
    before: list[Answer],
    after: list[Answer],
    *,
    compare: Callable[[Answer], dict[str, Any]] = _answer_view,
) -> list[AnswerDiff]:
    b = {a.question_id: compare(a) for a in before}
    n = {a.question_id: compare(a) for a in after}
    return [
        AnswerDiff(question_id=q, before=b.get(q), after=n.get(q))
        for q in sorted(set(b) | set(n))
        if b.get(q) != n.get(q)
    ]


def _migration_view(a: Answer) -> dict[str, Any]:
    # -- across models, wording and quotes differ; compare what the answer says --
    return {
        "found": a.found,
        "fields": a.fields,
        "chunks": sorted({c.chunk_id for c in a.citations}),
    }


def replay(
    run_id: int,
    store: CallLog,
    settings: Settings,
    *,
    provider: str | None = None,
    model: str | None = None,
    new_run_id: int | None = None,
) -> ReplayReport:
    """Replay a run's analysis.

    Without ``provider``: re-execute from the log with no network: each
    document's logged response is parsed and validated again (offline
    analyzers re-run) and the answers are compared with the stored ones.
    With ``provider`` (and optionally ``model``): re-send the logged requests
    to that provider/model through the chain (logged under ``new_run_id``)
    and diff the answers field by field.
    """
    if provider is None:
        report = ReplayReport(run_id=run_id, mode="log")
        for a in store.analyses(run_id):
            report.documents.append(_replay_from_log(a, store, settings))
        return report
    spec = f"{provider}:{model}" if model else provider
    report = ReplayReport(run_id=run_id, mode=f"resend:{spec}")
    with Analyzer(settings, store, specs=[spec]) as an:
        for a in store.analyses(run_id):
            doc = DocumentReplay(
                document_id=a.document_id,
                document_sha=a.document_sha,
                status_before=a.status,
                provider_before=a.provider,
                model_before=a.model,
                identical=False,
            )
            if a.request is None:
                doc.error = "no stored request"
                report.documents.append(doc)
                continue
            outcome = an.chain.run(a.request, run_id=new_run_id, document_id=a.document_id)
            resp = outcome.response
            after = list(resp.answers) if resp else []
            doc.status_after = outcome.status
            doc.provider_after = resp.provider if resp else None
            doc.model_after = resp.model if resp else None
            doc.diffs = diff_answers(a.answers, after, compare=_migration_view)
            doc.identical = not doc.diffs
            if resp is None:
                doc.error = outcome.reason
            report.documents.append(doc)
    return report


def _replay_from_log(a: DocumentAnalysis, store: CallLog, settings: Settings) -> DocumentReplay:
    doc = DocumentReplay(
        document_id=a.document_id,
        document_sha=a.document_sha,
        status_before=a.status,
        provider_before=a.provider,
        model_before=a.model,
        identical=False,
    )
    if a.provider is None or a.model is None or a.request is None:
        # -- degraded: nothing was answered, and replay answers nothing --
        doc.identical = not a.answers
        doc.status_after = "degraded"
        return doc
    try:
        prov = get_provider(f"{a.provider}:{a.model}", settings)
        req = a.request.model_copy(update={"model": a.model})
        if prov.offline:
            resp = prov.execute(req)
        else:
            row = store.logged_call(a.request_hash or "")
            if row is None or row.response_json is None:
                raise ProviderError("no logged response for this request", provider=a.provider)
            resp = prov.parse_raw(req, row.wire_request_json or {}, row.response_json)
    except DocsieveError as exc:
        doc.error = str(exc)
        return doc
    doc.provider_after, doc.model_after, doc.status_after = resp.provider, resp.model, a.status
    doc.diffs = diff_answers(a.answers, resp.answers)
    doc.identical = not doc.diffs
    return doc
