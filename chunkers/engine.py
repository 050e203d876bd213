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
4. A block over ``max_tokens`` is split by :class:`~chunkers.splitters.Splitter`
   on spaCy sentence boundaries into balanced parts; a table over it is split
   on row boundaries with its header row repeated. Only a single sentence (or
   table row) larger than the budget can exceed it: a sentence is then cut
   between words, a row is left whole.

Chunk text: a chunk is the contiguous span ``doc.text[start:end]`` from its
first block to its last, with the text of any dropped element inside the span
(running header, footer, page number) left out. So ``text ==
doc.text[start:end]`` unless the chunk runs over a page break that carries
such an element. A table part after the first repeats the header row: its text
is that row, a newline, then ``doc.text[start:end]`` covering its own rows
(unless one row alone nearly fills the budget: then it is that row's raw slice).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field

from docsieve.settings import ChunkSettings
from docsieve.tokens import count_many, count_tokens
from docsieve.types import Chunk, ElementKind, ParsedDocument

from .base import chunk_id
from .classifier import SUBCLAUSE_RANK, Profile
from .splitters import Piece, Splitter
from .structure import Block, PageMap, derive_blocks

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

    # -- entry point ------------------------------------------------------------------------

    def run(self, doc: ParsedDocument) -> list[Chunk]:
        blocks, running = derive_blocks(doc, self.profile)
        if not blocks:
            return []
        self._running = running
        self._splitter = Splitter(self.max, self.budget, self.encoding, PageMap(doc))
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
            out.extend(self._splitter.split(b, text, node.path, role))
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
                    n_q = count_tokens(qt, self.encoding)
                    chunks.append(self._chunk(doc, q, qs, qe, qt, n_q, len(chunks)))
                continue
            chunks.append(self._chunk(doc, p, s, e, t, n, len(chunks)))
        return chunks

    def _chunk(
        self, doc: ParsedDocument, p: Piece, s: int, e: int, t: str, n: int, index: int
    ) -> Chunk:
        pages = [b.page for b in p.blocks] + [b.page_end for b in p.blocks]
        kind = p.role or ("table" if all(b.kind == "table" for b in p.blocks) else "section")
        if kind == "section" and self.profile.rfp_roles and _REQUIREMENT.search(t):
            kind = "requirement"  # -- a solicitation's shall/must statements --
        return Chunk(
            id=chunk_id(doc.sha256, self.name, s, e),
            index=index,
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
