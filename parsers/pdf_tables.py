"""PDF tables: where to look for them, and how to read a ruled grid.

The table finder of PyMuPDF (``find_tables``) costs ~140 ms a page or more, so
tables are looked for only on pages with >= 3 rows of side-by-side text lines
whose raw content stream draws >= 3 vertical and >= 3 horizontal rules (a scan
of the bytes, well under 1 ms); there our own grid reader takes the rules from
``get_cdrawings`` and puts the text spans into cells. Underlines, clipping paths
and white page backgrounds do not count. ``finder="pymupdf"`` uses
``find_tables`` instead (see ADR 0002).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any, Protocol

# -- drawing operators in a content stream: "re" rectangles, "l" line segments --
_DRAW_OPS = re.compile(rb"\s(re|l)(?=\s)")
_TABLE_MIN_OPS = 6  # -- 3 vertical + 3 horizontal rules at least --
_MAX_RULE = 1200.0  # -- longer "rules" are canvas borders (EDGAR pages window a tall canvas) --
_RULE_GAP = 30.0  # -- points between two pieces of one table's vertical rules --

# -- a table: its bounding box (x0, y0, x1, y1) and its rows of cell texts --
Table = tuple[tuple[float, float, float, float], list[list[str]]]


class Baseline(Protocol):
    """A text line on the page; only its bottom edge matters here."""

    @property
    def y1(self) -> float: ...


def page_tables(
    page: Any, page_dict: dict[str, Any], lines: Sequence[Baseline], finder: str
) -> list[Table]:
    """The tables of one page, looked for only where the cheap hints say one may be."""
    if _aligned_rows(lines) < 3:
        return []
    try:
        stream = page.read_contents()
    except Exception:  # -- unreadable stream: no table hint, text still counts --
        stream = b""
    if not _may_hold_table(stream):
        return []
    if finder == "pymupdf":
        found: list[Table] = []
        for t in page.find_tables().tables:
            rows = _table_rows(t)
            if len(rows) >= 2 and t.col_count >= 2:
                found.append((tuple(t.bbox), rows))
        return found
    return _grid_tables(page, page_dict)


def _aligned_rows(lines: Sequence[Baseline]) -> int:
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
) -> list[Table]:
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
