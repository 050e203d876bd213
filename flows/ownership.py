"""Who owns a run and its stage-2 slots: the run lease of a folder and profile, the
unfinished run to resume, and the reconciliation of calls in flight at a kill (ADR 0008).

Leases (:mod:`storage.leases`) rather than Prefect's global concurrency slots: a lease
lapses when its holder dies, so a killed run never blocks the next.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from docsieve.settings import Settings
from docsieve.types import DocStatus, IngestResult
from flows.runtime import database
from storage import budget, leases, repo
from storage.calls_repo import reconcile_calls

log = logging.getLogger(__name__)


def stage2_slot(settings: Settings) -> Any:
    """One of ``run.stage2_concurrency`` stage-2 slots, shared by every process on the database.

    Our own leases (:mod:`storage.leases`), not Prefect's global concurrency
    slots: a slot lapses when its holder dies, so a killed run never blocks the next.
    """
    return leases.slot(
        database(settings), settings.run.stage2_limit_name, settings.run.stage2_concurrency
    )


def resumable_run(settings: Settings, root: str, profile: str | None) -> int | None:
    """The latest unfinished run of the same folder and profile, if any."""
    with database(settings).session() as s:
        return repo.unfinished_run_id(s, "run", root, profile)


def run_lease_name(root: str, profile: str | None) -> str:
    key = hashlib.sha256(f"{root}\0{profile or ''}".encode()).hexdigest()[:40]
    return f"run:{key}"


def take_run(settings: Settings, root: str, profile: str | None) -> tuple[str, str]:
    """Own the runs of ``root`` and ``profile`` in this process, or raise naming the owner.

    Returns the lease's name and owner.
    """
    db = database(settings)
    owner = leases.new_owner()
    name = run_lease_name(root, profile)
    ok, holder = leases.try_acquire(db, name, owner)
    if not ok:
        who = holder.describe() if holder else "another process"
        raise leases.LeaseHeldError(
            f"{root} is being processed by {who}; wait for it to finish, or stop it"
        )
    leases.keeper(db).add(name, owner)
    return name, owner


def reconcile_run(settings: Settings, run_id: int) -> int:
    """Calls in flight when the run's last owner died become "unknown outcome"; budgets follow."""
    with database(settings).session() as s:
        n = reconcile_calls(s, run_id)
        budget.reconcile(s, run_id)
    if n:
        log.warning(
            "run %s: %d call(s) in flight at a kill: unknown outcome, worst case", run_id, n
        )
    return n


def previous_ingest(settings: Settings, run_id: int) -> list[IngestResult]:
    db = database(settings)
    with db.session() as s:
        return [
            IngestResult(
                path=i.path, status=DocStatus(i.status), reason=i.reason, document_id=i.document_id
            )
            for i in repo.run_items(s, run_id, stage="ingest")
        ]
