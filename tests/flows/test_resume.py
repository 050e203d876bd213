"""Resumability: a 20-document run killed with SIGKILL at five random points, then let
finish, analyses every document once, and the API server sees no repeated successful call."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlmodel import col, func, select

from docsieve.settings import load_settings
from storage.db import open_database
from storage.tables import RunRow
from storage.tables_analysis import DocumentAnalysisRow
from tests.fakeapi import ANTHROPIC_KEY, FakeAPI
from tests.flows.conftest import REPO, write_contract


def _env(prefect_api: str, db_url: str, api_url: str, home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DOCSIEVE_", "ANTHROPIC_"))}
    env.update(
        {
            "PREFECT_API_URL": prefect_api,
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "DOCSIEVE_DATABASE_URL": db_url,
            "DOCSIEVE_HOME": str(home),
            "ANTHROPIC_API_KEY": ANTHROPIC_KEY,
            "ANTHROPIC_BASE_URL": api_url,
            "DOCSIEVE_ANALYZE__TIMEOUT_S": "10",
            "DOCSIEVE_ANALYZE__MAX_BACKOFF_S": "0.2",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


@pytest.mark.slow
def test_kill_nine_five_times_then_finish(tmp_path: Path, prefect_api: str) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    for i in range(20):
        write_contract(folder / f"contract_{i:02d}.txt", 100 + i)
    db_url = f"sqlite:///{(tmp_path / 'ds.db').as_posix()}"
    cmd = [sys.executable, "-m", "flows.cli", "run", str(folder), "--json"]
    rng = random.Random(20261127)
    with FakeAPI() as api:
        env = _env(prefect_api, db_url, api.url, tmp_path / "home")
        kills = 0
        for _ in range(5):
            proc = subprocess.Popen(
                cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            time.sleep(rng.uniform(3.0, 12.0))
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                kills += 1
            proc.wait()
        final = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
        assert final.returncode == 0, final.stderr[-3000:]
        repeats = api.success_repeats()
        successes = sum(api.successes.values())
    assert kills >= 3, "the runs finished before they could be killed; nothing was tested"
    assert repeats == 0, f"{repeats} successful requests were sent again"

    db = open_database(load_settings(database_url=db_url).db_url)
    with db.session() as s:
        runs = list(s.exec(select(RunRow).where(RunRow.kind == "run")))
        assert len(runs) == 1 and runs[0].status == "completed"  # -- resumed, never restarted --
        per_doc = s.exec(
            select(DocumentAnalysisRow.document_id, func.count())
            .where(col(DocumentAnalysisRow.status).in_(["analysed", "cached"]))
            .group_by(col(DocumentAnalysisRow.document_id))
        ).all()
    assert len(per_doc) == 20
    assert all(n == 1 for _, n in per_doc), per_doc
    assert successes == 20  # -- one paid call per document, over all six processes --
    db.dispose()
