"""Solicitation packages: which files of a folder are analysed as one solicitation.

A solicitation is several files (the RFQ, a PWS, a QASP, attachments). Answered
one by one, the PWS "answers" the submission deadline with a sentence about
monthly reports. A :class:`Package` groups them, so stage 1 ranks sections over
all its files and stage 2 answers once for the package (ADR 0010).

The grouping rule, by mode (``docsieve run --package``):

- ``folder``: every folder with two or more analysable documents is a package.
- ``auto`` (the default, for the ``rfp`` profile or when no profile is named):
  a folder is a package when it holds two or more documents, at least one
  classified ``rfp``, and one of:
  1. exactly one file is named as the solicitation (``RFQ``, ``RFP``,
     ``solicitation``, ``request for quotation/proposal`` in its file name; not
     a checklist, form or notice about it),
     or none is and exactly one is classified ``rfp``: the others are its
     attachments;
  2. the files named as the solicitation, or (when none is) the files
     classified ``rfp``, all carry one identifier (a solicitation, project or
     order number such as ``ID11170017``) in their name or opening.
  Files classified ``contract`` or ``nda`` join only as attachments: named so
  (attachment, addendum, amendment, clauses, form, NDA...) or carrying one of
  the lead file's identifiers. A folder of unrelated RFPs, or of contracts next
  to one RFQ, is therefore left alone: each file is answered by itself.
  ``--package folder`` groups the folders this rule misses.
- ``none``: no packages; every file is answered alone.

Repository meta files (README, LICENSE) never join a package.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import PurePath

from pydantic import BaseModel, ConfigDict, Field

from docsieve.types import DocType


class PackageMode(StrEnum):
    AUTO = "auto"
    FOLDER = "folder"
    NONE = "none"


class PackageRef(BaseModel):
    """What a selection or an analysis of a package says about it: label and files."""

    model_config = ConfigDict(frozen=True)

    id: int | None = None
    label: str = Field(..., description="the row label: the folder's name")
    root: str = Field(..., description="the folder")
    files: list[str] = Field(default_factory=list, description="member paths, lead first")
    rule: str = ""

    def file_name(self, path: str) -> str:
        """A member's name as shown: its path relative to the package folder."""
        p, root = PurePath(path), PurePath(self.root)
        return str(p.relative_to(root)) if p.is_relative_to(root) else p.name


@dataclass(frozen=True)
class Member:
    """One parsed document, as the grouping rule sees it."""

    document_id: int
    path: str
    doc_type: DocType | None
    identifiers: frozenset[str] = frozenset()

    @property
    def named_solicitation(self) -> bool:
        """Named as the solicitation itself: "RFQ.md", "Attachment1_RFQ.md", not
        "RFP Checklist.pdf" or "RFP 210000029 NOIA.pdf" (forms and notices about it)."""
        stem = PurePath(self.path).stem.replace("_", " ")
        return bool(_SOLICITATION_NAME.search(stem)) and not _SECONDARY_NAME.search(stem)


@dataclass(frozen=True)
class Grouping:
    """The rule's decision for one folder."""

    root: str
    members: list[Member]
    rule: str

    @property
    def label(self) -> str:
        return PurePath(self.root).name or self.root


_META = re.compile(r"^(readme|license|licence|copying)$", re.IGNORECASE)
_SOLICITATION_NAME = re.compile(
    r"(?<![a-z])(rfq|rfp|solicitation|request\s*for\s*(quot|prop))", re.IGNORECASE
)
# -- identifiers: ID11170017, RFQ1349024, 1331L5-18-Q-0021, 210000029; a letter prefix
#    with 4+ digits, digits-letter-digits, or 7+ digits (dates, years, zip codes and
#    phone numbers do not match) --
_IDENTIFIER = re.compile(
    r"\b(?=[A-Z0-9-]*\d)(?:[A-Z]{1,6}-?\d{4,}[A-Z0-9-]*|\d{2,}[A-Z][A-Z0-9-]*\d{2,}|\d{7,})\b"
)
_SECONDARY_NAME = re.compile(
    r"checklist|form|template|evaluation|certif|amend|notice|noia|question|answer|award",
    re.IGNORECASE,
)
_ATTACHMENT_NAME = re.compile(
    r"attachment|addend|amendment|appendix|exhibit|annex|clause|template|form|nda|"
    r"non-?disclosure|sf\d",
    re.IGNORECASE,
)
OPENING_CHARS = 4000


def identifiers(path: str, text: str) -> frozenset[str]:
    """Solicitation-like identifiers in a file's name and the opening of its text."""
    found = _IDENTIFIER.findall(PurePath(path).stem + "\n" + text[:OPENING_CHARS])
    return frozenset(re.sub(r"^(RFQ|RFP)-?", "", f.strip("-")) for f in found)


def is_meta_file(path: str) -> bool:
    """README / LICENSE files: documentation of a repository, not of a solicitation."""
    return bool(_META.match(PurePath(path).stem))


def _lead_first(members: list[Member]) -> list[Member]:
    """The solicitation first (named so, then classified rfp), then the rest, by path."""
    return sorted(
        members, key=lambda m: (not m.named_solicitation, m.doc_type != DocType.RFP, m.path)
    )


def decide(root: str, members: list[Member], mode: PackageMode) -> Grouping | None:
    """Whether the documents of one folder form a package, and why."""
    members = [m for m in members if not is_meta_file(m.path)]
    if mode == PackageMode.NONE or len(members) < 2:
        return None
    if mode == PackageMode.FOLDER:
        return Grouping(root, _lead_first(members), "--package folder")
    rfps = [m for m in members if m.doc_type == DocType.RFP]
    if not rfps:
        return None
    named = [m for m in members if m.named_solicitation]
    if len(named) == 1:
        lead, why = named[0], f"auto: one solicitation file ({PurePath(named[0].path).name})"
    elif not named and len(rfps) == 1:
        lead, why = rfps[0], f"auto: one rfp file ({PurePath(rfps[0].path).name})"
    else:
        core = named or rfps
        shared = frozenset.intersection(*(m.identifiers for m in core))
        if len(core) < 2 or not shared:
            return None
        lead, why = _lead_first(core)[0], f"auto: files share identifier {min(shared)}"
    joined = [m for m in members if m is not lead and _belongs(m, lead)]
    if not joined:
        return None
    return Grouping(root, [lead, *_lead_first(joined)], why + " and its attachments")


def _belongs(m: Member, lead: Member) -> bool:
    """A contract joins a solicitation only as one of its attachments (named so, or
    carrying its number): a folder of contracts next to one RFQ is not a package."""
    if m.doc_type not in (DocType.CONTRACT, DocType.NDA):
        return True
    return bool(_ATTACHMENT_NAME.search(PurePath(m.path).stem)) or bool(
        m.identifiers & lead.identifiers
    )


def group_packages(members: Iterable[Member], mode: PackageMode) -> list[Grouping]:
    """The packages among ``members``: documents grouped by the folder that holds them."""
    by_folder: dict[str, list[Member]] = {}
    for m in members:
        by_folder.setdefault(str(PurePath(m.path).parent), []).append(m)
    out = []
    for root in sorted(by_folder):
        g = decide(root, by_folder[root], mode)
        if g is not None:
            out.append(g)
    return out


def applies(mode: PackageMode, profile: str | None) -> bool:
    """``auto`` groups only for the rfp profile (or the per-type default); ``folder`` always."""
    if mode == PackageMode.AUTO:
        return profile is None or PurePath(profile).stem == "rfp"
    return mode == PackageMode.FOLDER
