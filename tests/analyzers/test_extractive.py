"""Without an API key, stage 2 runs offline on the extractive analyzer, with citations."""

from __future__ import annotations

from pathlib import Path

from analyzers import analyze_documents, get_provider, primary_spec, replay
from analyzers.prompt import answer_schema
from docsieve.analysis import AnalysisRequest, Answer, QuestionSpec, Section
from docsieve.profiles import AnswerField, Profile
from storage.calls_repo import CallStore
from tests.analyzers.conftest import make_selection, make_settings


def test_no_key_means_extractive_with_citations(
    tmp_path: Path, store: CallStore, profile: Profile
) -> None:
    settings = make_settings(tmp_path, None)
    assert primary_spec(settings) == "extractive"
    res = analyze_documents(
        [make_selection(i) for i in range(3)],
        profile,
        settings,
        store=store,
        run_id=1,
        document_ids=[1, 2, 3],
    )
    for a in res:
        assert a.status == "analysed" and a.provider == "extractive" and a.extractive
        assert a.cost_usd == 0.0
        for ans in a.answers:
            assert ans.extractive and ans.found and ans.citations
            c = ans.citations[0]
            assert c.chunk_id.startswith(f"d{res.index(a)}c") and c.quote_verified
            assert c.page_start >= 1
    pay = res[0].answer("payment")
    assert pay is not None
    assert pay.citations[0].chunk_id == "d0c1" and pay.citations[0].page_start == 2
    assert pay.fields["amount"] == 125000.0
    assert pay.fields["due_date"] == "2026-03-31"
    parties = res[0].answer("parties")
    assert parties is not None
    assert {"Acme Corporation", "Globex Inc."} <= set(parties.fields["parties"])
    # -- logged like any call, and replayable offline --
    assert [c.provider for c in store.calls(run_id=1)] == ["extractive"] * 3
    assert replay(1, store, settings).identical


# -- the answerer itself: entity fit, generic words, rivalry, exact citations --


def _ask(tmp_path: Path, questions: list[QuestionSpec], texts: list[str]) -> dict[str, Answer]:
    sections = [
        Section(chunk_id=f"c{i}", page_start=i + 1, page_end=i + 1, text=t)
        for i, t in enumerate(texts)
    ]
    for q in questions:
        q.chunk_ids = q.chunk_ids or [s.chunk_id for s in sections]
    req = AnalysisRequest(
        model="spacy",
        instructions="",
        sections=sections,
        questions=questions,
        answer_schema=answer_schema(questions),
        max_tokens=100,
    )
    resp = get_provider("extractive", make_settings(tmp_path, None)).execute(req)
    by_id = {s.chunk_id: s for s in sections}
    for a in resp.answers:
        for c in a.citations:
            # -- the quote is exact: it occurs in the cited chunk, on its pages --
            assert c.quote_verified and c.quote in by_id[c.chunk_id].text
            assert c.page_start == by_id[c.chunk_id].page_start
    return {a.question_id: a for a in resp.answers}


DEADLINE_TEXT = (
    "The Government will schedule the date and time of the oral presentations with each "
    "offeror after the closing date and receipt of proposals. "
    "Proposals must be received no later than 2:00 PM Eastern Time on June 2, 2026. "
    "Late proposals will not be considered."
)


def test_date_field_prefers_the_sentence_with_a_date(tmp_path: Path) -> None:
    q = QuestionSpec(
        id="deadline",
        question="When are proposals due?",
        description="The closing date and time for submission of proposals.",
        hints=["proposals are due", "closing date and time"],
        fields=[
            AnswerField(name="due", type="date", description="due date"),
            AnswerField(name="when", type="string", description="date, time and time zone"),
        ],
    )
    a = _ask(tmp_path, [q], [DEADLINE_TEXT])["deadline"]
    assert a.found and a.answer.startswith("Proposals must be received no later than")
    assert a.fields["due"] == "2026-06-02"
    assert "June 2, 2026" in a.fields["when"] and "2:00 PM" in a.fields["when"]


def test_money_field_prefers_the_sentence_with_an_amount(tmp_path: Path) -> None:
    q = QuestionSpec(
        id="price",
        question="What is the total price of the order?",
        hints=["total price", "price"],
        fields=[AnswerField(name="amount", type="number", description="total price")],
    )
    text = (
        "The price schedule lists the price of each price item and the total price "
        "for every option. The order has a total price of $48,500 for the base year."
    )
    a = _ask(tmp_path, [q], [text])["price"]
    assert a.found and "$48,500" in a.answer
    assert a.fields["amount"] == 48500.0


def test_generic_words_alone_are_no_answer(tmp_path: Path) -> None:
    q = QuestionSpec(
        id="insurance",
        question="What insurance must the offeror carry?",
        hints=["insurance", "bonding"],
        fields=[AnswerField(name="requirements", type="list")],
    )
    text = (
        "The Government will evaluate each offeror on its technical approach. "
        "The offeror shall provide the information the Government requires."
    )
    a = _ask(tmp_path, [q], [text])["insurance"]
    assert not a.found and not a.citations and a.fields == {"requirements": None}


def test_a_sentence_another_question_owns_counts_less(tmp_path: Path) -> None:
    due = QuestionSpec(
        id="submission_deadline",
        question="When are quotes due?",
        hints=["quotes must be received no later than", "due date"],
        fields=[AnswerField(name="due", type="string", description="date, time and time zone")],
    )
    ask = QuestionSpec(
        id="questions_deadline",
        question="When are offerors' questions due, and how must they be sent?",
        hints=["questions must be submitted by", "deadline for questions"],
        fields=[AnswerField(name="due", type="string", description="questions deadline")],
    )
    text = (
        "All questions must be submitted by email no later than 4:00 PM Eastern Time "
        "on May 4, 2026. "
        "All quotes must be received no later than 1:00 PM Eastern Time on May 18, 2026."
    )
    res = _ask(tmp_path, [due, ask], [text])
    assert "May 18, 2026" in res["submission_deadline"].answer
    assert "May 18, 2026" in res["submission_deadline"].fields["due"]
    assert "May 4, 2026" in res["questions_deadline"].answer
