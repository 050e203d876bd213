"""No paid call without evidence: questions without selected sections are never asked."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import text

from analyzers import Analyzer, analyze_document
from analyzers.api import NOT_FOUND
from analyzers.batch import NOTHING_SELECTED
from analyzers.budget import Limits, analyze_within_budget
from docsieve.profiles import Profile
from docsieve.selection import DocumentSelection
from storage.calls_repo import CallStore
from tests.analyzers.conftest import make_selection, make_settings
from tests.fakeapi import FakeAPI


def _without(sel: DocumentSelection, *question_ids: str) -> DocumentSelection:
    qs = [
        q.model_copy(update={"chunks": []}) if q.question_id in question_ids else q
        for q in sel.questions
    ]
    return sel.model_copy(update={"questions": qs})


def test_question_without_sections_is_not_asked(
    fake: FakeAPI, api_settings, store: CallStore, profile: Profile
) -> None:
    a = analyze_document(
        _without(make_selection(0), "parties"), profile, api_settings, store=store, run_id=1
    )
    assert a.status == "analysed"
    (call,) = fake.calls("/v1/messages")
    sent = json.dumps(call.body)
    assert "payment" in sent and "parties" not in sent  # -- only the question with evidence --
    parties = a.answer("parties")
    assert parties is not None and not parties.found and parties.answer == NOT_FOUND
    payment = a.answer("payment")
    assert payment is not None and payment.found


def test_nothing_selected_means_no_call_at_all(
    fake: FakeAPI, tmp_path: Path, store: CallStore, profile: Profile
) -> None:
    empty = _without(make_selection(0), "payment", "parties")
    for batch in (False, True):
        settings = make_settings(tmp_path, fake.url, batch=batch)
        with Analyzer(settings, store) as an:
            a = an.analyze_many([empty], profile, run_id=1, document_ids=[7])[0]
            within = analyze_within_budget(an, empty, profile, Limits(10, 0.0), run_id=1)
        assert a.status == "analysed" and a.reason == NOTHING_SELECTED
        assert [x.found for x in a.answers] == [False, False]
        # -- a zero budget does not defer it: nothing needs to be bought --
        assert within.analysis is not None and not within.deferred
    assert fake.records == []  # -- not even a token count --
    assert store.calls() == []


def test_an_answer_bought_once_is_judged_again_never_bought_again(
    fake: FakeAPI, api_settings, store: CallStore, profile: Profile
) -> None:
    """A rejected answer and its rejected repair are in the log; a re-run reuses both."""
    fake.faults.extend(["malformed", "malformed"])
    first = analyze_document(make_selection(0), profile, api_settings, store=store, run_id=1)
    assert first.status == "degraded"
    assert [c.status for c in store.calls(run_id=1)] == ["invalid", "invalid"]
    assert len(fake.calls("/v1/messages")) == 2
    again = analyze_document(make_selection(0), profile, api_settings, store=store, run_id=2)
    assert again.status == "degraded"
    assert len(fake.calls("/v1/messages")) == 2  # -- nothing bought again --
    assert store.calls(run_id=2) == []
    assert [s.outcome for s in again.steps][:3] == ["invalid", "repair", "invalid"]
    # -- an answer logged but never cached (killed between the two) is reused as well --
    fake.faults.extend(["malformed"])
    third = analyze_document(make_selection(1), profile, api_settings, store=store, run_id=3)
    assert third.status == "analysed" and len(fake.calls("/v1/messages")) == 4
    with store.db.session() as s:
        s.exec(text("DELETE FROM response_cache"))  # type: ignore[call-overload]
    fourth = analyze_document(make_selection(1), profile, api_settings, store=store, run_id=4)
    assert fourth.status == "analysed" and len(fake.calls("/v1/messages")) == 4
    assert "reused" in [s.outcome for s in fourth.steps]
