"""The word rules on single sentences: triggers, exclusions, party, category and part.

The sentences are taken from the solicitations in ../shared/data/rfps (some shortened).
"""

from __future__ import annotations

import pytest

from docsieve.requirements import Category, Part, Party
from extractors.requirements.labels import category_of, part_of_file, part_of_heading
from extractors.requirements.party import party_of
from extractors.requirements.triggers import binds, exclusion, find_trigger


@pytest.mark.parametrize(
    ("sentence", "modal", "negative"),
    [
        ("The Contractor shall keep the system up to date on an ongoing basis.", "shall", False),
        ("Your technical quotation shall not exceed a total of 3 pages.", "shall not", True),
        ("The Contractor will **not** be responsible for hosting.", None, False),
        (
            "The selected vendor is required to submit invoices to GSA VCSS.",
            "is required to",
            False,
        ),
        ("The COR is also responsible for the final inspection.", "is also responsible for", False),
        ("No further charges are to be billed following the final invoice.", "are to be", False),
        ("The offerors agree to and are bound by all instructions.", "agree to", False),
        ("Please submit your quotation in accordance with the instructions.", "submit", False),
        ("Include a pricing schedule utilizing the attached Pricing Template.", "include", False),
        # -- the strongest trigger wins: 'shall' over an earlier 'will' --
        ("The COR will review it and the contractor shall fix defects.", "shall", False),
    ],
)
def test_triggers(sentence: str, modal: str | None, negative: bool) -> None:
    trig = find_trigger(sentence)
    if modal is None:
        assert trig is None
        return
    assert trig is not None
    assert (trig.modal, trig.negative) == (modal, negative)
    assert " ".join(sentence[trig.start : trig.end].lower().split()) == modal


@pytest.mark.parametrize(
    "sentence",
    [
        "The contractor may be required to assist with expanding cloud.gov services.",
        "The Government is not obligated to determine a competitive range.",
        "The Contractor is not required to report on federal holidays.",
        "The DOS will be able to better carry out its diplomatic mission.",
        "The DOS seeks a new system, TalentMAP, that will equitably manage assignments.",
        "The Contractor and government may mutually agree to alter sprint length.",
        "List of Key Personnel by name and title.",
        "Offerors are advised that the technical factors are more important than price.",
    ],
)
def test_not_triggers(sentence: str) -> None:
    assert find_trigger(sentence) is None


@pytest.mark.parametrize(
    ("sentence", "why"),
    [
        ("Will the Government accept quotes by e-mail?", "question"),
        ('"Deliverable" shall mean any item the Contractor must deliver.', "definition"),
        ("Section 3 Evaluation ............................ 12", "table of contents"),
    ],
)
def test_exclusions(sentence: str, why: str) -> None:
    assert exclusion(sentence) == why


@pytest.mark.parametrize(
    ("sentence", "part", "party"),
    [
        ("Late quotations will not be considered for award.", Part.INSTRUCTIONS, "government"),
        (
            "Each offeror's price quotation will be evaluated separately.",
            Part.EVALUATION,
            "government",
        ),
        (
            "Each offeror will be provided the questions via e-mail.",
            Part.INSTRUCTIONS,
            "government",
        ),
        ("Research-related records shall be owned by the DOS.", Part.TERMS, "government"),
        ("Quotation must be valid for at least 60 calendar days.", Part.INSTRUCTIONS, "offeror"),
        ("Questions or comments regarding this RFQ shall be submitted as issues.", None, "offeror"),
        (
            "Within 7 days of acceptance, or on termination, the Contractor shall return passes.",
            Part.SOW,
            "contractor",
        ),
        (
            "If potential Offerors intend to use teaming, then they must describe it.",
            Part.INSTRUCTIONS,
            "offeror",
        ),
        (
            "The CO, or duly designated COR and the GSA TTS Product Lead, will evaluate requests.",
            Part.SOW,
            "government",
        ),
        (
            "Contractor employees who require access to GSA facilities must be fingerprinted.",
            Part.TERMS,
            "contractor",
        ),
        ("Invoices for final payment must be so identified.", Part.TERMS, "contractor"),
        ("All invoicing shall be done electronically.", Part.TERMS, "contractor"),
        (
            "The final award for this requirement will be based on best-value principles.",
            Part.EVALUATION,
            "government",
        ),
    ],
)
def test_party(sentence: str, part: Part | None, party: str) -> None:
    trig = find_trigger(sentence)
    assert trig is not None
    default = (
        Party.OFFEROR if part in (Part.INSTRUCTIONS, Part.EVALUATION, None) else Party.CONTRACTOR
    )
    who, how = party_of(sentence, trig, part, default)
    assert who.value == party, how
    assert binds(trig, how)


def test_will_without_a_party_binds_no_one() -> None:
    for sentence in (
        "This solicitation will be accomplished using the terms of the Agile BPA.",
        "All questions and comments will be publicly available.",
        "Customers of cloud.gov are responsible for building their own applications.",
    ):
        trig = find_trigger(sentence)
        assert trig is not None
        _, how = party_of(sentence, trig, Part.INSTRUCTIONS, Party.OFFEROR)
        assert not binds(trig, how), sentence


@pytest.mark.parametrize(
    ("sentence", "heading", "part", "party", "category"),
    [
        (
            "The offeror shall submit a Staffing Plan with resumes of Key Personnel.",
            "Staffing Plan",
            Part.INSTRUCTIONS,
            Party.OFFEROR,
            Category.MANAGEMENT,
        ),
        (
            "Offerors must provide a Firm-Fixed-Price (FFP) quote for the services.",
            "Type of Contract",
            Part.INSTRUCTIONS,
            Party.OFFEROR,
            Category.PRICING,
        ),
        (
            "Any findings must be addressed within a 30-, 60-, or 180-day period.",
            "Task 1: Meet vulnerability management objectives",
            Part.SOW,
            Party.CONTRACTOR,
            Category.SECURITY_INSURANCE,
        ),
        (
            "The contractor will provide a monthly report on the level of effort expended.",
            "Deliverables",
            Part.SOW,
            Party.CONTRACTOR,
            Category.REPORTING,
        ),
        (
            "Quotations shall be formatted for printing on 8.5 by 11 inch paper.",
            "Format",
            Part.INSTRUCTIONS,
            Party.OFFEROR,
            Category.SUBMISSION,
        ),
        (
            "Non-conforming services will be rejected.",
            "Nonconforming Products and Services",
            Part.TERMS,
            Party.GOVERNMENT,
            Category.TERMS,
        ),
        (
            "The Contractor shall develop a system that can ingest data from DOS sources.",
            "Tasks",
            Part.SOW,
            Party.CONTRACTOR,
            Category.TECHNICAL,
        ),
        # -- a contractor's duty to submit is never "submission" (that is the proposal's) --
        (
            "The Contractor shall submit all deliverables to the COR.",
            "Deliverables",
            Part.SOW,
            Party.CONTRACTOR,
            Category.TECHNICAL,
        ),
    ],
)
def test_category(
    sentence: str, heading: str, part: Part, party: Party, category: Category
) -> None:
    assert category_of(sentence, ["Parent", heading], part, party) == category


@pytest.mark.parametrize(
    ("name", "part"),
    [
        ("Attachment2_PWS.md", Part.SOW),
        ("001SOOIntakeModule.md", Part.SOW),
        ("Performance Work Statement.md", Part.SOW),
        ("Attachment3_PWS-QASP.md", Part.OTHER),
        ("NDA-COI.md", Part.TERMS),
        ("Addendum-Commercial-Contract-Clauses.md", Part.TERMS),
        ("Blanket Purchase Agreement.md", Part.TERMS),
        ("Attachment4_Oral_Presentation_Instructions.md", Part.INSTRUCTIONS),
        ("RFQ.md", Part.INSTRUCTIONS),
        ("notes.md", None),
    ],
)
def test_part_of_file(name: str, part: Part | None) -> None:
    assert part_of_file(name) == part


@pytest.mark.parametrize(
    ("heading", "part"),
    [
        ("Quotation Instructions", Part.INSTRUCTIONS),
        ("Basis of Award and Evaluation Criteria", Part.EVALUATION),
        ("TERMS AND CONDITIONS", Part.TERMS),
        ("Invoice Submission", Part.TERMS),
        ("Delivery Instructions", Part.SOW),
        ("Requirements", Part.SOW),
        ("Privacy", None),
    ],
)
def test_part_of_heading(heading: str, part: Part | None) -> None:
    assert part_of_heading(heading) == part
