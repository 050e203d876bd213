"""PDF parsing with PyMuPDF: paragraphs, headings, clause numbers, tables, pages.

One pass of ``page.get_text("dict")`` per page gives lines with font size and
weight; :mod:`parsers.pdf_layout` turns them into elements (headings, clause
numbers, paragraphs joined and de-hyphenated; running headers, footers and page
numbers dropped) and :mod:`parsers.pdf_tables` finds the tables, only on pages
that may hold one. This module opens and vets the file and reads its pages.

The document text is the kept elements joined by a blank line; every element
is a span of it. Damaged, encrypted and image-only files raise ``InputError``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from docsieve.errors import InputError
from docsieve.memory import release_free_memory
from docsieve.settings import Settings
from docsieve.types import ElementKind, ParsedDocument
from parsers.pdf_layout import PdfLine, assemble, build_items, line_records
from parsers.pdf_tables import Table, page_tables


def _import_pymupdf() -> Any:
    try:
        import pymupdf
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise ImportError("PDF parsing needs PyMuPDF: pip install pymupdf") from exc
    # -- MuPDF prints repair warnings to stderr; we read them ourselves instead --
    pymupdf.TOOLS.mupdf_display_errors(False)
    pymupdf.TOOLS.mupdf_display_warnings(False)
    return pymupdf


def _page_tree_count(doc: Any) -> int | None:
    try:
        kind, value = doc.xref_get_key(doc.pdf_catalog(), "Pages")
        if kind != "xref":
            return None
        kind, count = doc.xref_get_key(int(value.split()[0]), "Count")
        return int(count) if kind == "int" else None
    except Exception:  # -- no readable page tree: the caller treats None as unknown --
        return None


def open_pdf(path: Path, data: bytes, settings: Settings) -> Any:
    """Open and vet a PDF: corrupt, truncated, encrypted and oversized files raise."""
    pymupdf = _import_pymupdf()
    if b"%PDF-" not in data[:1024]:
        raise InputError("not a PDF: the file does not start with a %PDF header", path=path)
    pymupdf.TOOLS.reset_mupdf_warnings()
    try:
        doc = pymupdf.open(stream=data, filetype="pdf")
    except Exception as exc:
        raise InputError(f"corrupt PDF: PyMuPDF cannot open it ({exc})", path=path) from None
    try:
        if doc.needs_pass:
            raise InputError(
                "encrypted PDF: it needs a password to open", path=path, encrypted=True
            )
        n = doc.page_count
        has_eof = b"%%EOF" in data[-2048:]
        repaired = bool(getattr(doc, "is_repaired", False))
        declared = _page_tree_count(doc)
        if n == 0:
            why = "truncated or corrupt PDF" if repaired or not has_eof else "PDF"
            raise InputError(f"{why}: no readable pages", path=path)
        if n > settings.parse.max_pages:
            raise InputError(
                f"too many pages: {n} > max_pages {settings.parse.max_pages}",
                path=path,
                kind="limit",
            )
        if repaired:
            # -- MuPDF rebuilt the cross-reference table. A file cut short still opens and
            # -- yields part of its text: refuse it rather than pass half a contract --
            if not has_eof:
                raise InputError(
                    f"truncated PDF: the file ends before its %%EOF marker and had to be "
                    f"repaired ({n} page(s) recovered); refusing a possibly partial document",
                    path=path,
                )
            if declared is not None and declared != n:
                raise InputError(
                    f"damaged PDF: the page tree declares {declared} pages but {n} are "
                    f"readable after repair",
                    path=path,
                )
        return doc
    except BaseException:
        doc.close()
        raise


class PdfParser:
    """PDF via PyMuPDF ``get_text("dict")``; tables via ``find_tables`` where drawn."""

    name: ClassVar[str] = "pymupdf"
    media_types: ClassVar[dict[str, str]] = {".pdf": "application/pdf"}

    def __init__(self, table_finder: str = "grid") -> None:
        # -- "grid": our ruled-grid reader (default); "pymupdf": page.find_tables(), which
        # -- measured 0.5-2 s a page on this machine's loaded CPUs (see ADR 0002) --
        if table_finder not in ("grid", "pymupdf"):
            raise ValueError(f"table_finder must be 'grid' or 'pymupdf', not {table_finder!r}")
        self.table_finder = table_finder

    def parse(self, path: Path, data: bytes, settings: Settings) -> ParsedDocument:
        pymupdf = _import_pymupdf()
        doc = open_pdf(path, data, settings)
        flags = pymupdf.TEXT_PRESERVE_WHITESPACE | pymupdf.TEXT_MEDIABOX_CLIP
        warnings: list[str] = []
        try:
            if getattr(doc, "is_repaired", False):
                warnings.append(
                    "PDF was repaired by MuPDF (damaged cross-reference table); "
                    "its page count checks out"
                )
            pages: list[list[PdfLine]] = []
            heights: list[float] = []
            tables: list[list[Table]] = []
            image_pages: list[int] = []
            total_chars = 0
            for pno, page in enumerate(doc):
                try:
                    pd = page.get_text("dict", flags=flags)
                except Exception as exc:
                    raise InputError(
                        f"damaged PDF: page {pno + 1} cannot be read ({exc})", path=path
                    ) from None
                lines = line_records(pd)
                pages.append(lines)
                heights.append(pd["height"])  # -- the page rect's, without another call --
                found = (
                    page_tables(page, pd, lines, self.table_finder)
                    if settings.parse.detect_tables
                    else []
                )
                tables.append(found)
                chars = sum([len(ln.text) for ln in lines])
                total_chars += chars
                if chars < settings.parse.min_chars_per_page:
                    image_pages.append(pno + 1)
            n_pages = len(pages)
            if (
                total_chars < settings.parse.min_chars_per_page * n_pages
                and len(image_pages) == n_pages
            ):
                raise InputError(
                    f"no text layer: {n_pages} page(s) with under "
                    f"{settings.parse.min_chars_per_page} characters each; needs OCR",
                    path=path,
                    status="needs_ocr",
                )
            if image_pages:
                shown = ", ".join(map(str, image_pages[:20])) + (
                    " ..." if len(image_pages) > 20 else ""
                )
                warnings.append(
                    f"{len(image_pages)} page(s) without a text layer (may need OCR): {shown}"
                )
            mupdf_warn = pymupdf.TOOLS.mupdf_warnings()
            if mupdf_warn:
                warnings.append("MuPDF: " + mupdf_warn.replace("\n", "; ")[:300])
            items = build_items(pages, heights, tables)
            meta = doc.metadata or {}
        finally:
            doc.close()
            # -- MuPDF's page objects and a page dict per page were freed: give them back --
            release_free_memory()
        elements, text = assemble(items)
        title = next((e.text for e in elements if e.kind == ElementKind.TITLE), None)
        if not title and meta.get("title", "").strip():
            title = meta["title"].strip()
        return ParsedDocument(
            path=str(path),
            sha256="",
            media_type="application/pdf",
            parser=self.name,
            text=text,
            pages=n_pages,
            elements=elements,
            title=title,
            warnings=warnings,
        )
