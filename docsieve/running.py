"""Running headers and footers: text printed on many pages, dropped before chunking.

One owner, two passes, both here:

1. :func:`running_lines`, while a PDF is parsed: the first and last lines of
   each page, by their position on the page and their recurrence. The parser
   leaves them out of the document's elements.
2. :func:`running_segments`, when the chunkers cut a parsed document (any
   format) into segments: a short segment whose letters recur on many pages,
   such as "[***] Confidential treatment requested" printed on every page of an
   EDGAR exhibit, which the first pass cannot see (it sits mid-page, or the
   format has no page geometry). The chunker drops those spans from its chunks.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from typing import Protocol

from docsieve.text import PAGE_NUMBER, match_number
from docsieve.types import Element, ElementKind

_LETTERS = re.compile(r"[^\W\d_]")
_HEADER_ZONE = 0.12  # -- top/bottom fraction of the page that running lines live in --


class PageLine(Protocol):
    """A line of text on a page, as a PDF parser reads it (y grows down the page)."""

    @property
    def text(self) -> str: ...
    @property
    def y0(self) -> float: ...
    @property
    def y1(self) -> float: ...
    @property
    def block(self) -> int: ...
    @property
    def line_no(self) -> int: ...


def _running_key(text: str) -> str:
    return re.sub(r"\d+", "#", text.lower()).strip()


def running_lines(
    pages: Sequence[Sequence[PageLine]], heights: Sequence[float]
) -> set[tuple[int, int, int]]:
    """(page index, block, line) of running headers, footers and page numbers.

    Candidates are the first and last three lines of each page. In the top or
    bottom 12% of the page a line goes when it repeats (digits ignored) on at
    least half the pages, or looks like a page number. Elsewhere (EDGAR pages
    often sit mid-sheet) it needs three letters and the same text repeated, or to
    be among the page's first or last two lines and look like a page number.
    """
    drop: set[tuple[int, int, int]] = set()
    cands_by_page: list[list[tuple[PageLine, str, bool, bool]]] = []
    counts: Counter[str] = Counter()
    for lines, h in zip(pages, heights, strict=True):
        if not lines:
            cands_by_page.append([])
            continue
        ordered = sorted(lines, key=lambda ln: ln.y0)
        picked = {id(ln): ln for ln in ordered[:3] + ordered[-3:]}
        edge = {id(ln) for ln in ordered[:2] + ordered[-2:]}
        keyed = []
        for key_id, ln in picked.items():
            in_zone = ln.y1 <= h * _HEADER_ZONE or ln.y0 >= h * (1 - _HEADER_ZONE)
            # -- digits are ignored ("Page 3", dates) only in the margins, and never for a
            # -- numbered heading: "Section 2.1 Definitions" on each page is content --
            if in_zone and match_number(ln.text) is None:
                key = _running_key(ln.text)
            else:
                key = "=" + ln.text.lower()
            keyed.append((ln, key, in_zone, key_id in edge))
        cands_by_page.append(keyed)
        counts.update({k for _, k, _, _ in keyed})
    n = len(pages)
    need = max(2, math.ceil(n * 0.5))
    for pidx, keyed in enumerate(cands_by_page):
        for ln, key, in_zone, at_edge in keyed:
            repeated = n >= 2 and counts[key] >= need
            page_no = PAGE_NUMBER.match(ln.text) is not None
            if in_zone:
                gone = repeated or page_no
            else:
                gone = (repeated and len(_LETTERS.findall(key)) >= 3) or (
                    page_no and at_edge and n >= 2
                )
            if gone:
                drop.add((pidx, ln.block, ln.line_no))
    return drop


_DIGITS_ETC = re.compile(r"[^a-z]+")


def running_segments(text: str, segs: Sequence[tuple[Element, int, int]], n_pages: int) -> set[int]:
    """Indexes of short segments whose text recurs on many pages: running headers/footers."""
    if n_pages < 3:
        return set()
    where: dict[str, set[int]] = {}
    for el, s, e in segs:
        if e - s > 300 or el.kind == ElementKind.TABLE:
            continue
        key = _DIGITS_ETC.sub("", text[s:e].lower())
        if len(key) >= 10:
            where.setdefault(key, set()).add(el.page)
    need = max(3, math.ceil(0.4 * n_pages))
    hot = {k for k, pgs in where.items() if len(pgs) >= need}
    if not hot:
        return set()
    return {
        i
        for i, (el, s, e) in enumerate(segs)
        if e - s <= 300 and _DIGITS_ETC.sub("", text[s:e].lower()) in hot
    }
