"""Plain text and Markdown: the text is the file's, unchanged; elements are spans of it."""

from __future__ import annotations

from pathlib import Path

import pytest

import parsers
from docsieve.errors import InputError
from docsieve.settings import Settings
from docsieve.types import ElementKind
from tests.parsers.test_pdf import assert_spans

CONTRACT_TXT = """SUPPLY AGREEMENT

This Supply Agreement (the "Agreement") is made as of June 1, 2020 by and between
Acme Corp. and Widget Inc.

ARTICLE IV
TERM AND TERMINATION

1. DEFINITIONS.

(a) "Products" means the goods listed in Exhibit A.

(b) "Term" means the period set out in Section 5.2.

5.2 Term. This Agreement starts on the Effective Date and lasts three years.

IN WITNESS WHEREOF, the parties have signed this Agreement.
"""

MARKDOWN = """# Request for Quotation

Intro paragraph line one
continues here.

## Section 1. Instructions

- first item
  continued
- second item

| Factor | Weight |
|---|---|
| Technical | 60% |
| Price | 40% |

Setext heading
--------------

**L.3.1 Page limits**

Text after.
"""


def test_plain_text_keeps_the_file_text_and_finds_clauses(tmp_path: Path) -> None:
    path = tmp_path / "supply.txt"
    path.write_text(CONTRACT_TXT, encoding="utf-8")
    doc = parsers.parse_file(path, Settings())
    assert doc.text == CONTRACT_TXT
    assert doc.parser == "text" and doc.media_type == "text/plain"
    assert_spans(doc)
    by_text = {e.text.split("\n")[0]: e for e in doc.elements}
    assert by_text["SUPPLY AGREEMENT"].kind == ElementKind.HEADING
    assert by_text["ARTICLE IV"].number == "ARTICLE IV"
    assert by_text["ARTICLE IV"].kind == ElementKind.HEADING
    assert by_text["TERM AND TERMINATION"].kind == ElementKind.HEADING
    assert by_text["1. DEFINITIONS."].kind == ElementKind.HEADING
    assert by_text["1. DEFINITIONS."].number == "1"
    a = next(e for e in doc.elements if e.text.startswith("(a)"))
    assert a.kind == ElementKind.LIST_ITEM and a.number == "(a)"
    term = next(e for e in doc.elements if e.text.startswith("5.2"))
    assert term.kind == ElementKind.PARAGRAPH and term.number == "5.2" and term.level == 2
    assert doc.title == "SUPPLY AGREEMENT"
    assert doc.doc_type is not None and doc.doc_type.doc_type.value == "contract"


def test_crlf_text_is_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "crlf.txt"
    raw = CONTRACT_TXT.replace("\n", "\r\n")
    path.write_bytes(raw.encode("utf-8"))
    doc = parsers.parse_file(path, Settings())
    assert doc.text == raw
    assert_spans(doc)


def test_markdown_structure(tmp_path: Path) -> None:
    path = tmp_path / "rfq.md"
    path.write_text(MARKDOWN, encoding="utf-8")
    doc = parsers.parse_file(path, Settings())
    assert doc.text == MARKDOWN
    assert_spans(doc)
    heads = [(e.text, e.level) for e in doc.elements if e.kind == ElementKind.HEADING]
    assert heads[:2] == [("Request for Quotation", 1), ("Section 1. Instructions", 2)]
    assert ("Setext heading", 2) in heads
    sec = next(e for e in doc.elements if e.text == "Section 1. Instructions")
    assert sec.number == "Section 1"
    bold = next(e for e in doc.elements if "L.3.1" in e.text)
    assert bold.kind == ElementKind.HEADING and bold.number == "L.3.1"
    items = [e for e in doc.elements if e.kind == ElementKind.LIST_ITEM]
    assert [i.text for i in items] == ["- first item\n  continued", "- second item"]
    para = next(e for e in doc.elements if e.text.startswith("Intro"))
    assert para.text == "Intro paragraph line one\ncontinues here."
    table = next(e for e in doc.elements if e.kind == ElementKind.TABLE)
    assert table.rows is not None
    assert [r.cells for r in table.rows] == [
        ["Factor", "Weight"],
        ["Technical", "60%"],
        ["Price", "40%"],
    ]
    for r in table.rows:
        assert doc.text[r.start : r.end].startswith("|")


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        ("Caf\u00e9 contract \u2014 terms".encode("utf-8-sig"), "utf-8-sig"),
        ("Caf\u00e9 contract \u2014 terms".encode("utf-16"), "utf-16"),
        ("Caf\u00e9 contract \u2014 terms".encode("cp1252"), "cp1252"),
    ],
)
def test_accepted_encodings(tmp_path: Path, data: bytes, encoding: str) -> None:
    path = tmp_path / "enc.txt"
    path.write_bytes(data)
    doc = parsers.parse_file(path, Settings())
    assert doc.text == "Caf\u00e9 contract \u2014 terms"
    if encoding == "cp1252":
        assert doc.warnings == ["decoded as cp1252"]


def test_undecodable_text_fails_with_the_attempts(tmp_path: Path) -> None:
    path = tmp_path / "binary.txt"
    path.write_bytes(bytes(range(256)) * 8)
    with pytest.raises(InputError) as err:
        parsers.parse_file(path, Settings())
    assert err.value.status == "failed"
    assert "utf-8" in err.value.reason and "cp1252" in err.value.reason


def test_empty_and_blank_text_fail(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        parsers.parse_file(empty, Settings())
    blank = tmp_path / "blank.md"
    blank.write_text("  \n\n\t\n")
    with pytest.raises(InputError, match="whitespace"):
        parsers.parse_file(blank, Settings())


def test_unsupported_type_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "photo.jpg"
    path.write_bytes(b"\xff\xd8\xff")
    with pytest.raises(InputError) as err:
        parsers.parse_file(path, Settings())
    assert err.value.status == "skipped"


def test_unknown_parser_name_lists_valid_ones() -> None:
    from docsieve.errors import UnknownNameError

    with pytest.raises(UnknownNameError) as err:
        parsers.get_parser("tesseract")
    assert "pymupdf" in str(err.value) and "unstructured" in str(err.value)
    assert parsers.get_parser("text").name == "text"
    assert parsers.parser_names() == ["pymupdf", "text", "unstructured"]
