"""The compliance-matrix data: frozen, versioned, one flat row form with the team's columns."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from docsieve.requirements import (
    SCHEMA_VERSION,
    Category,
    ComplianceRow,
    Location,
    Part,
    Party,
    Requirement,
    RequirementSet,
    normalize_ws,
    plain_text,
)


def _loc(file: str = "RFQ.md", start: int = 10, end: int = 60, **kw: object) -> Location:
    base: dict[str, object] = {
        "path": f"/x/{file}",
        "file": file,
        "document_sha": "ab" * 32,
        "page_start": 2,
        "page_end": 2,
        "start": start,
        "end": end,
        "section": "6.b",
        "heading": "Page Limits",
        "section_path": ("6 Quotation Instructions", "b Page Limits"),
    }
    base.update(kw)
    return Location.model_validate(base)


def _req(**kw: object) -> Requirement:
    base: dict[str, object] = {
        "id": "R0001",
        "key": "k1",
        "statement": "Your technical quotation **shall not** exceed a total of 3 pages.",
        "modal": "shall not",
        "negative": True,
        "party": Party.OFFEROR,
        "category": Category.SUBMISSION,
        "part": Part.INSTRUCTIONS,
        "location": _loc(),
    }
    base.update(kw)
    return Requirement.model_validate(base)


def test_frozen_and_versioned() -> None:
    r = _req()
    assert r.schema_version == SCHEMA_VERSION
    with pytest.raises(ValidationError):
        r.statement = "changed"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        r.location.start = 0  # type: ignore[misc]


def test_row_has_the_team_columns_empty_and_plain_text() -> None:
    dup = _loc(file="PWS.md", start=100, end=150, page_start=4, page_end=5, section=None)
    row = _req(duplicates=(dup,)).row()
    assert row.compliant == row.proposal_section == row.owner == ""
    assert row.statement == "Your technical quotation shall not exceed a total of 3 pages."
    assert (row.file, row.section, row.heading, row.page) == ("RFQ.md", "6.b", "Page Limits", "2")
    assert row.party == "offeror" and row.category == "submission" and row.part == "instructions"
    assert row.also_in == "PWS.md § Page Limits, p. 4-5"
    headers = ComplianceRow.headers()
    assert headers[-3:] == ["Compliant?", "Proposal section", "Owner"]
    assert len(headers) == len(row.values()) == len(ComplianceRow.model_fields)


def test_inherited_item_reads_with_its_lead_in() -> None:
    r = _req(
        statement="RFQ number and title",
        modal="is required",
        negative=False,
        inherited=True,
        lead_in="The following information is required on the first page:",
    )
    assert (
        r.plain == "The following information is required on the first page: RFQ number and title"
    )


def test_set_counts_and_round_trip() -> None:
    rs = RequirementSet(
        root="/x",
        files=("RFQ.md",),
        requirements=(_req(), _req(id="R0002", category=Category.PRICING, part=None)),
    )
    assert rs.count_by("category") == {"submission": 1, "pricing": 1}
    assert rs.count_by("part") == {"instructions": 1, "": 1}
    assert rs.count_by("file") == {"RFQ.md": 2}
    assert RequirementSet.model_validate_json(rs.model_dump_json()) == rs
    assert [row.id for row in rs.rows()] == ["R0001", "R0002"]


def test_normalize_ws_and_plain_text() -> None:
    assert normalize_ws(" a\n\t b\u200b c\u00ad ") == "a b c"
    md = "**Must** see [the form](https://x.y/z) and \\[TBD\\] <span>now</span> > quoted"
    assert plain_text(md) == "Must see the form and [TBD] now quoted"
    assert plain_text("uptime > 99.99%") == "uptime > 99.99%"
