"""Long plain-text and Markdown paragraphs are split into clause- and sentence-sized elements.

Some CUAD text files hold a whole contract in a few very long lines; one giant
paragraph element would defeat the chunkers and the selection stage.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import parsers
from docsieve.settings import Settings
from docsieve.types import ElementKind
from parsers.markdown import parse_markdown
from parsers.spans import LONG_PARAGRAPH
from parsers.text import parse_plain
from tests.parsers.test_pdf import assert_spans

FILLER = (
    "The Provider shall perform the work with due care and skill, in a professional "
    "manner consistent with industry standards, and shall keep complete records of it. "
)

# -- one line, as in ABILITYINC's services agreement: clauses run on after sentence ends --
ONE_LINE = (
    "SERVICES AGREEMENT This Services Agreement is entered into by Acme Inc. and Widget "
    "Co. of the U.S. as of June 1, 2020. 1. Services. 1.1 Provision of Services. "
    + FILLER
    * 3
    + "The Provider agrees as follows: (a) to provide the Services set forth in Exhibit A; "
    "and (b) to keep Section 1.2 in mind (see Section 4.2 of the Purchase Agreement) and "
    "the 12 monthly reports. 12. Compensation. "
    + FILLER * 2
    + "Section 4. Term. "
    + FILLER * 2
    + "ARTICLE V MISCELLANEOUS "
    + FILLER
    + "5.1 Notices. All notices shall be in writing.\n"
)


def _by_number(doc_elements: list, number: str):
    return next(e for e in doc_elements if e.number == number)


def test_one_line_contract_is_split_at_inline_clause_starts(tmp_path: Path) -> None:
    assert len(ONE_LINE) > LONG_PARAGRAPH
    path = tmp_path / "services.txt"
    path.write_text(ONE_LINE, encoding="utf-8")
    doc = parsers.parse_file(path, Settings())
    assert doc.text == ONE_LINE
    assert_spans(doc)
    starts = [e.text[:14] for e in doc.elements]
    assert starts[0].startswith("SERVICES AGREE")
    # -- "Inc.", "Co." and "U.S." are no sentence ends; "Section 1.2"/"Section 4.2" inside a
    # -- sentence and "12 monthly" are no clause starts --
    assert [e.number for e in doc.elements if e.number] == [
        "1",
        "1.1",
        "(a)",
        "(b)",
        "12",
        "Section 4",
        "ARTICLE V",
        "5.1",
    ]
    assert _by_number(doc.elements, "1").text == "1. Services."
    a = _by_number(doc.elements, "(a)")
    assert a.kind == ElementKind.LIST_ITEM
    assert a.text.endswith("Exhibit A; and")
    assert _by_number(doc.elements, "(b)").text.endswith("the 12 monthly reports.")
    assert _by_number(doc.elements, "ARTICLE V").text.startswith("ARTICLE V MISCELLANEOUS")
    assert doc.elements[-1].text == "5.1 Notices. All notices shall be in writing."
    assert all(len(e.text) <= LONG_PARAGRAPH for e in doc.elements)
    assert {e.meta.get("split") for e in doc.elements} <= {"first", "clause", "sentence"}


def test_short_paragraphs_are_not_split() -> None:
    text = "1. Services. 1.1 Provision. The Provider shall work. (a) first; and (b) second.\n"
    elements = parse_plain(text)
    assert [e.text for e in elements] == [text.strip()]
    assert "split" not in elements[0].meta


def test_long_paragraph_without_clauses_splits_between_whole_sentences() -> None:
    sentences = [
        f"Sentence number {i} of the agreement binds Acme Inc. and the parties to "
        f"the terms set out in Exhibit {i} for the whole term. "
        for i in range(60)
    ]
    text = "WHEREAS the parties agree. " + "".join(sentences)
    elements = parse_plain(text)
    assert len(elements) > 1
    assert all(len(e.text) <= LONG_PARAGRAPH for e in elements)
    assert "".join(e.text + " " for e in elements) == text
    for e in elements:
        assert e.text.endswith(".")
        assert text[e.start : e.end] == e.text
    assert [e.meta["split"] for e in elements][:2] == ["first", "sentence"]
    assert all(e.kind == ElementKind.PARAGRAPH for e in elements)


def test_a_sentence_longer_than_the_limit_is_never_cut() -> None:
    long_sentence = "The Provider shall " + "and keep working " * 120 + "until the end."
    text = "Short opening sentence here. " + long_sentence + " Closing sentence follows."
    elements = parse_plain(text)
    assert long_sentence in [e.text for e in elements]
    assert " ".join(e.text for e in elements) == text
    assert elements[-1].text == "Closing sentence follows."


def test_pages_follow_form_feeds_in_split_pieces() -> None:
    text = "Opening words here. " + FILLER * 9 + "\f2.1 Second Page. " + FILLER * 9
    elements = parse_plain(text)
    second = next(e for e in elements if e.number == "2.1")
    assert second.page == 2
    assert elements[0].page == 1


def test_markdown_long_paragraph_splits_and_lists_and_tables_still_work() -> None:
    long_para = "Offerors shall read this section. " + FILLER * 8 + "1.2 Page Limits. " + FILLER * 6
    long_item = "- " + FILLER * 20
    md = (
        "# RFQ\n\n" + long_para + "\n\n- short item\n  continued\n" + long_item + "\n\n"
        "| Factor | Weight |\n|---|---|\n| " + "Technical " * 200 + "| 60% |\n\n"
        "```\n" + "code line. Another Sentence. " * 80 + "\n```\n"
    )
    elements = parse_markdown(md)
    for e in elements:
        assert md[e.start : e.end] == e.text
    clause = next(e for e in elements if e.number == "1.2")
    assert clause.kind == ElementKind.PARAGRAPH and clause.meta["split"] == "clause"
    items = [e for e in elements if e.kind == ElementKind.LIST_ITEM]
    assert items[0].text == "- short item\n  continued"
    assert items[1].text.startswith("- The Provider") and items[1].meta["indent"] == 0
    # -- the rest of the long item comes as sentence pieces, all within the limit --
    after = elements[elements.index(items[1]) + 1]
    assert after.kind == ElementKind.PARAGRAPH and after.meta["split"] == "sentence"
    table = next(e for e in elements if e.kind == ElementKind.TABLE)
    assert table.rows is not None and len(table.rows) == 2 and len(table.text) > LONG_PARAGRAPH
    code = next(e for e in elements if e.meta.get("code"))
    assert len(code.text) > LONG_PARAGRAPH


CUAD_TXT = (
    Path(__file__).resolve().parents[3]
    / "shared"
    / "data"
    / "cuad"
    / "contracts_txt"
    / "ABILITYINC_06_15_2020-EX-4.25-SERVICES AGREEMENT.txt"
)


@pytest.mark.skipif(not CUAD_TXT.exists(), reason="CUAD text files are not in ../shared")
def test_real_cuad_services_agreement_comes_out_clause_sized() -> None:
    doc = parsers.parse_file(CUAD_TXT, Settings())
    assert doc.text == CUAD_TXT.read_bytes().decode("utf-8")
    assert_spans(doc)
    assert len(doc.elements) > 60
    numbers = [e.number for e in doc.elements if e.number]
    for n in ("1.1", "1.2", "2.4", "3.3", "4.1", "6.2", "7.6"):
        assert n in numbers
    assert max(len(e.text) for e in doc.elements) <= LONG_PARAGRAPH
    assert re.match(r"4\.1 Confidentiality\.", _by_number(doc.elements, "4.1").text)
