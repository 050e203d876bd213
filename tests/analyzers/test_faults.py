"""Every fault path of the chain, driven through the real SDKs against the fake server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from analyzers import Analyzer
from docsieve.analysis import DocumentAnalysis
from docsieve.profiles import Profile
from docsieve.settings import Settings
from storage.calls_repo import CallStore
from tests.analyzers.conftest import make_selection, make_settings
from tests.fakeapi import OPENAI_KEY, FakeAPI, closed_port_url


def _run(
    settings: Settings, store: CallStore | None, profile: Profile, **kw: Any
) -> DocumentAnalysis:
    with Analyzer(settings, store, **kw) as an:
        return an.analyze(make_selection(0), profile, run_id=1, document_id=1)


@pytest.mark.parametrize(
    "fault,kind",
    [
        ("429", "rate_limit"),
        ("529", "overloaded"),
        ("500", "server"),
        ("timeout", "timeout"),
        ("reset", "connection"),
    ],
)
def test_retryable_fault_is_retried_then_succeeds(
    fault: str, kind: str, fake: FakeAPI, api_settings, store: CallStore, profile: Profile
) -> None:
    fake.faults.extend([fault])
    sleeps: list[float] = []
    a = _run(api_settings, store, profile, sleep=sleeps.append)
    assert a.status == "analysed" and a.reason is None
    assert [s.outcome for s in a.steps] == ["error", "ok"]
    assert a.steps[0].kind == kind
    assert len(fake.calls("/v1/messages")) == 2
    calls = store.calls(run_id=1)
    assert [(c.attempt, c.status, c.error_kind) for c in calls] == [
        (1, "error", kind),
        (2, "ok", None),
    ]
    assert len(sleeps) == 1


def test_retry_after_is_honoured_and_capped(
    fake: FakeAPI, tmp_path: Path, store: CallStore, profile: Profile
) -> None:
    fake.retry_after = "0.015"
    fake.faults.extend(["429"])
    settings = make_settings(tmp_path, fake.url, max_backoff_s=5.0)
    sleeps: list[float] = []
    assert _run(settings, store, profile, sleep=sleeps.append).status == "analysed"
    assert sleeps == [pytest.approx(0.015)]
    fake.retry_after = "3600"
    fake.faults.extend(["429"])
    capped = make_settings(tmp_path, fake.url, max_backoff_s=0.02)
    sleeps.clear()
    with Analyzer(capped, None, sleep=sleeps.append) as an:
        assert an.analyze(make_selection(1), profile).status == "analysed"
    assert sleeps == [pytest.approx(0.02)]


@pytest.mark.parametrize(
    "fault,kind",
    [
        ("malformed", "schema"),
        ("bad_cite", "schema"),
        ("refusal", "refusal"),
        ("max_tokens", "truncated"),
    ],
)
def test_invalid_output_gets_one_repair(
    fault: str, kind: str, fake: FakeAPI, api_settings, store: CallStore, profile: Profile
) -> None:
    fake.faults.extend([fault])
    a = _run(api_settings, store, profile)
    assert a.status == "analysed"
    assert [s.outcome for s in a.steps] == ["invalid", "repair", "ok"]
    assert a.steps[0].kind == kind
    bodies = [r.body for r in fake.calls("/v1/messages")]
    assert len(bodies) == 2
    # -- the repair re-asks with the validation error --
    assert "<repair>" in bodies[1]["messages"][0]["content"]
    assert "<repair>" not in bodies[0]["messages"][0]["content"]
    # -- the paid invalid attempt counts in usage and cost --
    invalid = store.calls(run_id=1, status="invalid")[0]
    assert invalid.input_tokens > 0 and invalid.cost_usd and invalid.cost_usd > 0
    assert a.cost_usd == pytest.approx(sum(c.cost_usd or 0 for c in store.calls(run_id=1)))


def test_second_invalid_output_falls_back_to_secondary(
    fake: FakeAPI, tmp_path: Path, store: CallStore, profile: Profile
) -> None:
    settings = make_settings(tmp_path, fake.url, secondary="openai:gpt-4o-mini")
    settings = settings.model_copy(
        update={
            "openai_base_url": fake.url + "/v1",
            "openai_api_key": __import__("pydantic").SecretStr(OPENAI_KEY),
        }
    )
    fake.faults.extend(["malformed", "refusal"])
    a = _run(settings, store, profile)
    assert a.status == "analysed"
    assert (a.provider, a.model) == ("openai", "gpt-4o-mini")
    assert a.reason and "invalid output after one repair" in a.reason
    assert [s.outcome for s in a.steps] == ["invalid", "repair", "invalid", "fallback", "ok"]
    assert len(fake.calls("/v1/chat/completions")) == 1
    assert all(r.auth_ok for r in fake.records)
    ok = store.calls(run_id=1, status="ok")[0]
    assert ok.provider == "openai" and ok.fallback_reason and "anthropic" in ok.fallback_reason


def test_spend_limit_is_not_retried(
    fake: FakeAPI, tmp_path: Path, store: CallStore, profile: Profile
) -> None:
    settings = make_settings(tmp_path, fake.url, secondary="openai:gpt-4o-mini")
    settings = settings.model_copy(update={"openai_base_url": closed_port_url() + "/v1"})
    fake.faults.extend(["spend"])
    sleeps: list[float] = []
    a = _run(settings, store, profile, sleep=sleeps.append)
    assert len(fake.calls("/v1/messages")) == 1  # -- never re-sent --
    assert a.steps[0].kind == "spend_limit"
    assert a.status == "degraded"
    assert a.reason and "spend_limit (not retryable)" in a.reason
    assert "connection (retries exhausted)" in a.reason  # -- the unreachable secondary --
    assert a.answers == []


def test_retries_exhausted_then_degraded(
    fake: FakeAPI, api_settings, store: CallStore, profile: Profile
) -> None:
    fake.faults.extend(["529"] * 4)
    a = _run(api_settings, store, profile)
    assert a.status == "degraded"
    assert a.reason and "overloaded (retries exhausted)" in a.reason
    assert len(fake.calls("/v1/messages")) == 4  # -- 1 + max_retries --


def test_openai_malformed_json_is_repaired(
    fake: FakeAPI, tmp_path: Path, store: CallStore, profile: Profile
) -> None:
    from pydantic import SecretStr

    settings = make_settings(tmp_path, None, primary="openai:my-vllm-model")
    settings = settings.model_copy(
        update={"openai_base_url": fake.url + "/v1", "openai_api_key": SecretStr(OPENAI_KEY)}
    )
    fake.faults.extend(["malformed"])
    a = _run(settings, store, profile)
    assert a.status == "analysed" and a.provider == "openai"
    assert a.steps[0].kind == "malformed_json"
    assert a.cost_usd is None  # -- a model with no price on file: cost unknown, not 0 --


def test_spend_limit_disables_the_provider_for_the_run(
    fake: FakeAPI, api_settings, store: CallStore, profile: Profile
) -> None:
    fake.faults.extend(["spend"])
    with Analyzer(api_settings, store) as an:
        first = an.analyze(make_selection(0), profile)
        second = an.analyze(make_selection(1), profile)
    assert first.status == second.status == "degraded"
    assert second.steps[0].outcome == "skipped" and second.steps[0].kind == "disabled"
    assert len(fake.calls("/v1/messages")) == 1  # -- no more calls to a provider out of credit --


def test_document_token_budget_is_checked_before_sending(
    fake: FakeAPI, api_settings, store: CallStore, profile: Profile
) -> None:
    from docsieve.settings import BudgetSettings

    tight = api_settings.model_copy(update={"budget": BudgetSettings(document_tokens=500)})
    a = _run(tight, store, profile)
    assert a.status == "degraded" and a.reason and "budget" in a.reason
    assert len(fake.calls("/v1/messages/count_tokens")) == 1  # -- counted by Claude --
    assert fake.calls("/v1/messages") == []  # -- nothing paid --
    assert store.calls(run_id=1)[0].error_kind == "budget"
