"""Exact spans of plain text: its lines, stripped spans, and long paragraphs split.

Shared by the plain-text and the Markdown parser. A paragraph longer than
``LONG_PARAGRAPH`` characters (a whole contract on a few very long lines) is
split at inline clause starts after a sentence end, then between whole
sentences, so later stages get clause-sized elements.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from itertools import pairwise

from docsieve.text import INLINE_CLAUSE, ends_sentence, sentence_ends
from docsieve.types import Element, ElementKind

_LINE = re.compile(r"[^\n]*\n|[^\n]+$")


def line_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each line, end excluding the newline (and a trailing \\r)."""
    out = []
    for m in _LINE.finditer(text):
        s, e = m.start(), m.end()
        if text[e - 1 : e] == "\n":
            e -= 1
        if text[e - 1 : e] == "\r":
            e -= 1
        out.append((s, e))
    return out


def strip_span(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return s, e


# -- a paragraph longer than this is split into clause- or sentence-sized elements: some
# -- CUAD text files hold a whole contract in a few very long lines --
LONG_PARAGRAPH = 1500


def _clause_starts(text: str, s: int, e: int) -> list[int]:
    """Offsets in ``text[s:e]`` where an inline clause begins after a sentence end."""
    out = []
    for m in INLINE_CLAUSE.finditer(text, s, e):
        if m.start("start") > s and ends_sentence(text, m.start()):
            out.append(m.start("start"))
    return out


def _sentence_cuts(text: str, s: int, e: int, max_chars: int) -> list[int]:
    """Cut points packing whole sentences of ``text[s:e]`` into pieces of <= max_chars.

    A single sentence longer than ``max_chars`` stays whole: a sentence is never cut.
    """
    ends = sentence_ends(text, s, e)
    cuts: list[int] = []
    piece = s
    last: int | None = None  # -- the latest sentence end inside the current piece --
    for b in ends:
        if b - piece > max_chars and last is not None:
            cuts.append(last)
            piece = last
        last = b
        if b - piece > max_chars:  # -- one sentence longer than max_chars: on its own --
            cuts.append(b)
            piece, last = b, None
    if e - piece > max_chars and last is not None and last > piece:
        cuts.append(last)
    return cuts


def split_long(
    text: str, el: Element, max_chars: int, classify: Callable[[str, int, int], Element]
) -> list[Element]:
    """``el`` itself, or clause- and sentence-sized elements covering its span.

    A long paragraph is split first before each inline clause number that follows a
    sentence end ("... hereunder. 2.4 No Setoff. ...", "; (b) ..."), then any piece
    still over ``max_chars`` between whole sentences. Clause pieces are classified
    by ``classify``; sentence pieces are paragraphs. Spans stay exact.
    """
    if el.end - el.start <= max_chars or el.rows or el.meta.get("code"):
        return [el]
    starts = [el.start, *_clause_starts(text, el.start, el.end)]
    bounds = [*starts, el.end]
    out: list[Element] = []
    for k, (ps, pe) in enumerate(pairwise(bounds)):
        cuts = _sentence_cuts(text, ps, pe, max_chars)
        for j, (cs, ce) in enumerate(zip([ps, *cuts], [*cuts, pe], strict=True)):
            cs, ce = strip_span(text, cs, ce)
            if cs >= ce:
                continue
            if j == 0 and k == 0:  # -- the opening keeps the paragraph's own kind and number --
                piece = el.model_copy(
                    update={
                        "text": text[cs:ce],
                        "start": cs,
                        "end": ce,
                        "meta": {**el.meta, "split": "first"},
                    }
                )
            elif j == 0:
                clause = classify(text, cs, ce)
                piece = clause.model_copy(update={"meta": {**clause.meta, "split": "clause"}})
            else:
                piece = Element(
                    kind=ElementKind.PARAGRAPH,
                    text=text[cs:ce],
                    start=cs,
                    end=ce,
                    meta={"split": "sentence"},
                )
            out.append(piece)
    return out
