"""Typed, versioned data of the RFP compliance matrix: requirement statements of a package.

``extractors.requirements`` produces a :class:`RequirementSet` from the parsed
files of one solicitation package; reports and exports read it. Every model is
frozen: a requirement is a fact about the documents, not something to edit.

A statement is always a whole sentence or list item (or a lead-in with its short
list). Its ``span`` is exact: ``normalize_ws(doc.text[start:end]) == statement``,
where :func:`normalize_ws` only collapses whitespace (and drops zero-width
spaces). Markdown emphasis stays in ``statement``; :func:`plain_text` removes it
for display, and the flat :class:`ComplianceRow` uses that form.

The team-filled columns of a compliance matrix ("compliant?", "proposal section",
"owner") are part of :class:`ComplianceRow`, always empty here, so every export
has them.
"""

from __future__ import annotations

import re
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = 1

_ZERO_WIDTH = re.compile(r"[\u200b-\u200d\u2060\ufeff\u00ad]")


def normalize_ws(text: str) -> str:
    """``text`` with runs of whitespace collapsed to one space, zero-width characters and
    soft hyphens dropped, and the ends stripped: the equality used for spans."""
    return " ".join(_ZERO_WIDTH.sub("", text).split())


_MD_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_MD_EMPH = re.compile(r"(\*\*|__|\*|_)(?=\S)(.+?)(?<=\S)\1")
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!>|])")
_HTML_TAG = re.compile(r"</?[a-zA-Z][^>]{0,200}>")
# -- a Markdown quote mark ("render in\n> FS Bid.") before a word; "uptime > 99%" stays --
_QUOTE_MARK = re.compile(r"(?:^|(?<=\s))>\s?(?=[A-Za-z*_\[])")


def plain_text(text: str) -> str:
    """``text`` without Markdown links, emphasis, escapes, quote marks and HTML tags."""
    s = _MD_LINK.sub(r"\1", text)
    s = _HTML_TAG.sub(" ", s)
    for _ in range(2):  # -- "***x***" and "*__x__*": two passes take both layers --
        s = _MD_EMPH.sub(r"\2", s)
    s = _MD_ESCAPE.sub(r"\1", s)
    s = _QUOTE_MARK.sub("", s)
    return normalize_ws(s)


class Party(StrEnum):
    """Who must act."""

    OFFEROR = "offeror"  # -- the bidder, before award: what the proposal must do --
    CONTRACTOR = "contractor"  # -- the awardee, during performance --
    GOVERNMENT = "government"  # -- the buyer: what it will do (evaluate, pay, review) --
    OTHER = "other"  # -- a third party or a thing ("the system shall ...") --


class Category(StrEnum):
    """What a requirement is about: who on the proposal team owns it."""

    SUBMISSION = "submission"
    TECHNICAL = "technical"
    MANAGEMENT = "management"
    PRICING = "pricing"
    SECURITY_INSURANCE = "security/insurance"
    REPORTING = "reporting"
    TERMS = "terms"


class Part(StrEnum):
    """The part of the solicitation a statement sits in."""

    INSTRUCTIONS = "instructions"  # -- instructions to offerors, quotation/proposal format --
    EVALUATION = "evaluation"  # -- evaluation factors, basis of award --
    SOW = "sow"  # -- statement of work / performance work statement / objectives --
    TERMS = "terms"  # -- terms and conditions, clauses, agreements --
    OTHER = "other"  # -- QASP, roles and responsibilities, cover letters... --


class Location(BaseModel):
    """Where a statement is: file, pages, exact span and section."""

    model_config = ConfigDict(frozen=True)

    path: str = Field(..., description="ParsedDocument.path, as parsed")
    file: str = Field(..., description="path relative to the package root, '/'-separated")
    document_sha: str
    page_start: int = Field(..., ge=1)
    page_end: int = Field(..., ge=1)
    start: int = Field(..., ge=0, description="offset into ParsedDocument.text")
    end: int = Field(..., ge=0)
    section: str | None = Field(None, description="section number, e.g. '6.b', 'C.3(a)'")
    heading: str | None = Field(None, description="the innermost section heading")
    section_path: tuple[str, ...] = Field((), description="labels of the enclosing sections")

    @property
    def pages(self) -> str:
        if self.page_start == self.page_end:
            return str(self.page_start)
        return f"{self.page_start}-{self.page_end}"

    def cite(self) -> str:
        """'RFQ.md § 6.b Page Limits, p. 1': file, section and page, for people."""
        sec = " ".join(x for x in (self.section, self.heading) if x)
        return f"{self.file}{' § ' + sec if sec else ''}, p. {self.pages}"


class ComplianceRow(BaseModel):
    """One flat row of the compliance matrix, as every export writes it."""

    model_config = ConfigDict(frozen=True)

    id: str
    file: str
    section: str
    heading: str
    page: str
    start: int
    end: int
    part: str
    party: str
    category: str
    modal: str
    statement: str
    also_in: str = Field("", description="other places of the same obligation, '; '-joined")
    # -- filled by the proposal team, never by docsieve --
    compliant: str = ""
    proposal_section: str = ""
    owner: str = ""

    @classmethod
    def headers(cls) -> list[str]:
        """Column titles, in field order."""
        return [_HEADERS.get(name, name) for name in cls.model_fields]

    def values(self) -> list[str | int]:
        return [getattr(self, name) for name in type(self).model_fields]


_HEADERS = {
    "id": "ID",
    "file": "File",
    "section": "Section",
    "heading": "Heading",
    "page": "Page",
    "start": "Start",
    "end": "End",
    "part": "Part",
    "party": "Obligated party",
    "category": "Category",
    "modal": "Trigger",
    "statement": "Requirement",
    "also_in": "Also in",
    "compliant": "Compliant?",
    "proposal_section": "Proposal section",
    "owner": "Owner",
}


class Requirement(BaseModel):
    """One requirement statement, with the places it repeats merged in."""

    model_config = ConfigDict(frozen=True)

    schema_version: int = SCHEMA_VERSION
    id: str = Field(..., description="'R0001'...: position in the package, for people")
    key: str = Field(..., description="stable: hash of the document sha and span")
    statement: str = Field(..., description="normalize_ws(doc.text[start:end])")
    modal: str = Field(..., description="the trigger: shall, must, will, required to, submit...")
    negative: bool = Field(False, description="a prohibition: 'shall not', 'must not'")
    inherited: bool = Field(False, description="a list item whose trigger is in its lead-in")
    lead_in: str | None = Field(None, description="for an inherited item: its lead-in sentence")
    party: Party
    category: Category
    part: Part | None = Field(None, description="None when the part cannot be told")
    location: Location
    duplicates: tuple[Location, ...] = Field((), description="where else it appears")

    @property
    def plain(self) -> str:
        """The statement without Markdown, prefixed by its lead-in when inherited."""
        text = plain_text(self.statement)
        if self.inherited and self.lead_in:
            return f"{plain_text(self.lead_in)} {text}"
        return text

    def row(self) -> ComplianceRow:
        loc = self.location
        return ComplianceRow(
            id=self.id,
            file=loc.file,
            section=loc.section or "",
            heading=loc.heading or "",
            page=loc.pages,
            start=loc.start,
            end=loc.end,
            part=self.part.value if self.part else "",
            party=self.party.value,
            category=self.category.value,
            modal=self.modal,
            statement=self.plain,
            also_in="; ".join(d.cite() for d in self.duplicates),
        )


class SkippedFile(BaseModel):
    model_config = ConfigDict(frozen=True)

    path: str
    reason: str


class RequirementSet(BaseModel):
    """The requirements of one solicitation package, in package order."""

    model_config = ConfigDict(frozen=True)

    schema_version: int = SCHEMA_VERSION
    root: str = Field(..., description="the package folder: Location.file is relative to it")
    files: tuple[str, ...] = Field((), description="files read, relative to root")
    skipped: tuple[SkippedFile, ...] = ()
    requirements: tuple[Requirement, ...] = ()

    def rows(self) -> list[ComplianceRow]:
        return [r.row() for r in self.requirements]

    def count_by(self, attr: str) -> dict[str, int]:
        """Requirements per value of ``attr`` ('category', 'party', 'part' or 'file')."""
        out: dict[str, int] = {}
        for r in self.requirements:
            value = r.location.file if attr == "file" else getattr(r, attr)
            key = "" if value is None else str(value)
            out[key] = out.get(key, 0) + 1
        return out
