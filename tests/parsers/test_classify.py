"""Document type detection on real files from ../shared, synthetic ones, and the user override.

The real files of the tricky kinds are picked by content, not by name, and each is also
classified with its file name hidden: CUAD and ContractNLI names often say the type, and
users' files do not.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import parsers
from docsieve.settings import Settings
from docsieve.types import DocType, ParsedDocument
from parsers.classify import classify
from tests.conftest import SHARED

RFPS = SHARED / "rfps"
CUAD = SHARED / "cuad"
NDAS = SHARED / "contractnli" / "docs_txt"

RFP_FILES = [
    "18F__bpa-fs-epermit-api/solicitation_documents/RFQ.md",
    "18F__bpa-fs-epermit-api/solicitation_documents/SOO.md",
    "18F__bpa-DOS-TalentMAP/Attachment2_PWS.md",
    "akhealth__RFP-ARIES-Support/ARIES_SUPPORT_RFP.md",
    "18F__tts-buy-cloud-support-services/solicitation_documents/"
    "Attachment-A-PWS-cloud.gov-support-services.pdf",
    # -- labelled; a request for quotation whose title names a Blanket Purchase Agreement --
    "18F__tts-buy-development-desgin-research-bpa/Blanket Purchase Agreement.md",
]
CONTRACT_FILES = [
    "18F__tts-buy-incident-response-saas/solicitation_documents/"
    "Addendum-Commercial-Contract-Clauses.md",
    "akhealth__RFP-ARIES-Support/Attachment 05 TEMPLATE Standard Agreement Form "
    "(with Appendices).pdf",
]


def _need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"shared data missing: {path}")
    return path


def _hidden(doc: ParsedDocument) -> DocType:
    """The type the text alone gives: the document classified under a neutral file name."""
    return classify(doc.model_copy(update={"path": "/in/document.txt"})).doc_type


def _cuad_opening(words: str) -> list[Path]:
    """CUAD text files whose opening (first 400 characters) names ``words``, e.g. a
    joint filing agreement: chosen by content, so a renamed file still counts."""
    folder = CUAD / "contracts_txt"
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.glob("*.txt")):
        with open(path, encoding="utf-8") as fh:
            if words in " ".join(fh.read(400).split()).lower():
                found.append(path)
    return found


JOINT_FILING = _cuad_opening("joint filing agreement")
HOSTING = _cuad_opening("hosting agreement")


@pytest.mark.parametrize("path", JOINT_FILING + HOSTING, ids=lambda p: p.name[:40])
def test_tricky_cuad_agreements_are_contracts(path: Path) -> None:
    doc = parsers.parse_file(path, Settings())
    assert doc.doc_type is not None
    assert doc.doc_type.doc_type == DocType.CONTRACT, doc.doc_type.signals
    assert _hidden(doc) == DocType.CONTRACT


def test_tricky_kinds_are_in_the_data() -> None:
    if not (CUAD / "contracts_txt").is_dir():
        pytest.skip(f"shared data missing: {CUAD}")
    assert len(JOINT_FILING) >= 3 and len(HOSTING) >= 3, (JOINT_FILING, HOSTING)


def test_shortest_joint_filing_pdf_is_a_contract() -> None:
    """The smallest of them (a page of names and signatures) from its PDF, the way users
    hand it over; typed ``other`` and skipped before."""
    pdfs = sorted(
        _need(CUAD / "contracts_pdf").glob("*JOINT FILING*"), key=lambda p: p.stat().st_size
    )
    if not pdfs:
        pytest.skip("no joint filing agreement PDF in the CUAD folder")
    doc = parsers.parse_file(pdfs[0], Settings())
    assert doc.doc_type is not None and doc.doc_type.doc_type == DocType.CONTRACT
    assert _hidden(doc) == DocType.CONTRACT


def _ndas(pick: str) -> Path:
    """A ContractNLI NDA chosen by content: ``titled`` (opens as a non-disclosure agreement)
    or ``letter`` (a confidentiality letter: no title, 'Dear ...:')."""
    for path in sorted(_need(NDAS).glob("*.txt")):
        opening = path.read_text(encoding="utf-8")[:600]
        if pick == "titled" and "NON-DISCLOSURE AGREEMENT" in opening.upper():
            return path
        if pick == "letter" and "Dear " in opening and "AGREEMENT" not in opening.upper():
            return path
    pytest.skip(f"no {pick} NDA in {NDAS}")


@pytest.mark.parametrize("pick", ["titled", "letter"])
def test_contractnli_ndas_are_ndas(pick: str) -> None:
    doc = parsers.parse_file(_ndas(pick), Settings())
    assert doc.doc_type is not None
    assert doc.doc_type.doc_type == DocType.NDA, doc.doc_type.signals
    assert any(s.startswith("nda: ") for s in doc.doc_type.signals)
    assert _hidden(doc) == DocType.NDA


def test_rfp_nda_attachment_is_an_nda() -> None:
    doc = parsers.parse_file(
        _need(RFPS / "18F__bpa-DOL-WHD-14-c/solicitation_documents/NDA.md"), Settings()
    )
    assert doc.doc_type is not None and doc.doc_type.doc_type == DocType.NDA


def test_industry_day_agenda_is_other() -> None:
    path = RFPS / "18F__tts-buy-cloud-support-services/RFI artifacts/Industry Day - Agenda.pdf"
    doc = parsers.parse_file(_need(path), Settings())
    assert doc.doc_type is not None and doc.doc_type.doc_type == DocType.OTHER


SHORT_AGREEMENT = """Consulting Agreement

Northwind Traders Ltd ("Client") and Jane Roe ("Consultant") agree as follows.

1. Services. Consultant shall review Client's supplier contracts in May 2025.
2. Fee. Client shall pay Consultant EUR 4,000 within 30 days of her invoice.
3. Law. This Agreement is governed by the laws of Ireland.

Signed for Client: ____________      Signed by Consultant: ____________
"""
SHORT_NDA = """MUTUAL NON-DISCLOSURE AGREEMENT

This Agreement is made on 2 May 2025 between Northwind Traders Ltd and Contoso GmbH.
Each party may disclose Confidential Information to the other to evaluate a joint offer.
The receiving party shall hold the disclosing party's Confidential Information in strict
confidence, shall not disclose it to any third party, and shall return or destroy it on
request. These obligations last three years.

IN WITNESS WHEREOF the parties have signed this Agreement.
"""
RFQ_WITH_NDA_FORM = """REQUEST FOR QUOTATION 47QFCA-25-Q-0042

Attachments: 1. Performance Work Statement. 2. Non-Disclosure Agreement (to be signed by
key personnel after award). 3. Pricing template.

Quotes are due by 2:00 PM Eastern on June 3, 2025. Offerors shall send questions to the
contracting officer by May 20, 2025. Quotes will be evaluated on technical approach, past
performance and price; the basis of award is best value.
"""
AGENDA = """Supplier Day - Agenda

09:00  Welcome and coffee
09:30  Our roadmap for 2025 (slides)
10:15  Break
10:30  Questions from the floor
11:30  Lunch in the atrium
"""


@pytest.mark.parametrize(
    ("name", "text", "want"),
    [
        ("consulting.txt", SHORT_AGREEMENT, DocType.CONTRACT),
        ("mnda.txt", SHORT_NDA, DocType.NDA),
        ("agenda.txt", AGENDA, DocType.OTHER),
        # -- names an NDA among its attachments, but is not one --
        ("solicitation.txt", RFQ_WITH_NDA_FORM, DocType.RFP),
        # -- a file name alone makes nothing a contract --
        ("services_agreement.txt", "A short note about lunch on Friday.\n", DocType.OTHER),
    ],
)
def test_synthetic_documents(tmp_path: Path, name: str, text: str, want: DocType) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    doc = parsers.parse_file(path, Settings())
    assert doc.doc_type is not None
    assert doc.doc_type.doc_type == want, doc.doc_type.signals
    assert doc.doc_type.signals and 0 <= doc.doc_type.confidence <= 1


def test_an_agreement_below_the_minimum_score_is_still_a_contract(tmp_path: Path) -> None:
    """Only the form of an agreement (its title), no clause words: the score stays under the
    minimum, and the never-other rule makes it a contract."""
    path = tmp_path / "doc.txt"
    path.write_text(
        "MEMORANDUM OF UNDERSTANDING\n\nThe two teams will meet monthly to plan the roadmap.\n"
    )
    doc = parsers.parse_file(path, Settings())
    assert doc.doc_type is not None and doc.doc_type.doc_type == DocType.CONTRACT
    assert "an agreement is never other" in doc.doc_type.signals[0]


@pytest.mark.parametrize("rel", RFP_FILES)
def test_solicitations_are_rfps(rel: str) -> None:
    doc = parsers.parse_file(_need(RFPS / rel), Settings())
    assert doc.doc_type is not None
    assert doc.doc_type.doc_type == DocType.RFP, doc.doc_type.signals
    assert 0 <= doc.doc_type.confidence <= 1 and doc.doc_type.signals


@pytest.mark.parametrize("rel", CONTRACT_FILES)
def test_agreements_are_contracts(rel: str) -> None:
    doc = parsers.parse_file(_need(RFPS / rel), Settings())
    assert doc.doc_type is not None
    assert doc.doc_type.doc_type == DocType.CONTRACT, doc.doc_type.signals


def test_cuad_contracts() -> None:
    txts = sorted((_need(CUAD / "contracts_txt")).glob("*.txt"))[:5]
    pdfs = sorted((_need(CUAD / "contracts_pdf")).iterdir(), key=lambda p: p.stat().st_size)[:3]
    for path in txts + pdfs:
        doc = parsers.parse_file(path, Settings())
        assert doc.doc_type is not None
        assert doc.doc_type.doc_type == DocType.CONTRACT, (path.name, doc.doc_type.signals)


def test_cuad_text_spans_are_the_file(tmp_path: Path) -> None:
    path = sorted(_need(CUAD / "contracts_txt").glob("*.txt"))[0]
    doc = parsers.parse_file(path, Settings())
    assert doc.text == path.read_text(encoding="utf-8")
    for e in doc.elements:
        assert doc.text[e.start : e.end] == e.text


def test_override(tmp_path: Path) -> None:
    path = tmp_path / "memo.txt"
    path.write_text("A short note about lunch.\n")
    doc = parsers.parse_file(path, Settings())
    assert doc.doc_type is not None and doc.doc_type.doc_type == DocType.OTHER
    chosen = parsers.override_doc_type(doc, "spec")
    assert chosen.doc_type is not None and chosen.doc_type.doc_type == DocType.SPEC
    assert chosen.doc_type.overridden and chosen.doc_type.confidence == 1.0
    assert any("detected: other" in s for s in chosen.doc_type.signals)
    assert doc.doc_type.doc_type == DocType.OTHER  # -- the parsed document is unchanged --
