"""Response cache, the model-call log (no secrets), and cost from server usage x prices."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text

from analyzers import Analyzer, analyze_document
from analyzers.pricing import PriceTable
from docsieve.profiles import Profile
from storage.calls_repo import CallStore
from tests.analyzers.conftest import REPO, make_selection, make_settings
from tests.fakeapi import ANTHROPIC_KEY, FakeAPI, closed_port_url


def test_identical_request_is_never_paid_twice(
    fake: FakeAPI, api_settings, store: CallStore, profile: Profile
) -> None:
    first = analyze_document(
        make_selection(0), profile, api_settings, store=store, run_id=1, document_id=1
    )
    second = analyze_document(
        make_selection(0), profile, api_settings, store=store, run_id=2, document_id=1
    )
    assert first.status == "analysed" and second.status == "cached"
    assert second.answers == first.answers
    assert second.cost_usd == 0.0
    assert len(fake.calls("/v1/messages")) == 1
    # -- another document is another request --
    third = analyze_document(
        make_selection(1), profile, api_settings, store=store, run_id=2, document_id=2
    )
    assert third.status == "analysed" and len(fake.calls("/v1/messages")) == 2


def test_cached_response_is_the_last_fallback(
    fake: FakeAPI, tmp_path: Path, store: CallStore, profile: Profile
) -> None:
    haiku = make_settings(tmp_path, fake.url, anthropic_model="claude-haiku-4-5")
    assert (
        analyze_document(make_selection(0), profile, haiku, store=store, run_id=1).status
        == "analysed"
    )
    # -- now the primary (another model) hits its spend limit and the secondary is down --
    settings = make_settings(tmp_path, fake.url, secondary="openai:gpt-4o-mini")
    settings = settings.model_copy(update={"openai_base_url": closed_port_url()})
    fake.faults.extend(["spend"])
    a = analyze_document(make_selection(0), profile, settings, store=store, run_id=2)
    assert a.status == "cached"
    assert (a.provider, a.model) == ("anthropic", "claude-haiku-4-5")
    assert a.reason and "every provider failed" in a.reason and "spend_limit" in a.reason
    assert a.answers


def test_call_log_has_everything_and_no_secrets(
    fake: FakeAPI,
    api_settings,
    store: CallStore,
    profile: Profile,
    sqlite_url: str,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fake.faults.extend(["500"])
    with caplog.at_level("DEBUG"):
        a = analyze_document(
            make_selection(0), profile, api_settings, store=store, run_id=7, document_id=3
        )
    calls = store.calls(run_id=7)
    assert [c.status for c in calls] == ["error", "ok"]
    ok = calls[-1]
    assert (ok.run_id, ok.document_id, ok.stage, ok.provider, ok.model, ok.attempt) == (
        7,
        3,
        "analyze",
        "anthropic",
        api_settings.analyze.anthropic_model,
        2,
    )
    assert ok.request_hash == a.request_hash
    assert ok.wire_request_json and ok.wire_request_json["tool_choice"]["type"] == "tool"
    assert ok.response_json and ok.response_json["stop_reason"] == "tool_use"
    assert ok.request_json["sections"][0]["chunk_id"] == "d0c0"
    assert ok.latency_s > 0 and ok.estimated_input_tokens and ok.estimate_source == "count_tokens"
    assert calls[0].error_kind == "server" and calls[0].error_message
    # -- every request carried the key on the wire... --
    assert fake.records and all(r.auth_ok for r in fake.records)
    # -- ...and none of it reached the database, the logs or the output --
    key_tail = ANTHROPIC_KEY[-12:]
    with store.db.engine.connect() as conn:
        for table in ("model_calls", "response_cache", "document_analyses"):
            dump = json.dumps(
                [list(map(str, r)) for r in conn.execute(text(f"SELECT * FROM {table}"))]
            )
            assert key_tail not in dump and "Bearer" not in dump
            assert "x-api-key" not in dump.lower()
    out = capsys.readouterr()
    assert key_tail not in caplog.text + out.out + out.err
    assert key_tail not in repr(api_settings.masked())


def test_cost_matches_server_usage_times_price_table(
    fake: FakeAPI, api_settings, store: CallStore, profile: Profile
) -> None:
    a = analyze_document(make_selection(0), profile, api_settings, store=store, run_id=1)
    ok = store.calls(run_id=1, status="ok")[0]
    served = fake.calls("/v1/messages")[0]
    assert served.status == 200
    u = ok.response_json["usage"]  # type: ignore[index]
    assert (ok.input_tokens, ok.output_tokens) == (u["input_tokens"], u["output_tokens"])
    p = PriceTable.load(REPO / "data").price("claude-sonnet-4-5")
    assert p is not None
    expected = (
        u["input_tokens"] * p.input
        + u["output_tokens"] * p.output
        + u["cache_creation_input_tokens"] * p.cache_write
        + u["cache_read_input_tokens"] * p.cache_read
    ) / 1e6
    assert ok.cost_usd == pytest.approx(expected)
    assert a.cost_usd == pytest.approx(expected)
    assert a.usage.input_tokens == u["input_tokens"]


def test_price_table_has_dates_and_models() -> None:
    t = PriceTable.load(REPO / "data")
    assert t.read_on
    for m in ("claude-sonnet-4-5", "claude-haiku-4-5", "claude-opus-4-5", "gpt-4o-mini"):
        assert t.price(m) is not None
    assert t.price("claude-sonnet-4-5-20250929") is t.price("claude-sonnet-4-5")
    assert t.price("no-such-model") is None


def test_unknown_provider_lists_valid_names(api_settings, store: CallStore) -> None:
    from analyzers import get_provider
    from docsieve.errors import UnknownNameError

    with pytest.raises(UnknownNameError, match="anthropic, extractive, local, openai"):
        get_provider("nope:model", api_settings)
    with Analyzer(api_settings, store, specs=["nope"]) as an:
        a = an.analyze(
            make_selection(0),
            Profile(name="p", doc_type="contract", questions=[{"id": "parties", "question": "?"}]),
        )
    assert a.status == "degraded" and a.reason and "unknown provider" in a.reason
