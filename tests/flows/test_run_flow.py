"""The main job end to end: offline by default, and against the fake Anthropic server
(ledger adds up to the call log, budgets hold, Prefect sees the run and its artifacts)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from sqlmodel import select

from analyzers.pricing import PriceTable
from docsieve.analysis import Usage
from docsieve.settings import Settings
from flows.run import run_flow
from flows.runtime import database
from reports import build_report, to_html
from storage.tables import RunRow
from storage.tables_analysis import ModelCallRow
from storage.tables_ledger import BudgetRow, LedgerRow
from tests.fakeapi import ANTHROPIC_KEY, FakeAPI
from tests.flows.conftest import write_contract

FAST: dict[str, Any] = {
    "timeout_s": 5,
    "max_retries": 2,
    "max_backoff_s": 0.05,
    "backoff_base_s": 0.01,
}


def _api_settings(base: Settings, url: str, **extra: Any) -> Settings:
    return base.model_copy(
        update={
            "anthropic_api_key": __import__("pydantic").SecretStr(ANTHROPIC_KEY),
            "anthropic_base_url": url,
            "analyze": base.analyze.model_copy(update=FAST),
            **extra,
        }
    )


def test_offline_run_answers_with_citations_and_publishes_artifacts(
    contracts: Path, flow_settings: Settings, prefect_api: str
) -> None:
    summary = run_flow(str(contracts), flow_settings)
    assert [d.status for d in summary.documents] == ["analysed"] * 3
    db = database(flow_settings)
    with db.session() as s:
        report = build_report(s, summary.run_id)
        run = s.get(RunRow, summary.run_id)
        assert run is not None and run.status == "completed" and run.prefect_flow_run_id
        flow_run_id = run.prefect_flow_run_id
    assert report.selected_fraction < 1.0
    assert report.funnel["select"]["tokens"] < report.funnel["document"]["tokens"]
    a = report.analyses[0]
    assert a.extractive and a.provider == "extractive"
    cited = [c for ans in a.answers for c in ans.citations]
    assert cited and all(c.page_start >= 1 for c in cited)
    html = to_html(report)
    assert "<svg" in html and "Token funnel" in html

    # -- the run and its artifacts, found through the Prefect API --
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    async def lookup() -> tuple[str, list[str]]:
        async with get_client() as client:
            fr = await client.read_flow_run(UUID(str(flow_run_id)))
            arts = await client.read_artifacts(
                artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[fr.id]))
            )
            return fr.state_name or "", sorted(a.key or "" for a in arts)

    state, keys = asyncio.run(lookup())
    assert state == "Completed"
    # -- keyed by database too: two databases on one Prefect server keep their own --
    assert len(keys) == 2 and keys[0].endswith(f"-funnel-{summary.run_id}")
    assert keys[1].endswith(f"-run-{summary.run_id}") and keys[0][:17] == keys[1][:17]
    assert keys[0] != f"docsieve-funnel-{summary.run_id}"


def test_ledger_adds_up_to_the_call_log(contracts: Path, flow_settings: Settings) -> None:
    with FakeAPI() as api:
        settings = _api_settings(flow_settings, api.url)
        summary = run_flow(str(contracts), settings)
    assert {d.status for d in summary.documents} == {"analysed"}
    prices = PriceTable.load(settings.data_dir)
    db = database(settings)
    with db.session() as s:
        calls = list(s.exec(select(ModelCallRow).where(ModelCallRow.run_id == summary.run_id)))
        rows = [
            r
            for r in s.exec(select(LedgerRow).where(LedgerRow.run_id == summary.run_id))
            if r.stage == "analyze"
        ]
        report = build_report(s, summary.run_id)
    assert calls and len(rows) == 3
    assert sum(r.tokens_in for r in rows) == sum(c.input_tokens for c in calls)
    assert sum(r.tokens_out for r in rows) == sum(c.output_tokens for c in calls)
    total = sum(r.cost_usd for r in rows)
    assert total == pytest.approx(sum(c.cost_usd or 0 for c in calls))
    # -- and each call's cost is the server's usage priced from data/prices.toml --
    for c in calls:
        usage = Usage(
            input_tokens=c.input_tokens,
            output_tokens=c.output_tokens,
            cache_write_tokens=c.cache_write_tokens,
            cache_read_tokens=c.cache_read_tokens,
        )
        assert c.cost_usd == pytest.approx(prices.cost(usage, c.model))
    assert report.cost_by_stage["stage 2 (API)"] == pytest.approx(total)
    assert report.baseline_usd > total > 0


def test_budget_smaller_than_needed_degrades_and_holds(
    tmp_path: Path, flow_settings: Settings
) -> None:
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(5):
        write_contract(folder / f"c{i}.txt", 10 + i)
    with FakeAPI() as api:
        base = _api_settings(flow_settings, api.url)
        limit = 0.03
        settings = base.model_copy(
            update={"budget": base.budget.model_copy(update={"run_usd": limit})}
        )
        summary = run_flow(str(folder), settings)
    statuses = [d.status for d in summary.documents]
    assert "deferred" in statuses, statuses  # -- the budget cannot cover all five --
    assert any(d.degraded for d in summary.documents)
    db = database(settings)
    with db.session() as s:
        spent = sum(
            c.cost_usd or 0
            for c in s.exec(select(ModelCallRow).where(ModelCallRow.run_id == summary.run_id))
        )
        run_budget = s.exec(
            select(BudgetRow).where(BudgetRow.run_id == summary.run_id, BudgetRow.scope == "run")
        ).one()
        run = s.get(RunRow, summary.run_id)
    assert spent <= limit + 1e-9
    assert run_budget.reserved_usd == pytest.approx(0.0, abs=1e-9)
    assert run is not None and run.summary_json["deferred"]
