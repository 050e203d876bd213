"""The selector: for each question of a profile, the chunks it needs, within budgets.

Per question:
1. The question is scored as several queries: its question and description,
   then each hint alone (clause names match best one at a time). A chunk's
   score is ``(1 - HINT_SHARE) * main + HINT_SHARE * max(hints)``.
2. A calibrated threshold keeps the chunks scoring at least
   ``max(floor, top - margin)``. When even the top chunk is below ``floor``,
   nothing is relevant and none is kept. With the shipped question-conditioned
   head each shipped profile has its own calibrated threshold (floor = fill
   floor, margin 1: every chunk at or above it), so the threshold, not the
   budget, decides how much of a document is sent (ADR 0004, third pass).
3. At most ``select.max_chunks_per_question`` chunks and
   ``select.question_budget_tokens`` tokens are kept, best first.
Then the document budget (``budget_tokens``, else the smaller of
``select.document_budget_tokens`` and ``select.document_budget_fraction`` of
the document) is filled with each question's best chunk first (by score: with
the trained head scores are probabilities, comparable across questions), then
the other picks, the questions taking turns by rank (``PRIMARY_ROUND_ROBIN``;
measured better than one order by score on the CUAD train split); a chunk
shared by questions is paid once.
4. Clause expansion: once every question has its picks, each kept chunk pulls
   in the neighbours that continue its clause (:func:`continuation`: same or
   extended heading path), charged to the document budget ("same clause as ID").
5. Fill: while the document budget allows, the questions with something
   relevant take their next chunk by rank in turn (round-robin), down to the
   calibrated ``fill_floor`` ("budget fill (rank N)"), so recall grows with
   the budget instead of stopping at the per-question caps.
Every chunk gets a :class:`ChunkDecision` saying why it was kept or dropped.

Heading context: each selected chunk carries its ``heading_path``; stage 2 sends
``SelectedChunk.contextualized`` (the path, then the text).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from docsieve.profiles import Profile, Question
from docsieve.selection import ChunkDecision, DocumentSelection, QuestionSelection, SelectedChunk
from docsieve.types import Chunk
from extractors.base import EmbeddingCache, Scorer, get_scorer

if TYPE_CHECKING:
    from docsieve.settings import Settings

CALIBRATION_FILE = Path(__file__).with_name("calibration.json")
HINT_SHARE = 0.5
# -- clause expansion: how far a selected chunk pulls in the rest of its clause --
EXPAND_FORWARD = 2
EXPAND_BACK = True
EXPAND_TOKENS = 400
EXPAND_DEFERRED = True
# -- after each question's best chunk, picks go in turn by rank (True) or by score --
PRIMARY_ROUND_ROBIN = True


@dataclass(frozen=True)
class Threshold:
    """``floor``: absolute minimum of the top score; ``margin``: kept below the top."""

    floor: float
    margin: float
    # -- the spare document budget is filled down to this score (inf: no fill) --
    fill_floor: float = float("inf")


# -- used when calibration.json has no entry for a scorer (e.g. a user's reranker) --
_DEFAULTS = {
    "hybrid": Threshold(0.3, 1.0, 0.3),
    "hybrid-scalar": Threshold(0.1, 0.3, 0.0),
    "hybrid-fixed": Threshold(0.30, 0.12),
    "dense": Threshold(0.25, 0.08),
    "bm25": Threshold(1.0, 3.0),
    "rerank": Threshold(0.1, 0.5),
}


def _threshold(v: dict[str, object]) -> Threshold:
    return Threshold(
        float(v["floor"]),  # type: ignore[arg-type]
        float(v["margin"]),  # type: ignore[arg-type]
        float(v.get("fill_floor", "inf")),  # type: ignore[arg-type]
    )


@lru_cache(maxsize=1)
def _calibration() -> tuple[dict[str, Threshold], dict[str, Threshold]]:
    """(threshold per scorer, threshold per profile for the ``hybrid`` scorer)."""
    table = dict(_DEFAULTS)
    profiles: dict[str, Threshold] = {}
    if CALIBRATION_FILE.is_file():
        data = json.loads(CALIBRATION_FILE.read_text(encoding="utf-8"))
        for name, v in data.get("thresholds", {}).items():
            table[name] = _threshold(v)
        for name, v in data.get("profiles", {}).items():
            profiles[name] = _threshold(v)
    return table, profiles


def threshold_for(
    scorer_name: str, override: float | None = None, profile: str | None = None
) -> Threshold:
    """The calibrated threshold of a scorer; for the question-conditioned ``hybrid`` head,
    the shipped profiles have their own (their probabilities differ in scale).
    ``override`` (``select.threshold``) replaces the floor, and the fill floor with it."""
    table, profiles = _calibration()
    t = table.get(scorer_name, Threshold(0.0, float("inf")))
    if scorer_name == "hybrid" and profile in profiles:
        t = profiles[profile]
    if override is None:
        return t
    # -- no fill (inf) stays no fill: max(override, inf) is inf --
    return Threshold(override, t.margin, max(override, t.fill_floor))


def question_queries(q: Question) -> list[str]:
    """The main query (question and description), then each hint alone."""
    main = " ".join(p for p in (q.question, q.description) if p)
    return [main, *[h for h in q.hints if h.strip()]]


def question_scores(scorer: Scorer, profile: Profile, chunks: list[Chunk]) -> np.ndarray:
    """(questions, chunks) relevance, all queries scored in one scorer call."""
    groups = [question_queries(q) for q in profile.questions]
    flat = [s for g in groups for s in g]
    m = scorer.score(flat, chunks)
    out = np.zeros((len(groups), len(chunks)), dtype=np.float32)
    row = 0
    for gi, g in enumerate(groups):
        main = m[row]
        if len(g) > 1:
            out[gi] = (1 - HINT_SHARE) * main + HINT_SHARE * m[row + 1 : row + len(g)].max(0)
        else:
            out[gi] = main
        row += len(g)
    return out


def _clause_paths(chunks: list[Chunk]) -> list[tuple[str, ...]]:
    """Each chunk's heading path without the prefix every chunk shares (a title)."""
    if not chunks:
        return []
    common = list(chunks[0].heading_path)
    for c in chunks[1:]:
        n = 0
        while n < min(len(common), len(c.heading_path)) and common[n] == c.heading_path[n]:
            n += 1
        common = common[:n]
    return [tuple(c.heading_path[len(common) :]) for c in chunks]


def continuation(paths: list[tuple[str, ...]], chunks: list[Chunk], ci: int) -> list[int]:
    """Neighbours of chunk ``ci`` that continue its clause, nearest first.

    Forward: following chunks whose heading path is the same as, or extends, that of
    ``ci`` (the rest of a cut clause, its sub-clauses), at most ``EXPAND_FORWARD``
    chunks and ``EXPAND_TOKENS`` tokens. Backward: the preceding chunk when it has
    the same path (the start of a cut clause). Chunks without a heading path have
    no clause to continue.
    """
    base = paths[ci]
    if not base:
        return []
    out: list[int] = []
    used = 0
    for j in range(ci + 1, min(len(chunks), ci + 1 + EXPAND_FORWARD)):
        if paths[j][: len(base)] != base or used + chunks[j].tokens > EXPAND_TOKENS:
            break
        out.append(j)
        used += chunks[j].tokens
    if (
        EXPAND_BACK
        and ci > 0
        and paths[ci - 1] == base
        and used + chunks[ci - 1].tokens <= EXPAND_TOKENS
    ):
        out.append(ci - 1)
    return out


def document_budget(
    settings: Settings, document_tokens: int, budget_tokens: int | None = None
) -> int:
    if budget_tokens is not None:
        return budget_tokens
    s = settings.select
    return min(s.document_budget_tokens, int(s.document_budget_fraction * document_tokens))


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
    scores: np.ndarray | None = None,
    threshold: Threshold | None = None,
) -> DocumentSelection:
    """Select, for each question of ``profile``, the chunks of one document it needs.

    ``scores`` (questions x chunks) may be passed to reuse a scoring pass;
    ``threshold`` overrides the calibrated one (benchmarks, tuning).
    """
    s = settings.select
    if scorer is None and scores is None:
        scorer = get_scorer(s.scorer, s, embedding_cache=embedding_cache)
    scorer_name = scorer.name if scorer is not None else s.scorer
    doc_tokens = sum(c.tokens for c in chunks)
    if scores is None:
        assert scorer is not None
        scores = (
            question_scores(scorer, profile, chunks)
            if chunks
            else np.zeros((len(profile.questions), 0), dtype=np.float32)
        )
    thr = threshold or threshold_for(scorer_name, s.threshold, profile.name)

    # -- per question: threshold, chunk cap and question budget --
    picks: list[list[int]] = []
    decisions: list[dict[int, ChunkDecision]] = []
    thresholds: list[float] = []
    for qi in range(len(profile.questions)):
        row = scores[qi]
        order = np.argsort(-row, kind="stable")
        top = float(row[order[0]]) if len(order) else float("-inf")
        cut = max(thr.floor, top - thr.margin)
        thresholds.append(cut)
        kept: list[int] = []
        used = 0
        dec: dict[int, ChunkDecision] = {}
        for rank, ci in enumerate(order, start=1):
            sc = float(row[ci])
            c = chunks[ci]
            if top < thr.floor:
                reason = "nothing relevant: top score below floor"
            elif sc < cut:
                reason = "below threshold"
            elif len(kept) >= s.max_chunks_per_question:
                reason = "over max chunks per question"
            elif used + c.tokens > s.question_budget_tokens:
                reason = "over question budget"
            else:
                reason = "above threshold"
                kept.append(int(ci))
                used += c.tokens
            dec[int(ci)] = ChunkDecision(
                chunk_id=c.id, kept=reason == "above threshold", score=sc, rank=rank, reason=reason
            )
        picks.append(kept)
        decisions.append(dec)

    # -- document budget: each question's best chunk first, then the other picks
    #    (questions in turn by rank); a chunk shared by questions is paid once. Then
    #    each kept chunk pulls in the neighbours that continue its clause, and spare
    #    budget is filled by rank --
    limit = document_budget(settings, doc_tokens, budget_tokens)
    queue = [(qi, p[0]) for qi, p in enumerate(picks) if p]
    queue.sort(key=lambda t: -float(scores[t[0], t[1]]))
    rest = [(qi, ci) for qi, p in enumerate(picks) for ci in p[1:]]
    rest.sort(key=lambda t: -float(scores[t[0], t[1]]))
    admitted: set[int] = set()
    spent = 0
    final: list[list[int]] = [[] for _ in picks]
    paths = _clause_paths(chunks)

    def admit(qi: int, ci: int, reason: str | None) -> bool:
        nonlocal spent
        if ci in final[qi]:
            return True
        if ci not in admitted:
            if spent + chunks[ci].tokens > limit:
                return False
            admitted.add(ci)
            spent += chunks[ci].tokens
        final[qi].append(ci)
        if reason is not None:
            d = decisions[qi][ci]
            decisions[qi][ci] = d.model_copy(update={"kept": True, "reason": reason})
        return True

    def expand(qi: int, ci: int) -> None:
        for j in continuation(paths, chunks, ci):
            if j not in final[qi] and not admit(qi, j, f"same clause as {chunks[ci].id}"):
                break

    sequence = queue + rest
    if PRIMARY_ROUND_ROBIN:
        sequence = queue + [
            (qi, p[r])
            for r in range(1, max((len(p) for p in picks), default=0))
            for qi, p in enumerate(picks)
            if r < len(p)
        ]
    for qi, ci in sequence:
        if admit(qi, ci, None):
            if not EXPAND_DEFERRED:
                expand(qi, ci)
        else:
            d = decisions[qi][ci]
            decisions[qi][ci] = d.model_copy(
                update={"kept": False, "reason": "over document budget"}
            )
    if EXPAND_DEFERRED:
        # -- the rest of each selected clause, once every question has its picks --
        for qi, ci in sequence:
            if ci in final[qi]:
                expand(qi, ci)
    # -- fill: while the document budget allows, round-robin over the questions that
    #    have something relevant, each taking its next chunk by rank down to the fill
    #    floor, so recall grows with the budget --
    orders = [
        [
            int(ci)
            for ci in np.argsort(-scores[qi], kind="stable")
            if float(scores[qi, ci]) >= thr.fill_floor
        ]
        if picks[qi]
        else []
        for qi in range(len(picks))
    ]
    pos = [0] * len(picks)
    live = [qi for qi in range(len(picks)) if orders[qi]]
    while live and spent < limit:
        nxt = []
        for qi in live:
            o = orders[qi]
            while pos[qi] < len(o) and o[pos[qi]] in final[qi]:
                pos[qi] += 1
            if pos[qi] >= len(o):
                continue
            ci = o[pos[qi]]
            pos[qi] += 1
            if admit(qi, ci, f"budget fill (rank {decisions[qi][ci].rank})"):
                expand(qi, ci)
            nxt.append(qi)
        live = nxt
    for qi in range(len(final)):
        final[qi].sort(key=lambda ci: decisions[qi][ci].rank)

    questions: list[QuestionSelection] = []
    for qi, q in enumerate(profile.questions):
        dec = decisions[qi]
        sel = [
            SelectedChunk(
                chunk_id=chunks[ci].id,
                text=chunks[ci].text,
                heading_path=list(chunks[ci].heading_path),
                page_start=chunks[ci].page_start,
                page_end=chunks[ci].page_end,
                start=chunks[ci].start,
                end=chunks[ci].end,
                tokens=chunks[ci].tokens,
                score=dec[ci].score,
                rank=dec[ci].rank,
                reason=dec[ci].reason,
            )
            for ci in final[qi]
        ]
        questions.append(
            QuestionSelection(
                question_id=q.id,
                threshold=thresholds[qi],
                chunks=sel,
                decisions=sorted(dec.values(), key=lambda d: d.rank),
            )
        )
    return DocumentSelection(
        document_sha=doc_sha,
        path=path,
        profile=profile.name,
        scorer=scorer_name,
        document_tokens=doc_tokens,
        questions=questions,
    )
