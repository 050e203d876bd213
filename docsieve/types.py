"""Typed, versioned data passed between stages.

These are plain pydantic models, kept apart from the sqlmodel tables in
``storage/`` (which converts). Each top-level model carries
``schema_version`` so stored JSON can be read back by later code.

The models are frozen: a stage builds a new object (``model_copy(update=...)``)
rather than change one it was given.

Spans are Python ``str`` offsets into :attr:`ParsedDocument.text`, the
document's text as docsieve sees it (for plain text: the file's decoded text,
unchanged). Pages are 1-based.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = 1


def contextualize(heading_path: list[str], text: str) -> str:
    """A chunk's text preceded by its heading path, one line: the form models see."""
    if not heading_path:
        return text
    return " > ".join(heading_path) + "\n" + text


class DocType(StrEnum):
    CONTRACT = "contract"
    NDA = "nda"  # -- a contract whose subject is confidentiality: gets the nda profile --
    RFP = "rfp"
    SPEC = "spec"
    OTHER = "other"


class DocStatus(StrEnum):
    """Outcome of ingesting one file; the values are the CLI/JSON vocabulary."""

    OK = "ok"
    FAILED = "failed"
    NEEDS_OCR = "needs_ocr"
    SKIPPED = "skipped"
    UNCHANGED = "unchanged"


class ElementKind(StrEnum):
    TITLE = "title"  # document title
    HEADING = "heading"  # a section or clause heading (``level`` says how deep)
    PARAGRAPH = "paragraph"
    LIST_ITEM = "list_item"
    TABLE = "table"
    # -- kept for provenance, dropped before chunking --
    HEADER = "header"
    FOOTER = "footer"
    PAGE_NUMBER = "page_number"


class TableRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    cells: list[str]
    start: int
    end: int


class Element(BaseModel):
    """One structural unit of a document: a heading, paragraph, list item or table."""

    model_config = ConfigDict(frozen=True)

    kind: ElementKind
    text: str
    page: int = Field(1, ge=1, description="1-based page where the element starts")
    page_end: int | None = Field(None, description="last page, when it runs over")
    start: int = Field(..., ge=0, description="offset into ParsedDocument.text")
    end: int = Field(..., ge=0)
    level: int | None = Field(None, description="heading depth, 1 = top")
    number: str | None = Field(None, description="clause/section number, e.g. '5.2', 'IV', '(a)'")
    rows: list[TableRow] | None = Field(None, description="for tables: rows with their spans")
    meta: dict[str, Any] = Field(default_factory=dict)

    @property
    def last_page(self) -> int:
        return self.page_end or self.page


class DocTypeGuess(BaseModel):
    model_config = ConfigDict(frozen=True)

    doc_type: DocType
    confidence: float = Field(..., ge=0, le=1)
    signals: list[str] = Field(default_factory=list)
    overridden: bool = False


class ParsedDocument(BaseModel):
    """Stage 1a output: a document's text and its structure."""

    model_config = ConfigDict(frozen=True)

    schema_version: int = SCHEMA_VERSION
    path: str
    sha256: str
    media_type: str
    parser: str
    text: str
    pages: int = Field(..., ge=0)
    elements: list[Element]
    doc_type: DocTypeGuess | None = None
    title: str | None = None
    warnings: list[str] = Field(default_factory=list)

    def body_elements(self) -> list[Element]:
        """Elements without running headers, footers and page numbers."""
        drop = {ElementKind.HEADER, ElementKind.FOOTER, ElementKind.PAGE_NUMBER}
        return [e for e in self.elements if e.kind not in drop]


class Chunk(BaseModel):
    """Stage 1b output: a self-contained piece of a document within a token budget."""

    model_config = ConfigDict(frozen=True)

    schema_version: int = SCHEMA_VERSION
    id: str = Field(..., description="stable id: hash of document sha, chunker and span")
    index: int = Field(..., ge=0)
    text: str
    heading_path: list[str] = Field(default_factory=list)
    page_start: int = Field(..., ge=1)
    page_end: int = Field(..., ge=1)
    start: int = Field(..., ge=0)
    end: int = Field(..., ge=0)
    tokens: int = Field(..., ge=0)
    chunker: str
    kind: str = Field("section", description="section, table, definitions, signature...")

    @property
    def contextualized(self) -> str:
        """Heading path followed by the text: what later stages embed and send."""
        return contextualize(self.heading_path, self.text)


class IngestResult(BaseModel):
    """One row of the ingest summary (``docsieve ingest --json``)."""

    model_config = ConfigDict(frozen=True)

    path: str
    status: DocStatus
    reason: str | None = None
    doc_type: DocType | None = None
    pages: int | None = None
    tokens: int | None = None
    sha256: str | None = None
    document_id: int | None = None
    # -- what the parser could not read fully (text dropped, undecodable bytes, pages
    #    without text): the document is ok, but not whole --
    warnings: list[str] = Field(default_factory=list)
