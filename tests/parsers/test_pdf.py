"""PDF parsing: structure, running headers, tables, spans, and every kind of bad PDF."""

from __future__ import annotations

from pathlib import Path

import pymupdf
import pytest

import parsers
from docsieve.errors import InputError
from docsieve.settings import Settings
from docsieve.types import ElementKind, ParsedDocument
from tests.parsers.conftest import HEADER, build_contract_pdf


def assert_spans(doc: ParsedDocument) -> None:
    last = -1
    for e in doc.elements:
        assert doc.text[e.start : e.end] == e.text
        assert e.start > last or e.start == e.end == last
        assert 1 <= e.page <= max(doc.pages, 1)
        last = e.start
        for row in e.rows or []:
            assert e.start <= row.start <= row.end <= e.end


def test_structure_of_a_contract_pdf(contract_pdf: Path, settings: Settings) -> None:
    doc = parsers.parse_file(contract_pdf, settings)
    assert doc.parser == "pymupdf" and doc.media_type == "application/pdf"
    assert doc.pages == 3 and len(doc.sha256) == 64
    assert_spans(doc)
    # -- running header and page numbers are gone, from the text and the elements --
    assert HEADER not in doc.text
    assert "Page 2 of 3" not in doc.text
    assert doc.title == "MASTER SERVICES AGREEMENT"
    assert doc.elements[0].kind == ElementKind.TITLE
    heads = [e for e in doc.elements if e.kind == ElementKind.HEADING]
    art = [e for e in heads if e.text.startswith("ARTICLE")]
    assert [e.number for e in art] == ["ARTICLE I", "ARTICLE II", "ARTICLE III"]
    assert all(e.level == 1 for e in art)
    sec = [e for e in heads if e.text.startswith("Section")]
    assert [e.number for e in sec] == ["Section 1.1", "Section 2.1", "Section 3.1"]
    assert all(e.level == 2 for e in sec)
    assert [e.page for e in sec] == [1, 2, 3]
    # -- the two lines of the paragraph are one element, de-hyphenated --
    paras = [e for e in doc.elements if e.text.startswith("This Master Services")]
    assert len(paras) == 3
    assert "this agreement, which governs" in paras[0].text
    items = [e for e in doc.elements if e.kind == ElementKind.LIST_ITEM]
    assert items and items[0].number == "(a)"
    assert doc.doc_type is not None and doc.doc_type.doc_type.value == "contract"


def test_ruled_table_is_kept_as_a_table(contract_pdf: Path, settings: Settings) -> None:
    doc = parsers.parse_file(contract_pdf, settings)
    tables = [e for e in doc.elements if e.kind == ElementKind.TABLE]
    assert len(tables) == 1
    t = tables[0]
    assert t.page == 2
    assert t.rows is not None
    assert [r.cells for r in t.rows] == [
        ["Item", "Price", "Due"],
        ["Support", "100 USD", "Monthly"],
        ["Hosting", "250 USD", "Yearly"],
    ]
    for r in t.rows:
        assert doc.text[r.start : r.end] == " | ".join(r.cells)
    # -- the cell text is not repeated as paragraphs --
    assert doc.text.count("Hosting") == 1


def test_table_detection_can_be_switched_off(contract_pdf: Path) -> None:
    doc = parsers.parse_file(contract_pdf, Settings(parse={"detect_tables": False}))
    assert not [e for e in doc.elements if e.kind == ElementKind.TABLE]
    assert "Hosting" in doc.text


def test_truncated_pdf_fails_clearly(
    contract_pdf: Path, tmp_path: Path, settings: Settings
) -> None:
    data = contract_pdf.read_bytes()
    for frac in (0.5, 0.9, 0.98):
        cut = tmp_path / f"cut{int(frac * 100)}.pdf"
        cut.write_bytes(data[: int(len(data) * frac)])
        with pytest.raises(InputError) as err:
            parsers.parse_file(cut, settings)
        assert err.value.status == "failed"
        assert "truncated" in err.value.reason or "corrupt" in err.value.reason


def test_truncated_real_pdf_fails(settings: Settings, tmp_path: Path) -> None:
    src = Path(__file__).resolve().parents[2] / "data" / "samples"
    pdfs = sorted(src.glob("*.pdf")) + sorted(src.glob("*.PDF"))
    if not pdfs:
        pytest.skip("no bundled sample PDF")
    data = pdfs[0].read_bytes()
    cut = tmp_path / "real_cut.pdf"
    cut.write_bytes(data[: int(len(data) * 0.7)])
    with pytest.raises(InputError) as err:
        parsers.parse_file(cut, settings)
    assert err.value.status == "failed"


def test_encrypted_pdf_fails(contract_pdf: Path, tmp_path: Path, settings: Settings) -> None:
    doc = pymupdf.open(contract_pdf)
    enc = tmp_path / "locked.pdf"
    doc.save(
        enc,
        encryption=pymupdf.PDF_ENCRYPT_AES_256,  # type: ignore[attr-defined]
        owner_pw="owner",
        user_pw="user",
    )
    doc.close()
    with pytest.raises(InputError) as err:
        parsers.parse_file(enc, settings)
    assert err.value.status == "failed"
    assert "encrypted" in err.value.reason


def test_owner_password_only_pdf_still_parses(
    contract_pdf: Path, tmp_path: Path, settings: Settings
) -> None:
    doc = pymupdf.open(contract_pdf)
    enc = tmp_path / "restricted.pdf"
    doc.save(
        enc,
        encryption=pymupdf.PDF_ENCRYPT_AES_256,  # type: ignore[attr-defined]
        owner_pw="owner",
        permissions=pymupdf.PDF_PERM_PRINT,  # type: ignore[attr-defined]
    )
    doc.close()
    assert "Master Services" in parsers.parse_file(enc, settings).text


def test_image_only_pdf_needs_ocr(tmp_path: Path, settings: Settings) -> None:
    pix = pymupdf.Pixmap(pymupdf.csRGB, pymupdf.IRect(0, 0, 200, 100), False)
    pix.set_rect(pix.irect, (200, 30, 30))
    doc = pymupdf.open()
    for _ in range(2):
        page = doc.new_page()
        page.insert_image(pymupdf.Rect(50, 50, 450, 250), pixmap=pix)
    path = tmp_path / "scan.pdf"
    doc.save(path)
    with pytest.raises(InputError) as err:
        parsers.parse_file(path, settings)
    assert err.value.status == "needs_ocr"
    assert "OCR" in err.value.reason


def test_corrupt_and_fake_pdfs_fail(tmp_path: Path, settings: Settings) -> None:
    junk = tmp_path / "junk.pdf"
    junk.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 40)
    with pytest.raises(InputError) as err:
        parsers.parse_file(junk, settings)
    assert err.value.status == "failed"
    fake = tmp_path / "fake.pdf"
    fake.write_bytes(b"hello, I am a text file")
    with pytest.raises(InputError, match="not a PDF"):
        parsers.parse_file(fake, settings)


def test_empty_oversized_and_long_files_fail(contract_pdf: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        parsers.parse_file(empty, Settings())
    with pytest.raises(InputError, match="too large"):
        parsers.parse_file(contract_pdf, Settings(parse={"max_file_bytes": 100}))
    with pytest.raises(InputError, match="too many pages"):
        parsers.parse_file(contract_pdf, Settings(parse={"max_pages": 2}))


def test_partly_scanned_pdf_warns(tmp_path: Path, settings: Settings) -> None:
    path = build_contract_pdf(tmp_path / "mixed.pdf", pages=2)
    doc = pymupdf.open(path)
    doc.new_page()
    out = tmp_path / "mixed2.pdf"
    doc.save(out)
    parsed = parsers.parse_file(out, settings)
    assert any("without a text layer" in w and ": 3" in w for w in parsed.warnings)
