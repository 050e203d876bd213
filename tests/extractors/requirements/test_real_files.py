"""The compliance matrix on the real solicitations in ../shared/data/rfps.

- Every solicitation folder runs through ``extract_requirements`` without an
  error, every row (and every merged duplicate) passes the "never a cut
  sentence" rule of ``extractors.requirements.check``, and spans are exact.
- Two files were checked by hand, end to end (tests/extractors/data/
  requirements_handcheck.json): recall, precision, party and category are
  measured against that list.
- Duplicates are merged within a file and across the files of a package, and
  the same short sentence under two different headings is not.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest

import parsers
from docsieve.errors import InputError
from docsieve.requirements import RequirementSet, normalize_ws
from docsieve.settings import Settings
from docsieve.types import ParsedDocument
from extractors.requirements import cut_reason, extract_requirements
from extractors.requirements.check import score_against
from tests.conftest import SHARED

RFPS = SHARED / "rfps"
HANDCHECK = Path(__file__).resolve().parents[1] / "data" / "requirements_handcheck.json"
FOLDERS = sorted(p.name for p in RFPS.iterdir() if p.is_dir()) if RFPS.is_dir() else []


def _need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"shared data missing: {path}")
    return path


@cache
def _docs(folder: str) -> tuple[ParsedDocument, ...]:
    """Every file of a solicitation folder that parses (unsupported types are skipped)."""
    out = []
    for path in sorted(p for p in (RFPS / folder).rglob("*") if p.is_file()):
        try:
            out.append(parsers.parse_file(path, Settings()))
        except InputError:
            continue  # -- an unsupported file type: parse_file says so, and says why --
    return tuple(out)


@cache
def _package(folder: str) -> RequirementSet:
    return extract_requirements(list(_docs(folder)), root=RFPS / folder)


def test_there_are_solicitations() -> None:
    _need(RFPS)
    assert len(FOLDERS) >= 10


@pytest.mark.parametrize("folder", FOLDERS or ["(no data)"])
def test_every_row_is_a_whole_statement(folder: str) -> None:
    _need(RFPS / folder)
    rs = _package(folder)
    texts = {d.path: d.text for d in _docs(folder)}
    assert rs.requirements, folder
    assert len(rs.files) + len(rs.skipped) == len(texts)
    cut = []
    for r in rs.requirements:
        text = texts[r.location.path]
        assert normalize_ws(text[r.location.start : r.location.end]) == r.statement
        for loc in (None, *r.duplicates):
            why = cut_reason(texts[(loc or r.location).path], r, loc)
            if why:
                cut.append((r.id, (loc or r.location).file, why, r.statement[:80]))
    assert cut == []
    assert [r.id for r in rs.requirements] == [
        f"R{i:04d}" for i in range(1, len(rs.requirements) + 1)
    ]


def test_readme_license_and_questions_and_answers_are_skipped() -> None:
    folder = "18F__tts-buy-cloud-support-services"
    _need(RFPS / folder)
    skipped = {s.path: s.reason for s in _package(folder).skipped}
    assert set(skipped) == {
        "LICENSE.md",
        "README.md",
        "solicitation_documents/20190220 - Consolidation of Questions and Answers.pdf",
    }
    assert (
        "questions and answers"
        in skipped["solicitation_documents/20190220 - Consolidation of Questions and Answers.pdf"]
    )


def test_same_files_same_set() -> None:
    folder = "18F__bpa-fs-epermit-api"
    _need(RFPS / folder)
    again = extract_requirements(list(_docs(folder)), root=RFPS / folder)
    assert again == _package(folder)


# -- the hand check ----------------------------------------------------------------------


def _handcheck() -> list[dict[str, object]]:
    return list(json.loads(HANDCHECK.read_text(encoding="utf-8"))["files"])


@pytest.mark.parametrize("entry", _handcheck(), ids=lambda e: str(e["file"]).rsplit("/", 1)[-1])
def test_hand_checked_file(entry: dict[str, object]) -> None:
    path = _need(RFPS / str(entry["folder"]) / str(entry["file"]))
    doc = parsers.parse_file(path, Settings())
    rs = extract_requirements([doc])
    statements = entry["statements"]
    assert isinstance(statements, list)
    score = score_against(doc.text, rs.requirements, statements)
    # -- measured: incident-response RFQ 52/52 and 56/56; cloud.gov PWS 27/28 and 29/30 --
    assert score.recall >= 0.95, score
    assert score.precision >= 0.95, score.false_positives
    assert score.wrong_party == ()
    assert len(score.wrong_category) <= 0.1 * score.judged_category, score.wrong_category


# -- duplicates ----------------------------------------------------------------------------


def test_a_repeated_paragraph_is_one_row() -> None:
    folder = "18F__bpa-DOS-TalentMAP"
    _need(RFPS / folder)
    rows = [
        r
        for r in _package(folder).requirements
        if r.statement.startswith("The first 4 months of the performance period, the Contractor")
    ]
    # -- the PWS says it twice ("an informational-only tool", "the informational-only tool") --
    assert len(rows) == 1
    assert rows[0].location.file == "Attachment2_PWS.md"
    assert [d.file for d in rows[0].duplicates] == ["Attachment2_PWS.md"]
    assert rows[0].duplicates[0].start > rows[0].location.end


def test_the_same_obligation_in_two_files_is_one_row() -> None:
    folder = "18F__bpa-DOL-WHD-14-c"
    _need(RFPS / folder)
    rs = _package(folder)
    across = [r for r in rs.requirements if any(d.file != r.location.file for d in r.duplicates)]
    assert len(across) >= 10
    row = next(r for r in across if "comply with the 18F open source policy" in r.plain).row()
    assert row.file == "first_order/Attachment1_PWS.md"
    assert row.also_in.startswith("solicitation_documents/RFQ.md § 2.3 Additional requirements")


def test_a_short_sentence_under_different_headings_stays_apart() -> None:
    folder = "18F__bpa-fs-epermit-intake"
    _need(RFPS / folder)
    rows = [
        r
        for r in _package(folder).requirements
        if r.statement == "Please provide name, email, and GitHub profile link."
    ]
    assert len(rows) == 3
    assert len({r.location.heading for r in rows}) == 3
