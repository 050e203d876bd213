"""Typed data of stage 1c (selection): which chunks each question needs, and why.

Produced by ``extractors`` and consumed by ``analyzers``; ``storage`` converts
it to rows. ``selected_tokens`` of a document counts the union of chunks over
all questions, which is what stage 2 receives.

A selection of a solicitation package (:mod:`docsieve.packages`) ranks the
chunks of all its files at once: each :class:`SelectedChunk` then names its
``file``, and the selection carries the :class:`~docsieve.packages.PackageRef`.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from docsieve.packages import PackageRef
from docsieve.types import contextualize

SCHEMA_VERSION = 1


class ChunkDecision(BaseModel):
    """Why one chunk was kept or dropped for one question."""

    model_config = ConfigDict(frozen=True)

    chunk_id: str
    kept: bool
    score: float
    rank: int = Field(..., ge=1)
    reason: str = Field(..., description="e.g. 'above threshold', 'over question budget'")


class SelectedChunk(BaseModel):
    model_config = ConfigDict(frozen=True)

    chunk_id: str
    text: str
    heading_path: list[str] = Field(default_factory=list)
    page_start: int
    page_end: int
    start: int
    end: int
    tokens: int
    score: float
    rank: int
    reason: str = "above threshold"
    # -- the member file of a package selection (its path); None for a single document --
    file: str | None = None

    @property
    def contextualized(self) -> str:
        return contextualize(self.heading_path, self.text)


class QuestionSelection(BaseModel):
    model_config = ConfigDict(frozen=True)

    question_id: str
    threshold: float
    chunks: list[SelectedChunk] = Field(default_factory=list)
    decisions: list[ChunkDecision] = Field(default_factory=list)

    @property
    def tokens(self) -> int:
        return sum(c.tokens for c in self.chunks)


class DocumentSelection(BaseModel):
    model_config = ConfigDict(frozen=True)

    schema_version: int = SCHEMA_VERSION
    document_sha: str
    path: str
    profile: str
    scorer: str
    document_tokens: int
    questions: list[QuestionSelection]
    package: PackageRef | None = None

    def union_chunks(self) -> list[SelectedChunk]:
        """Every selected chunk once, in document order (a package: file by file)."""
        seen: dict[str, SelectedChunk] = {}
        for q in self.questions:
            for c in q.chunks:
                seen.setdefault(c.chunk_id, c)
        order = {f: i for i, f in enumerate(self.package.files)} if self.package else {}
        return sorted(seen.values(), key=lambda c: (order.get(c.file or "", 0), c.start, c.end))

    @property
    def selected_tokens(self) -> int:
        return sum(c.tokens for c in self.union_chunks())

    @property
    def fraction(self) -> float:
        return self.selected_tokens / self.document_tokens if self.document_tokens else 0.0
