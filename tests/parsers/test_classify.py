"""Document type detection on real files from ../shared, and the user override."""

from __future__ import annotations

from pathlib import Path

import pytest

import parsers
from docsieve.settings import Settings
from docsieve.types import DocType
from tests.conftest import SHARED

RFPS = SHARED / "rfps"
CUAD = SHARED / "cuad"

RFP_FILES = [
    "18F__bpa-fs-epermit-api/solicitation_documents/RFQ.md",
    "18F__bpa-fs-epermit-api/solicitation_documents/SOO.md",
    "18F__bpa-DOS-TalentMAP/Attachment2_PWS.md",
    "akhealth__RFP-ARIES-Support/ARIES_SUPPORT_RFP.md",
    "18F__tts-buy-cloud-support-services/solicitation_documents/"
    "Attachment-A-PWS-cloud.gov-support-services.pdf",
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
    parsers.override_doc_type(doc, "spec")
    assert doc.doc_type.doc_type == DocType.SPEC
    assert doc.doc_type.overridden and doc.doc_type.confidence == 1.0
    assert any("detected: other" in s for s in doc.doc_type.signals)
