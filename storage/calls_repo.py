"""Storage of stage 2: the model-call log, the response cache, and document analyses.

Converts the typed data of ``docsieve.analysis`` to the rows of
``storage.tables_analysis``. Everything written passes through
:func:`redact`: header-like keys are dropped and every known secret value is
replaced, so API keys and auth headers never reach the database.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from docsieve.analysis import DocumentAnalysis, ProviderResponse, Usage
from storage.db import Database
from storage.tables_analysis import DocumentAnalysisRow, ModelCallRow, ResponseCacheRow

REDACTED = "[REDACTED]"
_SECRET_KEYS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "x-api-key",
        "api-key",
        "api_key",
        "apikey",
        "openai-api-key",
        "anthropic-api-key",
    }
)


def redact(value: Any, secrets: Iterable[str] = ()) -> Any:
    """A copy of ``value`` with header-like keys dropped and secret strings replaced."""
    secrets = [s for s in secrets if s]
    return _redact(value, secrets)


def _redact(value: Any, secrets: list[str]) -> Any:
    if isinstance(value, dict):
        return {
            k: _redact(v, secrets) for k, v in value.items() if str(k).lower() not in _SECRET_KEYS
        }
    if isinstance(value, list | tuple):
        return [_redact(v, secrets) for v in value]
    if isinstance(value, str):
        for s in secrets:
            if s in value:
                value = value.replace(s, REDACTED)
        return value
    return value


@dataclass(frozen=True)
class CallTotals:
    """What the call log says one document's stage 2 used: the figures of the ledger."""

    calls: int
    usage: Usage
    cost_usd: float


def call_totals(s: Session, run_id: int, document_id: int) -> CallTotals:
    """Sum of every logged call (attempts that failed included) of one document in one run."""
    calls = list(
        s.exec(
            select(ModelCallRow).where(
                ModelCallRow.run_id == run_id, ModelCallRow.document_id == document_id
            )
        )
    )
    usage = Usage(
        input_tokens=sum(c.input_tokens for c in calls),
        output_tokens=sum(c.output_tokens for c in calls),
        cache_write_tokens=sum(c.cache_write_tokens for c in calls),
        cache_read_tokens=sum(c.cache_read_tokens for c in calls),
    )
    return CallTotals(len(calls), usage, sum(c.cost_usd or 0.0 for c in calls))


def run_analyses(s: Session, run_id: int) -> list[DocumentAnalysis]:
    """Every stored analysis of a run, oldest first (a document analysed again appears twice)."""
    stmt = (
        select(DocumentAnalysisRow)
        .where(DocumentAnalysisRow.run_id == run_id)
        .order_by(col(DocumentAnalysisRow.id))
    )
    return [DocumentAnalysis.model_validate(r.analysis_json) for r in s.exec(stmt).all()]


def finished_analysis(
    s: Session, run_id: int, document_id: int, *, degraded: bool = False
) -> DocumentAnalysis | None:
    """The newest analysis of this document in this run that has answers (analysed or cached).

    With ``degraded``, a degraded one counts too: its paid calls are not bought again.
    """
    statuses = ["analysed", "cached", "degraded"] if degraded else ["analysed", "cached"]
    row = s.exec(
        select(DocumentAnalysisRow)
        .where(
            DocumentAnalysisRow.run_id == run_id,
            DocumentAnalysisRow.document_id == document_id,
            col(DocumentAnalysisRow.status).in_(statuses),
        )
        .order_by(col(DocumentAnalysisRow.id).desc())
    ).first()
    return DocumentAnalysis.model_validate(row.analysis_json) if row else None


class CallStore:
    """The stage 2 repository over a migrated :class:`storage.db.Database`."""

    def __init__(self, db: Database, *, secrets: Iterable[str] = ()) -> None:
        self.db = db
        self.secrets = [s for s in secrets if s]

    def add_secrets(self, secrets: Iterable[str]) -> None:
        self.secrets.extend(s for s in secrets if s and s not in self.secrets)

    def _clean(self, value: Any) -> Any:
        return redact(value, self.secrets)

    # -- the call log --
    def log_call(self, *, call_id: int | None = None, **fields: Any) -> int:
        """Add a call to the log, or complete its ``pending`` row ``call_id``."""
        for key in (
            "request_json",
            "wire_request_json",
            "response_json",
            "error_message",
            "fallback_reason",
        ):
            if fields.get(key) is not None:
                fields[key] = self._clean(fields[key])
        with self.db.session() as s:
            row = s.get(ModelCallRow, call_id) if call_id is not None else None
            if row is None:
                row = ModelCallRow(**fields)
            else:
                for key, value in fields.items():
                    setattr(row, key, value)
            s.add(row)
            s.flush()
            assert row.id is not None
            return row.id

    def open_batch_call(self, request_hash: str) -> tuple[int, str] | None:
        """A batch item still pending for this request (its sender died): call id, batch id."""
        stmt = (
            select(ModelCallRow)
            .where(
                ModelCallRow.request_hash == request_hash,
                ModelCallRow.status == "pending",
                col(ModelCallRow.batch_id).is_not(None),
            )
            .order_by(col(ModelCallRow.id).desc())
        )
        with self.db.session() as s:
            row = s.exec(stmt).first()
            return (row.id, row.batch_id) if row and row.id and row.batch_id else None

    def set_batch_id(self, call_ids: list[int], batch_id: str) -> None:
        with self.db.session() as s:
            for cid in call_ids:
                row = s.get(ModelCallRow, cid)
                if row is not None and row.status == "pending":
                    row.batch_id = batch_id
                    s.add(row)

    def reusable_response(
        self, request_hash: str, repair_note: str | None
    ) -> tuple[dict[str, Any], dict[str, Any] | None] | None:
        """The newest answer bought for this request and repair note: raw response and wire."""
        stmt = (
            select(ModelCallRow)
            .where(
                ModelCallRow.request_hash == request_hash,
                col(ModelCallRow.status).in_(["ok", "invalid"]),
            )
            .order_by(col(ModelCallRow.id).desc())
        )
        with self.db.session() as s:
            for row in s.exec(stmt):
                if (row.request_json or {}).get("repair_note") == repair_note and row.response_json:
                    return row.response_json, row.wire_request_json
        return None

    def calls(
        self,
        *,
        run_id: int | None = None,
        document_id: int | None = None,
        status: str | None = None,
    ) -> list[ModelCallRow]:
        stmt = select(ModelCallRow)
        if run_id is not None:
            stmt = stmt.where(ModelCallRow.run_id == run_id)
        if document_id is not None:
            stmt = stmt.where(ModelCallRow.document_id == document_id)
        if status is not None:
            stmt = stmt.where(ModelCallRow.status == status)
        with self.db.session() as s:
            return list(s.exec(stmt.order_by(col(ModelCallRow.id))).all())

    def logged_call(self, request_hash: str) -> ModelCallRow | None:
        """The latest successful call for a request hash (what replay serves)."""
        stmt = (
            select(ModelCallRow)
            .where(ModelCallRow.request_hash == request_hash, ModelCallRow.status == "ok")
            .order_by(col(ModelCallRow.id).desc())
        )
        with self.db.session() as s:
            return s.exec(stmt).first()

    # -- the response cache --
    def cache_get(self, request_hash: str) -> ProviderResponse | None:
        with self.db.session() as s:
            row = s.get(ResponseCacheRow, request_hash)
            return ProviderResponse.model_validate(row.response_json) if row else None

    def cache_get_content(self, content_hash: str) -> ProviderResponse | None:
        """The newest cached response to the same content from any provider and model."""
        stmt = (
            select(ResponseCacheRow)
            .where(ResponseCacheRow.content_hash == content_hash)
            .order_by(col(ResponseCacheRow.created_at).desc())
        )
        with self.db.session() as s:
            row = s.exec(stmt).first()
            return ProviderResponse.model_validate(row.response_json) if row else None

    def cache_put(
        self, request_hash: str, content_hash: str, response: ProviderResponse, call_id: int | None
    ) -> None:
        data = self._clean(response.model_dump(mode="json"))
        try:
            with self.db.session() as s:
                row = s.get(ResponseCacheRow, request_hash)
                if row is None:
                    s.add(
                        ResponseCacheRow(
                            request_hash=request_hash,
                            content_hash=content_hash,
                            provider=response.provider,
                            model=response.model,
                            response_json=data,
                            call_id=call_id,
                        )
                    )
        except IntegrityError:
            # -- another worker cached the same request first; its entry is as good --
            pass

    # -- document analyses --
    def save_analysis(self, analysis: DocumentAnalysis) -> int:
        u = analysis.usage
        row = DocumentAnalysisRow(
            run_id=analysis.run_id,
            document_id=analysis.document_id,
            document_sha=analysis.document_sha,
            profile=analysis.profile,
            status=analysis.status,
            reason=analysis.reason,
            provider=analysis.provider,
            model=analysis.model,
            request_hash=analysis.request_hash,
            input_tokens=u.input_tokens,
            output_tokens=u.output_tokens,
            cache_write_tokens=u.cache_write_tokens,
            cache_read_tokens=u.cache_read_tokens,
            cost_usd=analysis.cost_usd,
            analysis_json=self._clean(analysis.model_dump(mode="json")),
            package_id=analysis.package.id if analysis.package else None,
        )
        with self.db.session() as s:
            s.add(row)
            s.flush()
            assert row.id is not None
            return row.id

    def analyses(self, run_id: int) -> list[DocumentAnalysis]:
        with self.db.session() as s:
            return run_analyses(s, run_id)

    def finished_analysis(self, run_id: int, document_id: int) -> DocumentAnalysis | None:
        with self.db.session() as s:
            return finished_analysis(s, run_id, document_id)


UNKNOWN_OUTCOME = (
    "unknown outcome: the process ended while the call was in flight; "
    "counted at its worst case (estimated input and max_tokens)"
)


def reconcile_calls(s: Session, run_id: int) -> int:
    """Calls a dead process left ``pending``: marked "unknown outcome", kept at their worst case.

    Batch items that reached a batch stay pending: their batch is collected on resume.

    Call only while holding the run's lease (no live process is calling for it).
    """
    rows = list(
        s.exec(
            select(ModelCallRow).where(
                ModelCallRow.run_id == run_id, ModelCallRow.status == "pending"
            )
        )
    )
    # -- a batch item is still at the API: the next run collects it from its batch --
    rows = [r for r in rows if not r.batch_id]
    for row in rows:
        row.status, row.error_kind, row.error_message = (
            "unknown",
            "unknown_outcome",
            UNKNOWN_OUTCOME,
        )
        s.add(row)
    s.flush()
    return len(rows)
