"""Scheduled runs: a Prefect deployment that processes new files in a folder on a cron.

The scheduled flow reads the settings itself when it starts (it is an edge,
like the CLI): deployment parameters are stored by the Prefect server, and
secrets must never be among them.
"""

from __future__ import annotations

from typing import Any

from prefect import flow

from docsieve.settings import load_settings
from flows.run import RunSummary, run_with_runner

DEPLOYMENT_NAME = "docsieve-scheduled"


@flow(name="docsieve-scheduled-run", flow_run_name="scheduled {root}")
def scheduled_run(root: str, profile: str | None = None) -> RunSummary:
    """Process ``root``: unchanged files are skipped, new ones go through the pipeline."""
    settings = load_settings()
    return run_with_runner(root, settings, profile=profile)


def deployment(root: str, cron: str, profile: str | None = None) -> Any:
    """The deployment object (used by ``serve`` and by tests)."""
    return scheduled_run.to_deployment(
        name=DEPLOYMENT_NAME,
        cron=cron,
        parameters={"root": root, "profile": profile},
        description=f"docsieve: process new files in {root} on '{cron}'",
    )


def serve(root: str, cron: str, profile: str | None = None) -> None:  # pragma: no cover
    """Serve the deployment until interrupted (blocks)."""
    from prefect import serve as prefect_serve

    prefect_serve(deployment(root, cron, profile))
