"""Mine the stored stage-2 results of past runs for ``docsieve train --from-runs``.

Every stage-2 request is stored with its analysis (``document_analyses``): the
request (the sections sent, with their text and heading path, and the chunks
selected for each question) and the validated answers with their citations.
Per (request, question) answered with citations, :func:`stage2_feedback`
returns a :class:`~docsieve.feedback.CitedQuestion`: the sections cited are
positives, the sections sent but not cited are negatives.

Left out: degraded analyses (no answer), answers that found nothing or cite no
section that was sent, and by default extractive answers (the offline
analyzer's citations echo lexical matches, not a model's reading). The same
document, question and citations seen in several runs (a re-run, a cache hit)
count once.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, select

from docsieve.analysis import DocumentAnalysis, Section
from docsieve.feedback import CitedQuestion
from storage.tables import RunRow
from storage.tables_analysis import DocumentAnalysisRow

# -- analyses whose answers a model gave: analysed now, or served from the response cache --
ANSWERED = ("analysed", "cached")


def stage2_feedback(
    s: Session,
    run_ids: Sequence[int] | None = None,
    *,
    include_extractive: bool = False,
) -> list[CitedQuestion]:
    """What stage 2 cited and left uncited, per request and question, oldest first.

    ``run_ids`` limits the runs read (default: every run).
    """
    stmt = select(DocumentAnalysisRow).where(col(DocumentAnalysisRow.status).in_(ANSWERED))
    if run_ids is not None:
        stmt = stmt.where(col(DocumentAnalysisRow.run_id).in_(list(run_ids)))
    out: list[CitedQuestion] = []
    seen: set[tuple[str, str, tuple[str, ...], tuple[str, ...]]] = set()
    for row in s.exec(stmt.order_by(col(DocumentAnalysisRow.id))):
        analysis = DocumentAnalysis.model_validate(row.analysis_json)
        if analysis.extractive and not include_extractive:
            continue
        for item in cited_questions(analysis, include_extractive=include_extractive):
            key = (
                item.document_sha,
                item.question,
                tuple(c.chunk_id for c in item.cited),
                tuple(sorted(c.chunk_id for c in item.uncited)),
            )
            if key not in seen:
                seen.add(key)
                out.append(item)
    return out


def cited_questions(
    analysis: DocumentAnalysis, *, include_extractive: bool = False
) -> list[CitedQuestion]:
    """The questions of one stored analysis that cite at least one section sent."""
    req = analysis.request
    if req is None:
        return []
    sections: dict[str, Section] = {sec.chunk_id: sec for sec in req.sections}
    out = []
    for q in req.questions:
        ans = analysis.answer(q.id)
        if ans is None or not ans.found or (ans.extractive and not include_extractive):
            continue
        cited_ids = list(dict.fromkeys(c.chunk_id for c in ans.citations if c.chunk_id in sections))
        if not cited_ids:
            continue
        # -- the question's own selection first: those are the hardest negatives --
        order = list(dict.fromkeys([*q.chunk_ids, *sections]))
        uncited = [sections[i] for i in order if i in sections and i not in cited_ids]
        quotes: dict[str, list[str]] = {}
        for c in ans.citations:
            if c.chunk_id in sections and c.quote.strip():
                quotes.setdefault(c.chunk_id, []).append(c.quote)
        out.append(
            CitedQuestion(
                run_id=analysis.run_id,
                document_id=analysis.document_id,
                document_sha=analysis.document_sha,
                question_id=q.id,
                question=q.question,
                description=q.description,
                model=analysis.model,
                cited=[sections[i] for i in cited_ids],
                quotes=quotes,
                uncited=uncited,
            )
        )
    return out


def missing_runs(s: Session, run_ids: Sequence[int]) -> list[int]:
    """The ids among ``run_ids`` that name no run."""
    found = set(s.exec(select(RunRow.id).where(col(RunRow.id).in_(list(run_ids)))))
    return [r for r in run_ids if r not in found]
