"""Save and load stage-1c selections; a database-backed chunk-embedding cache.

:func:`save_selection` writes one ``selection_docs`` row and one ``selections``
row per (question, chunk decision); :func:`load_selection` rebuilds the
:class:`~docsieve.selection.DocumentSelection`. :class:`SqlEmbeddingCache`
implements :class:`extractors.base.EmbeddingCache` on the ``embedding_cache``
table, so embeddings are reused across runs.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from docsieve.errors import StorageError
from docsieve.selection import ChunkDecision, DocumentSelection, QuestionSelection, SelectedChunk
from storage.packages_repo import package_ref
from storage.tables_select import EmbeddingRow, SelectionDocRow, SelectionRow

if TYPE_CHECKING:
    from storage.db import Database

_SNAPSHOT = ("text", "heading_path", "page_start", "page_end", "start", "end", "tokens", "file")


def save_selection(session: Session, run_id: int, document_id: int, sel: DocumentSelection) -> None:
    """Store ``sel`` for (run, document), replacing an earlier save of the same pair."""
    session.execute(
        delete(SelectionRow).where(
            col(SelectionRow.run_id) == run_id, col(SelectionRow.document_id) == document_id
        )
    )
    session.execute(
        delete(SelectionDocRow).where(
            col(SelectionDocRow.run_id) == run_id, col(SelectionDocRow.document_id) == document_id
        )
    )
    session.add(
        SelectionDocRow(
            run_id=run_id,
            document_id=document_id,
            document_sha=sel.document_sha,
            path=sel.path,
            profile=sel.profile,
            scorer=sel.scorer,
            document_tokens=sel.document_tokens,
            selected_tokens=sel.selected_tokens,
            questions_json=[
                {"question_id": q.question_id, "threshold": q.threshold} for q in sel.questions
            ],
            schema_version=sel.schema_version,
            package_id=sel.package.id if sel.package else None,
        )
    )
    for q in sel.questions:
        kept = {c.chunk_id: (i, c) for i, c in enumerate(q.chunks)}
        decided = {d.chunk_id for d in q.decisions}
        rows = [(d.chunk_id, d.kept, d.score, d.rank, d.reason) for d in q.decisions]
        # -- a kept chunk without a decision (hand-built selection) still gets a row --
        rows += [
            (c.chunk_id, True, c.score, c.rank, c.reason)
            for c in q.chunks
            if c.chunk_id not in decided
        ]
        for chunk_id, is_kept, score, rank, reason in rows:
            pos, snap = kept.get(chunk_id, (None, None))
            session.add(
                SelectionRow(
                    run_id=run_id,
                    document_id=document_id,
                    question_id=q.question_id,
                    chunk_id=chunk_id,
                    kept=is_kept,
                    score=float(score),
                    rank=rank,
                    reason=reason,
                    position=pos,
                    chunk_json=snap.model_dump(include=set(_SNAPSHOT)) if snap else None,
                )
            )
    session.flush()


def load_selection(session: Session, run_id: int, document_id: int) -> DocumentSelection:
    """The selection saved for (run, document); :class:`StorageError` when none is."""
    doc = session.exec(
        select(SelectionDocRow).where(
            SelectionDocRow.run_id == run_id, SelectionDocRow.document_id == document_id
        )
    ).first()
    if doc is None:
        raise StorageError(
            f"no selection stored for run {run_id}, document {document_id}",
            run_id=run_id,
            document_id=document_id,
        )
    rows = session.exec(
        select(SelectionRow).where(
            SelectionRow.run_id == run_id, SelectionRow.document_id == document_id
        )
    ).all()
    by_q: dict[str, list[SelectionRow]] = {}
    for r in rows:
        by_q.setdefault(r.question_id, []).append(r)
    questions = []
    for qmeta in doc.questions_json:
        qrows = sorted(by_q.get(qmeta["question_id"], []), key=lambda r: r.rank)
        chunks = [
            SelectedChunk(
                chunk_id=r.chunk_id,
                score=r.score,
                rank=r.rank,
                reason=r.reason,
                **(r.chunk_json or {}),
            )
            for r in sorted(
                (r for r in qrows if r.position is not None), key=lambda r: r.position or 0
            )
        ]
        questions.append(
            QuestionSelection(
                question_id=qmeta["question_id"],
                threshold=qmeta["threshold"],
                chunks=chunks,
                decisions=[
                    ChunkDecision(
                        chunk_id=r.chunk_id,
                        kept=r.kept,
                        score=r.score,
                        rank=r.rank,
                        reason=r.reason,
                    )
                    for r in qrows
                ],
            )
        )
    return DocumentSelection(
        schema_version=doc.schema_version,
        document_sha=doc.document_sha,
        path=doc.path,
        profile=doc.profile,
        scorer=doc.scorer,
        document_tokens=doc.document_tokens,
        questions=questions,
        package=package_ref(session, doc.package_id) if doc.package_id else None,
    )


def selected_document_ids(session: Session, run_id: int) -> list[int]:
    """The documents with a stored selection in this run, in the order they were stored."""
    return [
        r.document_id
        for r in session.exec(
            select(SelectionDocRow)
            .where(SelectionDocRow.run_id == run_id)
            .order_by(col(SelectionDocRow.id))
        )
    ]


class SqlEmbeddingCache:
    """:class:`extractors.base.EmbeddingCache` on the ``embedding_cache`` table."""

    def __init__(self, db: Database, chunk: int = 500) -> None:
        self.db = db
        self.chunk = chunk  # -- keys per IN (...) query; keeps statements small --

    def get_many(self, model: str, keys: list[str]) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        with self.db.session() as s:
            for part in _parts(list(dict.fromkeys(keys)), self.chunk):
                rows = s.exec(
                    select(EmbeddingRow).where(
                        EmbeddingRow.model == model, col(EmbeddingRow.text_sha).in_(part)
                    )
                ).all()
                for r in rows:
                    out[r.text_sha] = np.frombuffer(r.vector, dtype=np.float32).copy()
        return out

    def put_many(self, model: str, items: dict[str, np.ndarray]) -> None:
        if not items:
            return
        have = set(self.get_many(model, list(items)))
        new = [
            EmbeddingRow(
                model=model,
                text_sha=k,
                dim=int(v.shape[-1]),
                vector=np.asarray(v, dtype=np.float32).tobytes(),
            )
            for k, v in items.items()
            if k not in have
        ]
        try:
            with self.db.session() as s:
                s.add_all(new)
        except IntegrityError:
            # -- another process stored some of them meanwhile: add the rest one by one --
            for row in new:
                try:
                    with self.db.session() as s:
                        s.add(
                            EmbeddingRow(
                                model=row.model,
                                text_sha=row.text_sha,
                                dim=row.dim,
                                vector=row.vector,
                            )
                        )
                except IntegrityError:
                    continue


def _parts(keys: list[str], n: int) -> Iterable[list[str]]:
    for i in range(0, len(keys), n):
        yield keys[i : i + n]
