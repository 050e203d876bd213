"""PDF layout: PyMuPDF's text lines into paragraphs, headings, list items and tables.

:func:`line_records` reads the lines of one page's ``get_text("dict")`` with
their font size and weight; :func:`build_items` finds the body font size,
heading candidates (larger or bold short lines) and clause numbers, drops
running headers and footers (:func:`docsieve.running.running_lines`), puts the
tables found on each page in reading order and joins the lines of a paragraph,
also over a page break; :func:`assemble` joins the items' texts by a blank line
into the document text, each element a span of it.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from docsieve.running import running_lines
from docsieve.text import PAGE_NUMBER, is_all_caps_heading, is_bullet, match_number
from docsieve.types import Element, ElementKind, TableRow
from parsers.pdf_tables import Table

_TWO_LETTERS = re.compile(r"[^\W\d_].*[^\W\d_]")
_EDGAR_NAV = ("QuickLinks -- Click here", "QuickLinks")
_SENT_END = (".", ":", ";", "!", "?", '"', "\u201d", ")")


@dataclass(slots=True)
class PdfLine:
    """One text line of a page, with its box, font size and weight."""

    text: str
    y0: float
    y1: float
    x0: float
    x1: float
    size: float
    bold: bool
    block: int
    line_no: int


@dataclass
class PdfItem:
    """An element under construction, before offsets are known."""

    kind: ElementKind
    parts: list[str]
    page: int
    page_end: int | None = None
    level: int | None = None
    number: str | None = None
    rows: list[list[str]] | None = None
    size: float = 0.0
    meta: dict[str, Any] = field(default_factory=dict)


def line_records(page_dict: dict[str, Any]) -> list[PdfLine]:
    """The non-empty text lines of one page's ``get_text("dict")``."""
    out: list[PdfLine] = []
    for bno, block in enumerate(page_dict["blocks"]):
        if block.get("type", 0) != 0:
            continue
        for lno, line in enumerate(block["lines"]):
            spans = line["spans"]
            # -- hot loop (every line of every page): one span is the common case --
            if len(spans) == 1:
                best = spans[0]
                text = " ".join(best["text"].split())
                if not text:
                    continue
                bold = bool(best["flags"] & 16) or "Bold" in best["font"]
            else:
                text = " ".join("".join([s["text"] for s in spans]).split())
                if not text:
                    continue
                # -- the line's size and weight are those of most of its characters --
                best = max(spans, key=lambda s: len(s["text"].strip()))
                bold = all(
                    (s["flags"] & 16) or "Bold" in s["font"] or "Black" in s["font"]
                    for s in spans
                    if s["text"].strip()
                )
            x0, y0, x1, y1 = line["bbox"]
            out.append(
                PdfLine(text, y0, y1, x0, x1, round(best["size"] * 2) / 2, bool(bold), bno, lno)
            )
    return out


def _dehyphen_join(lines: list[str]) -> str:
    out = ""
    for ln in lines:
        if not out:
            out = ln
        elif out.endswith("-") and len(out) > 1 and out[-2].isalpha() and ln[:1].islower():
            out = out[:-1] + ln
        else:
            out = out + " " + ln
    return out


def _is_heading_line(ln: PdfLine, body: float, alone: bool) -> bool:
    t = ln.text
    big = ln.size >= body + 1.0
    if len(t) > 120 or t.endswith((",", ";")) or not (big or ln.bold or alone):
        return False  # -- the cheap tests first: most lines are body text in a block --
    if len(t.split()) > 14:
        return False
    if big or (ln.bold and (alone or not t.endswith(".") or len(t.split()) <= 6)):
        return _TWO_LETTERS.search(t) is not None
    return alone and is_all_caps_heading(t)


def build_items(
    pages: list[list[PdfLine]],
    heights: list[float],
    tables: list[list[Table]],
) -> list[PdfItem]:
    """The items of all pages in reading order, running lines and table text left out."""
    sizes: Counter[float] = Counter()
    for lines in pages:
        for ln in lines:
            sizes[ln.size] += len(ln.text)
    body = sizes.most_common(1)[0][0] if sizes else 10.0
    drop_by_page: dict[int, set[tuple[int, int]]] = defaultdict(set)
    for pidx, bno, lno in running_lines(pages, heights):
        drop_by_page[pidx].add((bno, lno))
    items: list[PdfItem] = []
    for pidx, lines in enumerate(pages):
        page_no = pidx + 1
        page_tables = tables[pidx]
        blocks: dict[int, list[PdfLine]] = defaultdict(list)
        page_drop = drop_by_page.get(pidx)
        for ln in lines:
            if page_drop and (ln.block, ln.line_no) in page_drop:
                continue
            if page_tables:
                cx, cy = (ln.x0 + ln.x1) / 2, (ln.y0 + ln.y1) / 2
                if any(b[0] <= cx <= b[2] and b[1] <= cy <= b[3] for b, _ in page_tables):
                    continue
            blocks[ln.block].append(ln)
        pending = sorted(page_tables, key=lambda t: t[0][1])
        page_items: list[PdfItem] = []
        for blines in blocks.values():
            while pending and pending[0][0][1] <= blines[0].y0:
                page_items.append(PdfItem(ElementKind.TABLE, [], page_no, rows=pending.pop(0)[1]))
            if blines[0].text.startswith(_EDGAR_NAV):
                continue  # -- EDGAR's "QuickLinks -- Click here..." navigation line --
            if (
                len(blines) == 1
                and PAGE_NUMBER.match(blines[0].text)
                and blines[0].text.strip("-\u2013\u2014 ").isdigit()
            ):
                continue  # -- a lone page number printed mid-page (EDGAR text layouts) --
            page_items.extend(_block_items(blines, body, page_no))
        page_items.extend(PdfItem(ElementKind.TABLE, [], page_no, rows=t[1]) for t in pending)
        # -- a paragraph that runs over the page break continues in lower case --
        if (
            items
            and page_items
            and items[-1].kind == ElementKind.PARAGRAPH
            and page_items[0].kind == ElementKind.PARAGRAPH
            and not items[-1].parts[-1].endswith(_SENT_END)
            and page_items[0].parts[0][:1].islower()
        ):
            items[-1].parts.extend(page_items.pop(0).parts)
            items[-1].page_end = page_no
        items.extend(page_items)
    _assign_levels(items, body)
    return items


def _block_items(blines: list[PdfLine], body: float, page_no: int) -> list[PdfItem]:
    out: list[PdfItem] = []
    alone = len(blines) == 1
    cur: PdfItem | None = None
    prev: PdfLine | None = None
    for ln in blines:
        num = match_number(ln.text)
        if (
            num is not None
            and cur is not None
            and cur.kind != ElementKind.HEADING
            and not cur.parts[-1].endswith(_SENT_END)
        ):
            num = None  # -- "(10) days" continuing a sentence is not a new clause --
        heading = _is_heading_line(ln, body, alone)
        if heading and not alone and num is None and ln.size < body + 1.0 and not ln.bold:
            heading = False
        if heading and num is not None and num.list_like and ln.size < body + 1.0:
            heading = False
        if heading:
            if (
                cur is not None
                and cur.kind == ElementKind.HEADING
                and prev is not None
                and prev.size == ln.size
                and prev.bold == ln.bold
                and num is None
            ):
                cur.parts.append(ln.text)  # -- a heading wrapped over two lines --
            else:
                cur = PdfItem(
                    ElementKind.HEADING,
                    [ln.text],
                    page_no,
                    size=ln.size,
                    number=num.number if num else None,
                    level=num.level if num else None,
                )
                out.append(cur)
        elif (
            cur is None
            or cur.kind == ElementKind.HEADING
            or num is not None
            or is_bullet(ln.text)
            or (
                prev is not None
                and ln.y0 - prev.y1 > (prev.y1 - prev.y0) * 0.9
                and cur.parts[-1].endswith(_SENT_END)
            )
        ):
            list_like = (num is not None and num.list_like) or is_bullet(ln.text)
            cur = PdfItem(
                ElementKind.LIST_ITEM if list_like else ElementKind.PARAGRAPH,
                [ln.text],
                page_no,
                size=ln.size,
                number=num.number if num else None,
                level=num.level if num else None,
            )
            out.append(cur)
        else:
            cur.parts.append(ln.text)
        prev = ln
    return out


def _assign_levels(items: list[PdfItem], body: float) -> None:
    """Unnumbered headings get a level from their size rank; the first unnumbered heading
    near the top of page 1 is the title."""
    head_sizes = sorted({it.size for it in items if it.kind == ElementKind.HEADING}, reverse=True)
    rank = {s: i + 1 for i, s in enumerate(head_sizes[:4])}
    for it in items:
        if it.kind == ElementKind.HEADING and it.level is None:
            it.level = rank.get(it.size, len(rank) + 1)
    for it in items[:8]:
        if it.page != 1:
            break
        if it.kind == ElementKind.HEADING and it.number is None:
            it.kind = ElementKind.TITLE
            it.level = 0
            break


def assemble(items: list[PdfItem]) -> tuple[list[Element], str]:
    """Element texts joined by a blank line; each element and table row keeps its span."""
    chunks: list[str] = []
    elements: list[Element] = []
    pos = 0
    for it in items:
        row_texts = [" | ".join(cells) for cells in it.rows or []]
        text = "\n".join(row_texts) if it.kind == ElementKind.TABLE else _dehyphen_join(it.parts)
        if not text:
            continue
        if chunks:
            chunks.append("\n\n")
            pos += 2
        rows: list[TableRow] | None = None
        if it.kind == ElementKind.TABLE:
            rows = []
            rpos = pos
            for cells, rt in zip(it.rows or [], row_texts, strict=True):
                rows.append(TableRow(cells=cells, start=rpos, end=rpos + len(rt)))
                rpos += len(rt) + 1
        elements.append(
            Element(
                kind=it.kind,
                text=text,
                page=it.page,
                page_end=it.page_end,
                start=pos,
                end=pos + len(text),
                level=it.level,
                number=it.number,
                rows=rows,
                meta=it.meta,
            )
        )
        chunks.append(text)
        pos += len(text)
    return elements, "".join(chunks)
