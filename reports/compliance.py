"""The compliance matrix of a run's solicitations, for the report and its exports.

A run's RFP documents are grouped into packages, one per folder (the files of one
solicitation sit together: the RFQ, its PWS, attachments), and each package goes
through :func:`extractors.requirements.extract_requirements` once, from the
parsed text in storage: stage 1, offline, no API. A section is keyed by a label
and its files, the same shape as a row of the document x question matrix.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import PurePath

from pydantic import BaseModel, Field
from sqlmodel import Session

from docsieve.requirements import ComplianceRow, RequirementSet, SkippedFile
from storage import repo

# -- the document types whose statements bind a bidder (ADR 0002 reads a spec as an RFP) --
SOLICITATION_TYPES = ("rfp", "spec")


class ComplianceSection(BaseModel):
    """The compliance matrix of one solicitation package."""

    label: str = Field(..., description="the package folder's name")
    files: list[str] = Field(default_factory=list, description="files read, relative names")
    skipped: list[SkippedFile] = Field(default_factory=list)
    rows: list[ComplianceRow] = Field(default_factory=list)
    by_category: dict[str, int] = Field(default_factory=dict)
    by_party: dict[str, int] = Field(default_factory=dict)

    @property
    def anchor(self) -> str:
        return "req-" + "".join(ch if ch.isalnum() else "-" for ch in self.label.lower())


def section_of(rs: RequirementSet, label: str | None = None) -> ComplianceSection:
    return ComplianceSection(
        label=label or PurePath(rs.root).name or rs.root,
        files=list(rs.files),
        skipped=list(rs.skipped),
        rows=rs.rows(),
        by_category=rs.count_by("category"),
        by_party=rs.count_by("party"),
    )


def compliance_sections(
    s: Session, documents: Sequence[tuple[int, str, str | None]]
) -> list[ComplianceSection]:
    """One section per folder of solicitation documents, from ``(id, path, doc_type)``."""
    from extractors.requirements import extract_requirements

    packages: dict[str, list[int]] = {}
    for doc_id, path, doc_type in documents:
        if doc_type in SOLICITATION_TYPES:
            packages.setdefault(str(PurePath(path).parent), []).append(doc_id)
    out = []
    for folder, ids in packages.items():
        docs = [repo.load_parsed(s, i) for i in ids]
        out.append(section_of(extract_requirements(docs, folder)))
    return out
