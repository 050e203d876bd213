"""Typed data of stage 2 (analysis): what a provider receives and what it answers.

``analyzers`` produces these; ``storage`` converts them to rows. Every
top-level model carries ``schema_version`` so stored JSON can be read back.
A request is provider-independent: the same :class:`AnalysisRequest` goes to
Anthropic, an OpenAI-compatible server, a local model or the extractive
analyzer, and each answers with a :class:`ProviderResponse`.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from docsieve.packages import PackageRef
from docsieve.profiles import AnswerField
from docsieve.text import format_pages

SCHEMA_VERSION = 1

AnalysisStatus = Literal["analysed", "cached", "degraded"]


class Section(BaseModel):
    """One selected chunk, as data for the model."""

    model_config = ConfigDict(frozen=True)

    chunk_id: str
    page_start: int
    page_end: int
    heading_path: list[str] = Field(default_factory=list)
    text: str
    # -- the member file of a package; None (and left out of the request hash) otherwise --
    file: str | None = None

    @property
    def pages(self) -> str:
        return format_pages(self.page_start, self.page_end)

    @property
    def heading(self) -> str | None:
        """The section's own heading: the last of its heading path."""
        return self.heading_path[-1] if self.heading_path else None

    def cite(self, quote: str = "", *, verified: bool = False) -> Citation:
        """A citation of this section: its file, heading and pages."""
        return Citation(
            chunk_id=self.chunk_id,
            page_start=self.page_start,
            page_end=self.page_end,
            quote=quote,
            quote_verified=verified,
            file=self.file,
            section=self.heading,
        )


class QuestionSpec(BaseModel):
    """One profile question with its answer fields and the chunks selected for it."""

    model_config = ConfigDict(frozen=True)

    id: str
    question: str
    description: str = ""
    hints: list[str] = Field(default_factory=list)
    fields: list[AnswerField] = Field(default_factory=list)
    chunk_ids: list[str] = Field(default_factory=list)


class AnalysisRequest(BaseModel):
    """A provider-independent request: instructions, sections as data, questions, schema."""

    model_config = ConfigDict(frozen=True)

    schema_version: int = SCHEMA_VERSION
    model: str
    instructions: str
    sections: list[Section]
    questions: list[QuestionSpec]
    answer_schema: dict[str, Any]
    max_tokens: int
    # -- set on the one repair attempt: the validation error to fix; not part of the hash --
    repair_note: str | None = None

    def content_key(self) -> dict[str, Any]:
        """The parts that decide the answer, whatever the provider."""
        return {
            "instructions": self.instructions,
            # -- exclude_none: a single document's sections hash as before packages --
            "sections": [s.model_dump(mode="json", exclude_none=True) for s in self.sections],
            "questions": [q.model_dump(mode="json") for q in self.questions],
            "schema": self.answer_schema,
            "max_tokens": self.max_tokens,
        }

    def content_hash(self) -> str:
        """Hash of the request without provider and model (the cached-fallback key)."""
        return _sha(self.content_key())

    def request_hash(self, provider: str) -> str:
        """Hash of the normalised request for one provider and model (the cache key)."""
        return _sha({"provider": provider, "model": self.model, **self.content_key()})


class Citation(BaseModel):
    model_config = ConfigDict(frozen=True)

    chunk_id: str
    page_start: int
    page_end: int
    quote: str = ""
    quote_verified: bool = Field(False, description="the quote occurs in the chunk text")
    # -- issue 11: what a reader needs to find it: the file (packages) and the heading --
    file: str | None = Field(None, description="the package member file; None for one document")
    section: str | None = Field(None, description="the cited section's heading")


class Answer(BaseModel):
    """The answer to one question."""

    model_config = ConfigDict(frozen=True)

    question_id: str
    found: bool
    answer: str = ""
    fields: dict[str, Any] = Field(default_factory=dict)
    citations: list[Citation] = Field(default_factory=list)
    extractive: bool = Field(False, description="built by the extractive analyzer, not a model")
    # -- added by issue 11: the extractive analyzer's confidence, and the sections it would
    #    read first, listed also when it abstains (found=False) so the reader knows where
    #    to look; model answers leave both empty --
    confidence: float | None = Field(None, ge=0.0, le=1.0, description="extractive only")
    candidates: list[Citation] = Field(
        default_factory=list, description="best candidate sections, best first"
    )


class Usage(BaseModel):
    """Tokens as the provider counted them (the truth for billing)."""

    model_config = ConfigDict(frozen=True)

    input_tokens: int = 0
    output_tokens: int = 0
    cache_write_tokens: int = 0
    cache_read_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            cache_write_tokens=self.cache_write_tokens + other.cache_write_tokens,
            cache_read_tokens=self.cache_read_tokens + other.cache_read_tokens,
        )

    @property
    def total(self) -> int:
        return (
            self.input_tokens
            + self.output_tokens
            + self.cache_write_tokens
            + self.cache_read_tokens
        )


class ProviderResponse(BaseModel):
    """What one successful provider call returned, parsed and validated."""

    model_config = ConfigDict(frozen=True)

    schema_version: int = SCHEMA_VERSION
    provider: str
    model: str
    answers: list[Answer]
    usage: Usage = Field(default_factory=Usage)
    stop_reason: str | None = None
    latency_s: float = 0.0
    batch: bool = False
    raw_request: dict[str, Any] = Field(default_factory=dict)
    raw_response: dict[str, Any] = Field(default_factory=dict)


class Step(BaseModel):
    """One step of the fallback chain: an attempt, an error, a fallback, a cache hit."""

    model_config = ConfigDict(frozen=True)

    provider: str
    model: str
    attempt: int = 0
    outcome: str = Field(
        ..., description="ok, error, invalid, repair, fallback, cache_hit, skipped"
    )
    kind: str | None = Field(default=None, description="error kind: rate_limit, timeout...")
    message: str = ""
    fallback_reason: str | None = None
    latency_s: float = 0.0


class DocumentAnalysis(BaseModel):
    """Stage 2's result for one document."""

    model_config = ConfigDict(frozen=True)

    schema_version: int = SCHEMA_VERSION
    run_id: int | None = None
    document_id: int | None = None
    document_sha: str
    profile: str
    status: AnalysisStatus
    reason: str | None = None
    provider: str | None = None
    model: str | None = None
    extractive: bool = False
    answers: list[Answer] = Field(default_factory=list)
    usage: Usage = Field(default_factory=Usage)
    cost_usd: float | None = 0.0
    request_hash: str | None = None
    request: AnalysisRequest | None = None
    steps: list[Step] = Field(default_factory=list)
    # -- set when the analysis answers a solicitation package (row label and files) --
    package: PackageRef | None = None

    @property
    def label(self) -> str | None:
        """The row label of a package analysis (its folder name); None for one document."""
        return self.package.label if self.package else None

    def answer(self, question_id: str) -> Answer | None:
        return next((a for a in self.answers if a.question_id == question_id), None)


def _sha(data: Any) -> str:
    blob = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()
