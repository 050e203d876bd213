"""The answers of a run shaped for people: per document, per question, with readable citations.

Stage 2 cites chunk ids and pages; a reader wants "Sec. 1.03 Deadline for
Receipt of Proposals, p. 2". :func:`shape_answers` joins each analysis with its
document's file name and each citation with its chunk's heading. The terminal
(``docsieve run``/``show``), the document x question matrix and every export
read these views, so they all say the same thing.

A row is keyed by a label and a list of files, so a solicitation package (several
files answered once) fits the same shape as a single document.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from docsieve.analysis import Citation, DocumentAnalysis
from docsieve.text import format_pages

KEY_CHARS = 120
HEADING_CHARS = 80


def shorten(text: str, limit: int) -> str:
    """``text`` on one line, cut at a word boundary to at most ``limit`` characters."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1]
    space = cut.rfind(" ")
    # -- one word longer than the limit (a URL) is cut where it must be --
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.") + "…"


def format_value(value: Any) -> str:
    """A structured field as text: lists joined with '; ', mappings as 'key: value'."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return "; ".join(s for s in (format_value(v) for v in value) if s)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {format_value(v)}" for k, v in value.items() if v not in (None, ""))
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


class CitationView(BaseModel):
    """One citation: file, section heading, pages, and the quote with its check."""

    file: str
    heading: str = ""
    pages: str
    chunk_id: str
    quote: str = ""
    quote_verified: bool = False

    @property
    def label(self) -> str:
        """'Sec. 1.03 Deadline for Receipt of Proposals, p. 2' (the file when no heading)."""
        where = self.heading or self.file
        return f"{where}, p. {self.pages}"


class AnswerView(BaseModel):
    """One question's answer, with its fields and citations."""

    question_id: str
    found: bool
    answer: str = ""
    fields: dict[str, Any] = Field(default_factory=dict)
    key: str = Field("", description="the matrix cell: the first field set, or the short answer")
    confidence: float | None = None
    extractive: bool = False
    citations: list[CitationView] = Field(default_factory=list)
    candidates: list[CitationView] = Field(default_factory=list)

    def field_text(self) -> dict[str, str]:
        """Every field that holds a value, as text."""
        return {k: format_value(v) for k, v in self.fields.items() if format_value(v)}


class DocumentAnswers(BaseModel):
    """The answers for one document (or one package of files)."""

    label: str = Field(..., description="the file name (or the package name)")
    files: list[str] = Field(default_factory=list)
    anchor: str
    document_id: int | None = None
    document_sha: str = ""
    profile: str = ""
    status: str = ""
    provider: str | None = None
    model: str | None = None
    extractive: bool = False
    answers: list[AnswerView] = Field(default_factory=list)

    def answer(self, question_id: str) -> AnswerView | None:
        return next((a for a in self.answers if a.question_id == question_id), None)


def _citation(c: Citation, file: str, headings: dict[str, list[str]]) -> CitationView:
    path = [h for h in headings.get(c.chunk_id, []) if h.strip()]
    return CitationView(
        file=file,
        heading=shorten(path[-1], HEADING_CHARS) if path else "",
        pages=format_pages(c.page_start, c.page_end),
        chunk_id=c.chunk_id,
        quote=c.quote,
        quote_verified=c.quote_verified,
    )


def _key(answer: str, fields: dict[str, Any], found: bool) -> str:
    if not found:
        return ""
    for value in fields.values():
        text = format_value(value)
        if text:
            return shorten(text, KEY_CHARS)
    return shorten(answer, KEY_CHARS)


def shape_answers(
    analyses: list[DocumentAnalysis],
    names: dict[int, str],
    headings: dict[str, list[str]],
) -> list[DocumentAnswers]:
    """Each analysis as a :class:`DocumentAnswers`, named by ``names[document_id]``."""
    out: list[DocumentAnswers] = []
    for i, a in enumerate(analyses, 1):
        name = names.get(a.document_id or -1) or a.document_sha[:12]
        views = [
            AnswerView(
                question_id=ans.question_id,
                found=ans.found,
                answer=ans.answer,
                fields=dict(ans.fields),
                key=_key(ans.answer, dict(ans.fields), ans.found),
                confidence=ans.confidence,
                extractive=ans.extractive,
                citations=[_citation(c, name, headings) for c in ans.citations],
                candidates=[_citation(c, name, headings) for c in ans.candidates],
            )
            for ans in a.answers
        ]
        out.append(
            DocumentAnswers(
                label=name,
                files=[name],
                anchor=f"doc-{a.document_id if a.document_id is not None else i}",
                document_id=a.document_id,
                document_sha=a.document_sha,
                profile=a.profile,
                status=a.status,
                provider=a.provider,
                model=a.model,
                extractive=a.extractive,
                answers=views,
            )
        )
    return out


def question_ids(results: list[DocumentAnswers]) -> list[str]:
    """Every question asked in the run, in the order the profiles ask them."""
    seen: dict[str, None] = {}
    for d in results:
        for a in d.answers:
            seen.setdefault(a.question_id, None)
    return list(seen)


def cited_chunk_ids(analyses: list[DocumentAnalysis]) -> set[str]:
    return {
        c.chunk_id for a in analyses for ans in a.answers for c in (*ans.citations, *ans.candidates)
    }


def filter_results(
    results: list[DocumentAnswers], doc: str | None, question: str | None
) -> list[DocumentAnswers]:
    """The documents whose label contains ``doc`` (any case), with only ``question``."""
    out = []
    for d in results:
        if doc and doc.lower() not in d.label.lower():
            continue
        if question:
            d = d.model_copy(
                update={"answers": [a for a in d.answers if a.question_id == question]}
            )
        out.append(d)
    return out
