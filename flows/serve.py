"""Scheduled runs: a Prefect deployment that processes new files in a folder on a cron.

The scheduled flow reads the settings itself when it starts (it is an edge,
like the CLI): deployment parameters are stored by the Prefect server, and
secrets must never be among them. Each folder gets its own deployment, named
after it, so serving a second folder does not replace the first.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

from prefect import flow

from docsieve.settings import load_settings
from flows import states
from flows.run import RunSummary, run_with_runner


@flow(name="docsieve-scheduled-run", flow_run_name="scheduled {root}")
def scheduled_run(root: str, profile: str | None = None) -> RunSummary:
    """Process ``root``: unchanged files are skipped, new ones go through the pipeline."""
    settings = load_settings()
    summary = run_with_runner(root, settings, profile=profile)
    # -- the scheduled run's state tells the same truth as the CLI's exit code --
    return states.run_result(
        summary,
        degraded=[Path(d.path).name for d in summary.documents if d.status in states.BAD_ANALYSIS],
        failed=[Path(r.path).name for r in summary.ingest if r.status in ("failed", "needs_ocr")],
    )


def deployment_name(root: str) -> str:
    """``docsieve-<folder>-<6 hex of the full path>``: readable, and unique per folder."""
    slug = re.sub(r"[^a-z0-9]+", "-", Path(root).name.lower()).strip("-") or "root"
    return f"docsieve-{slug}-{hashlib.sha256(root.encode()).hexdigest()[:6]}"


def deployment(
    root: str, cron: str, profile: str | None = None, timezone: str | None = None
) -> Any:
    """The deployment object (used by ``serve`` and by tests)."""
    from prefect.schedules import Cron

    return scheduled_run.to_deployment(
        name=deployment_name(root),
        schedule=Cron(cron, timezone=timezone),
        parameters={"root": root, "profile": profile},
        description=f"docsieve: process new files in {root} on '{cron}' ({timezone or 'UTC'})",
    )


def serve(
    root: str, cron: str, profile: str | None = None, timezone: str | None = None
) -> None:  # pragma: no cover
    """Serve the deployment until interrupted (blocks)."""
    from prefect import serve as prefect_serve

    prefect_serve(deployment(root, cron, profile, timezone))
