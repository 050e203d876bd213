"""PDF parsing with PyMuPDF: paragraphs, headings, clause numbers, tables, pages.

One pass of ``page.get_text("dict")`` per page gives lines with font size and
weight. From them we find the body font size, heading candidates (larger or
bold short lines), clause numbers, running headers/footers and page numbers
(dropped; :func:`docsieve.running.running_lines`), and join the lines of a
paragraph (de-hyphenated). The table finder
(``find_tables``) costs ~140 ms a page or more, so tables are looked for only on
pages with >= 3 rows of side-by-side text lines whose raw content stream draws
>= 3 vertical and >= 3 horizontal rules (a scan of the bytes, well under 1 ms);
there our own grid reader takes the rules from ``get_cdrawings`` and puts the
text spans into cells. Underlines, clipping paths and white page backgrounds do
not count. ``PdfParser(table_finder="pymupdf")`` uses ``find_tables`` instead.

The document text is the kept elements joined by a blank line; every element
is a span of it. Damaged, encrypted and image-only files raise ``InputError``.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from docsieve.errors import InputError
from docsieve.running import running_lines
from docsieve.settings import Settings
from docsieve.text import PAGE_NUMBER, is_all_caps_heading, is_bullet, match_number
from docsieve.types import Element, ElementKind, ParsedDocument, TableRow

# -- drawing operators in a content stream: "re" rectangles, "l" line segments --
_DRAW_OPS = re.compile(rb"\s(re|l)(?=\s)")
_TABLE_MIN_OPS = 6  # -- 3 vertical + 3 horizontal rules at least --
_MAX_RULE = 1200.0  # -- longer "rules" are canvas borders (EDGAR pages window a tall canvas) --
_RULE_GAP = 30.0  # -- points between two pieces of one table's vertical rules --
_TWO_LETTERS = re.compile(r"[^\W\d_].*[^\W\d_]")
_EDGAR_NAV = ("QuickLinks -- Click here", "QuickLinks")
_SENT_END = (".", ":", ";", "!", "?", '"', "\u201d", ")")


@dataclass(slots=True)
class _Line:
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
class _Item:
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
                f"too many pages: {n} > max_pages {settings.parse.max_pages}", path=path
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


def _line_records(page_dict: dict[str, Any]) -> list[_Line]:
    out: list[_Line] = []
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
                _Line(text, y0, y1, x0, x1, round(best["size"] * 2) / 2, bool(bold), bno, lno)
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


def _is_heading_line(ln: _Line, body: float, alone: bool) -> bool:
    t = ln.text
    big = ln.size >= body + 1.0
    if len(t) > 120 or t.endswith((",", ";")) or not (big or ln.bold or alone):
        return False  # -- the cheap tests first: most lines are body text in a block --
    if len(t.split()) > 14:
        return False
    if big or (ln.bold and (alone or not t.endswith(".") or len(t.split()) <= 6)):
        return _TWO_LETTERS.search(t) is not None
    return alone and is_all_caps_heading(t)


def _aligned_rows(lines: list[_Line]) -> int:
    """Baselines shared by two or more text lines: a table's cells sit side by side.

    MuPDF splits a line at a wide gap, so cells of one row come out as separate
    lines with the same baseline. Checked first because it needs no extra PyMuPDF
    call (EDGAR "canvas" pages carry the whole document's drawings in every page's
    stream, which defeats the stream check below).
    """
    per_row = Counter(round(ln.y1) for ln in lines)
    return sum(1 for n in per_row.values() if n >= 2)


def _may_hold_table(stream: bytes) -> bool:
    """Cheap look at the raw content stream: enough drawing ops and >= 3 vertical rules.

    Vertical rules tell a table from underlined text, which only draws thin
    horizontal bars. Tables drawn in form XObjects are missed (see ADR 0002).
    """
    # -- an upper bound on the operators ("l" and "re" after a space): two passes over the
    # -- bytes instead of six; EDGAR streams run to megabytes --
    ops = stream.count(b" re") + stream.count(b" l")
    if ops < _TABLE_MIN_OPS:
        return False
    # -- distinct x (y) positions of vertical (horizontal) rules: a clipping rectangle
    # -- repeated on every page gives only two of each --
    xs: set[int] = set()
    ys: set[int] = set()
    for m in _DRAW_OPS.finditer(stream):
        toks = stream[max(0, m.start() - 80) : m.start()].split()
        try:
            if m.group(1) == b"re":
                if stream[m.end() : m.end() + 4].lstrip()[:1] == b"W":
                    continue  # -- a clipping rectangle, not a drawn rule --
                w, h = abs(float(toks[-2])), abs(float(toks[-1]))
                if w < 3 and 5 < h < _MAX_RULE:
                    xs.add(round(float(toks[-4])))
                elif h < 3 and 10 < w < _MAX_RULE:
                    ys.add(round(float(toks[-3])))
                elif 10 < w < _MAX_RULE and 5 < h < _MAX_RULE:
                    xs.add(round(float(toks[-4])))
                    ys.add(round(float(toks[-3])))
            elif len(toks) >= 5 and toks[-3] in (b"m", b"l"):
                dx = abs(float(toks[-5]) - float(toks[-2]))
                dy = abs(float(toks[-4]) - float(toks[-1]))
                if dx < 1 and 5 < dy < _MAX_RULE:
                    xs.add(round(float(toks[-2])))
                elif dy < 1 and 10 < dx < _MAX_RULE:
                    ys.add(round(float(toks[-1])))
        except (ValueError, IndexError):
            continue
        if len(xs) >= 3 and len(ys) >= 3:
            return True
    return False


def _rules(page: Any) -> tuple[list[tuple[float, float, float]], list[tuple[float, float, float]]]:
    """Horizontal (y, x0, x1) and vertical (x, y0, y1) rules drawn on the page.

    Page-sized boxes and white-filled shapes (backgrounds) are left out.
    """
    width, height = page.rect.width, page.rect.height
    hs: list[tuple[float, float, float]] = []
    vs: list[tuple[float, float, float]] = []
    for path in page.get_cdrawings():
        fill = path.get("fill")
        if fill is not None and min(fill) >= 0.95 and path.get("color") is None:
            continue
        for item in path["items"]:
            if item[0] == "l":
                (x0, y0), (x1, y1) = item[1], item[2]
                if abs(y0 - y1) < 1 and abs(x1 - x0) > 10:
                    hs.append((y0, min(x0, x1), max(x0, x1)))
                elif abs(x0 - x1) < 1 and abs(y1 - y0) > 5:
                    vs.append((x0, min(y0, y1), max(y0, y1)))
            elif item[0] == "re":
                x0, y0, x1, y1 = item[1]
                w, h = x1 - x0, y1 - y0
                if w > width * 0.95 and h > height * 0.9:
                    continue
                if h < 3 and w > 10:
                    hs.append(((y0 + y1) / 2, x0, x1))
                elif w < 3 and h > 5:
                    vs.append(((x0 + x1) / 2, y0, y1))
                elif w > 10 and h > 5:
                    hs.extend([(y0, x0, x1), (y1, x0, x1)])
                    vs.extend([(x0, y0, y1), (x1, y0, y1)])
    return hs, vs


def _merge(values: list[float], tol: float = 2.0) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if not out or v - out[-1] > tol:
            out.append(v)
    return out


def _grid_tables(
    page: Any,
    page_dict: dict[str, Any],
) -> list[tuple[tuple[float, float, float, float], list[list[str]]]]:
    """Ruled tables read from the drawn grid and the text spans inside its cells.

    A table is a group of vertical rules whose heights overlap, with the
    horizontal rules across them; it needs >= 2 rows and >= 2 columns. This is
    pymupdf's ``find_tables`` idea (lines strategy) at a fraction of its cost.
    """
    hs, vs = _rules(page)
    if len(vs) < 3 or len(hs) < 3:
        return []
    groups: list[list[tuple[float, float, float]]] = []
    reach = -1e9
    for v in sorted(vs, key=lambda t: t[1]):
        # -- rules are often drawn cell by cell, with gaps at the crossings --
        if groups and v[1] <= reach + _RULE_GAP:
            groups[-1].append(v)
            reach = max(reach, v[2])
        else:
            groups.append([v])
            reach = v[2]
    spans = [
        (sp["bbox"], sp["text"])
        for b in page_dict["blocks"]
        if b.get("type", 0) == 0
        for ln in b["lines"]
        for sp in ln["spans"]
        if sp["text"].strip()
    ]
    out = []
    for g in groups:
        xs = _merge([v[0] for v in g])
        y0, y1 = min(v[1] for v in g), max(v[2] for v in g)
        if len(xs) < 3:
            continue
        # -- a row rule may also come in pieces: it counts when its pieces cover half the width --
        cover: dict[int, float] = defaultdict(float)
        for hy, hx0, hx1 in hs:
            if y0 - 2 <= hy <= y1 + 2:
                cover[round(hy)] += max(0.0, min(hx1, xs[-1]) - max(hx0, xs[0]))
        ys = _merge([float(y) for y, c in cover.items() if c >= 0.5 * (xs[-1] - xs[0])] + [y0, y1])
        if len(ys) < 3:
            continue
        cells: list[list[list[str]]] = [[[] for _ in xs[:-1]] for _ in ys[:-1]]
        for (sx0, sy0, sx1, sy1), text in spans:
            cx, cy = (sx0 + sx1) / 2, (sy0 + sy1) / 2
            if not (xs[0] <= cx <= xs[-1] and ys[0] <= cy <= ys[-1]):
                continue
            r = min(bisect_right(ys, cy) - 1, len(ys) - 2)
            c = min(bisect_right(xs, cx) - 1, len(xs) - 2)
            cells[r][c].append(text.strip())
        rows = [[" ".join(" ".join(cell).split()) for cell in row] for row in cells]
        rows = [row for row in rows if any(row)]
        keep = [i for i in range(len(xs) - 1) if any(row[i] for row in rows)]
        rows = [[row[i] for i in keep] for row in rows]
        if len(rows) >= 2 and len(keep) >= 2:
            out.append(((xs[0], ys[0], xs[-1], ys[-1]), rows))
    return out


def _table_rows(table: Any) -> list[list[str]]:
    rows = []
    for row in table.extract():
        cells = [re.sub(r"\s+", " ", c or "").strip() for c in row]
        if any(cells):
            rows.append(cells)
    return rows


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
            pages: list[list[_Line]] = []
            heights: list[float] = []
            tables: list[list[tuple[tuple[float, float, float, float], list[list[str]]]]] = []
            image_pages: list[int] = []
            table_pages = 0
            total_chars = 0
            for pno, page in enumerate(doc):
                try:
                    pd = page.get_text("dict", flags=flags)
                except Exception as exc:
                    raise InputError(
                        f"damaged PDF: page {pno + 1} cannot be read ({exc})", path=path
                    ) from None
                lines = _line_records(pd)
                pages.append(lines)
                heights.append(pd["height"])  # -- the page rect's, without another call --
                found: list[tuple[tuple[float, float, float, float], list[list[str]]]] = []
                if settings.parse.detect_tables and _aligned_rows(lines) >= 3:
                    try:
                        stream = page.read_contents()
                    except Exception:  # -- unreadable stream: no table hint, text still counts --
                        stream = b""
                    if _may_hold_table(stream):
                        table_pages += 1
                        if self.table_finder == "pymupdf":
                            for t in page.find_tables().tables:
                                rows = _table_rows(t)
                                if len(rows) >= 2 and t.col_count >= 2:
                                    found.append((tuple(t.bbox), rows))
                        else:
                            found = _grid_tables(page, pd)
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
            items = self._build(pages, heights, tables)
            meta = doc.metadata or {}
        finally:
            doc.close()
        elements, text = _assemble(items)
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

    def _build(
        self,
        pages: list[list[_Line]],
        heights: list[float],
        tables: list[list[tuple[tuple[float, float, float, float], list[list[str]]]]],
    ) -> list[_Item]:
        sizes: Counter[float] = Counter()
        for lines in pages:
            for ln in lines:
                sizes[ln.size] += len(ln.text)
        body = sizes.most_common(1)[0][0] if sizes else 10.0
        drop_by_page: dict[int, set[tuple[int, int]]] = defaultdict(set)
        for pidx, bno, lno in running_lines(pages, heights):
            drop_by_page[pidx].add((bno, lno))
        items: list[_Item] = []
        for pidx, lines in enumerate(pages):
            page_no = pidx + 1
            page_tables = tables[pidx]
            blocks: dict[int, list[_Line]] = defaultdict(list)
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
            page_items: list[_Item] = []
            for blines in blocks.values():
                while pending and pending[0][0][1] <= blines[0].y0:
                    page_items.append(_Item(ElementKind.TABLE, [], page_no, rows=pending.pop(0)[1]))
                if blines[0].text.startswith(_EDGAR_NAV):
                    continue  # -- EDGAR's "QuickLinks -- Click here..." navigation line --
                if (
                    len(blines) == 1
                    and PAGE_NUMBER.match(blines[0].text)
                    and blines[0].text.strip("-\u2013\u2014 ").isdigit()
                ):
                    continue  # -- a lone page number printed mid-page (EDGAR text layouts) --
                page_items.extend(self._block_items(blines, body, page_no))
            page_items.extend(_Item(ElementKind.TABLE, [], page_no, rows=t[1]) for t in pending)
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

    def _block_items(self, blines: list[_Line], body: float, page_no: int) -> list[_Item]:
        out: list[_Item] = []
        alone = len(blines) == 1
        cur: _Item | None = None
        prev: _Line | None = None
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
                    cur = _Item(
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
                cur = _Item(
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


def _assign_levels(items: list[_Item], body: float) -> None:
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


def _assemble(items: list[_Item]) -> tuple[list[Element], str]:
    """Element texts joined by a blank line; each element and table row keeps its span."""
    chunks: list[str] = []
    elements: list[Element] = []
    pos = 0
    for it in items:
        rows: list[TableRow] | None = None
        if it.kind == ElementKind.TABLE:
            rows = []
            row_texts = []
            rpos = pos
            for cells in it.rows or []:
                rt = " | ".join(cells)
                rows.append(TableRow(cells=cells, start=rpos, end=rpos + len(rt)))
                row_texts.append(rt)
                rpos += len(rt) + 1
            text = "\n".join(row_texts)
        else:
            text = _dehyphen_join(it.parts)
        if not text:
            continue
        if chunks:
            chunks.append("\n\n")
            pos += 2
            if rows:
                for r in rows:
                    r.start += 2
                    r.end += 2
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
