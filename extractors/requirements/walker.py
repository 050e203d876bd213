"""Walks one parsed document's blocks: tracks its sections and collects candidate requirements.

Blocks come from ``chunkers.structure.derive_blocks`` (running headers dropped,
sentences the parser cut at a page break joined back), under a profile that
honours uniform contract format sections and marks definitions. Each block is
cut into paragraphs and list items (``units.paragraphs``); a heading or a
title-only paragraph opens a section; a paragraph's sentences with a trigger
become candidates. A candidate ending in ':' (or mid-sentence) is a *lead-in*:
its list items are folded into it when they are short and carry no trigger of
their own (or when the lead-in stops mid-sentence); otherwise each item without
a trigger becomes a row that inherits the lead-in's trigger and party.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field, replace
from pathlib import PurePath

from chunkers.classifier import Profile
from chunkers.structure import Block, derive_blocks
from docsieve.requirements import Category, Part, Party, normalize_ws, plain_text
from docsieve.types import ElementKind, ParsedDocument
from extractors.requirements.labels import category_of, part_of_file, part_of_heading
from extractors.requirements.party import default_party, party_of
from extractors.requirements.triggers import (
    Trigger,
    binds,
    exclusion,
    find_trigger,
    may_hold_trigger,
)
from extractors.requirements.units import (
    CLOSE,
    FINAL,
    HTML,
    HTML_TEXT,
    MARKER,
    MIN_ITEM_WORDS,
    OPEN_END,
    SETEXT,
    SHORT_ITEM_WORDS,
    TITLE,
    heading_only,
    heading_rank,
    paragraphs,
    sentences,
    split_number,
    strip_span,
    table_cells,
    title_rank,
)

# -- legal roles mark definitions; UCF honours SECTION L/M and C.1 numbering --
PROFILE = Profile(name="requirements", ucf=True, rfp_roles=True, legal_roles=True)


@dataclass
class Section:
    """One enclosing section: its rank, number ("6", "(b)") and title."""

    rank: int
    number: str | None
    title: str | None
    absolute: bool  # -- "3.2", "Section 5", a top number: the section reference starts here --


@dataclass
class Candidate:
    """A requirement before duplicates are merged."""

    doc: ParsedDocument
    file: str
    start: int
    end: int
    trig: Trigger
    party: Party
    part: Part | None
    sections: list[Section]
    inherited: bool = False
    lead_in: str | None = None
    category: Category = Category.TECHNICAL


@dataclass
class Lead:
    """A requirement ending in ':' (or mid-sentence) and the list items after it."""

    cand: Candidate
    # -- the sentence stops mid-way ("... will exceed 75 percent of") and its list finishes it --
    open: bool = False
    # -- (item start after its marker, end, the sections it sits in) --
    items: list[tuple[int, int, list[Section]]] = field(default_factory=list)


class DocWalker:
    """Walks one document's blocks, tracking sections, and collects candidates."""

    def __init__(self, doc: ParsedDocument, file: str) -> None:
        self.doc = doc
        self.text = doc.text
        self.file = file
        self.file_part = part_of_file(PurePath(file).name, doc.title)
        self.stack: list[Section] = []
        self.out: list[Candidate] = []
        self.lead: Lead | None = None
        self.markdown = doc.media_type in ("text/markdown", "text/plain")
        # -- a short list item without a trigger over deeper items titles them:
        #    "2. Key Personnel: Product Manager" over "1. Please provide name, email ..." --
        self.item_title: tuple[int, str] | None = None
        self.indent = 0
        self.fixed: list[Section] | None = None  # -- while a lead-in's items are replayed --
        # -- DOCX and HTML list items carry no marker in the text; the parser says so --
        self.list_starts = sorted(e.start for e in doc.elements if e.kind == ElementKind.LIST_ITEM)

    def run(self) -> list[Candidate]:
        blocks, _running = derive_blocks(self.doc, PROFILE)
        for b in blocks:
            self._block(b)
        self._flush()
        return self.out

    # -- sections -------------------------------------------------------------------------

    def _push(self, rank: int, heading: str) -> None:
        heading = plain_text(SETEXT.sub("", heading)).strip(" :.-")
        number, title = split_number(heading)
        while self.stack and self.stack[-1].rank >= rank:
            self.stack.pop()
        absolute = number is not None and (
            "." in number.strip(".") or not number[:1].isalnum() or rank <= 2 or " " in number
        )
        if number is not None and number.startswith("("):
            absolute = False
        self.stack.append(Section(rank, number, title or None, absolute))

    def _sections(self) -> list[Section]:
        """The enclosing sections, with the list item that titles the current one."""
        if self.fixed is not None:
            return list(self.fixed)
        if self.item_title is not None and self.indent > self.item_title[0]:
            return [*self.stack, Section(99, None, self.item_title[1], False)]
        return list(self.stack)

    def _part(self) -> Part | None:
        for sec in reversed(self.stack):
            if sec.title and (p := part_of_heading(sec.title)) is not None:
                return p
        return self.file_part

    # -- blocks ---------------------------------------------------------------------------

    def _block(self, b: Block) -> None:
        raw = self.text[b.start : b.end]
        if b.kind == "table":
            self._flush()
            for s, e in table_cells(b, self.text):
                self._unit(s, e, lead_ok=False)
            return
        if HTML.match(raw):
            self._flush()
            for m in HTML_TEXT.finditer(raw):
                s, e = strip_span(self.text, b.start + m.start(1), b.start + m.end(1))
                if e > s:
                    self._unit(s, e, lead_ok=False)
            return
        if b.kind == "heading":
            self._flush()
            self.item_title = None
            self._push(heading_rank(b.rank, raw, True), raw)
            return
        for i, (s, e) in enumerate(paragraphs(self.text, b.start, b.end, self.markdown)):
            self._paragraph(s, e, b.rank if i == 0 else None)

    def _listed(self, start: int) -> bool:
        i = bisect_left(self.list_starts, start)
        return i < len(self.list_starts) and self.list_starts[i] == start

    def _paragraph(self, start: int, end: int, rank: int | None) -> None:
        """One paragraph or list item: a title, a lead-in's item, or sentences."""
        raw = self.text[start:end]
        if heading_only(raw):
            self._flush()
            self.item_title = None
            self._push(heading_rank(rank, raw, False), raw)
            return
        marker = MARKER.match(raw)
        pos = marker.end() if marker else 0
        title = TITLE.match(raw[pos:])
        marked = marker is not None or self._listed(start)
        self._track_item_title(start, raw, marked)
        if marked and not title and self.lead is not None:
            self.lead.items.append((start + pos, end, self._sections()))
            if self.lead.open and FINAL.search(raw.rstrip(CLOSE)):
                self._flush()  # -- the item that ends the sentence ends the statement --
            return
        self._flush()
        if title:
            heading = (raw[:pos] + title.group(2)).strip()
            self._push(title_rank(rank, heading, marked), heading)
        content = start + pos + (title.end() if title else 0)
        lead = self._unit(content, end)
        if lead is not None and lead.end == strip_span(self.text, content, end)[1]:
            self.lead = Lead(lead, open=self.text[lead.end - 1] != ":")

    def _track_item_title(self, start: int, raw: str, marked: bool) -> None:
        """Keep ``item_title`` up to date with the paragraph at ``start``."""
        self.indent = start - self.text.rfind("\n", 0, start) - 1 if marked else -1
        if self.item_title is not None and self.indent <= self.item_title[0]:
            self.item_title = None
        body = plain_text(MARKER.sub("", raw, count=1))
        if (
            marked
            and len(body.split()) <= SHORT_ITEM_WORDS
            and not FINAL.search(body.rstrip(":"))
            and find_trigger(body) is None
        ):
            self.item_title = (self.indent, body.rstrip(" :"))

    def _unit(self, start: int, end: int, *, lead_ok: bool = True) -> Candidate | None:
        """Requirements of one unit; returns the last one when it is a lead-in (ends in ':'
        or stops mid-sentence, so that the list below finishes it).

        Without a list to follow (``lead_ok`` False: a table or HTML cell, an item), a
        sentence that stops mid-way is a fragment (a PDF table row cut at a page
        break) and is left out rather than shown cut.
        """
        last: Candidate | None = None
        if not may_hold_trigger(self.text[start:end]):
            return None  # -- spaCy's tokenizer is most of the cost: only where it can matter --
        for s, e in sentences(self.text, start, end):
            cand = self._candidate(s, e)
            if cand is None:
                continue
            tail = self.text[s:e].rstrip(CLOSE)
            is_last = e == strip_span(self.text, start, end)[1]
            if OPEN_END.search(tail) and not (lead_ok and is_last):
                continue
            self.out.append(cand)
            last = cand
        if last is not None and lead_ok:
            tail = self.text[last.start : last.end].rstrip(CLOSE)
            if tail.endswith(":") or OPEN_END.search(tail):
                return last
        return None

    def _candidate(self, s: int, e: int) -> Candidate | None:
        sentence = self.text[s:e]
        trig = find_trigger(sentence)
        if trig is None or exclusion(sentence):
            return None
        part = self._part()
        default = default_party(part, self.file_part)
        party, how = party_of(sentence, trig, part, default)
        if how == "pronoun" and self.out and self.out[-1].doc is self.doc:
            # -- "The contractor will ... They will contribute ...": the last subject --
            party, how = self.out[-1].party, "word"
        if not binds(trig, how):
            return None  # -- "This solicitation will be accomplished ...": no one is bound --
        cand = Candidate(self.doc, self.file, s, e, trig, party, part, self._sections())
        cand.category = category_of(sentence, titles(cand.sections), part, party)
        return cand

    def _flush(self) -> None:
        """Close a pending lead-in: fold short items into it, else make item rows."""
        lead, self.lead = self.lead, None
        if lead is None:
            return
        if not lead.items:
            if lead.open:
                self.out.remove(lead.cand)  # -- stops mid-sentence and nothing finishes it --
            return
        texts = [self.text[s:e] for s, e, _ in lead.items]
        lengths = sorted(len(t.split()) for t in texts)
        if lead.open or (
            all(find_trigger(t) is None for t in texts)
            and lengths[len(lengths) // 2] <= SHORT_ITEM_WORDS
        ):
            lead.cand.end = strip_span(self.text, lead.items[-1][0], lead.items[-1][1])[1]
            return
        lead_text = normalize_ws(self.text[lead.cand.start : lead.cand.end])
        sub_of: int | None = None  # -- indent of an item ending in ':': deeper items are its --
        for (s, e, sections), body in zip(lead.items, texts, strict=True):
            indent = s - self.text.rfind("\n", 0, s) - 1
            if sub_of is not None and indent <= sub_of:
                sub_of = None
            before = len(self.out)
            if find_trigger(body) is not None:
                self.fixed = sections
                self._unit(s, e, lead_ok=False)
                self.fixed = None
            if body.rstrip(CLOSE).endswith(":"):
                sub_of = indent if sub_of is None else sub_of
                continue  # -- "..., for example:" opens a list of its own --
            if len(self.out) > before or (sub_of is not None and indent > sub_of):
                continue
            s, e = strip_span(self.text, s, e)
            if len(body.split()) < MIN_ITEM_WORDS or e <= s:
                continue
            cand = replace(
                lead.cand, start=s, end=e, inherited=True, lead_in=lead_text, sections=sections
            )
            cand.category = category_of(
                f"{lead_text} {body}", titles(cand.sections), lead.cand.part, lead.cand.party
            )
            self.out.append(cand)


def section_ref(sections: list[Section]) -> str | None:
    """'6.b', 'C.3(a)', '1.03': the numbers from the last absolute one inwards."""
    numbers: list[Section] = []
    for sec in reversed(sections):
        if sec.number is None:
            continue
        numbers.append(sec)
        if sec.absolute:
            break
    if not numbers:
        return None
    numbers.reverse()
    ref = numbers[0].number or ""
    for sec in numbers[1:]:
        n = sec.number or ""
        ref += n if n.startswith("(") else f".{n}"
    return ref


def titles(sections: list[Section]) -> list[str]:
    return [s.title for s in sections if s.title]
