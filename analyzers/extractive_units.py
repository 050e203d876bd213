"""The sentences the extractive analyzer chooses from: whole sentences, table rows, headings.

A section's text is cut into blocks first: heading lines (``#`` headings,
underlined headings, bold-only lines, run-in bold heads such as
``**4. Type of Contract.**``), table rows, and paragraphs. Paragraphs are cut
into spaCy's sentences; a table row is one unit. A heading never starts a
unit: it becomes the heading of the units under it (the section's own heading
before the first one), and a table's header row the heading of its rows. So a
quote is a whole sentence or a whole row, and "Questions about Solicitation
Due" and "Written Quote Submissions Due" are two answers, not one table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from docsieve.analysis import Section
from docsieve.text import parsed_sentence_spans

_MIN_WORDS = 4
# -- a short label ("Quote Due Date/Time:") goes with what follows it --
_LABEL = re.compile(r":[*_]*$")
_LABEL_WORDS = 8
_ATX = re.compile(r"^ {0,3}#{1,6}\s*\S")
_UNDERLINE = re.compile(r"^\s*(?:=+|-+)\s*$")
_BOLD_LINE = re.compile(r"^\s*\*\*[^*]{2,120}\*\*\s*$")
_RUN_IN = re.compile(r"\*\*(?:\d+(?:\.\d+)*\.?\s+)?[^*]{2,80}?\.\*\*[ \t]*")
# -- "**Reply By:** **August 31, 2018**" is a label and its value, not a heading --
_LABELLED_DATE = re.compile(r":[*_]*\s.*\d")
_TABLE = re.compile(r"^\s*\|")
_TABLE_RULE = re.compile(r"^\s*\|?[\s:|-]*-{3,}[\s:|-]*$")
_BLANK = re.compile(r"^[\s>]*$")
_MARKUP = re.compile(r"[#*_=`|]+|\\(?=\S)")
_PLAIN_MARKUP = re.compile(r"\*+|_{2,}|\\(?=[\[\]().\-*_&])|`")
LINK = re.compile(r"\[([^\]]*)\]\(([^)\s]*)\)")
_ITEM = re.compile(
    r"^[ \t>]*(?:[-*+\u2022\u2013]|\d{1,2}[.)]|\(?[a-z][.)])[ \t]+(.+)$", re.MULTILINE
)
_MAX_ITEMS = 12
_ITEM_WORDS = 14


@dataclass(frozen=True)
class Unit:
    """One candidate: a sentence or table row of a section, and the heading above it."""

    section: Section
    start: int
    end: int
    span: Any
    lemmas: frozenset[str]
    low: str
    title: str
    heading: frozenset[str] = frozenset()

    @property
    def text(self) -> str:
        return self.section.text[self.start : self.end]


@dataclass(frozen=True)
class _Block:
    start: int
    end: int
    kind: str  # -- "text", "row" or "heading" --
    title: str


def blocks(text: str, path: list[str]) -> list[_Block]:
    """Headings, table rows and paragraphs of a section, each with the heading above it."""
    lines = [(m.start(), m.end()) for m in re.finditer(r"[^\n]*(?:\n|$)", text) if m.group()]
    # -- the chunker keeps a heading's words and drops its markup ("8.1.2 Period, place...") --
    known = {_clean(h) for h in path} - {""}
    title = path[-1] if path else ""
    kinds: list[str] = []
    for i, (s, e) in enumerate(lines):
        line = text[s:e].rstrip("\r\n")
        nxt = text[lines[i + 1][0] : lines[i + 1][1]] if i + 1 < len(lines) else ""
        if _BLANK.match(line) or (_UNDERLINE.match(line) and kinds and kinds[-1] == "heading"):
            kinds.append("blank")
        elif _TABLE.match(line):
            kinds.append("rule" if _TABLE_RULE.match(line) else "row")
        elif (
            _ATX.match(line)
            or (_clean(line) in known and not _LABELLED_DATE.search(line))
            or (_UNDERLINE.match(nxt) and not _BLANK.match(line))
            or (_BOLD_LINE.match(line) and not line.rstrip("* ").endswith(":"))
        ):
            kinds.append("heading")
        else:
            kinds.append("text")
    out: list[_Block] = []
    para: int | None = None
    table_head = ""
    for i, ((s, e), kind) in enumerate(zip(lines, kinds, strict=True)):
        if kind != "text" and para is not None:
            out.append(_Block(para, lines[i - 1][1], "text", title))
            para = None
        if kind == "heading":
            title = _clean(text[s:e])
        elif kind == "row":
            if i + 1 < len(kinds) and kinds[i + 1] == "rule":
                table_head = _clean(text[s:e])  # -- the header row names the columns --
            else:
                out.append(_Block(s, e, "row", f"{title} {table_head}".strip()))
        elif kind == "text" and para is None:
            para = s
        if kind not in ("row", "rule"):
            table_head = ""
    if para is not None:
        out.append(_Block(para, lines[-1][1], "text", title))
    return out


def sentence_units(sec: Section, doc: Any, titles: set[str]) -> list[tuple[Unit, str]]:
    """The sentences and table rows of a section, trimmed to their visible text, each with
    the heading text above it (the caller turns headings into lemmas in one batch); the
    document's ``titles`` head no unit."""
    text = sec.text
    out: list[tuple[Unit, str]] = []
    sents = parsed_sentence_spans(doc)
    for b in blocks(text, sec.heading_path):
        start, head = b.start, b.title
        m = _RUN_IN.match(text, b.start) if b.kind == "text" else None
        if m and m.end() < b.end:
            start, head = m.end(), _clean(m.group())  # -- "**4. Type of Contract.** The..." --
        if b.kind == "row":
            pieces = [(b.start, b.end)]
        else:
            pieces = [(max(start, s), min(b.end, e)) for s, e in sents if s < b.end and e > start]
        carry: int | None = None
        for s, e in pieces:
            s = s if carry is None else carry
            carry = None
            s, e = _trim(text, s, e)
            span = doc.char_span(s, e, alignment_mode="expand") if e > s else None
            if span is None:
                continue
            words = sum(t.is_alpha or t.like_num for t in span)
            if words <= _LABEL_WORDS and _LABEL.search(text[s:e]):
                carry = s
                continue
            if words < _MIN_WORDS:
                continue
            lemmas = frozenset(lemma(t) for t in span if is_content(t))
            low = " ".join(text[s:e].lower().split())
            # -- the document's title heads every section: it tells nothing about one --
            context = "" if _clean(head) in titles else head
            out.append((Unit(sec, s, e, span, lemmas, low, head), context))
    return out


def _trim(text: str, s: int, e: int) -> tuple[int, int]:
    # -- the exact visible text: the quote must occur in the chunk --
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return s, e


def document_titles(sections: list[Section]) -> set[str]:
    """The heading most sections sit under (the document's title), cleaned; none when no
    heading covers more than half of three or more sections."""
    tops = [_clean(s.heading_path[0]) for s in sections if s.heading_path]
    if len(sections) < 3 or not tops:
        return set()
    top = max(set(tops), key=tops.count)
    return {top} if tops.count(top) * 2 > len(sections) else set()


def _clean(heading: str) -> str:
    return " ".join(_MARKUP.sub(" ", heading).split()).strip(" .:")


# -- spaCy's stop list holds words that matter in a question ("due", "name") --
KEEP_WORDS = (
    "due name call first last full part top amount back become serious fifteen sixty hundred"
)
KEEP = frozenset(KEEP_WORDS.split())


def lemma(tok: Any) -> str:
    """The token's lemma, lower case; a title-case word tagged as a proper noun (table
    cells, headings: "Questions about Solicitation Due") loses its plural like a noun."""
    low: str = tok.lemma_.lower()
    if tok.pos_ == "PROPN" and not tok.is_upper and len(low) > 3:
        if low.endswith("ies"):
            return low[:-3] + "y"
        if low.endswith("s") and not low.endswith(("ss", "us", "is")):
            return low[:-1]
    return low


def is_content(tok: Any) -> bool:
    return (tok.is_alpha or tok.like_num) and (not tok.is_stop or tok.lower_ in KEEP)


def list_after(text: str, pos: int, *, short: bool) -> list[str]:
    """The items of the list that starts after ``pos`` (blank lines between items allowed):
    each item's bold lead ("**Key Personnel:** ...") or its text; ``short`` keeps only
    names (up to 8 words, before a colon or dash)."""
    out: list[str] = []
    for para in re.split(r"\n[\s>]*\n", text[pos:].lstrip("\n")):
        m = _ITEM.match(para.strip("\n"))
        if m is None:
            if out or para.strip(" >\n"):
                break
            continue
        body = m.group(1)
        lead = re.match(r"\*\*([^*]{3,80}?)[:.]?\*\*", body)
        item = plain(lead.group(1) if lead else body)
        if short and not lead:
            item = re.split(r"\s[-\u2013]\s|:\s", item)[0]
        limit = 8 if short else _ITEM_WORDS
        if len(item.split()) <= limit:
            out.append(item.rstrip(" .;,"))
        if len(out) == _MAX_ITEMS:
            break
    return out


def list_end(unit: Unit) -> int:
    """Where the sentence's context ends: its own end, or, for a sentence that introduces
    a list (ends with a colon), the next heading or the end of the section."""
    text = unit.section.text
    if not unit.text.rstrip("*_ ").endswith(":"):
        return unit.end
    m = re.compile(r"\n\s*\n(?=\s*(?:#|\*\*[^*\n]+\*\*\s*\n|[A-Z][^\n]{0,60}\n[=-]{3,}))").search(
        text, unit.end
    )
    return m.start() if m else len(text)


def plain(text: str) -> str:
    """Markdown markup and line breaks out: what a reader sees."""
    text = LINK.sub(lambda m: m.group(1) or m.group(2), text)
    text = re.sub(r"<[^>]+>", "", text)
    return " ".join(_PLAIN_MARKUP.sub("", text).split()).strip("\\[] ")
