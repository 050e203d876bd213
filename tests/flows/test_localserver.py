"""The local Prefect server's bookkeeping (no server is started here: the tests never start
or reuse one, docs/adr/0011) and the no-op ingest that starts nothing."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from docsieve.settings import Settings, load_settings
from flows import localserver, runtime
from flows.noop import ingest_if_unchanged
from tests.flows.conftest import write_contract


def test_no_recorded_server_and_stale_records(tmp_path: Path) -> None:
    assert localserver.status(tmp_path) is None and localserver.stop(tmp_path) is None
    state = localserver.folder(tmp_path) / "server.json"
    state.parent.mkdir(parents=True)
    # -- a live pid that is not a Prefect server (this test process): never ours to stop --
    info = {"pid": os.getpid(), "port": 4999, "url": "http://127.0.0.1:4999/api", "log": "x"}
    state.write_text(json.dumps(info))
    assert localserver.status(tmp_path) is None
    assert localserver.stop(tmp_path) is None and not state.exists()
    assert not localserver.healthy("http://127.0.0.1:9/api", timeout=0.5)


def test_a_configured_api_url_or_temporary_mode_starts_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:4555/api")
    local = load_settings(home=tmp_path, prefect_server="local")
    assert runtime.use_prefect_server(local) == "http://127.0.0.1:4555/api"
    monkeypatch.delenv("PREFECT_API_URL")
    temporary = load_settings(home=tmp_path, prefect_server="temporary")
    runtime.use_prefect_server(temporary)
    assert not (tmp_path / "prefect").exists()


def test_noop_ingest_records_the_run_without_prefect(
    tmp_path: Path, flow_settings: Settings
) -> None:
    from flows import states
    from flows.ingest import ingest_flow
    from flows.runtime import database
    from storage import repo

    folder = tmp_path / "docs"
    folder.mkdir()
    write_contract(folder / "a.txt", 1)
    db = database(flow_settings)
    assert ingest_if_unchanged(db, flow_settings, folder) is None  # -- new file: real work --
    states.call(ingest_flow, str(folder), flow_settings)
    fast = ingest_if_unchanged(db, flow_settings, folder)
    assert fast is not None
    run_id, results = fast
    assert [r.status.value for r in results] == ["unchanged"] and results[0].doc_type
    with db.session() as s:
        run = repo.get_run(s, run_id)
        assert run is not None and run.status == "completed" and run.prefect_flow_run_id is None
    (folder / ".hidden.txt").write_text("x")  # -- anything unusual takes the flow --
    assert ingest_if_unchanged(db, flow_settings, folder) is None
    (folder / ".hidden.txt").unlink()
    write_contract(folder / "a.txt", 2)  # -- changed --
    assert ingest_if_unchanged(db, flow_settings, folder) is None
