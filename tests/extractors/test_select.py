"""The selector: threshold, nothing-relevant, budgets, decisions and heading context."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from docsieve.profiles import Profile, Question, load_profile
from docsieve.settings import Settings
from extractors import InMemoryEmbeddingCache, select_document
from extractors.dense import DenseScorer, Encoder
from extractors.fusion import HybridScorer
from extractors.select import Threshold, question_queries, threshold_for
from tests.extractors.conftest import CONTRACT, RECIPES, make_chunks

PROFILE = Profile(
    name="t",
    doc_type="contract",
    questions=[
        Question(
            id="law",
            question="Which law governs the agreement?",
            hints=["governing law", "laws of the State of"],
        ),
        Question(
            id="insurance",
            question="What insurance must be maintained?",
            hints=["commercial general liability insurance"],
        ),
    ],
)


def _hybrid(encoder: Encoder) -> HybridScorer:
    return HybridScorer(DenseScorer(encoder, InMemoryEmbeddingCache()))


def test_selects_relevant_chunks_and_records_decisions(
    encoder: Encoder, settings: Settings
) -> None:
    chunks = make_chunks(CONTRACT, headings=[["12 Governing Law"], [], [], ["9 Insurance"], [], []])
    sel = select_document("sha", "a.txt", chunks, PROFILE, settings, _hybrid(encoder))
    law, ins = sel.questions
    assert law.chunks[0].chunk_id == "c0" and ins.chunks[0].chunk_id == "c3"
    # -- heading context travels with the chunk --
    assert law.chunks[0].contextualized.startswith("12 Governing Law\n")
    for q in sel.questions:
        assert len(q.decisions) == len(chunks)
        assert sorted(d.rank for d in q.decisions) == list(range(1, len(chunks) + 1))
        kept = {d.chunk_id for d in q.decisions if d.kept}
        assert kept == {c.chunk_id for c in q.chunks}
        assert {d.reason for d in q.decisions if not d.kept} <= {
            "below threshold",
            "over max chunks per question",
            "over question budget",
            "over document budget",
            "nothing relevant: top score below floor",
        }
    assert sel.document_tokens == sum(c.tokens for c in chunks)
    assert 0 < sel.fraction < 1


def test_nothing_relevant_selects_none(encoder: Encoder, settings: Settings) -> None:
    sel = select_document("sha", "r.txt", make_chunks(RECIPES), PROFILE, settings, _hybrid(encoder))
    for q in sel.questions:
        assert q.chunks == []
        assert all(d.reason == "nothing relevant: top score below floor" for d in q.decisions)
    assert sel.selected_tokens == 0


def test_budgets_hold(encoder: Encoder, settings: Settings) -> None:
    chunks = make_chunks(CONTRACT)
    loose = Threshold(-1e9, 1e9)
    s = settings.model_copy(
        update={
            "select": settings.select.model_copy(
                update={"question_budget_tokens": 80, "max_chunks_per_question": 10}
            )
        }
    )
    sel = select_document("sha", "a.txt", chunks, PROFILE, s, _hybrid(encoder), threshold=loose)
    for q in sel.questions:
        assert 0 < q.tokens <= 80
        assert any(d.reason == "over question budget" for d in q.decisions)
    # -- the explicit document budget overrides settings; a shared chunk is paid once --
    sel = select_document(
        "sha", "a.txt", chunks, PROFILE, s, _hybrid(encoder), budget_tokens=60, threshold=loose
    )
    assert 0 < sel.selected_tokens <= 60
    assert any(d.reason == "over document budget" for q in sel.questions for d in q.decisions)
    # -- max chunks per question --
    s1 = settings.model_copy(
        update={"select": settings.select.model_copy(update={"max_chunks_per_question": 1})}
    )
    sel = select_document("sha", "a.txt", chunks, PROFILE, s1, _hybrid(encoder), threshold=loose)
    assert all(len(q.chunks) == 1 for q in sel.questions)


def test_precomputed_scores_and_override(settings: Settings) -> None:
    chunks = make_chunks(CONTRACT[:3])
    scores = np.array([[0.9, 0.2, 0.85], [0.1, 0.1, 0.1]], dtype=np.float32)
    sel = select_document(
        "sha",
        "a.txt",
        chunks,
        PROFILE,
        settings,
        scores=scores,
        threshold=Threshold(0.5, 0.1),
        budget_tokens=10_000,
    )
    assert [c.chunk_id for c in sel.questions[0].chunks] == ["c0", "c2"]
    assert abs(sel.questions[0].threshold - 0.8) < 1e-6
    # -- without the explicit budget, the default 50 % of the document applies --
    half = select_document(
        "sha", "a.txt", chunks, PROFILE, settings, scores=scores, threshold=Threshold(0.5, 0.1)
    )
    assert half.selected_tokens <= 0.5 * half.document_tokens
    assert sel.questions[1].chunks == []
    assert threshold_for("hybrid", 0.42).floor == 0.42


def test_calibrated_thresholds_per_profile() -> None:
    import json

    from extractors.select import CALIBRATION_FILE

    cal = json.loads(CALIBRATION_FILE.read_text(encoding="utf-8"))
    # -- each shipped profile has its own threshold for the conditioned head ... --
    assert set(cal["profiles"]) == {"contract", "nda", "rfp"}
    for name, v in cal["profiles"].items():
        t = threshold_for("hybrid", profile=name)
        assert (t.floor, t.fill_floor) == (v["floor"], v["floor"])
        assert 0 < t.floor < 1 and t.margin >= 1.0  # -- the floor alone decides --
    # -- ... a user's profile gets the generic one, and other scorers ignore profiles --
    generic = threshold_for("hybrid", profile="my-own")
    assert generic.floor == cal["thresholds"]["hybrid"]["floor"]
    assert threshold_for("hybrid-scalar", profile="contract") == threshold_for("hybrid-scalar")
    # -- select.threshold replaces the floor, and the fill never goes below it --
    o = threshold_for("hybrid", 0.9, profile="contract")
    assert o.floor == 0.9 and o.fill_floor == 0.9


def test_empty_document(settings: Settings, encoder: Encoder) -> None:
    sel = select_document("sha", "e.txt", [], PROFILE, settings, _hybrid(encoder))
    assert sel.document_tokens == 0 and sel.fraction == 0.0
    assert all(q.chunks == [] and q.decisions == [] for q in sel.questions)


def test_shipped_profiles_load(settings: Settings) -> None:
    contract = load_profile("contract", settings.data_dir)
    ids = {q.id for q in contract.questions}
    assert {
        "term_renewal",
        "termination",
        "liability",
        "indemnification_insurance",
        "assignment_change_of_control",
        "exclusivity_non_compete",
        "ip_licences",
        "governing_law_disputes",
        "payment_audit",
        "confidentiality",
    } == ids
    rfp = load_profile("rfp", settings.data_dir)
    assert len(rfp.questions) == 12
    nda = load_profile("nda", Path(settings.data_dir))
    assert len(nda.questions) == 17
    for p in (contract, rfp, nda):
        for q in p.questions:
            assert q.fields, f"{p.name}.{q.id} has no answer fields"
            assert q.hints and len(question_queries(q)) == 1 + len(q.hints)


def test_clause_expansion_pulls_the_rest_of_a_cut_clause(settings: Settings) -> None:
    heads = [
        ["T", "12 Governing Law"],
        ["T", "12 Governing Law"],
        ["T", "12 Governing Law", "12.1 Venue"],
        ["T", "13 Notices"],
        ["T", "14 Insurance"],
        ["T", "14 Insurance"],
    ]
    chunks = make_chunks(CONTRACT, headings=heads)
    scores = np.array(
        [[0.9, 0.1, 0.1, 0.1, 0.1, 0.1], [0.1, 0.1, 0.1, 0.1, 0.1, 0.8]], dtype=np.float32
    )
    sel = select_document(
        "sha",
        "a.txt",
        chunks,
        PROFILE,
        settings,
        scores=scores,
        threshold=Threshold(0.5, 0.1),
        budget_tokens=10_000,
    )
    law, ins = sel.questions
    # -- forward: the same path and its sub-clause; not the next section --
    assert [c.chunk_id for c in law.chunks] == ["c0", "c1", "c2"]
    assert law.chunks[1].reason == "same clause as c0"
    # -- backward: the start of the clause the best chunk is cut from --
    assert [c.chunk_id for c in ins.chunks] == ["c5", "c4"] or {c.chunk_id for c in ins.chunks} == {
        "c4",
        "c5",
    }
    kept = {d.chunk_id for d in ins.decisions if d.kept}
    assert kept == {"c4", "c5"}
    # -- expansions are charged to the document budget --
    tight = select_document(
        "sha",
        "a.txt",
        chunks,
        PROFILE,
        settings,
        scores=scores,
        threshold=Threshold(0.5, 0.1),
        budget_tokens=chunks[0].tokens + chunks[5].tokens,
    )
    assert tight.selected_tokens <= chunks[0].tokens + chunks[5].tokens


def test_spare_budget_is_filled_by_rank_down_to_the_fill_floor(settings: Settings) -> None:
    chunks = make_chunks(CONTRACT)
    scores = np.array(
        [[0.9, 0.3, 0.2, 0.05, 0.01, 0.0], [0.1, 0.1, 0.1, 0.1, 0.1, 0.1]], dtype=np.float32
    )
    no_fill = select_document(
        "sha",
        "a.txt",
        chunks,
        PROFILE,
        settings,
        scores=scores,
        threshold=Threshold(0.5, 0.1),
        budget_tokens=10_000,
    )
    assert [c.chunk_id for c in no_fill.questions[0].chunks] == ["c0"]
    fill = select_document(
        "sha",
        "a.txt",
        chunks,
        PROFILE,
        settings,
        scores=scores,
        threshold=Threshold(0.5, 0.1, fill_floor=0.1),
        budget_tokens=10_000,
    )
    law, other = fill.questions
    assert [c.chunk_id for c in law.chunks] == ["c0", "c1", "c2"]
    assert law.chunks[1].reason == "budget fill (rank 2)"
    # -- a question with nothing relevant takes nothing, even from the fill --
    assert other.chunks == []
    # -- the fill stops at the document budget --
    small = select_document(
        "sha",
        "a.txt",
        chunks,
        PROFILE,
        settings,
        scores=scores,
        threshold=Threshold(0.5, 0.1, fill_floor=-1.0),
        budget_tokens=chunks[0].tokens + chunks[1].tokens,
    )
    assert [c.chunk_id for c in small.questions[0].chunks] == ["c0", "c1"]
