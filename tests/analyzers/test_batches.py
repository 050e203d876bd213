"""Message Batches: one batch per run, results collected, failed items fall back."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzers import analyze_documents, replay
from analyzers.pricing import PriceTable
from docsieve.profiles import Profile
from storage.calls_repo import CallStore
from tests.analyzers.conftest import REPO, make_selection, make_settings
from tests.fakeapi import FakeAPI


def test_batch_run_with_errored_expired_and_invalid_items(
    fake: FakeAPI, tmp_path: Path, store: CallStore, profile: Profile
) -> None:
    settings = make_settings(tmp_path, fake.url, batch=True)
    fake.batch_polls_before_end = 2
    fake.batch_item_faults.extend(["ok", "errored", "expired", "canceled", "malformed"])
    sels = [make_selection(i) for i in range(5)]
    res = analyze_documents(
        sels, profile, settings, store=store, run_id=1, document_ids=list(range(5))
    )
    assert len(fake.calls("/v1/messages/batches")) == 1  # -- one batch for the run --
    # -- polled until ended (the SDK retrieves once more to find results_url) --
    assert len(fake.calls("/v1/messages/batches/msgbatch_fake0001")) == 3
    assert len(fake.calls("/v1/messages/batches/msgbatch_fake0001/results")) == 1
    assert [a.status for a in res] == ["analysed"] * 5
    assert res[0].reason is None
    for a, kind in zip(
        res[1:], ["batch_errored", "batch_expired", "batch_canceled", "schema"], strict=True
    ):
        assert a.reason and kind in a.reason, a.reason
        assert [s.outcome for s in a.steps][-1] == "ok"
    # -- the four failed items were answered synchronously --
    assert len(fake.calls("/v1/messages")) == 4
    batch_ok = [c for c in store.calls(run_id=1, status="ok") if c.batch]
    assert len(batch_ok) == 1
    c = batch_ok[0]
    p = PriceTable.load(REPO / "data").price("claude-sonnet-4-5")
    assert p is not None
    full = (
        c.input_tokens * p.input
        + c.output_tokens * p.output
        + c.cache_write_tokens * p.cache_write
        + c.cache_read_tokens * p.cache_read
    ) / 1e6
    assert c.cost_usd == pytest.approx(full * 0.5)  # -- the batch discount --
    assert res[0].cost_usd == pytest.approx(full * 0.5)
    # -- replay from the log (batch and synchronous answers alike), no network --
    assert replay(1, store, settings).identical
    # -- a re-run sends nothing: every item is in the response cache --
    again = analyze_documents(sels, profile, settings, store=store, run_id=2)
    assert [a.status for a in again] == ["cached"] * 5
    assert len(fake.calls("/v1/messages/batches")) == 1
    assert len(fake.calls("/v1/messages")) == 4


def test_batch_that_never_ends_is_canceled_and_falls_back(
    fake: FakeAPI, tmp_path: Path, store: CallStore, profile: Profile
) -> None:
    settings = make_settings(tmp_path, fake.url, batch=True, batch_max_wait_s=0.03)
    fake.batch_polls_before_end = 10**9
    res = analyze_documents(
        [make_selection(i) for i in range(3)], profile, settings, store=store, run_id=1
    )
    assert [a.status for a in res] == ["analysed"] * 3
    assert all(a.reason and "batch_timeout" in a.reason for a in res)
    assert len(fake.calls("/v1/messages/batches/msgbatch_fake0001/cancel")) == 1
    assert len(fake.calls("/v1/messages")) == 3


class _Killed(BaseException):
    """Stands for SIGKILL while the process waits for its batch."""


def test_a_batch_sent_before_a_kill_is_collected_not_sent_again(
    fake: FakeAPI, tmp_path: Path, store: CallStore, profile: Profile
) -> None:
    from analyzers import Analyzer

    settings = make_settings(tmp_path, fake.url, batch=True)
    fake.batch_polls_before_end = 3
    sels = [make_selection(i) for i in range(3)]

    def die(_: float) -> None:
        raise _Killed

    with pytest.raises(_Killed), Analyzer(settings, store, sleep=die) as an:
        an.analyze_many(sels, profile, run_id=1, document_ids=[1, 2, 3])
    pending = store.calls(run_id=1, status="pending")
    assert len(pending) == 3 and {c.batch_id for c in pending} == {"msgbatch_fake0001"}
    res = analyze_documents(sels, profile, settings, store=store, run_id=1, document_ids=[1, 2, 3])
    assert [a.status for a in res] == ["analysed"] * 3
    assert len(fake.calls("/v1/messages/batches")) == 1  # -- collected, never sent again --
    assert fake.calls("/v1/messages") == []
    assert [c.status for c in store.calls(run_id=1)] == ["ok"] * 3
