"""The unit scorer (``select.scorer = "units"``): questions scored against sentence units.

Each chunk is cut into units (:func:`extractors.units.sentence_units`); every unit
of the document is embedded once, in length-sorted batches, by the relevance
encoder (the trained MiniLM bi-encoder shipped in ``extractors/models/relevance``,
or any encoder set in ``select.embedding_model``), through the embedding cache. A
unit's score for a question is its cosine with the question's main query (question
and description), averaged with its best hint when the question has hints
(:data:`HINT_SHARE`). A chunk scores its best unit: chunks are ranked by their
evidence, not by their average, so a long chunk with one relevant sentence is not
drowned by the rest.

Units carry exact document offsets when the chunk's text is the slice of the
document it claims (``len(text) == end - start``); otherwise its units are still
scored, but the chunk is never trimmed (:attr:`UnitScores.exact`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from docsieve.profiles import Question
from docsieve.types import Chunk
from extractors.base import EmbeddingCache, Scorer, register_scorer
from extractors.dense import DenseScorer, load_encoder
from extractors.units import sentence_units

if TYPE_CHECKING:
    from docsieve.settings import SelectSettings

HINT_SHARE = 0.5


def question_queries(q: Question) -> list[str]:
    """The main query (question and description), then each hint alone."""
    main = " ".join(p for p in (q.question, q.description) if p)
    return [main, *[h for h in q.hints if h.strip()]]


@dataclass(frozen=True)
class Unit:
    chunk: int  # -- index of its chunk --
    start: int  # -- offsets into the chunk's text --
    end: int
    text: str


@dataclass(frozen=True)
class UnitScores:
    """Units of a document's chunks and their scores for each question."""

    units: list[Unit]
    scores: np.ndarray  # -- (questions, units) --
    exact: list[bool]  # -- per chunk: text is the exact document slice --
    tokens: np.ndarray | None = None  # -- per unit, when already counted --

    def chunk_scores(self, n_chunks: int) -> np.ndarray:
        """(questions, chunks): each chunk's best unit (-1 for a chunk without units)."""
        out = np.full((self.scores.shape[0], n_chunks), -1.0, dtype=np.float32)
        for j, u in enumerate(self.units):
            np.maximum(out[:, u.chunk], self.scores[:, j], out=out[:, u.chunk])
        return out


def document_units(chunks: list[Chunk]) -> tuple[list[Unit], list[bool]]:
    units: list[Unit] = []
    for ci, c in enumerate(chunks):
        for s, e in sentence_units(c.text):
            units.append(Unit(ci, s, e, c.text[s:e]))
    return units, [len(c.text) == c.end - c.start for c in chunks]


def combine(m: np.ndarray, groups: list[tuple[int, int]]) -> np.ndarray:
    """Per question: main query row, or ``(1 - HINT_SHARE) main + HINT_SHARE max(hints)``."""
    out = np.zeros((len(groups), m.shape[1]), dtype=np.float32)
    for gi, (a, b) in enumerate(groups):
        out[gi] = m[a] if b - a == 1 else (1 - HINT_SHARE) * m[a] + HINT_SHARE * m[a + 1 : b].max(0)
    return out


class UnitScorer:
    """Scores sentence units; as a :class:`~extractors.base.Scorer`, a chunk scores its
    best unit."""

    name = "units"

    def __init__(self, dense: DenseScorer) -> None:
        self.dense = dense

    def unit_matrix(self, queries: list[str], units: list[Unit]) -> np.ndarray:
        if not queries or not units:
            return np.zeros((len(queries), len(units)), dtype=np.float32)
        qv = self.dense.embed_queries(queries)
        uv = self.dense.embed_texts([u.text for u in units])
        return (qv @ uv.T).astype(np.float32)

    def score_questions(self, questions: list[Question], chunks: list[Chunk]) -> UnitScores:
        """All questions' queries against all units, in one encoder pass over the units."""
        units, exact = document_units(chunks)
        flat: list[str] = []
        groups: list[tuple[int, int]] = []
        for q in questions:
            qs = question_queries(q)
            groups.append((len(flat), len(flat) + len(qs)))
            flat.extend(qs)
        return UnitScores(units, combine(self.unit_matrix(flat, units), groups), exact)

    def score(self, queries: list[str], chunks: list[Chunk]) -> np.ndarray:
        units, _ = document_units(chunks)
        us = UnitScores(units, self.unit_matrix(queries, units), [])
        return us.chunk_scores(len(chunks))


def whole_chunk_scores(
    scorer: Scorer, questions: list[Question], chunks: list[Chunk]
) -> UnitScores:
    """Any other scorer (``dense``, ``bm25``, ``rerank``): each chunk is one unit, and
    nothing is trimmed."""
    flat: list[str] = []
    groups: list[tuple[int, int]] = []
    for q in questions:
        qs = question_queries(q)
        groups.append((len(flat), len(flat) + len(qs)))
        flat.extend(qs)
    units = [Unit(ci, 0, len(c.text), c.text) for ci, c in enumerate(chunks)]
    m = scorer.score(flat, chunks) if chunks else np.zeros((len(flat), 0), np.float32)
    return UnitScores(units, combine(m, groups), [False] * len(chunks))


@register_scorer("units")
def _make_units(settings: SelectSettings, cache: EmbeddingCache | None) -> UnitScorer:
    enc = load_encoder(settings.embedding_model, settings.device, settings.batch_size)
    return UnitScorer(DenseScorer(enc, cache))
