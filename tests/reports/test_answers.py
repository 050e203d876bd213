"""Answers shaped for people: file names, section headings, key fields, word-boundary cuts."""

from __future__ import annotations

from docsieve.analysis import Answer, Citation, DocumentAnalysis
from reports.answers import filter_results, format_value, question_ids, shape_answers, shorten


def _analysis() -> DocumentAnalysis:
    return DocumentAnalysis(
        document_id=7,
        document_sha="f" * 64,
        profile="rfp",
        status="analysed",
        provider="extractive",
        model="extractive-v1",
        extractive=True,
        answers=[
            Answer(
                question_id="submission_deadline",
                found=True,
                answer="Quotes are due by 12:00 PM ET on June 1, 2026.",
                fields={"due": "June 1, 2026 12:00 PM ET"},
                citations=[
                    Citation(chunk_id="c1", page_start=2, page_end=2, quote="Quotes are due"),
                    Citation(chunk_id="c9", page_start=3, page_end=4, quote="made up"),
                ],
            ),
            Answer(
                question_id="evaluation_criteria",
                found=False,
                candidates=[Citation(chunk_id="c2", page_start=5, page_end=5)],
            ),
        ],
    )


def test_shorten_never_cuts_a_word() -> None:
    text = "The Contractor shall deliver the monthly status report to the Contracting Officer"
    cut = shorten(text, 40)
    assert len(cut) <= 40 and cut.endswith("…")
    assert text.startswith(cut[:-1]) and text[len(cut) - 1] == " "
    assert shorten("short\n text", 40) == "short text"
    assert len(shorten("x" * 100, 10)) == 10  # -- one long word is cut where it must be --


def test_format_value() -> None:
    assert format_value(["a", "", "b"]) == "a; b"
    assert format_value({"x": 1, "y": None}) == "x: 1"
    assert format_value(True) == "yes" and format_value(None) == ""


def test_shape_names_files_cites_headings_and_keeps_fields() -> None:
    headings = {"c1": ["SECTION L", "L.3 Deadline for Receipt of Quotes"], "c2": ["M. Evaluation"]}
    (doc,) = shape_answers([_analysis()], {7: "rfq.pdf"}, headings)
    assert doc.label == "rfq.pdf" and doc.files == ["rfq.pdf"] and doc.anchor == "doc-7"
    due = doc.answer("submission_deadline")
    assert due is not None and due.key == "June 1, 2026 12:00 PM ET"
    assert [c.label for c in due.citations] == [
        "L.3 Deadline for Receipt of Quotes, p. 2",
        "rfq.pdf, p. 3-4",  # -- no heading known: the file --
    ]
    assert due.field_text() == {"due": "June 1, 2026 12:00 PM ET"}
    missing = doc.answer("evaluation_criteria")
    assert missing is not None and missing.key == "" and missing.candidates[0].heading
    assert question_ids([doc]) == ["submission_deadline", "evaluation_criteria"]


def test_filter_by_document_and_question() -> None:
    docs = shape_answers([_analysis()], {7: "RFQ.pdf"}, {})
    assert filter_results(docs, "rfq", None) == docs
    assert filter_results(docs, "pws", None) == []
    (one,) = filter_results(docs, None, "evaluation_criteria")
    assert [a.question_id for a in one.answers] == ["evaluation_criteria"]
