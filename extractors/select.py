"""The selector: for each question of a profile, the sentences of a document it needs.

Coarse to fine, one policy for any profile (ADR 0004):
1. Every sentence unit of the document is scored against every question
   (:class:`extractors.evidence.UnitScorer`); a chunk scores its best unit.
2. Per question, the units scoring at least ``max(floor, top - margin)`` are kept,
   ``top`` being the question's best unit in this document (:class:`Policy`). The
   best unit is always kept (within the settings' document budget, or an explicit
   ``--budget``, which only a tiny document reaches with best units alone), so a
   question does not come back empty; ``select.threshold`` replaces the floor. At most
   ``select.question_budget_tokens`` tokens per question, best first.
3. Document cap: each question's best unit first, then the other kept units by their
   distance to their question's top plus ``rank_weight`` per rank (questions take
   turns), while the selected tokens stay within
   ``cap`` x the document's tokens (and ``select.document_budget_fraction``,
   ``select.document_budget_tokens``, or an explicit ``budget_tokens``).
4. Trimming: a chunk with kept units goes to stage 2 as those units (the union over
   the questions), with its heading path and clause number; each cut is marked
   with an ellipsis (:func:`trim`), and ``SelectedChunk.spans`` holds the exact
   document offsets of the text kept.
Every chunk gets a :class:`ChunkDecision` per question saying why it was kept or dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from docsieve.profiles import Profile
from docsieve.selection import ChunkDecision, DocumentSelection, QuestionSelection, SelectedChunk
from docsieve.text import match_number
from docsieve.types import Chunk, contextualize
from extractors.base import EmbeddingCache, Scorer, get_scorer
from extractors.evidence import UnitScorer, UnitScores, question_queries, whole_chunk_scores

if TYPE_CHECKING:
    from docsieve.settings import Settings

ELLIPSIS = "\u2026"
__all__ = ["ELLIPSIS", "Policy", "question_queries", "select_document", "trim"]


@dataclass(frozen=True)
class Policy:
    """The calibration, one for every profile (chosen on development files by
    ``python -m bench.selection --split dev``; ADR 0004)."""

    margin: float = 0.25  # -- keep units within this cosine of the question's best --
    floor: float = 0.30  # -- and at least this cosine (the best unit is always kept) --
    cap: float = 0.30  # -- at most this fraction of the document's tokens --
    # -- a kept unit brings this many neighbours on each side, from its own chunk
    #    (evidence runs over several sentences), when the cap allows --
    neighbours: int = 0
    # -- the rest are admitted by distance to their question's top plus this much per
    #    rank within the question, so each question gets its next units in turn --
    rank_weight: float = 0.03


POLICY = Policy()


def trim(chunk: Chunk, spans: list[tuple[int, int]]) -> tuple[str, list[tuple[int, int]]]:
    """The text of ``chunk`` reduced to ``spans`` (offsets into its text, sorted, not
    overlapping), and those spans as document offsets. Adjacent spans keep the exact
    text between them; every other cut becomes an ellipsis. When the first span does not
    open the chunk, the chunk's clause number ("5.2", "(a)") is kept in front of it."""
    text = chunk.text
    merged: list[list[int]] = []
    for s, e in sorted(spans):
        if merged and not text[merged[-1][1] : s].strip():
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    lead = len(text) - len(text.lstrip())
    if merged and merged[0][0] > lead:
        num = match_number(text[lead:])
        if num is not None and lead + num.end <= merged[0][0]:
            merged.insert(0, [lead, lead + num.end])
    if merged and not text[: merged[0][0]].strip():
        merged[0][0] = lead
    if not merged:
        return "", []
    parts: list[str] = []
    if text[: merged[0][0]].strip():
        parts.append(ELLIPSIS + " ")
    for i, (s, e) in enumerate(merged):
        if i:
            parts.append(" " + ELLIPSIS + " ")
        parts.append(text[s:e])
    if text[merged[-1][1] :].strip():
        parts.append(" " + ELLIPSIS)
    return "".join(parts), [(chunk.start + s, chunk.start + e) for s, e in merged]


def _heading_tokens(chunks: list[Chunk]) -> list[int]:
    from docsieve.tokens import count_many

    paths = [" > ".join(c.heading_path) + "\n" if c.heading_path else "" for c in chunks]
    return [n if p else 0 for p, n in zip(paths, count_many(paths) if paths else [], strict=True)]


def document_limit(
    settings: Settings, document_tokens: int, budget_tokens: int | None, policy: Policy
) -> int:
    if budget_tokens is not None:
        return budget_tokens
    s = settings.select
    frac = min(policy.cap, s.document_budget_fraction)
    return min(s.document_budget_tokens, int(frac * document_tokens))


def select_document(
    doc_sha: str,
    path: str,
    chunks: list[Chunk],
    profile: Profile,
    settings: Settings,
    scorer: Scorer | None = None,
    budget_tokens: int | None = None,
    *,
    embedding_cache: EmbeddingCache | None = None,
    scores: UnitScores | None = None,
    policy: Policy | None = None,
) -> DocumentSelection:
    """Select, for each question of ``profile``, the sentences of one document it needs.

    ``scores`` may be passed to reuse a scoring pass, ``policy`` to move the calibration
    (benchmarks). With a scorer other than :class:`UnitScorer`, chunks are whole units.
    """
    from docsieve.tokens import count_many

    s = settings.select
    pol = policy or POLICY
    if s.threshold is not None:
        pol = Policy(pol.margin, s.threshold, pol.cap, pol.neighbours, pol.rank_weight)
    if scores is None:
        if scorer is None:
            scorer = get_scorer(s.scorer, s, embedding_cache=embedding_cache)
        if isinstance(scorer, UnitScorer):
            scores = scorer.score_questions(profile.questions, chunks)
        else:
            scores = whole_chunk_scores(scorer, profile.questions, chunks)
    units = scores.units
    m = scores.scores
    doc_tokens = sum(c.tokens for c in chunks)
    utok = (
        scores.tokens
        if scores.tokens is not None
        else np.array(count_many([u.text for u in units]) if units else [], dtype=np.int64)
    )
    nq = len(profile.questions)

    # -- per question: units within the margin of its top and above the floor --
    tops = [float(m[qi].max()) if units else float("-inf") for qi in range(nq)]
    best: list[int] = []
    rest: list[tuple[float, int, int]] = []  # -- (distance to top, question, unit) --
    for qi in range(nq):
        if not units:
            continue
        row = m[qi]
        order = np.argsort(-row, kind="stable")
        best.append(int(order[0]))
        cut = max(pol.floor, tops[qi] - pol.margin)
        used = int(utok[order[0]])
        for r, j in enumerate(order[1:], start=1):
            if row[j] < cut:
                break
            if used + utok[j] > s.question_budget_tokens:
                continue
            used += int(utok[j])
            rest.append((pol.rank_weight * r + tops[qi] - float(row[j]), qi, int(j)))

    # -- document cap: best units first (always), then the rest by distance to top --
    limit = document_limit(settings, doc_tokens, budget_tokens, pol)
    kept: list[set[int]] = [set() for _ in range(nq)]
    taken: set[int] = set()
    opened: set[int] = set()
    spent = 0
    over: list[set[int]] = [set() for _ in range(nq)]
    # -- a chunk's heading path is sent once with its first kept unit: charged then --
    heads = _heading_tokens(chunks)

    def cost(j: int) -> int:
        ci = units[j].chunk
        return int(utok[j]) + (0 if ci in opened else heads[ci])

    def take(qi: int, j: int) -> None:
        nonlocal spent
        kept[qi].add(j)
        if j not in taken:
            spent += cost(j)
            taken.add(j)
            opened.add(units[j].chunk)

    def near(j: int) -> list[int]:
        ci = units[j].chunk
        out = []
        for d in range(1, pol.neighbours + 1):
            out += [k for k in (j - d, j + d) if 0 <= k < len(units) and units[k].chunk == ci]
        return out

    # -- best units: always, within the hard budget (an explicit one, else the settings'
    #    document budget: only a tiny document reaches it with best units alone) --
    hard = document_limit(settings, doc_tokens, budget_tokens, Policy(cap=1.0))
    for qi in sorted(range(len(best)), key=lambda qi: -tops[qi]):
        if best[qi] in taken or spent + cost(best[qi]) <= hard:
            take(qi, best[qi])
        else:
            over[qi].add(units[best[qi]].chunk)
    for _, qi, j in sorted(rest) + [(0.0, qi, -1) for qi in range(len(best))]:
        if j < 0:  # -- each question's best unit: its neighbours, after the others --
            j = best[qi]
            if j not in kept[qi]:
                continue
        elif j in taken or spent + cost(j) <= limit:
            take(qi, j)
        else:
            over[qi].add(units[j].chunk)
            continue
        for k in near(j):
            if k in taken or spent + cost(k) <= limit:
                take(qi, k)

    # -- trimming: one text per chunk, the union of its kept units over the questions --
    by_chunk: dict[int, list[tuple[int, int]]] = {}
    for j in sorted(taken):
        by_chunk.setdefault(units[j].chunk, []).append((units[j].start, units[j].end))
    texts: dict[int, tuple[str, list[tuple[int, int]]]] = {}
    for ci, sp in by_chunk.items():
        c = chunks[ci]
        if scores.exact and scores.exact[ci]:
            texts[ci] = trim(c, sp)
        else:
            texts[ci] = (c.text, [(c.start, c.end)])
    trimmed_tokens = dict(
        zip(
            texts,
            count_many([contextualize(chunks[ci].heading_path, t) for ci, (t, _) in texts.items()])
            if texts
            else [],
            strict=True,
        )
    )

    cs = scores.chunk_scores(len(chunks))
    questions: list[QuestionSelection] = []
    for qi, q in enumerate(profile.questions):
        row = cs[qi]
        order = np.argsort(-row, kind="stable")
        rank = {int(ci): r for r, ci in enumerate(order, start=1)}
        mine: dict[int, int] = {}
        for j in kept[qi]:
            mine[units[j].chunk] = mine.get(units[j].chunk, 0) + 1
        decisions = []
        for ci in order:
            ci = int(ci)
            n = mine.get(ci, 0)
            if n:
                why = f"evidence: {n} sentence{'s' * (n > 1)}"
                if best and units[best[qi]].chunk == ci:
                    why += " (best of the document)"
            elif ci in over[qi]:
                why = "over document budget"
            else:
                why = "below margin"
            decisions.append(
                ChunkDecision(
                    chunk_id=chunks[ci].id,
                    kept=n > 0,
                    score=float(row[ci]),
                    rank=rank[ci],
                    reason=why,
                )
            )
        sel = [
            SelectedChunk(
                chunk_id=chunks[ci].id,
                text=texts[ci][0],
                heading_path=list(chunks[ci].heading_path),
                page_start=chunks[ci].page_start,
                page_end=chunks[ci].page_end,
                start=chunks[ci].start,
                end=chunks[ci].end,
                spans=texts[ci][1],
                tokens=trimmed_tokens[ci],
                score=float(row[ci]),
                rank=rank[ci],
                reason=decisions[rank[ci] - 1].reason,
            )
            for ci in sorted(mine, key=lambda ci: rank[ci])
        ]
        questions.append(
            QuestionSelection(
                question_id=q.id,
                threshold=max(pol.floor, tops[qi] - pol.margin) if units else pol.floor,
                chunks=sel,
                decisions=decisions,
            )
        )
    return DocumentSelection(
        document_sha=doc_sha,
        path=path,
        profile=profile.name,
        scorer=scorer.name if scorer is not None else s.scorer,
        document_tokens=doc_tokens,
        questions=questions,
    )
