"""How statements are cut, merged and checked, on small Markdown files written by the tests."""

from __future__ import annotations

from pathlib import Path

import parsers
from docsieve.requirements import Category, Party, Requirement
from docsieve.settings import Settings
from extractors.requirements import cut_reason, extract_requirements

RFQ = """# Request for Quotation

## 6. Quotation Instructions

a.  *Cover Page*. The cover page shall be no more than one (1) page. The
following information is required on the first page:

(i) RFQ number and title

(ii) Company name and address

(iii) Date of submission

b.  *Staffing*. The offeror shall provide:

-   A staffing plan that describes the number of personnel by labor category and skill level.

-   Resumes for each proposed key person, with education and relevant experience listed.

The Contractor shall notify the Contracting Officer whenever the costs will exceed 75 percent of

(1) the total amount allotted to the order, or

(2) the estimated cost of the order.

Late quotations will not be considered for award. Will the Government accept e-mail?

## 7. Deliverables

The Contractor shall deliver a monthly status report within 30 days of award.

The Contractor shall deliver a monthly status report within 60 days of award.

The Contractor shall not deliver code outside the repository.
"""

PWS = """# Performance Work Statement

## 1. Deliverables

The contractor shall deliver a monthly status report within 30 days of award!

The contractor will be able to use Government furnished equipment.
"""


def _parse(tmp_path: Path, name: str, text: str) -> parsers.ParsedDocument:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return parsers.parse_file(path, Settings())


def _set(tmp_path: Path) -> tuple[list[parsers.ParsedDocument], list[Requirement]]:
    docs = [_parse(tmp_path, "RFQ.md", RFQ), _parse(tmp_path, "PWS.md", PWS)]
    return docs, list(extract_requirements(docs, root=tmp_path).requirements)


def test_statements_lead_ins_and_lists(tmp_path: Path) -> None:
    docs, reqs = _set(tmp_path)
    plain = [r.plain for r in reqs]
    # -- a lead-in with short items is one statement, its list included --
    folded = next(r for r in reqs if r.statement.startswith("The following information"))
    assert folded.statement.endswith("(iii) Date of submission")
    assert folded.location.section == "6.a" and folded.location.heading == "Cover Page"
    # -- a lead-in with long items: one row per item, which inherits the trigger --
    items = [r for r in reqs if r.inherited]
    assert [r.statement[:20] for r in items] == ["A staffing plan that", "Resumes for each pro"]
    assert all(r.modal == "shall" and r.party == Party.OFFEROR for r in items)
    assert items[0].plain.startswith("The offeror shall provide: A staffing plan")
    # -- a sentence that stops mid-way takes its list up to the item that ends it --
    open_end = next(r for r in reqs if "75 percent of" in r.statement)
    assert open_end.statement.endswith("the estimated cost of the order.")
    # -- questions and "will be able to" are no requirements; Government 'will' is one --
    assert not any("accept e-mail" in p or "be able to" in p for p in plain)
    late = next(r for r in reqs if r.statement.startswith("Late quotations"))
    assert late.party == Party.GOVERNMENT
    for r in reqs:
        text = next(d.text for d in docs if d.path == r.location.path)
        assert cut_reason(text, r) is None, r.statement


def test_duplicates(tmp_path: Path) -> None:
    _, reqs = _set(tmp_path)
    reports = [r for r in reqs if "monthly status report" in r.statement]
    # -- 30 and 60 days are two obligations; the PWS repeats the 30-day one --
    assert len(reports) == 2
    thirty = next(r for r in reports if "30 days" in r.statement)
    assert [d.file for d in thirty.duplicates] == ["PWS.md"]
    assert thirty.row().also_in == "PWS.md § 1 Deliverables, p. 1"
    assert not next(r for r in reports if "60 days" in r.statement).duplicates
    # -- a prohibition is not merged with the duty it resembles --
    assert any(r.negative and r.modal == "shall not" for r in reqs)


def test_cut_rows_are_caught(tmp_path: Path) -> None:
    docs, reqs = _set(tmp_path)
    text = docs[0].text
    late = next(r for r in reqs if r.statement.startswith("Late quotations"))
    loc = late.location

    def moved(start: int, end: int) -> Requirement:
        span = " ".join(text[start:end].split())
        return late.model_copy(
            update={
                "statement": span,
                "location": loc.model_copy(update={"start": start, "end": end}),
            }
        )

    assert cut_reason(text, late) is None
    assert cut_reason(text, moved(loc.start + 5, loc.end)) == "starts inside a sentence"
    assert cut_reason(text, moved(loc.start, loc.end - 11)) == "ends inside a sentence"
    assert cut_reason(text, moved(loc.start, loc.end - 12)) == "span starts or ends inside a word"
    no_trigger = late.model_copy(update={"modal": "must"})
    assert cut_reason(text, no_trigger) == "trigger 'must' not in the statement"
    wrong = late.model_copy(update={"statement": "Late quotations will be considered."})
    assert cut_reason(text, wrong) == "span does not match the statement"


def test_docx_list_items_without_markers(tmp_path: Path) -> None:
    """DOCX list items carry no marker in the text: the parser's list-item kind counts."""
    import docx

    d = docx.Document()
    d.add_heading("1. Instructions", 1)
    d.add_paragraph("The quotation must include:")
    for item in ("A cover page", "A staffing plan", "A price schedule"):
        d.add_paragraph(item, style="List Bullet")
    d.add_heading("2. Statement of Work", 1)
    d.add_paragraph("The Contractor shall deliver monthly status reports to the COR.")
    d.save(str(tmp_path / "RFQ.docx"))
    doc = parsers.parse_file(tmp_path / "RFQ.docx", Settings())
    reqs = extract_requirements([doc]).requirements
    assert [r.statement for r in reqs] == [
        "The quotation must include: A cover page A staffing plan A price schedule",
        "The Contractor shall deliver monthly status reports to the COR.",
    ]
    assert [r.location.section for r in reqs] == ["1", "2"]
    assert [(r.party, r.category) for r in reqs][1] == (Party.CONTRACTOR, Category.REPORTING)
    assert all(cut_reason(doc.text, r) is None for r in reqs)
