"""Re-derive a document's section structure from the text of its elements.

The parser's heading detection is a hint, not the truth: PDF contracts often
set clause numbers in body text ("5.2 Term. The term of ..."), or run several
clauses into one text block. This module cuts elements into *blocks* at
paragraph breaks and at lines that open a clause, and gives each block a
*rank* (how high it sits in the hierarchy) from its leading marker:

====  =======================================================
rank  markers
====  =======================================================
0     EXHIBIT / SCHEDULE / ANNEX / APPENDIX / ATTACHMENT
1     ARTICLE IV, PART 2, uniform contract format SECTION A-M
2     Section 5, ``5.``, ALL-CAPS headings
3-5   ``5.2``, ``5.2.1``, ``5.2.1.1`` (and ``C.2``, ``L.2.1``)
6     ``(a)``, ``a.``
7     ``(iv)``, ``iv.``
8     ``(A)``, ``(1)``
====  =======================================================

Blocks without a marker are body text (rank ``None``). A :class:`Profile`
says which markers a document type honours and which roles (definitions,
recitals, signature, deadline...) it recognises.
"""

from __future__ import annotations

import itertools
import re
from bisect import bisect_right
from dataclasses import dataclass

from docsieve.running import running_segments
from docsieve.text import (
    ARTICLE_MARKER,
    CLAUSE_OPENER,
    DOTTED_LETTER_MARKER,
    EXHIBIT_MARKER,
    LEADING_MARKER,
    LETTER_NUMBER_MARKER,
    NUMBER_MARKER,
    PAREN_MARKER,
    ROMAN_NUMERAL,
    SECTION_MARKER,
    UCF_MARKER,
    is_mostly_caps_heading,
)
from docsieve.types import Element, ElementKind, ParsedDocument, TableRow

SUBCLAUSE_RANK = 6  # -- ranks from here down are sub-clauses: kept with their clause --

_WS = re.compile(r"\s+")
# -- a paragraph break inside an element: a line holding only whitespace --
_BLANK_LINE = re.compile(r"\n[ \t\xa0\u2000-\u200b]*\n")
_LINE_START = re.compile(r"\n[ \t\xa0]*(?=\S)")
_CLOSED_END = re.compile(r"""[.!?:;][\s"'”\u2019)\]*]*$|\b(?:and|or)$""", re.IGNORECASE)
_SENT_END = re.compile(r"""[.!?][\s"'”\u2019)\]*]*$""")

_DEFINITION = re.compile(
    r"""^["“']?[A-Z][^"”]{0,80}["”']\s*(?:\([^)]*\)\s*)?(?:shall\s+)?"""
    r"""(?:mean|means|has the meaning|shall have|refers|includes)\b"""
)
_DEADLINE_WORDS = re.compile(
    r"\b(due|deadline|no later than|not later than|closing date|"
    r"must be (?:received|submitted)|submitted by|submission date)\b",
    re.IGNORECASE,
)
_DATE_TIME = re.compile(
    r"\b(?:\d{1,2}:\d{2}|\d{1,2}\s*(?:a\.?m\.?|p\.?m\.?)|"
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2}|"
    r"\d{1,2}/\d{1,2}/\d{2,4})\b",
    re.IGNORECASE,
)

_UCF_ROLES = {"B": "pricing", "C": "sow", "L": "instructions", "M": "evaluation"}
_LABEL_ROLES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\bdefinitions?\b|\binterpretation\b", re.I), "definitions"),
    (re.compile(r"\brecitals?\b|\bbackground\b|\bpreamble\b", re.I), "recitals"),
    (
        re.compile(r"\binstructions?\b|\bsubmi(?:ssion|ttal)s?\b|\bproposal preparation\b", re.I),
        "instructions",
    ),
    (re.compile(r"\bevaluation\b|\bbasis (?:of|for) award\b", re.I), "evaluation"),
    (
        re.compile(
            r"\bstatement of (?:work|objectives)\b|\bperformance work statement\b|"
            r"\bscope of work\b|\bPWS\b|\bSOW\b|\bSOO\b",
            re.I,
        ),
        "sow",
    ),
    (
        re.compile(r"\bdeadlines?\b|\bschedule of events\b|\bimportant dates\b|\btimeline\b", re.I),
        "deadline",
    ),
]


@dataclass(frozen=True)
class Profile:
    """What one document type honours when deriving structure."""

    name: str
    articles: bool = True  # ARTICLE / PART
    ucf: bool = False  # uniform contract format SECTION A-M, C.1, L.2.3
    legal_roles: bool = False  # definitions, recitals, signature blocks
    rfp_roles: bool = False  # instructions, evaluation, SOW, deadlines, requirements
    caps_headings: bool = True
    # -- role whose node is kept whole when it fits, rather than split into its clauses --
    intact_roles: frozenset[str] = frozenset()


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


def _clean(s: str) -> str:
    return _WS.sub(" ", s).strip()


def _short_label(number: str, rest: str, limit: int = 8) -> str:
    """``number`` plus a title: the text up to the first period if short, else a few words."""
    rest = _clean(rest[:240])
    head = re.split(r"(?<=[a-z\)])[.:](?:\s|$)", rest, maxsplit=1)[0]
    words = head.split()
    if len(words) > limit:
        head = " ".join(words[:limit]) + "…"
    return f"{number} {head}".strip() if number else head


_MD_LEAD = re.compile(r"^(?:[\s#>]|<!--.*?-->)+")


def _depth_rank(number: str) -> int:
    """Rank of a clause number: '5' -> 2, '5.2' -> 3, '5.2.1' -> 4; '1.0' counts as '1'."""
    parts = number.split(".")
    while len(parts) > 1 and parts[-1] in ("0", "00"):
        parts.pop()
    return 2 + min(len(parts) - 1, 3)


class Classifier:
    """Gives blocks their rank, label and role under one profile."""

    def __init__(self, profile: Profile, trust_levels: bool = False) -> None:
        self.p = profile
        self.trust_levels = trust_levels
        self._last_letter = ""
        self._seen_clause = False

    def classify(
        self, text: str, is_heading: bool, level: int | None
    ) -> tuple[int | None, str | None, str | None]:
        """``(rank, label, role)`` of a block whose text is ``text``."""
        out = self._classify(text, is_heading, level)
        if out[0] is not None and 1 <= out[0] < SUBCLAUSE_RANK:
            self._seen_clause = True
        return out

    def _classify(
        self, text: str, is_heading: bool, level: int | None
    ) -> tuple[int | None, str | None, str | None]:
        bold = text.lstrip("#> \t").startswith(("**", "__"))
        t = _MD_LEAD.sub("", text).replace("**", "").replace("__", "").strip()
        rank, label, role = self._classify_plain(t, is_heading, level)
        if (
            role is None
            and self.p.rfp_roles
            and not is_heading
            and _DEADLINE_WORDS.search(t)
            and _DATE_TIME.search(t)
        ):
            role = "deadline"  # -- kept intact: never split away from its clause --
        if self.trust_levels and rank is not None:
            if is_heading and level:
                # -- Markdown says how deep a heading is; believe it --
                rank = max(1, min(level, 5))
            elif not is_heading and 2 <= rank < SUBCLAUSE_RANK and not bold:
                # -- a numbered list item in Markdown sits under the heading above it --
                rank = min(8, SUBCLAUSE_RANK + rank - 2)
        return rank, label, role

    def _classify_plain(
        self, t: str, is_heading: bool, level: int | None
    ) -> tuple[int | None, str | None, str | None]:
        p = self.p
        first = t.split("\n", 1)[0].strip()
        short = len(t) < 160 and t.count("\n") <= 2
        role: str | None = None
        # -- an EDGAR filing label ("Exhibit 10.11") above the title is no exhibit section --
        if (
            (m := EXHIBIT_MARKER.match(first))
            and (short or is_heading)
            and self._seen_clause
            and not re.fullmatch(r"\d+\.\d+[A-Za-z]?", m.group(2))
            and not (m.group(3) or "")[:1].islower()
            and len(t.split()) <= 14
        ):
            kind = m.group(1).lower()
            role = "schedule" if kind in ("schedule", "annex", "appendix") else "exhibit"
            return 0, _clean(first)[:80], role
        if p.articles and (m := ARTICLE_MARKER.match(first)):
            label = _short_label(f"{m.group(1).upper()} {m.group(2)}", m.group(3))
            return 1, label, self._label_role(label)
        if p.ucf and (m := UCF_MARKER.match(first)):
            letter = m.group(1).upper()
            label = _short_label(f"SECTION {letter}", m.group(2))
            return 1, label, _UCF_ROLES.get(letter) or self._label_role(label)
        if p.legal_roles:
            up = t[:40].upper()
            if up.startswith("IN WITNESS WHEREOF") or (
                short and re.match(r"^(signatures?|signature page|executed by)\b", first, re.I)
            ):
                return 1, "Signatures", "signature"
            if short and re.match(r"^(recitals|background|witnesseth)\b", first, re.I):
                return 2, _clean(first)[:60], "recitals"
            if up.startswith("WHEREAS"):
                return None, None, "recitals"
            if _DEFINITION.match(t):
                return None, None, "definitions"
        if m := SECTION_MARKER.match(first):
            number = m.group(1)
            label = _short_label(f"Section {number}", m.group(2))
            return _depth_rank(number), label, self._label_role(label)
        if p.ucf and (m := LETTER_NUMBER_MARKER.match(t)):
            number = m.group(1)
            label = _short_label(number, m.group(2))
            return _depth_rank(number), label, self._label_role(label)
        if m := NUMBER_MARKER.match(t):
            number = m.group(1)
            rest = m.group(2)
            if not rest or rest[0].isupper() or rest[0] in "(\"“'[*_":
                label = _short_label(number, rest)
                return _depth_rank(number), label, self._label_role(label)
        if m := (PAREN_MARKER.match(t) or DOTTED_LETTER_MARKER.match(t)):
            tag = m.group(1)
            rest = m.group(2).lstrip()
            if tag.isdigit() and rest[:1].islower():
                # -- "thirty\n(30) days": a number in words, not a clause marker --
                return None, None, None
            rank = self._paren_rank(tag)
            return rank, _short_label(f"({tag})", m.group(2)), None
        if is_heading:
            label = _clean(t)[:100]
            rank = max(1, min(level or 2, 5))
            return rank, label, self._label_role(label)
        if p.caps_headings and short and is_mostly_caps_heading(t):
            return 2, _clean(t)[:100], self._label_role(t)
        return None, None, role

    def _paren_rank(self, tag: str) -> int:
        if tag.isdigit() or (len(tag) == 1 and tag.isupper()):
            return 8
        low = tag.lower()
        expected_next = chr(ord(self._last_letter) + 1) if self._last_letter else "a"
        if len(low) == 1 and (low == expected_next or not ROMAN_NUMERAL.match(low)):
            self._last_letter = low
            return 6
        if ROMAN_NUMERAL.match(low):
            return 7
        self._last_letter = low[-1]
        return 6

    def _label_role(self, label: str) -> str | None:
        if not label:
            return None
        for pattern, role in _LABEL_ROLES:
            if pattern.search(label[:120]):
                if role in ("definitions", "recitals") and not self.p.legal_roles:
                    continue
                if (
                    role in ("instructions", "evaluation", "sow", "deadline")
                    and not self.p.rfp_roles
                ):
                    continue
                return role
        return None


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
    t = _clean(body)
    if len(t.split()) > 12 or t.endswith((":", ";", ",")) or re.search(r"\b(?:and|or)$", t):
        return False
    # -- one sentence-like break inside means a title followed by text --
    return not re.search(r"[a-z\)][.!?]\s+\S", t)
