"""The shared chunking engine: blocks -> section tree -> pieces -> chunks.

1. :func:`~chunkers.structure.derive_blocks` cuts the body elements into
   ranked blocks; a stack turns them into a tree of sections.
2. A section is kept whole when it fits ``max_tokens`` and its children are
   only sub-clauses ((a), (i)...), or its role must stay intact (deadlines,
   submission instructions); otherwise it yields its own heading and body, then
   its children, recursively.
3. Siblings are then joined: a piece that does not end a sentence (a heading,
   a list lead-in ending in ':', a sub-clause ending in '; and') is glued to
   the next one, and pieces under ``min_tokens`` are merged with a neighbour,
   always within ``max_tokens``.
4. A block over ``max_tokens`` is split on spaCy sentence boundaries into
   balanced parts; a table over it is split on row boundaries with its header
   row repeated. Only a single sentence (or table row) larger than the budget
   can exceed it: a sentence is then cut between words, a row is left whole.

Chunk text: a chunk is the contiguous span ``doc.text[start:end]`` from its
first block to its last, with the text of any dropped element inside the span
(running header, footer, page number) left out. So ``text ==
doc.text[start:end]`` unless the chunk runs over a page break that carries
such an element. A table part after the first repeats the header row: its text
is that row, a newline, then ``doc.text[start:end]`` covering its own rows
(unless one row alone nearly fills the budget: then it is that row's raw slice).
"""

from __future__ import annotations

import itertools
import math
import re
from bisect import bisect_left
from dataclasses import dataclass, field

from docsieve.settings import ChunkSettings
from docsieve.text import sentence_spans
from docsieve.tokens import count_many, count_tokens
from docsieve.types import Chunk, ElementKind, ParsedDocument

from .base import chunk_id
from .structure import SUBCLAUSE_RANK, Block, PageMap, Profile, derive_blocks

_DROPPED = {ElementKind.HEADER, ElementKind.FOOTER, ElementKind.PAGE_NUMBER}
_REQUIREMENT = re.compile(r"\b(?:shall|must)\b")


@dataclass
class Node:
    rank: int
    header: Block | None
    path: list[str]
    role: str | None
    blocks: list[Block] = field(default_factory=list)  # header + body, in order
    children: list[Node] = field(default_factory=list)
    total: int = 0
    min_child_rank: int = 99


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


class Engine:
    """Chunks one document under a profile and a token budget."""

    def __init__(
        self, name: str, profile: Profile, options: ChunkSettings, encoding: str = "cl100k_base"
    ) -> None:
        self.name = name
        self.profile = profile
        self.max = options.max_tokens
        self.min = options.min_tokens
        self.encoding = encoding
        # -- planning sums block counts; a join adds about one token, so keep a margin --
        self.budget = max(8, self.max - 2)
        self._running: list[tuple[int, int]] = []
        self._pages: PageMap | None = None

    # -- entry point ------------------------------------------------------------------------

    def run(self, doc: ParsedDocument) -> list[Chunk]:
        blocks, running = derive_blocks(doc, self.profile)
        if not blocks:
            return []
        self._running = running
        self._pages = PageMap(doc)
        text = doc.text
        for b, n in zip(
            blocks, count_many([text[b.start : b.end] for b in blocks], self.encoding), strict=True
        ):
            b.tokens = n
        root = self._tree(blocks)
        pieces = self._pieces(root, text)
        return self._chunks(doc, pieces)

    # -- tree -------------------------------------------------------------------------------

    def _tree(self, blocks: list[Block]) -> Node:
        root = Node(rank=-1, header=None, path=[], role=None)
        stack = [root]
        for b in blocks:
            if b.rank is not None:
                while stack[-1].rank >= b.rank:
                    stack.pop()
                parent = stack[-1]
                label = b.label or ""
                node = Node(
                    rank=b.rank,
                    header=b,
                    path=[*parent.path, label] if label else list(parent.path),
                    role=b.role or parent.role,
                    blocks=[b],
                )
                parent.children.append(node)
                stack.append(node)
            else:
                cur = stack[-1]
                if (
                    b.role
                    and not cur.role
                    and cur is not root
                    and cur.header is not None
                    and b.role in ("definitions", "recitals")
                ):
                    cur.role = b.role
                cur.blocks.append(b)
        self._totals(root)
        return root

    def _totals(self, node: Node) -> int:
        total = sum(b.tokens for b in node.blocks)
        for c in node.children:
            total += self._totals(c)
            node.min_child_rank = min(node.min_child_rank, c.rank, c.min_child_rank)
        node.total = total
        return total

    def _keep_whole(self, node: Node) -> bool:
        if node.total > self.budget or node.header is None:
            return False
        if not node.children or node.min_child_rank >= SUBCLAUSE_RANK:
            return True
        return node.role in self.profile.intact_roles

    # -- pieces -----------------------------------------------------------------------------

    def _pieces(self, node: Node, text: str) -> list[Piece]:
        if self._keep_whole(node):
            return [Piece(list(self._flatten(node)), node.total, node.path, node.role)]
        out: list[Piece] = []
        for b in node.blocks:
            role = b.role or node.role
            if b.kind == "table":
                role = "table"
            out.extend(self._split_block(b, text, node.path, role))
        for child in node.children:
            out.extend(self._pieces(child, text))
        return self._join(out)

    def _flatten(self, node: Node) -> list[Block]:
        out = list(node.blocks)
        for c in node.children:
            out.extend(self._flatten(c))
        out.sort(key=lambda b: b.start)
        return out

    def _join(self, pieces: list[Piece]) -> list[Piece]:
        """Glue open-ended pieces to the next, then merge pieces under ``min_tokens``."""
        if len(pieces) < 2:
            return pieces
        glued: list[Piece] = [pieces[0]]
        for p in pieces[1:]:
            last = glued[-1]
            if self._glues(last, p) and self._fits(last, p):
                glued[-1] = self._merge(last, p)
            elif (
                self._glues(last, p)
                and last.blocks[-1].open_end
                and len(last.blocks) > 1
                and last.text is None
            ):
                # -- too big to join: hand the unfinished sentence over to the next piece --
                tail = last.blocks[-1]
                moved = Piece([tail], tail.tokens, last.path, last.role)
                if self._fits(moved, p):
                    glued[-1] = Piece(
                        last.blocks[:-1],
                        max(0, last.tokens - tail.tokens - 1),
                        last.path,
                        last.role,
                    )
                    glued.append(self._merge(moved, p))
                else:
                    glued.append(p)
            else:
                glued.append(p)
        out: list[Piece] = []
        i = 0
        while i < len(glued):
            p = glued[i]
            if p.tokens < self.min:
                nxt = glued[i + 1] if i + 1 < len(glued) else None
                prev = out[-1] if out else None
                # -- prefer the smaller neighbour: it keeps chunks near clause size; but a
                #    sentence left open goes on in the next piece --
                choices = [
                    c
                    for c in (prev, nxt)
                    if c is not None and (self._fits(prev, p) if c is prev else self._fits(p, c))
                ]
                if choices:
                    best = min(choices, key=lambda c: c.tokens)
                    if prev in choices and prev is not None and prev.blocks[-1].open_end:
                        best = prev
                    elif nxt in choices and p.blocks[-1].open_end:
                        best = nxt
                    if best is nxt:
                        glued[i + 1] = self._merge(p, nxt)
                        i += 1
                        continue
                    out[-1] = self._merge(prev, p)  # type: ignore[arg-type]
                    i += 1
                    continue
            out.append(p)
            i += 1
        return out

    @staticmethod
    def _glues(a: Piece, b: Piece) -> bool:
        """``a`` cannot end a chunk before ``b``: a heading, or a lead-in to ``b``'s list."""
        if a.closed:
            return False
        if a.blocks[-1].kind == "heading" or a.blocks[-1].open_end:
            # -- a sentence left open ("between X,", "Very truly yours,") goes on in ``b``,
            #    whatever marker it seems to start with --
            return True
        # -- "... agree as follows:" does not pull in the next article or section --
        first = b.blocks[0]
        return first.rank is None or first.rank >= SUBCLAUSE_RANK

    def _fits(self, a: Piece, b: Piece) -> bool:
        # -- an exhibit or schedule starts afresh: nothing before it is merged into it --
        return (
            a.text is None
            and b.text is None
            and a.tokens + b.tokens + 1 <= self.budget
            and b.blocks[0].rank != 0
        )

    @staticmethod
    def _merge(a: Piece, b: Piece) -> Piece:
        # -- headings glued on top of a clause: the clause's (deeper) path says more --
        path = b.path if all(x.kind == "heading" for x in a.blocks) and b.path else a.path
        role = a.role if a.role == b.role else (a.role or b.role)
        if a.role and b.role and a.role != b.role:
            role = a.role
        return Piece(a.blocks + b.blocks, a.tokens + b.tokens + 1, path or b.path, role)

    # -- oversized blocks -------------------------------------------------------------------

    def _split_block(self, b: Block, text: str, path: list[str], role: str | None) -> list[Piece]:
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
        if b.page_end <= b.page or self._pages is None:
            return
        for p in pieces:
            sub = p.blocks[0]
            sub.page = min(b.page_end, max(b.page, self._pages.page(sub.start)))
            sub.page_end = min(b.page_end, max(sub.page, self._pages.page(sub.end - 1)))

    # -- chunks -----------------------------------------------------------------------------

    def _chunks(self, doc: ParsedDocument, pieces: list[Piece]) -> list[Chunk]:
        text = doc.text
        dropped = sorted(
            [(e.start, e.end) for e in doc.elements if e.kind in _DROPPED and e.end > e.start]
            + self._running
        )
        drop_starts = [d[0] for d in dropped]
        texts: list[str] = []
        spans: list[tuple[int, int]] = []
        for p in pieces:
            s, e = p.span
            spans.append((s, e))
            texts.append(p.text if p.text is not None else _cut(text, s, e, dropped, drop_starts))
        # -- a chunk that is one whole block already has its exact count --
        counts = [-1] * len(texts)
        todo = []
        for i, (p, (s, e), t) in enumerate(zip(pieces, spans, texts, strict=True)):
            b = p.blocks[0]
            if (
                len(p.blocks) == 1
                and p.text is None
                and b.exact
                and (b.start, b.end) == (s, e)
                and len(t) == e - s
            ):
                counts[i] = b.tokens
            else:
                todo.append(i)
        for i, n in zip(todo, count_many([texts[i] for i in todo], self.encoding), strict=True):
            counts[i] = n
        chunks: list[Chunk] = []
        for p, (s, e), t, n in zip(pieces, spans, texts, counts, strict=True):
            if n > self.max and p.text is None and len(p.blocks) > 1:
                # -- a rare join that tokenises longer than planned: halve it and redo --
                half = _halve(p)
                for q in half:
                    qs, qe = q.span
                    qt = _cut(text, qs, qe, dropped, drop_starts)
                    chunks.append(self._chunk(doc, q, qs, qe, qt, count_tokens(qt, self.encoding)))
                continue
            chunks.append(self._chunk(doc, p, s, e, t, n))
        for i, c in enumerate(chunks):
            c.index = i
        return chunks

    def _chunk(self, doc: ParsedDocument, p: Piece, s: int, e: int, t: str, n: int) -> Chunk:
        pages = [b.page for b in p.blocks] + [b.page_end for b in p.blocks]
        kind = p.role or ("table" if all(b.kind == "table" for b in p.blocks) else "section")
        if kind == "section" and self.profile.rfp_roles and _REQUIREMENT.search(t):
            kind = "requirement"  # -- a solicitation's shall/must statements --
        return Chunk(
            id=chunk_id(doc.sha256, self.name, s, e),
            index=0,
            text=t,
            heading_path=list(p.path),
            page_start=max(1, min(pages)),
            page_end=max(1, max(pages)),
            start=s,
            end=e,
            tokens=n,
            chunker=self.name,
            kind=kind,
        )


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


def _halve(p: Piece) -> list[Piece]:
    acc, cut = 0, 1
    for i, b in enumerate(p.blocks):
        acc += b.tokens
        if acc >= p.tokens / 2:
            cut = max(1, min(i + 1, len(p.blocks) - 1))
            break
    a, b2 = p.blocks[:cut], p.blocks[cut:]
    return [
        Piece(a, sum(x.tokens for x in a), p.path, p.role),
        Piece(b2, sum(x.tokens for x in b2), p.path, p.role),
    ]


def _cut(text: str, s: int, e: int, dropped: list[tuple[int, int]], drop_starts: list[int]) -> str:
    """``text[s:e]`` without the dropped elements (headers, footers) inside it."""
    i = bisect_left(drop_starts, s)
    if i >= len(dropped) or dropped[i][0] >= e:
        return text[s:e]
    parts: list[str] = []
    pos = s
    while i < len(dropped) and dropped[i][0] < e:
        ds, de = dropped[i]
        if ds > pos:
            parts.append(text[pos:ds].rstrip())
        pos = max(pos, de)
        i += 1
    parts.append(text[pos:e].lstrip())
    return "\n".join(p for p in parts if p)
