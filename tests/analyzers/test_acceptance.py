"""Issue 5 acceptance: 20 documents, 30% faulted calls, an unreachable secondary.

Every document ends analysed, cached or degraded with a reason; a re-run
repeats no successful call (counted at the server); replaying with the
network off reproduces the stored answers exactly; resending to another
provider diffs the answers.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from pydantic import SecretStr

from analyzers import analyze_documents, replay
from docsieve.profiles import Profile
from storage.calls_repo import CallStore
from tests.analyzers.conftest import make_selection, make_settings
from tests.fakeapi import MODEL_FAULTS, OPENAI_KEY, FakeAPI, closed_port_url

N_DOCS = 20


@pytest.mark.parametrize(
    "kinds", [MODEL_FAULTS, (*MODEL_FAULTS, "spend")], ids=["transient+invalid", "with-spend-limit"]
)
def test_fault_run_rerun_and_replay(
    kinds: tuple[str, ...], fake: FakeAPI, tmp_path: Path, store: CallStore, profile: Profile
) -> None:
    settings = make_settings(tmp_path, fake.url, secondary="openai:gpt-4o-mini")
    settings = settings.model_copy(update={"openai_base_url": closed_port_url() + "/v1"})
    fake.set_fault_rate(0.30, seed=1234, kinds=kinds)
    sels = [make_selection(i) for i in range(N_DOCS)]
    ids = list(range(1, N_DOCS + 1))

    first = analyze_documents(sels, profile, settings, store=store, run_id=1, document_ids=ids)
    assert len(first) == N_DOCS
    for a in first:
        assert a.status in ("analysed", "cached", "degraded")
        if a.status != "analysed":
            assert a.reason
        if a.status == "degraded":
            assert not a.answers
        else:
            assert {x.question_id for x in a.answers} == {"payment", "parties"}
            assert all(
                c.chunk_id.startswith(f"d{a.document_id - 1}c")  # type: ignore[operator]
                for x in a.answers
                for c in x.citations
            )
    faulted = [r for r in fake.calls("/v1/messages") if r.fault]
    assert faulted, "the seeded fault rate must fault some calls"
    # -- every step is in the log: one row per call that reached a provider --
    assert len(store.calls(run_id=1)) >= len(fake.calls("/v1/messages"))

    second = analyze_documents(sels, profile, settings, store=store, run_id=2, document_ids=ids)
    assert fake.success_repeats() == 0  # -- counted at the server --
    for a1, a2 in zip(first, second, strict=True):
        if a1.status == "analysed":
            assert a2.status == "cached" and a2.answers == a1.answers
        assert a2.status in ("analysed", "cached", "degraded")

    stats = {
        "run1": Counter(a.status for a in first),
        "run2": Counter(a.status for a in second),
        "faulted_calls": len(faulted),
        "model_calls": len(fake.calls("/v1/messages")),
        "success_repeats": fake.success_repeats(),
    }
    print("\nACCEPTANCE", stats)
    for a in first:
        if a.status == "degraded":
            print("  degraded:", a.document_id, (a.reason or "")[:160])

    # -- replay with the network off: the server is gone --
    fake.stop()
    offline = settings.model_copy(
        update={"anthropic_base_url": closed_port_url(), "anthropic_api_key": None}
    )
    for run_id in (1, 2):
        report = replay(run_id, store, offline)
        assert len(report.documents) == N_DOCS
        assert all(d.error is None for d in report.documents), report.documents
        assert report.identical, [d.diffs for d in report.documents if d.diffs]


def test_resend_to_another_provider_diffs_answers(
    fake: FakeAPI, tmp_path: Path, store: CallStore, profile: Profile
) -> None:
    settings = make_settings(tmp_path, fake.url)
    settings = settings.model_copy(
        update={"openai_base_url": fake.url + "/v1", "openai_api_key": SecretStr(OPENAI_KEY)}
    )
    sels = [make_selection(i) for i in range(3)]
    analyze_documents(sels, profile, settings, store=store, run_id=1)
    # -- same answers from an OpenAI-compatible server: no difference --
    same = replay(1, store, settings, provider="openai", model="gpt-4o-mini", new_run_id=2)
    assert same.mode == "resend:openai:gpt-4o-mini"
    assert same.identical and len(fake.calls("/v1/chat/completions")) == 3
    assert {d.provider_after for d in same.documents} == {"openai"}
    assert len(store.calls(run_id=2)) == 3
    assert all(r.auth_ok for r in fake.records)
    dump = " ".join(str(c.model_dump()) for c in store.calls())
    assert OPENAI_KEY[-12:] not in dump and "Bearer" not in dump
    # -- the extractive analyzer reads the real values: the diff shows them --
    other = replay(1, store, settings, provider="extractive")
    assert not other.identical and other.changed == 3
    diff = next(d for d in other.documents[0].diffs if d.question_id == "payment")
    assert diff.before and diff.after
    # -- it reads fields from its answering sentence only ("Payment is due on March 31") --
    assert diff.before["fields"]["amount"] == 1250.5
    assert diff.after["fields"] == {"amount": None, "due_date": "2026-03-31"}
