"""Cutting one block over the token budget: sentences, words, table rows.

A text block is split on spaCy sentence boundaries (:func:`docsieve.text.sentence_spans`)
into balanced parts; a table is split on row boundaries with its header row
repeated. Only a single sentence (or table row) larger than the budget can
exceed it: a sentence is then cut between words, a row is left whole.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

from docsieve.text import sentence_spans
from docsieve.tokens import count_many, count_tokens

from .structure import Block, PageMap


@dataclass
class Piece:
    blocks: list[Block]
    tokens: int
    path: list[str]
    role: str | None
    text: str | None = None  # -- set only for a table part with a repeated header row --
    start: int = -1
    end: int = -1

    @property
    def closed(self) -> bool:
        return self.text is not None or self.blocks[-1].closed

    @property
    def span(self) -> tuple[int, int]:
        if self.start >= 0:
            return self.start, self.end
        return self.blocks[0].start, self.blocks[-1].end


class Splitter:
    """Splits the oversized blocks of one document within ``budget`` (plan) and ``max_tokens``
    (hard limit); ``pages`` gives the pages of the parts of a block that runs over pages."""

    def __init__(self, max_tokens: int, budget: int, encoding: str, pages: PageMap) -> None:
        self.max = max_tokens
        self.budget = budget
        self.encoding = encoding
        self._pages = pages

    def split(self, b: Block, text: str, path: list[str], role: str | None) -> list[Piece]:
        """``b`` as one piece when it fits the budget, else in parts that do."""
        if b.tokens <= self.budget:
            return [Piece([b], b.tokens, path, role)]
        if b.kind == "table" and b.rows and len(b.rows) > 1:
            return self._split_table(b, text, path)
        return self._split_sentences(b, text, path, role)

    def _split_sentences(
        self, b: Block, text: str, path: list[str], role: str | None
    ) -> list[Piece]:
        body = text[b.start : b.end]
        spans = self._sentences(body, b.tokens)
        # -- counted without the trailing whitespace that a part's text does not keep --
        counts = count_many([body[s:e].strip() for s, e in spans], self.encoding)
        units: list[tuple[int, int, int]] = []
        for (s, e), n in zip(spans, counts, strict=True):
            # -- a sentence that fits the maximum alone is never cut: it becomes its own part --
            if n <= self.max:
                units.append((s, e, n))
            else:
                units.extend(self._split_words(body, s, e))
        parts = _balanced(units, self.budget)
        out = []
        for grp in parts:
            s, e = grp[0][0], grp[-1][1]
            seg = body[s:e]
            lead, trail = len(seg) - len(seg.lstrip()), len(seg.rstrip())
            sub = Block(
                b.start + s + lead,
                b.start + s + trail,
                b.page,
                b.page_end,
                b.kind,
                closed=True,
                tokens=sum(u[2] for u in grp),
                exact=False,
            )
            out.append(Piece([sub], sub.tokens, path, role))
        if out:
            out[-1].blocks[0].closed = b.closed
            out[-1].blocks[0].open_end = b.open_end
        self._fix_pages(out, b)
        return out

    def _sentences(self, body: str, tokens: int) -> list[tuple[int, int]]:
        """Sentence spans tiling ``body``, found only where a cut may go.

        # -- spaCy's tokenizer is the cost of chunking: for a long block, run the
        #    sentencizer only on windows around the ideal cut points (it decides
        #    locally, on punctuation), and on the whole block only as a fallback --
        """
        parts = math.ceil(tokens / self.budget)
        if len(body) < 1200 or parts < 2:
            return sentence_spans(body)
        win = max(300, int(len(body) / parts * 0.2))
        cuts: list[int] = []
        for k in range(1, parts):
            ideal = int(len(body) * k / parts)
            lo, hi = max(0, ideal - win), min(len(body), ideal + win)
            starts = [lo + s for s, _ in sentence_spans(body[lo:hi]) if s > 0]
            if not starts:
                return sentence_spans(body)
            cuts.append(min(starts, key=lambda x: abs(x - ideal)))
        bounds = sorted({0, *cuts, len(body)})
        out = [(s, e) for s, e in itertools.pairwise(bounds) if e > s]
        # -- a part still over budget gets the full treatment --
        counts = count_many([body[s:e] for s, e in out], self.encoding)
        if any(n > self.budget for n in counts):
            return sentence_spans(body)
        return out

    def _split_words(self, body: str, s: int, e: int) -> list[tuple[int, int, int]]:
        """A single sentence over the budget: cut between words (the only exception)."""
        enc_budget = self.budget
        out: list[tuple[int, int, int]] = []
        cur = s
        words = body[s:e].split(" ")
        pos = s
        acc_start = s
        acc = 0
        for w in words:
            n = count_tokens(w + " ", self.encoding)
            if acc and acc + n > enc_budget:
                out.append((acc_start, pos, acc))
                acc_start, acc = pos, 0
            acc += n
            pos += len(w) + 1
            cur = pos
        out.append((acc_start, min(cur, e), acc))
        return [u for u in out if u[1] > u[0]]

    def _split_table(self, b: Block, text: str, path: list[str]) -> list[Piece]:
        rows = b.rows or []
        header = rows[0]
        header_text = text[header.start : header.end]
        htok = count_tokens(header_text, self.encoding)
        counts = count_many([text[r.start : r.end] for r in rows], self.encoding)
        room = max(1, self.budget - htok - 1)
        groups: list[list[int]] = [[]]
        acc = htok  # -- the first part holds the header row itself --
        for i in range(1, len(rows)):
            n = counts[i] + 1
            if groups[-1] and acc + n > (self.budget if len(groups) == 1 else room + htok):
                groups.append([])
                acc = htok + 1
            groups[-1].append(i)
            acc += n
        out: list[Piece] = []
        todo = [(g, gi == 0) for gi, g in enumerate(groups) if g]
        while todo:
            grp, first = todo.pop(0)
            start = b.start if first else rows[grp[0]].start
            end = rows[grp[-1]].end
            body = text[start:end] if first else header_text + "\n" + text[start:end]
            n = count_tokens(body, self.encoding)
            if n > self.max and len(grp) > 1:
                # -- planned from per-row counts; the joined text came out longer: halve --
                half = len(grp) // 2
                todo[:0] = [(grp[:half], first), (grp[half:], False)]
                continue
            if n > self.max and first and header.end > start:
                # -- the header row and the first row do not fit together: header alone --
                out.append(
                    Piece(
                        [b],
                        htok,
                        path,
                        "table",
                        text=header_text,
                        start=header.start,
                        end=header.end,
                    )
                )
                todo[:0] = [(grp, False)]
                continue
            if n > self.max and not first:
                # -- one row that fills the budget alone: the header cannot ride along --
                body = text[start:end]
                n = count_tokens(body, self.encoding)
            out.append(Piece([b], n, path, "table", text=body, start=start, end=end))
        return out

    def _fix_pages(self, pieces: list[Piece], b: Block) -> None:
        """Sub-blocks of a block running over pages: the pages of their own first and last
        characters (exact at element boundaries; inside one element that runs over a
        page break, exact where the parser records it, else interpolated)."""
        if b.page_end <= b.page:
            return
        for p in pieces:
            sub = p.blocks[0]
            sub.page = min(b.page_end, max(b.page, self._pages.page(sub.start)))
            sub.page_end = min(b.page_end, max(sub.page, self._pages.page(sub.end - 1)))


def _balanced(units: list[tuple[int, int, int]], budget: int) -> list[list[tuple[int, int, int]]]:
    """Pack sentence units into about equal parts, each within ``budget``."""
    total = sum(u[2] for u in units)
    parts = max(1, math.ceil(total / budget))
    target = total / parts
    groups: list[list[tuple[int, int, int]]] = [[]]
    acc = 0
    for u in units:
        if groups[-1] and (acc + u[2] > budget or acc >= target * 0.98):
            groups.append([])
            acc = 0
        groups[-1].append(u)
        acc += u[2] + 1
    return [g for g in groups if g]
