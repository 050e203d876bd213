"""Scale-out: the per-document tasks run on a local Dask cluster (worker processes),
sharing one PostgreSQL database."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from docsieve.settings import Settings
from flows.run import run_with_runner
from flows.runtime import database
from storage.tables_analysis import DocumentAnalysisRow


@pytest.mark.slow
def test_run_on_a_local_dask_cluster_with_postgres(
    contracts: Path, flow_settings: Settings, database_url: str
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("the Dask run shares PostgreSQL; the SQLite variant is not the use case")
    settings = flow_settings.model_copy(
        update={
            "database_url": database_url,
            "run": flow_settings.run.model_copy(update={"task_runner": "dask", "workers": 2}),
        }
    )
    summary = run_with_runner(str(contracts), settings)
    assert [d.status for d in summary.documents] == ["analysed"] * 3
    with database(settings).session() as s:
        rows = list(
            s.exec(select(DocumentAnalysisRow).where(DocumentAnalysisRow.run_id == summary.run_id))
        )
    assert len(rows) == 3 and all(r.status == "analysed" for r in rows)
