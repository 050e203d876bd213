"""Re-derive a document's section structure from the text of its elements.

The parser's heading detection is a hint, not the truth: PDF contracts often
set clause numbers in body text ("5.2 Term. The term of ..."), or run several
clauses into one text block. This module cuts elements into *blocks* at
paragraph breaks and at lines that open a clause, joins what the parser cut
mid-sentence, drops running text (:func:`docsieve.running.running_segments`)
and has :class:`~chunkers.classifier.Classifier` rank each block.
:class:`PageMap` gives the page of any offset.
"""

from __future__ import annotations

import itertools
import re
from bisect import bisect_right
from dataclasses import dataclass

from docsieve.running import running_segments
from docsieve.text import (
    CLAUSE_OPENER,
    LEADING_MARKER,
    collapse_whitespace,
    is_mostly_caps_heading,
)
from docsieve.types import Element, ElementKind, ParsedDocument, TableRow

from .classifier import SUBCLAUSE_RANK, Classifier, Profile

# -- a paragraph break inside an element: a line holding only whitespace --
_BLANK_LINE = re.compile(r"\n[ \t\xa0\u2000-\u200b]*\n")
_LINE_START = re.compile(r"\n[ \t\xa0]*(?=\S)")
_CLOSED_END = re.compile(r"""[.!?:;][\s"'”\u2019)\]*]*$|\b(?:and|or)$""", re.IGNORECASE)
_SENT_END = re.compile(r"""[.!?][\s"'”\u2019)\]*]*$""")


@dataclass
class Block:
    """A run of document text that is never split except on sentence boundaries."""

    start: int
    end: int
    page: int
    page_end: int
    kind: str  # heading | text | table
    rank: int | None = None
    label: str | None = None
    role: str | None = None
    rows: list[TableRow] | None = None
    closed: bool = True  # -- ends a sentence: a chunk may end after it --
    # -- ends inside a sentence (a comma, a word): only the next block can finish it --
    open_end: bool = False
    tokens: int = 0
    exact: bool = True  # -- ``tokens`` is the exact count of the block's text --


# -- splitting elements into blocks --------------------------------------------------------


def _split_points(text: str) -> list[int]:
    """Offsets in ``text`` where a new block starts (excluding 0)."""
    points: set[int] = {m.end() for m in _BLANK_LINE.finditer(text)}
    lines = list(_LINE_START.finditer(text))
    for m in lines:
        pos = m.end()
        prev = text[: m.start()].rstrip()
        if not prev:
            continue
        prev_line = prev.rsplit("\n", 1)[-1].strip()
        rest = text[pos : pos + 60]
        if CLAUSE_OPENER.match(rest) and _CLOSED_END.search(prev_line):
            points.add(pos)
        elif (
            is_mostly_caps_heading(prev_line)
            and not prev_line.endswith((",", ";"))
            and len(prev_line) < 80
            and not _CLOSED_END.search(prev_line)
        ):
            # -- an ALL-CAPS heading line on top of its paragraph --
            line_start = prev.rfind("\n") + 1
            if line_start > 0:
                points.add(line_start)
            points.add(pos)
    return sorted(p for p in points if 0 < p < len(text))


class PageMap:
    """Page of a character offset, from the elements' pages and spans.

    Inside an element that runs over pages, the parser may record where each
    further page begins: ``meta["page_breaks"]``, offsets relative to the
    element's start. Without them the page is interpolated by position.
    """

    def __init__(self, doc: ParsedDocument) -> None:
        els = sorted(doc.elements, key=lambda e: e.start)
        self._starts = [e.start for e in els]
        self._els = els

    def page(self, offset: int) -> int:
        i = bisect_right(self._starts, offset) - 1
        if i < 0:
            return 1
        e = self._els[i]
        if offset >= e.end and i + 1 < len(self._els):
            # -- the separator between two elements belongs to the next one's page --
            return self._els[i + 1].page
        if e.page_end and e.page_end > e.page and e.end > e.start:
            breaks = e.meta.get("page_breaks") if e.meta else None
            if isinstance(breaks, list) and breaks:
                return min(e.page_end, e.page + bisect_right(breaks, offset - e.start))
            # -- an element running over pages: interpolate by position --
            frac = min(1.0, max(0.0, (offset - e.start) / (e.end - e.start)))
            return e.page + int(frac * (e.page_end - e.page + 1) - 1e-9)
        return e.page


def derive_blocks(
    doc: ParsedDocument, profile: Profile
) -> tuple[list[Block], list[tuple[int, int]]]:
    """The blocks of ``doc``'s body elements, in order, with rank, label and role.

    Also returns the spans of *running text* dropped on top of the parser's
    headers and footers: a short block whose text (digits aside) recurs on at
    least 40% of the pages, 3 or more, such as "[***] Confidential treatment
    requested" printed on every page.
    """
    text = doc.text
    pages = PageMap(doc)
    # -- pass 1: segments (element, start, end) --
    segs: list[tuple[Element, int, int]] = []
    for el in doc.body_elements():
        if el.end <= el.start:
            continue
        if el.kind == ElementKind.TABLE or el.kind in (ElementKind.HEADING, ElementKind.TITLE):
            segs.append((el, el.start, el.end))
            continue
        raw = text[el.start : el.end]
        bounds = [0, *_split_points(raw), len(raw)]
        for a, b in itertools.pairwise(bounds):
            seg = raw[a:b]
            lead = len(seg) - len(seg.lstrip())
            trail = len(seg.rstrip())
            if trail > lead:
                segs.append((el, el.start + a + lead, el.start + a + trail))
    running = running_segments(text, segs, doc.pages)
    # -- pass 2: classify, and join what the parser cut mid-sentence --
    markdown = "markdown" in doc.media_type
    classifier = Classifier(profile, trust_levels=markdown)
    blocks: list[Block] = []
    dropped: list[tuple[int, int]] = []
    for i, (el, s, e) in enumerate(segs):
        if i in running:
            dropped.append((s, e))
            continue
        if el.kind == ElementKind.TABLE:
            blocks.append(
                Block(s, e, el.page, el.last_page, "table", rows=el.rows or None, closed=True)
            )
            continue
        is_heading = el.kind in (ElementKind.HEADING, ElementKind.TITLE)
        body = text[s:e]
        prev = blocks[-1] if blocks else None
        # -- Markdown marks its headings ('#', a bold line): those are never demoted --
        explicit = markdown and (is_heading or body.lstrip().startswith(("#", "**", "__")))
        if (
            prev is not None
            and prev.kind == "text"
            and not explicit
            and _continues(text, prev, body)
            and (not _has_marker(body) or _citation(text, prev, body))
        ):
            # -- a parser "heading" or an ALL-CAPS line that finishes the sentence above
            #    is body text --
            is_heading = False
            rank, label, role = None, None, None
        else:
            rank, label, role = classifier.classify(body, is_heading, el.level)
        kind = (
            "heading"
            if is_heading or (rank is not None and rank < SUBCLAUSE_RANK and _is_heading_only(body))
            else "text"
        )
        pg = pages.page(s) if el.last_page > el.page else el.page
        pe = pages.page(e - 1) if el.last_page > el.page else el.last_page
        closed = kind != "heading" and bool(_SENT_END.search(body))
        prev = blocks[-1] if blocks else None
        if (
            prev is not None
            and prev.kind == "text"
            and kind == "text"
            and rank is None
            and _continues(text, prev, body)
        ):
            # -- the parser broke a sentence (page break, a line starting '12.02 above',
            #    an ALL-CAPS or bold line taken for a heading): the same block goes on --
            prev.end = e
            prev.page_end = max(prev.page_end, pe, pg)
            prev.closed = closed
            prev.open_end = _is_open(body)
            continue
        blocks.append(
            Block(
                s,
                e,
                pg,
                max(pg, pe),
                kind,
                rank,
                label,
                role,
                closed=closed,
                open_end=kind == "text" and _is_open(body),
            )
        )
    return blocks, dropped


# -- a block ending like this stops mid-sentence: a word, a comma, an open bracket --
_MID_SENTENCE = re.compile(r"(?:[A-Za-z0-9,(\[\-\u2013§&]|,[\"'\u201d\u2019]+)\s*$")
# -- a citation cut at a page break: "45 C.F.R." / "Code §§" then "Parts 160", "§820" --
_ABBREV_END = re.compile(r"(?:\b(?:[A-Z]\.){2,}|\b(?:No|Nos|Sec|Art|Para|Code|Stat|Reg)\.)\s*$")
_CITATION_GOES_ON = re.compile(r"\s*(?:§|\d|Parts?\s+\d|[a-z])")
_LIST_JOIN = re.compile(r"[;:]\s*(?:and|or)\s*$")


# -- a comma, '&', or a word no sentence ends on ("by and among"): never a chunk's end --
_OPEN_END = re.compile(
    r"(?:[,(\[§&]|,[\"'\u201d\u2019]+|(?:^|\s)(?:and|or|between|among|of|to|"
    r"by|with|the|a|an|for|in|from|that|which|than|under|per))\s*$"
)
_FINAL = re.compile(r"[.!?:;]\W*$")


def _is_open(body: str) -> bool:
    """Text that stops inside a sentence: after a comma or a connective, not after '; and'."""
    tail = body[-40:]
    return bool(_OPEN_END.search(tail)) and not _LIST_JOIN.search(tail)


def _has_marker(body: str) -> bool:
    """``body`` opens with a clause, list or section marker of its own."""
    return bool(LEADING_MARKER.match(body))


def _continues(text: str, prev: Block, body: str) -> bool:
    """``body`` goes on with the sentence that the text block ``prev`` left open.

    Either ``prev`` stops mid-sentence (a word, a comma, an open bracket, '§';
    four words or more and no ALL-CAPS heading), or it stops at a citation
    abbreviation ("45 C.F.R.") that ``body`` goes on with ("Parts 160", "§820"),
    or ``body`` opens in lower case (or with '&') after text without final
    punctuation.
    """
    tail = text[max(prev.start, prev.end - 40) : prev.end]
    if (
        _MID_SENTENCE.search(tail)
        and not _LIST_JOIN.search(tail)
        and len(tail.split()) >= 4
        and not is_mostly_caps_heading(text[prev.start : prev.end])
    ):
        return True
    head = body.lstrip()[:1]
    if _citation(text, prev, body):
        return True
    return (head.islower() or head == "&") and not _FINAL.search(tail)


def _citation(text: str, prev: Block, body: str) -> bool:
    """``prev`` ends in a citation ("45 C.F.R.", "Code §§") that ``body`` completes."""
    tail = text[max(prev.start, prev.end - 40) : prev.end]
    return bool(
        (_ABBREV_END.search(tail) or tail.rstrip().endswith("§")) and _CITATION_GOES_ON.match(body)
    )


def _is_heading_only(body: str) -> bool:
    """A marker line with a short title and no sentence: 'ARTICLE 5 TERM', '5.2 Fees.'."""
    if len(body) > 120:
        return False
    t = collapse_whitespace(body)
    if len(t.split()) > 12 or t.endswith((":", ";", ",")) or re.search(r"\b(?:and|or)$", t):
        return False
    # -- one sentence-like break inside means a title followed by text --
    return not re.search(r"[a-z\)][.!?]\s+\S", t)
