"""Plain-Python chunk, select and analyze steps for one stored document.

Each step first looks for its stored result (chunk set, selection, analysis),
so a run started again after a crash resumes where it stopped instead of
repeating finished work or paid calls. Each writes its ledger entry.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from docsieve.errors import BudgetExceededError, StorageError
from docsieve.profiles import GENERIC_PROFILE, Profile, load_profile, profile_name_for
from docsieve.selection import DocumentSelection
from docsieve.settings import Settings
from docsieve.tokens import count_tokens
from docsieve.types import Chunk, DocType, ParsedDocument
from storage import budget, ledger, repo
from storage.db import Database

if TYPE_CHECKING:
    from analyzers.api import Analyzer
    from analyzers.pricing import PriceTable
    from docsieve.analysis import AnalysisRequest, DocumentAnalysis
    from extractors.base import Scorer


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


def stored_analysis(db: Database, run_id: int, document_id: int) -> DocumentAnalysis | None:
    """The finished analysis of this document in this run, if any."""
    from sqlmodel import col, select

    from docsieve.analysis import DocumentAnalysis
    from storage.tables_analysis import DocumentAnalysisRow

    with db.session() as s:
        row = s.exec(
            select(DocumentAnalysisRow)
            .where(
                DocumentAnalysisRow.run_id == run_id,
                DocumentAnalysisRow.document_id == document_id,
                col(DocumentAnalysisRow.status).in_(["analysed", "cached"]),
            )
            .order_by(col(DocumentAnalysisRow.id).desc())
        ).first()
        return DocumentAnalysis.model_validate(row.analysis_json) if row else None


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


@dataclass
class AnalyzeOutcome:
    analysis: DocumentAnalysis | None
    deferred: bool = False
    degraded: list[str] = field(default_factory=list)
    reason: str | None = None


def _estimate(
    req: AnalysisRequest, prices: PriceTable, model: str, encoding: str
) -> tuple[int, float]:
    """Worst-case tokens and dollars of a request: estimated input plus max output."""
    from docsieve.analysis import Usage

    est_in = count_tokens(
        req.model_dump_json(include={"instructions", "sections", "questions", "answer_schema"}),
        encoding,
    )
    usd = prices.cost(Usage(input_tokens=est_in, output_tokens=req.max_tokens), model) or 0.0
    return est_in + req.max_tokens, usd


def _drop_lowest(sel: DocumentSelection) -> bool:
    """Drop the lowest-scoring selected chunk of a question that keeps at least one."""
    best: tuple[float, int, int] | None = None
    for qi, q in enumerate(sel.questions):
        if len(q.chunks) < 2:
            continue
        ci = min(range(len(q.chunks)), key=lambda i: q.chunks[i].score)
        if best is None or q.chunks[ci].score < best[0]:
            best = (q.chunks[ci].score, qi, ci)
    if best is None:
        return False
    _, qi, ci = best
    del sel.questions[qi].chunks[ci]
    return True


def analyze_stage(
    db: Database,
    settings: Settings,
    run_id: int,
    document_id: int,
    selection: DocumentSelection,
    profile: Profile,
    analyzer: Analyzer,
    prices: PriceTable,
    cheaper: Analyzer | None = None,
) -> AnalyzeOutcome:
    """Stage 2 within the run's and the document's budgets.

    The worst-case cost is reserved before the call. When it doesn't fit, the
    run degrades in this order: drop the lowest-scoring sections, switch to the
    cheaper model, defer the document to the next run. What was done is returned.
    """
    done = stored_analysis(db, run_id, document_id)
    if done is not None:
        return AnalyzeOutcome(done)
    degraded: list[str] = []
    sel = selection.model_copy(deep=True)
    chosen = analyzer
    while True:
        req = chosen.request_for(sel, profile)
        tokens, usd = _estimate(req, prices, req.model, settings.encoding)
        try:
            with db.session() as s:
                reservation = budget.reserve(s, run_id, document_id, tokens, usd)
            break
        except BudgetExceededError as exc:
            if _drop_lowest(sel):
                if not degraded or not degraded[-1].startswith("dropped"):
                    degraded.append("dropped lowest-scoring sections")
                continue
            if cheaper is not None and chosen is not cheaper:
                chosen = cheaper
                sel = selection.model_copy(deep=True)
                degraded.append("switched to the cheaper model")
                continue
            degraded.append("deferred to the next run")
            return AnalyzeOutcome(None, deferred=True, degraded=degraded, reason=f"budget: {exc}")
    try:
        analysis = chosen.analyze(sel, profile, run_id=run_id, document_id=document_id)
    except BaseException:
        with db.session() as s:
            budget.release(s, reservation)
        raise
    spent_usd = analysis.cost_usd or 0.0
    spent_tokens = (
        analysis.usage.input_tokens
        + analysis.usage.output_tokens
        + analysis.usage.cache_write_tokens
        + analysis.usage.cache_read_tokens
    )
    with db.session() as s:
        budget.settle(s, reservation, spent_tokens, spent_usd)
    return AnalyzeOutcome(analysis, degraded=degraded)


def record_stage1_ledger(
    db: Database,
    run_id: int,
    document_id: int,
    *,
    doc_tokens: int,
    chunked: Chunked,
    selection: DocumentSelection,
    select_seconds: float,
) -> None:
    """Write the document, chunk and select entries of the funnel."""
    with db.session() as s:
        ledger.record(s, run_id, document_id, "document", tokens_in=doc_tokens)
        ledger.record(
            s,
            run_id,
            document_id,
            "chunk",
            tokens_in=sum(c.tokens for c in chunked.chunks),
            seconds=chunked.seconds,
            detail={
                "chunker": chunked.chunker,
                "chunks": len(chunked.chunks),
                "reused": chunked.reused,
            },
        )
        ledger.record(
            s,
            run_id,
            document_id,
            "select",
            tokens_in=selection.selected_tokens,
            seconds=select_seconds,
            detail={"scorer": selection.scorer, "profile": selection.profile},
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
) -> None:
    """Write the analyze entry (from the call log) and the whole-document baseline."""
    from sqlmodel import select

    from docsieve.analysis import Usage
    from storage.tables_analysis import ModelCallRow

    with db.session() as s:
        # -- stage 2 figures come from the call log, so report and log always agree --
        calls = list(
            s.exec(
                select(ModelCallRow).where(
                    ModelCallRow.run_id == run_id, ModelCallRow.document_id == document_id
                )
            )
        )
        u = Usage(
            input_tokens=sum(c.input_tokens for c in calls),
            output_tokens=sum(c.output_tokens for c in calls),
            cache_write_tokens=sum(c.cache_write_tokens for c in calls),
            cache_read_tokens=sum(c.cache_read_tokens for c in calls),
        )
        cost = sum(c.cost_usd or 0.0 for c in calls)
        a = outcome.analysis
        ledger.record(
            s,
            run_id,
            document_id,
            "analyze",
            tokens_in=u.input_tokens,
            tokens_out=u.output_tokens,
            cache_write_tokens=u.cache_write_tokens,
            cache_read_tokens=u.cache_read_tokens,
            cost_usd=cost,
            detail={
                "calls": len(calls),
                "status": a.status if a else "deferred",
                "provider": a.provider if a else None,
                "model": a.model if a else None,
                "degraded": outcome.degraded,
                "reason": outcome.reason,
            },
        )
        # -- baseline: the whole document instead of the selection, same model, same output --
        model = (a.model if a and a.model else None) or settings.analyze.anthropic_model
        if prices.price(model) is None:
            model = settings.analyze.anthropic_model
        # -- a free (offline) model saves nothing; keep a reference at the API model's prices --
        ref = settings.analyze.anthropic_model
        ref_price = prices.price(ref)
        reference = {}
        if ref_price is not None:
            reference = {
                "reference_model": ref,
                "reference_selected_usd": prices.cost(
                    Usage(input_tokens=selection.selected_tokens, output_tokens=u.output_tokens),
                    ref,
                ),
                "reference_whole_usd": prices.cost(
                    Usage(input_tokens=doc_tokens, output_tokens=u.output_tokens), ref
                ),
            }
        sent_in = u.input_tokens + u.cache_write_tokens + u.cache_read_tokens
        est_request = (
            (_estimate(a.request, prices, model, settings.encoding)[0] - a.request.max_tokens)
            if a and a.request
            else selection.selected_tokens
        )
        # -- the provider's own count of what was sent, over our estimate of it: no
        #    hard-coded ratio between tokenizers --
        ratio = sent_in / est_request if sent_in and est_request else 1.0
        base_in = round((est_request - selection.selected_tokens + doc_tokens) * ratio)
        base_cost = (
            prices.cost(Usage(input_tokens=base_in, output_tokens=u.output_tokens), model) or 0.0
        )
        ledger.record(
            s,
            run_id,
            document_id,
            "baseline",
            tokens_in=base_in,
            tokens_out=u.output_tokens,
            cost_usd=base_cost,
            detail={"model": model, **reference},
        )
