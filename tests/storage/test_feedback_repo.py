"""Mining stage 2's citations from stored analyses, on SQLite and PostgreSQL."""

from __future__ import annotations

from docsieve.analysis import (
    AnalysisRequest,
    Answer,
    Citation,
    DocumentAnalysis,
    QuestionSpec,
    Section,
)
from storage import repo
from storage.calls_repo import CallStore
from storage.db import open_database
from storage.feedback_repo import missing_runs, stage2_feedback


def _sec(i: int) -> Section:
    return Section(chunk_id=f"c{i}", page_start=i, page_end=i, heading_path=[f"{i}."], text=f"t{i}")


def _analysis(
    run_id: int,
    *,
    sha: str = "a" * 64,
    status: str = "analysed",
    extractive: bool = False,
    cite: dict[str, list[str]] | None = None,
) -> DocumentAnalysis:
    cite = {"term": ["c3"], "fee": ["c2", "zz"], "law": []} if cite is None else cite
    request = AnalysisRequest(
        model="m",
        instructions="i",
        sections=[_sec(i) for i in range(1, 5)],
        questions=[
            QuestionSpec(
                id="term", question="Term?", description="how long", chunk_ids=["c4", "c3"]
            ),
            QuestionSpec(id="fee", question="Fee?", chunk_ids=["c2"]),
            QuestionSpec(id="law", question="Law?", chunk_ids=["c1"]),
        ],
        answer_schema={},
        max_tokens=10,
    )
    answers = [
        Answer(
            question_id=q,
            found=bool(ids),
            extractive=extractive,
            citations=[Citation(chunk_id=c, page_start=1, page_end=1) for c in ids],
        )
        for q, ids in cite.items()
    ]
    return DocumentAnalysis(
        run_id=run_id,
        document_id=1,
        document_sha=sha,
        profile="p",
        status=status,
        model="m",
        extractive=extractive,
        answers=answers if status != "degraded" else [],
        request=request,
    )


def test_cited_are_positives_sent_but_uncited_negatives(database_url: str) -> None:
    db = open_database(database_url)
    try:
        with db.session() as s:
            r1 = repo.start_run(s, "run").id or 0
            r2 = repo.start_run(s, "run").id or 0
        store = CallStore(db)
        store.save_analysis(_analysis(r1))
        store.save_analysis(_analysis(r1, sha="b" * 64, status="degraded"))
        store.save_analysis(_analysis(r1, sha="c" * 64, extractive=True))
        store.save_analysis(_analysis(r2))  # -- the same answers again: counted once --
        store.save_analysis(_analysis(r2, sha="d" * 64, status="cached", cite={"fee": ["c1"]}))

        with db.session() as s:
            items = stage2_feedback(s)
            only_r1 = stage2_feedback(s, [r1])
            with_extractive = stage2_feedback(s, [r1], include_extractive=True)
            assert missing_runs(s, [r1, 999]) == [999]

        assert [(i.document_sha[0], i.question_id) for i in items] == [
            ("a", "term"),
            ("a", "fee"),
            ("d", "fee"),
        ]
        term, fee, cached = items
        assert [c.chunk_id for c in term.cited] == ["c3"]
        # -- the question's own selection first, then the other sections sent --
        assert [c.chunk_id for c in term.uncited] == ["c4", "c1", "c2"]
        assert term.question == "Term?" and term.description == "how long"
        assert term.run_id == r1 and term.document_id == 1 and term.model == "m"
        # -- a citation of a section that was not sent is ignored --
        assert [c.chunk_id for c in fee.cited] == ["c2"]
        assert [c.chunk_id for c in cached.cited] == ["c1"]
        assert len(only_r1) == 2
        assert len(with_extractive) == 4
    finally:
        db.dispose()
