"""Replay a run's stage 2 from the call log, offline, or against another provider and model.

From the log: each document's logged raw response is parsed and validated
again with no network (offline analyzers re-run), and the answers are
compared exactly with the stored ones. Re-sent: the logged requests go to
another provider/model through the fallback chain, and the answers are
compared on what they say (found, fields, cited chunks).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, Field

from analyzers.api import Analyzer
from analyzers.base import CallLog, get_provider
from docsieve.analysis import Answer, DocumentAnalysis
from docsieve.errors import DocsieveError, ProviderError
from docsieve.settings import Settings


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
            outcome = an.run_request(a.request, run_id=new_run_id, document_id=a.document_id)
            resp = outcome.response
            after = list(resp.answers) if resp else []
            doc.status_after = outcome.status
            doc.provider_after = resp.provider if resp else None
            doc.model_after = resp.model if resp else None
            doc.diffs = diff_answers(_asked(a), after, compare=_migration_view)
            doc.identical = not doc.diffs
            if resp is None:
                doc.error = outcome.reason
            report.documents.append(doc)
    return report


def _asked(a: DocumentAnalysis) -> list[Answer]:
    """The stored answers to the questions the request asked.

    -- a question with no selected section was never sent (it is stored "not found by
       stage 1", analyzers.api): there is no call to replay for it --
    """
    if a.request is None:
        return list(a.answers)
    asked = {q.id for q in a.request.questions}
    return [b for b in a.answers if b.question_id in asked]


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
    doc.diffs = diff_answers(_asked(a), resp.answers)
    doc.identical = not doc.diffs
    return doc
