"""Sentence units: the pieces stage 1 scores and trims by.

A unit is a sentence of a chunk (:func:`docsieve.text.sentence_spans`, cut again at
blank lines), without its surrounding whitespace; a unit shorter than
:data:`MIN_CHARS` joins the next one (a clause number or a short heading alone says
little), and one longer than :data:`MAX_CHARS` is cut at ';' or ':' and, failing
that, at a space (the encoder reads about 128 word pieces of it at most). Units are
``(start, end)`` offsets into the text they came from, so a kept unit maps back to
exact characters of the document. Training (``bench.train_relevance``) cuts its
passages with the same function.
"""

from __future__ import annotations

import re

MIN_CHARS = 40
MAX_CHARS = 600

_BLANK = re.compile(r"\n[ \t\r\f\v]*\n")
_SOFT = re.compile(r"[;:](?=\s)")


def _strip(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return s, e


def _cut_long(text: str, s: int, e: int) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    while e - s > MAX_CHARS:
        window = text[s : s + MAX_CHARS]
        cut = -1
        for m in _SOFT.finditer(window):
            if m.end() >= MAX_CHARS // 3:
                cut = m.end()
        if cut < 0:
            cut = window.rfind(" ", MAX_CHARS // 3)
        if cut <= 0:
            cut = MAX_CHARS
        a, b = _strip(text, s, s + cut)
        if b > a:
            out.append((a, b))
        s, e = _strip(text, s + cut, e)
    if e > s:
        out.append((s, e))
    return out


def sentence_units(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of the units of ``text``, in order, non-overlapping, stripped."""
    from docsieve.text import sentence_spans

    raw: list[tuple[int, int]] = []
    pos = 0
    blocks = [m.start() for m in _BLANK.finditer(text)] + [len(text)]
    for stop in blocks:
        block = text[pos:stop]
        if block.strip():
            for a, b in sentence_spans(block):
                s, e = _strip(text, pos + a, pos + b)
                if e > s:
                    raw.extend(_cut_long(text, s, e))
        pos = stop
    out: list[tuple[int, int]] = []
    pending: tuple[int, int] | None = None
    for s, e in raw:
        if pending is not None:
            s = pending[0]
            pending = None
        if e - s < MIN_CHARS:
            pending = (s, e)
            continue
        out.append((s, e))
    if pending is not None:
        if out:
            out[-1] = (out[-1][0], pending[1])
        else:
            out.append(pending)
    return out
