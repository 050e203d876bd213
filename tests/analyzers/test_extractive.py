"""Without an API key, stage 2 runs offline on the extractive analyzer: cited answers when
it is confident, an honest "not found" with the closest sections when it is not."""

from __future__ import annotations

import re
from pathlib import Path

from analyzers import analyze_documents, get_provider, primary_spec, replay
from analyzers.extractive import CONFIDENCE_FLOOR
from analyzers.prompt import answer_schema
from docsieve.analysis import AnalysisRequest, Answer, QuestionSpec, Section
from docsieve.profiles import AnswerField, Profile, load_profile
from storage.calls_repo import CallStore
from tests.analyzers.conftest import REPO, make_selection, make_settings


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
        pay = a.answer("payment")
        assert pay is not None and pay.extractive and pay.found and pay.citations
        assert pay.confidence is not None and pay.confidence >= CONFIDENCE_FLOOR
        c = pay.citations[0]
        assert c.chunk_id.startswith(f"d{res.index(a)}c") and c.page_start >= 1
    pay = res[0].answer("payment")
    assert pay is not None and pay.citations[0].chunk_id == "d0c1"
    assert pay.citations[0].page_start == 2
    # -- a field is read from the answering sentence, typed, or left empty --
    assert pay.fields["amount"] in (125000.0, None) and pay.fields["due_date"] in (
        "2026-03-31",
        None,
    )
    assert pay.fields["amount"] or pay.fields["due_date"]
    # -- "between" alone is thin evidence: no answer, but the sentence to read is named --
    parties = res[0].answer("parties")
    assert parties is not None and not parties.found and not parties.citations
    assert parties.fields == {"parties": None} and parties.confidence is not None
    assert parties.confidence < CONFIDENCE_FLOOR
    assert parties.candidates[0].chunk_id == "d0c0"
    assert parties.candidates[0].quote.startswith("This Services Agreement is made between")
    # -- logged like any call, stored with confidence and candidates, replayable offline --
    assert [c.provider for c in store.calls(run_id=1)] == ["extractive"] * 3
    stored = {s.document_id: s for s in store.analyses(1)}
    assert stored[1].answers == res[0].answers
    assert replay(1, store, settings).identical


# -- the answerer on real-like solicitation text, with the shipped rfp profile --


def _ask(
    tmp_path: Path, questions: list[QuestionSpec], texts: list[str], headings: tuple[str, ...] = ()
) -> dict[str, Answer]:
    sections = [
        Section(
            chunk_id=f"c{i}",
            page_start=i + 1,
            page_end=i + 1,
            heading_path=["Request for Quotation", headings[i]] if headings else [],
            text=t,
        )
        for i, t in enumerate(texts)
    ]
    questions = [
        q.model_copy(update={"chunk_ids": q.chunk_ids or [s.chunk_id for s in sections]})
        for q in questions
    ]
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
        for c in [*a.citations, *a.candidates]:
            text = by_id[c.chunk_id].text
            assert c.page_start == by_id[c.chunk_id].page_start
            # -- a quote is exact and whole: never cut inside a word, never the answer again --
            if c.quote:
                assert c.quote_verified and c.quote in text
                i = text.index(c.quote)
                assert not (i > 0 and text[i - 1].isalnum() and c.quote[0].isalnum())
                j = i + len(c.quote)
                assert not (j < len(text) and text[j].isalnum() and c.quote[-1].isalnum())
                assert c.quote != a.answer
    return {a.question_id: a for a in resp.answers}


def _rfp(*ids: str) -> list[QuestionSpec]:
    profile = load_profile("rfp", REPO / "data")
    return [
        QuestionSpec(
            id=q.id,
            question=q.question,
            description=q.description,
            hints=list(q.hints),
            fields=list(q.fields),
        )
        for q in profile.questions
        if not ids or q.id in ids
    ]


RFQ = [
    (
        "**From:** Jane Doe, Contracting Officer, GSA TTS\n\n"
        "**Reply By:** **January 4, 2017** **12:00 PM EST**\n\n"
        "**Subject:** Request for Quotation (RFQ)"
    ),
    (
        "Questions or comments regarding this RFQ shall be submitted as issues within the "
        "GitHub repository at https://github.com/18F/example-rfq no later than December 28, "
        "2016 at 2:00 PM EST, to allow the Government sufficient time to respond. Questions "
        "or comments received after the required deadline will not be answered.\n\n"
        "**Electronic copy of your quote submission shall be received no later than 12:00 "
        "PM, Eastern Time, on January 4, 2017.** Late quotations will not be considered "
        "for award."
    ),
    (
        "This is a Labor-Hour (LH) Call Order awarded under the Agile BPA (aBPA).\n\n"
        "The Period of Performance (POP) includes a base period of 4 months (16 weeks)."
    ),
    (
        "The following Points of Contact (POC) are applicable to this order:\n\n"
        "Contracting Officer (CO): Fred Thomas, "
        "[*frederick.thomas@gsa.gov*](mailto:frederick.thomas@gsa.gov)\n\n"
        "Contracting Officer Representative (COR): Will be provided at time of award."
    ),
]
HEADINGS = ("Letter", "1 General", "3 Type of Contract", "6 Points of Contact")


def test_questions_deadline_is_not_the_submission_deadline(tmp_path: Path) -> None:
    res = _ask(tmp_path, _rfp(), RFQ, HEADINGS)
    qd, sd = res["questions_deadline"], res["submission_deadline"]
    assert qd.found and "December 28" in qd.fields["due"] and "2:00 PM EST" in qd.fields["due"]
    assert "GitHub" in qd.fields["how"] and qd.citations[0].chunk_id == "c1"
    # -- the submission deadline is the quote's, never the questions' --
    assert sd.found and sd.fields["due"] == "12:00 PM, Eastern Time, on January 4, 2017"
    assert sd.citations[0].quote.startswith("**Electronic copy of your quote submission")


def test_fields_are_typed_values_not_entity_lists(tmp_path: Path) -> None:
    res = _ask(tmp_path, _rfp(), RFQ, HEADINGS)
    assert res["contract_type"].fields == {"type": "Labor-Hour, Call Order"}
    assert res["period_of_performance"].fields == {"period": "a base period of 4 months (16 weeks)"}
    contacts = res["points_of_contact"].fields["contacts"]
    assert contacts == ["Fred Thomas, Contracting Officer, frederick.thomas@gsa.gov"]
    # -- the short answer is made of the fields; the sentence is the quote --
    ct = res["contract_type"]
    assert ct.answer == "Labor-Hour, Call Order" and ct.citations[0].quote.startswith("This is a")
    for a in res.values():
        for f in _rfp(a.question_id)[0].fields:
            v = a.fields[f.name]
            if f.type == "list":
                assert v is None or all(isinstance(x, str) and len(x.split()) > 0 for x in v)
            else:
                assert v is None or isinstance(v, str)


def test_abstains_without_an_answer_and_lists_where_to_look(tmp_path: Path) -> None:
    pws = [
        (
            "The Contractor shall deliver a working prototype of the permit system and "
            "document its code in the open. The Contractor shall use the US Web Design "
            "Standards for every page."
        ),
        "Monthly status reports are due to the COR on the first business day of the month.",
    ]
    res = _ask(tmp_path, _rfp("submission_deadline", "questions_deadline", "scope_of_work"), pws)
    for qid in ("submission_deadline", "questions_deadline"):
        a = res[qid]
        assert not a.found and not a.citations and set(a.fields.values()) == {None}
        assert a.confidence is not None and a.confidence < CONFIDENCE_FLOOR
        assert a.answer.startswith("Not found")
    # -- still, the closest sections are named, best first, with their best sentence --
    assert res["submission_deadline"].candidates[0].chunk_id == "c1"
    assert res["submission_deadline"].candidates[0].quote.startswith("Monthly status reports")
    assert "section c1, p. 2" in res["submission_deadline"].answer


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
    assert a.candidates == [] and a.confidence == 0.0


def test_answers_are_whole_sentences(tmp_path: Path) -> None:
    long = " ".join(
        f"Sentence {n} says the offeror shall describe its approach to security clearance "
        f"number {n} in detail, without exception, for every key person proposed."
        for n in range(12)
    )
    res = _ask(tmp_path, _rfp("insurance_or_security"), [long])
    a = res["insurance_or_security"]
    assert a.citations or a.candidates
    for c in [*a.citations, *a.candidates]:
        assert re.fullmatch(r"Sentence \d+ says .*proposed\.", c.quote or a.answer)
