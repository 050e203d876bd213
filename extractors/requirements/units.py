"""Cutting a document's text into units, sentences and section titles, for the requirements walker.

A *unit* is a paragraph or list item after its marker and inline title, a
table cell or an HTML text run. Sentences come from spaCy's rule-based
sentencizer (``docsieve.text``, as the chunkers use), rejoined where the
next one opens in lower case or the first ends on an abbreviation; a title line
that opens a paragraph ("Task 1 - TalentMAP System" over a blank line) is cut
off. Section numbers and ranks follow the chunkers' ranks: a Markdown '#' level
as derived, '5' 2, '5.2' 3, '(a)' 6, an unnumbered bold title 5.
"""

from __future__ import annotations

import itertools
import re

from chunkers.structure import Block
from docsieve.requirements import plain_text
from docsieve.text import match_number, sentence_spans
from extractors.requirements.triggers import find_trigger

MARKER = re.compile(
    r"^(?:\s*>)*\s*(?:[-*+\u2022\u25cf\u25cb\u25aa\u25e6\u00b7\u2023\u2043\uf0b7]|o(?=\s)|"
    r"\(?(?:\d{1,3}(?:\.\d{1,3})*|[a-zA-Z]|[ivxlIVXL]{2,5})[.)]|\d{1,3}(?:\.\d{1,3})+)"
    r"(?=\s)\s*"
)
TITLE = re.compile(
    r"^(\*\*|__|\*|_)(?=\S)([^\n]{1,120}?)(?<=\S)\1\s*[.:\-\u2013\u2014]?(?=\s|$)\s*"
)
SETEXT = re.compile(r"\n\s*(?:-{3,}|={3,})\s*$")
HTML = re.compile(r"^\s*<(?:table|div|p|ul|ol|tr|td|th|thead|tbody)\b", re.I)
HTML_TEXT = re.compile(r">([^<>]+)<")
# -- abbreviations that never end a sentence here, and those that may ("etc.", "A.") --
_ALWAYS_ABBREV = re.compile(
    r"\b(?:e\.g|i\.e|vs|no|nos|sec|art|para|approx|u\.s\.c|c\.f\.r|mr|ms|dr)\.\W*$", re.I
)
_ABBREV_END = re.compile(
    r"\b(?:etc|inc|corp|ltd|st|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec|u\.s|[A-Z])\.\W*$",
    re.I,
)
_OPENER_LEFT = re.compile(r"\s+([*_]+)$")
_ZERO_WIDTH = re.compile(r"[\u200b-\u200d\u2060\ufeff]")
_BLANK_LINE = re.compile(r"\n[ \t\xa0\r]*\n")
FINAL = re.compile(r"[.!?:;][\"'\u201d\u2019)\]*_]*$")
CLOSE = "\"'\u201d\u2019)]*_ "
# -- a sentence that stops on a comma or a connective goes on in the list below it --
OPEN_END = re.compile(
    r"(?:,|\b(?:of|to|that|and|or|the|a|an|for|with|by|in|than|whether|if|when|which|where|"
    r"as|at|on|from|under|including|between|exceed|exceeds|either|both)|[\u2013\u2014-])$",
    re.I,
)
# -- a lead-in whose items are this long or shorter (the median) and carry no trigger of
#    their own is one statement with its list: "shall include: (i) ... (vii) ..." --
SHORT_ITEM_WORDS = 12
MIN_ITEM_WORDS = 3  # -- an inherited item row needs this many words to mean something alone --


def strip_span(text: str, s: int, e: int) -> tuple[int, int]:
    """``(s, e)`` without surrounding whitespace (and zero-width spaces)."""
    while s < e and (text[s].isspace() or text[s] in "\u200b\ufeff"):
        s += 1
    while e > s and (text[e - 1].isspace() or text[e - 1] in "\u200b\ufeff"):
        e -= 1
    return s, e


def sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence spans of ``text[start:end]``, whitespace stripped, never cut mid-sentence."""
    start, end = strip_span(text, start, end)
    if end <= start:
        return []
    # -- zero-width spaces hide a sentence end from spaCy ("plan\u200b. In summary"): blank
    #    them, same length, so offsets hold --
    seg = _ZERO_WIDTH.sub(" ", text[start:end])
    spans: list[list[int]] = []
    carry: int | None = None
    for a, b in sentence_spans(seg):
        a, b = strip_span(seg, a, b)
        if carry is not None:
            a, carry = carry, None
        # -- "... video chat. *Any travel ...": spaCy leaves the opening '*' with the
        #    sentence before; it belongs to the one it opens --
        m = _OPENER_LEFT.search(seg, a, b)
        if m is not None and m.start() > a:
            b, carry = m.start(), m.start(1)
        if b <= a:
            continue
        if spans and _continues(seg, spans[-1], a):
            spans[-1][1] = b
        else:
            spans.append([a, b])
    out: list[tuple[int, int]] = []
    for a, b in spans:
        a = _after_title_line(seg, a, b)
        out.append((start + a, start + b))
    return out


def _continues(seg: str, prev: list[int], nxt: int) -> bool:
    """The sentence at ``nxt`` goes on with ``prev``: ``prev`` ends on an abbreviation
    ("e.g.", "No."; "etc." or an initial only before a lower-case word or a digit) or
    without final punctuation, or ``nxt`` opens with ',', ';' or ')'."""
    head = seg[nxt : nxt + 1]
    tail = seg[prev[0] : prev[1]]
    if head in ",;)":
        return True
    if _ALWAYS_ABBREV.search(tail[-12:]):
        return True
    if _ABBREV_END.search(tail[-12:]) and (head.islower() or head.isdigit()):
        return True
    return not FINAL.search(tail) and not _BLANK_LINE.search(seg[prev[1] : nxt + 1])


def _after_title_line(seg: str, a: int, b: int) -> int:
    """Skip a title line that opens a paragraph ("Task 1 - TalentMAP System\\n\\nThe ...")."""
    m = _BLANK_LINE.search(seg, a, b)
    if m is None:
        return a
    head = seg[a : m.start()].strip()
    nxt = seg[m.end() : m.end() + 1]
    if (
        head
        and len(head.split()) <= SHORT_ITEM_WORDS
        and not FINAL.search(head)
        and not re.search(r"(?:,|\b(?:and|or|the|of|to|as|a|an|for|with|by))$", head)
        and nxt.isupper()
        and find_trigger(head) is None
    ):
        return m.end()
    return a


def heading_only(raw: str) -> bool:
    """A text block that is only a title: '1. OBJECTIVES' over a setext line, '**Privacy**'."""
    body = SETEXT.sub("", raw).strip()
    if SETEXT.search(raw) and len(body) < 160 and "\n" not in body:
        return True
    if len(body) > 120 or "\n" in body:
        return False
    plain = plain_text(body)
    if find_trigger(plain) is not None or FINAL.search(plain.rstrip(":")):
        return False
    wrapped = bool(re.fullmatch(r"(\*\*|__)[^*_]+\1:?", body))
    return wrapped and len(plain.split()) <= SHORT_ITEM_WORDS


def _number_rank(number: str) -> int:
    """'5' -> 2, '5.2' -> 3, 'C.3' -> 3, '(a)' or 'b' -> 6, 'Section 5' -> 2."""
    if number.startswith("(") or (len(number) <= 2 and number.isalpha()):
        return 6
    return min(5, 2 + number.count("."))


def heading_rank(rank: int | None, raw: str, parser_heading: bool) -> int:
    """A heading's rank: Markdown '#' levels as derived; a bold line or an unnumbered
    title sits under the numbered section it follows (rank 5)."""
    number, _ = split_number(plain_text(SETEXT.sub("", raw)))
    bold = raw.lstrip().startswith(("**", "__"))
    if parser_heading and rank is not None and not (bold and number is None):
        return rank
    if number is None:
        return 5
    return _number_rank(number)


def title_rank(rank: int | None, heading: str, marked: bool) -> int:
    """The rank of a paragraph's inline title ("**1. General.**", "a.  *Format.*")."""
    number, _ = split_number(plain_text(heading))
    if number is not None and not marked:
        return _number_rank(number)
    if rank is not None:
        return rank
    return 6 if marked else 9


_ITEM_LINE = re.compile(
    r"\n(?=[ \t>]*(?:[-*+\u2022\u25cf\u25cb\u25aa\u25e6\uf0b7]|\d{1,3}[.)]|"
    r"\((?:[a-z]{1,2}|[ivxlIVXL]{1,5}|\d{1,3}|[A-Z])\))[ \t])"
)
_BULLET_LINE = re.compile(r"\n(?=[ \t]*[\u2022\u25cf\u25cb\u25aa\u25e6\uf0b7][ \t])")


def paragraphs(text: str, start: int, end: int, markdown: bool) -> list[tuple[int, int]]:
    """The paragraphs and list items of a block, stripped.

    The chunkers join a list item without final punctuation to what follows (a
    chunk may not end there); a requirement row must not. Markdown and plain
    text: every blank line and every line opening a list item starts a new
    paragraph. PDF: a bullet line does, and a blank line after final punctuation.
    """
    raw = text[start:end]
    cuts = {0, len(raw)}
    if markdown:
        cuts.update(m.end() for m in _BLANK_LINE.finditer(raw))
        cuts.update(m.end() for m in _ITEM_LINE.finditer(raw))
    else:
        cuts.update(m.end() for m in _BULLET_LINE.finditer(raw))
        for m in _BLANK_LINE.finditer(raw):
            before = raw[: m.start()].rstrip()
            nxt = raw[m.end() :].lstrip()[:1]
            if FINAL.search(before) and (nxt.isupper() or nxt.isdigit() or nxt == "("):
                cuts.add(m.end())
    bounds = sorted(cuts)
    out = []
    for a, b in itertools.pairwise(bounds):
        s, e = strip_span(text, start + a, start + b)
        if e > s:
            out.append((s, e))
    return out


def split_number(heading: str) -> tuple[str | None, str]:
    """``("1.03", "Deadline for Receipt of Proposals")`` from 'Sec. 1.03 Deadline ...'."""
    h = re.sub(r"^sec\.\s*", "Section ", heading.strip(), flags=re.I)
    if re.match(r"section\s+508\b", h, re.I):
        return None, h  # -- the accessibility law, not a section number --
    m = match_number(h)
    if m is None:
        return None, h
    number = re.sub(r"^section\s+", "", m.number, flags=re.I).rstrip(".")
    return number, h[m.end :].strip(" .:-\u2013\u2014\t")


def table_cells(b: Block, text: str) -> list[tuple[int, int]]:
    """Spans of the cells of a pipe table (Markdown) with text in them."""
    out: list[tuple[int, int]] = []
    for row in b.rows or []:
        raw = text[row.start : row.end]
        pos = 0
        for cell in raw.split("|"):
            s, e = strip_span(text, row.start + pos, row.start + pos + len(cell))
            pos += len(cell) + 1
            if e - s > 3 and not re.fullmatch(r"[-:\s]+", text[s:e]):
                out.append((s, e))
    return out
