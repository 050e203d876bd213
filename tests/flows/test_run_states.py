"""Issue 12's table, the run rows: a degraded run exits 4 and its Prefect flow run ends
Failed/Degraded, with logs that say why (and never the key); a file that failed to parse
is a Failed task run; unknown runs exit 2."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from typer.testing import CliRunner

from docsieve.settings import Settings
from flows.cli import app
from tests.fakeapi import closed_port_url

KEY = "sk-ant-test-DO-NOT-LOG-7f3a"


@pytest.fixture
def cli(flow_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("DOCSIEVE_DATABASE_URL", flow_settings.db_url)
    monkeypatch.setenv("DOCSIEVE_HOME", str(flow_settings.home))
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    return CliRunner()


def _prefect(flow_run_id: str) -> tuple[Any, list[Any], list[Any]]:
    """The flow run, its task runs and its logs, read back through the Prefect API."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        FlowRunFilter,
        FlowRunFilterId,
        LogFilter,
        LogFilterFlowRunId,
    )

    async def read() -> tuple[Any, list[Any], list[Any]]:
        async with get_client() as client:
            fr = await client.read_flow_run(UUID(flow_run_id))
            tasks = await client.read_task_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[fr.id]))
            )
            logs = await client.read_logs(
                log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[fr.id]))
            )
            return fr, tasks, logs

    return asyncio.run(read())


def _flow_run_id(settings: Settings, run_id: int) -> str:
    from flows.runtime import database
    from storage.tables import RunRow

    with database(settings).session() as s:
        run = s.get(RunRow, run_id)
        assert run is not None and run.prefect_flow_run_id
        return str(run.prefect_flow_run_id)


def test_unreachable_api_degrades_exits_4_and_says_why(
    contracts: Path, cli: CliRunner, flow_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", closed_port_url())
    monkeypatch.setenv("DOCSIEVE_ANALYZE__MAX_RETRIES", "0")
    monkeypatch.setenv("DOCSIEVE_ANALYZE__TIMEOUT_S", "2")
    res = cli.invoke(app, ["run", str(contracts), "--json"])
    assert res.exit_code == 4, (res.output, res.exception)
    run = json.loads(res.stdout)
    assert {d["status"] for d in run["documents"]} == {"degraded"}
    assert all(d["fallbacks"] and d["reason"] for d in run["documents"])

    fr, tasks, logs = _prefect(_flow_run_id(flow_settings, run["run_id"]))
    assert fr.state.type.value == "FAILED" and fr.state.name == "Degraded"
    process = [t for t in tasks if t.name.startswith("process ")]
    assert len(process) == 3 and all(t.state.name == "Degraded" for t in process)
    text = "\n".join(f"{log.level} {log.message}" for log in logs)
    assert "type contract" in text and "chunks" in text and "tokens selected" in text
    assert "fallback: anthropic:" in text and "degraded: " in text
    assert KEY not in text


def test_failed_file_is_a_failed_task_run_and_the_batch_goes_on(
    contracts: Path, cli: CliRunner, flow_settings: Settings
) -> None:
    (contracts / "broken.pdf").write_bytes(b"%PDF-1.4 not really")
    res = cli.invoke(app, ["run", str(contracts), "--json"])
    assert res.exit_code == 3, (res.output, res.exception)
    run = json.loads(res.stdout)
    assert [d["status"] for d in run["documents"]] == ["analysed"] * 3

    fr, tasks, logs = _prefect(_flow_run_id(flow_settings, run["run_id"]))
    assert fr.state.type.value == "FAILED" and "broken.pdf" in (fr.state.message or "")
    states = {t.name: t.state.type.value for t in tasks}
    assert states["ingest broken.pdf"] == "FAILED"
    assert [v for k, v in states.items() if k.startswith("process ")] == ["COMPLETED"] * 3
    assert any("broken.pdf: failed" in log.message for log in logs)


def test_unknown_run_ids_exit_2(cli: CliRunner, prefect_api: str) -> None:
    for args in (["replay", "999"], ["cost", "--run-id", "999"], ["report", "999"]):
        res = cli.invoke(app, args)
        assert res.exit_code == 2 and "no run 999" in res.output, (args, res.output)
