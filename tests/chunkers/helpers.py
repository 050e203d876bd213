"""Build small ParsedDocuments by hand for the chunker rule tests."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from docsieve.types import DocType, DocTypeGuess, Element, ElementKind, ParsedDocument, TableRow


def make_doc(
    parts: Sequence[tuple[str, str] | tuple[str, str, dict[str, Any]]],
    doc_type: DocType | None = DocType.CONTRACT,
    media_type: str = "application/pdf",
) -> ParsedDocument:
    """Elements from ``(kind, text[, fields])``, joined by blank lines into ``doc.text``.

    ``fields`` may set ``page``, ``level``; a ``table`` part's text is rows of
    ``|``-separated cells, one row a line.
    """
    text = ""
    elements: list[Element] = []
    for part in parts:
        kind, body = part[0], part[1]
        fields: dict[str, Any] = dict(part[2]) if len(part) > 2 else {}
        if text:
            text += "\n\n"
        start = len(text)
        text += body
        rows = None
        if kind == "table":
            rows = []
            pos = start
            for line in body.split("\n"):
                rows.append(
                    TableRow(
                        cells=[c.strip() for c in line.split("|")], start=pos, end=pos + len(line)
                    )
                )
                pos += len(line) + 1
        elements.append(
            Element(
                kind=ElementKind(kind), text=body, start=start, end=len(text), rows=rows, **fields
            )
        )
    guess = DocTypeGuess(doc_type=doc_type, confidence=1.0) if doc_type else None
    return ParsedDocument(
        path="mem.pdf",
        sha256=hashlib.sha256(text.encode()).hexdigest(),
        media_type=media_type,
        parser="test",
        text=text,
        pages=max(e.last_page for e in elements),
        elements=elements,
        doc_type=guess,
    )


def sentences(n: int, words: int = 12, tag: str = "S") -> str:
    """``n`` distinct sentences of about ``words`` words each."""
    return " ".join(
        f"{tag}{i} " + " ".join(f"w{i}x{j}" for j in range(words)) + "." for i in range(n)
    )
