"""The per-document stages of a run, in plain Python: ingest, chunk, select, analyze.

Each stage first looks for its stored result (document version, chunk set,
selection, analysis), so a run started again after a crash resumes where it
stopped instead of repeating finished work or paid calls. The work itself
belongs to the stage packages and storage; here it is only put in order.
The Prefect tasks in ``flows.*`` wrap these, so they run and test without Prefect.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from docsieve.errors import DocsieveError, InputError, StorageError
from docsieve.profiles import GENERIC_PROFILE, Profile, load_profile, profile_name_for
from docsieve.selection import DocumentSelection
from docsieve.settings import Settings
from docsieve.tokens import count_tokens
from docsieve.types import Chunk, DocStatus, DocType, IngestResult, ParsedDocument
from storage import accounting, budget, repo
from storage.calls_repo import finished_analysis
from storage.db import Database

if TYPE_CHECKING:
    from analyzers.api import Analyzer
    from analyzers.budget import AnalyzeOutcome
    from analyzers.pricing import PriceTable
    from docsieve.analysis import DocumentAnalysis
    from extractors.base import Scorer

log = logging.getLogger(__name__)


def document_key(path: Path) -> str:
    """The path under which a file is recorded: absolute, links resolved."""
    return str(path.resolve())


def record_rejection(
    db: Database, run_id: int, path: Path, status: DocStatus, reason: str
) -> IngestResult:
    """Record a file that discovery refused (unsupported, link loop, too large...)."""
    with db.session() as s:
        repo.add_run_item(s, run_id, str(path), status, reason=reason)
    return IngestResult(path=str(path), status=status, reason=reason)


def ingest_file(
    db: Database,
    settings: Settings,
    run_id: int,
    path: Path,
    doc_type: DocType | None = None,
    root: Path | None = None,
    retry_failed: bool = False,
) -> IngestResult:
    """Read once, skip if unchanged, parse, classify, count tokens and store one file.

    ``root`` (a real path): the opened file must lie inside it (see ``parsers.reading``).
    A stored failure is tried again as ``storage.repo.reusable_document`` says.
    """
    from parsers import override_doc_type, parse_fingerprint, parse_opened, read_checked

    try:
        opened = read_checked(path, settings, root)
    except InputError as exc:
        return record_rejection(db, run_id, path, DocStatus(exc.status), exc.reason)
    key, sha = str(opened.real_path), opened.sha256
    fingerprint = parse_fingerprint(settings)

    with db.session() as s:
        known = repo.reusable_document(s, key, sha, fingerprint, retry_failed=retry_failed)
        if known is not None:
            why = f"unchanged since run {known.first_run_id} (was {known.status})"
            repo.add_run_item(s, run_id, key, DocStatus.UNCHANGED, reason=why, document_id=known.id)
            return IngestResult(
                path=key,
                status=DocStatus.UNCHANGED,
                reason=why,
                doc_type=DocType(known.doc_type) if known.doc_type else None,
                pages=known.pages,
                tokens=known.tokens,
                sha256=sha,
                document_id=known.id,
                warnings=list(known.warnings or []),
            )

    parsed = None
    tokens = None
    status: DocStatus = DocStatus.OK
    reason: str | None = None
    kind: str | None = None
    try:
        parsed = parse_opened(opened, settings)
        if doc_type is not None:
            parsed = override_doc_type(parsed, doc_type)
        tokens = count_tokens(parsed.text, settings.encoding)
    except InputError as exc:
        status, reason, kind = DocStatus(exc.status), exc.reason, exc.kind
    except DocsieveError as exc:
        status, reason, kind = DocStatus.FAILED, str(exc), "transient"
    except Exception as exc:  # -- a parser crash on one file must not stop the batch --
        log.exception("parser crashed on %s", path)
        status, reason = DocStatus.FAILED, f"parser error: {type(exc).__name__}: {exc}"
        kind = "transient"  # -- MemoryError and the like: worth trying again --

    with db.session() as s:
        row = repo.record_document(
            s,
            run_id=run_id,
            path=key,
            sha256=sha,
            size=opened.size,
            status=status,
            reason=reason,
            parsed=parsed,
            tokens=tokens,
            failure_kind=kind,
            fingerprint=fingerprint,
        )
        repo.add_run_item(s, run_id, key, status, reason=reason, document_id=row.id)
        doc_id = row.id
    return IngestResult(
        path=key,
        status=status,
        reason=reason,
        doc_type=parsed.doc_type.doc_type if parsed and parsed.doc_type else None,
        pages=parsed.pages if parsed else None,
        tokens=tokens,
        sha256=sha,
        document_id=doc_id,
        warnings=list(parsed.warnings) if parsed else [],
    )


def profile_for(doc: ParsedDocument, settings: Settings, explicit: str | None) -> Profile:
    """The profile named by the user, else the shipped one for the document type."""
    if explicit:
        return load_profile(explicit, settings.data_dir)
    dt = doc.doc_type.doc_type if doc.doc_type else DocType.OTHER
    return load_profile(profile_name_for(dt), settings.data_dir)


def profile_note(doc: ParsedDocument, explicit: str | None) -> str | None:
    """What the run item says when a document of no known type got the generic profile."""
    dt = doc.doc_type.doc_type if doc.doc_type else DocType.OTHER
    if explicit or profile_name_for(dt) != GENERIC_PROFILE:
        return None
    return f"type {dt.value}: analysed with the {GENERIC_PROFILE} profile"


@dataclass
class Chunked:
    chunk_set_id: int
    chunker: str
    chunks: list[Chunk]
    seconds: float
    reused: bool


def chunk_stage(
    db: Database,
    settings: Settings,
    document_id: int,
    doc: ParsedDocument,
    chunker: str | None = None,
) -> Chunked:
    """Chunk a stored document, reusing the stored set made with the same options."""
    from chunkers import chunk_document, chunker_for, options_hash

    name = chunker_for(doc, settings, chunker)
    ohash = options_hash(name, settings.chunk, settings.encoding)
    with db.session() as s:
        found = repo.find_chunk_set(s, document_id, name, ohash)
        if found is not None and found.id is not None:
            return Chunked(found.id, name, repo.load_chunks(s, found.id), 0.0, True)
    t0 = time.perf_counter()
    name, chunks = chunk_document(doc, settings, name)
    seconds = time.perf_counter() - t0
    with db.session() as s:
        cs = repo.save_chunk_set(
            s, document_id, name, ohash, settings.chunk.model_dump(mode="json"), chunks
        )
        assert cs.id is not None
        return Chunked(cs.id, name, chunks, seconds, False)


def select_stage(
    db: Database,
    settings: Settings,
    run_id: int,
    document_id: int,
    doc: ParsedDocument,
    chunks: list[Chunk],
    profile: Profile,
    *,
    scorer: Scorer | None = None,
    budget_tokens: int | None = None,
) -> tuple[DocumentSelection, float]:
    """Select the chunks the profile needs; a selection stored for this run is reused."""
    from extractors import select_document
    from storage.selection_repo import load_selection, save_selection

    with db.session() as s:
        try:
            return load_selection(s, run_id, document_id), 0.0
        except StorageError:
            pass
    t0 = time.perf_counter()
    sel = select_document(doc.sha256, doc.path, chunks, profile, settings, scorer, budget_tokens)
    seconds = time.perf_counter() - t0
    with db.session() as s:
        save_selection(s, run_id, document_id, sel)
    return sel, seconds


def stored_analysis(
    db: Database, run_id: int, document_id: int, *, degraded: bool = False
) -> DocumentAnalysis | None:
    """The finished analysis of this document in this run (a degraded one too with ``degraded``)."""
    with db.session() as s:
        return finished_analysis(s, run_id, document_id, degraded=degraded)


def ensure_budgets(
    db: Database, settings: Settings, run_id: int, document_id: int | None = None
) -> None:
    """The run's budget rows (and the document's) from ``settings.budget``."""
    b = settings.budget
    with db.session() as s:
        budget.ensure_budgets(
            s,
            run_id,
            run_tokens=b.run_tokens,
            run_usd=b.run_usd,
            document_id=document_id,
            document_tokens=b.document_tokens,
            document_usd=b.document_usd,
        )


def analyze_stage(
    db: Database,
    run_id: int,
    document_id: int,
    selection: DocumentSelection,
    profile: Profile,
    analyzer: Analyzer,
    cheaper: Analyzer | None = None,
    *,
    retry_degraded: bool = False,
) -> AnalyzeOutcome:
    """Stage 2 within the run's and the document's budgets; a finished analysis is reused.

    A degraded analysis is reused too (its paid calls are not bought again), unless
    ``retry_degraded`` (``docsieve run --retry-degraded``).
    """
    from analyzers.budget import AnalyzeOutcome, analyze_within_budget

    done = stored_analysis(db, run_id, document_id, degraded=not retry_degraded)
    if done is not None:
        return AnalyzeOutcome(done)
    return analyze_within_budget(
        analyzer,
        selection,
        profile,
        budget.StoredBudget(db, run_id, document_id),
        cheaper=cheaper,
        run_id=run_id,
        document_id=document_id,
    )


def record_stage1_ledger(
    db: Database,
    run_id: int,
    document_id: int,
    *,
    doc_tokens: int,
    chunked: Chunked,
    selection: DocumentSelection,
    select_seconds: float,
    package_id: int | None = None,
) -> None:
    """Write the document, chunk and select entries of the funnel."""
    with db.session() as s:
        accounting.record_stage1(
            s,
            run_id,
            document_id,
            doc_tokens=doc_tokens,
            chunker=chunked.chunker,
            chunks=chunked.chunks,
            chunk_seconds=chunked.seconds,
            chunks_reused=chunked.reused,
            selection=selection,
            select_seconds=select_seconds,
            package_id=package_id,
        )


def record_stage2_ledger(
    db: Database,
    settings: Settings,
    run_id: int,
    document_id: int,
    *,
    doc_tokens: int,
    selection: DocumentSelection,
    outcome: AnalyzeOutcome,
    prices: PriceTable,
    package_id: int | None = None,
) -> None:
    """Write the analyze entry (from the call log) and the whole-document baseline."""
    with db.session() as s:
        accounting.record_stage2(
            s,
            run_id,
            document_id,
            doc_tokens=doc_tokens,
            selection=selection,
            analysis=outcome.analysis,
            degraded=outcome.degraded,
            reason=outcome.reason,
            prices=prices,
            reference_model=settings.analyze.anthropic_model,
            encoding=settings.encoding,
            package_id=package_id,
        )
