"""Read-only queries for showing results: runs with their counts, and chunk headings.

``docsieve runs`` and ``docsieve show`` read through these; the report model
uses :func:`chunk_headings` to cite a section by its heading rather than by a
chunk id. Nothing here writes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime

from pydantic import BaseModel, Field
from sqlmodel import Session, col, select

from storage.tables import ChunkRow, RunItemRow, RunRow
from storage.tables_analysis import DocumentAnalysisRow


class RunListing(BaseModel):
    """One line of ``docsieve runs``."""

    run_id: int
    kind: str
    status: str
    root: str | None = None
    profile: str | None = None
    started_at: datetime
    finished_at: datetime | None = None
    documents: int = 0
    analysed: int = 0
    counts: dict[str, int] = Field(default_factory=dict)


def list_runs(s: Session, limit: int = 20, kind: str | None = None) -> list[RunListing]:
    """The newest runs first, each with its documents' final statuses counted."""
    q = select(RunRow).order_by(col(RunRow.id).desc()).limit(limit)
    if kind:
        q = q.where(RunRow.kind == kind)
    runs = list(s.exec(q))
    ids = [r.id for r in runs if r.id is not None]
    final: dict[int, dict[str, str]] = {i: {} for i in ids}
    if ids:
        items = s.exec(
            select(RunItemRow).where(col(RunItemRow.run_id).in_(ids)).order_by(col(RunItemRow.id))
        )
        for it in items:  # -- the last stage recorded for a path is its outcome --
            final[it.run_id][it.path] = it.status
    analysed: Counter[int] = Counter()
    if ids:
        rows = s.exec(
            select(DocumentAnalysisRow.run_id, DocumentAnalysisRow.document_id)
            .where(col(DocumentAnalysisRow.run_id).in_(ids))
            .distinct()
        )
        for run_id, _doc in rows:
            analysed[run_id or 0] += 1
    return [
        RunListing(
            run_id=r.id or 0,
            kind=r.kind,
            status=r.status,
            root=r.root,
            profile=r.profile,
            started_at=r.started_at,
            finished_at=r.finished_at,
            documents=len(final.get(r.id or 0, {})),
            analysed=analysed[r.id or 0],
            counts=dict(Counter(final.get(r.id or 0, {}).values())),
        )
        for r in runs
    ]


def chunk_headings(s: Session, chunk_ids: Iterable[str]) -> dict[str, list[str]]:
    """The heading path of each chunk id (a chunk id is a content hash: any copy will do)."""
    wanted = sorted(set(chunk_ids))
    out: dict[str, list[str]] = {}
    # -- in slices: PostgreSQL and SQLite both cap the parameters of one statement --
    for i in range(0, len(wanted), 500):
        part = wanted[i : i + 500]
        for cid, path in s.exec(
            select(ChunkRow.chunk_id, ChunkRow.heading_path).where(col(ChunkRow.chunk_id).in_(part))
        ):
            if cid not in out or (path and not out[cid]):
                out[cid] = list(path or [])
    return out
