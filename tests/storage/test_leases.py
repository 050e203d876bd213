"""Leases on runs and stage-2 slots; calls and reservations left by a dead process."""

from __future__ import annotations

import subprocess
import sys
import time
from typing import Any

import pytest

from storage import budget, leases, repo
from storage.calls_repo import CallStore, reconcile_calls
from storage.db import open_database
from storage.tables_ledger import BudgetRow


def _dead_owner() -> str:
    """The owner string of a process that has ended (same host)."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    start = leases._start_time(proc.pid)
    return f"{leases.process_owner().split(':')[0]}:{proc.pid}:{start}:dead0000"


def test_one_owner_until_it_dies_or_lapses(database_url: str) -> None:
    db = open_database(database_url)
    me, other = leases.new_owner(), leases.new_owner()
    assert leases.try_acquire(db, "run:x", me, run_id=3) == (True, None)
    ok, holder = leases.try_acquire(db, "run:x", other)
    assert not ok and holder is not None and holder.owner == me
    assert "run 3, pid" in holder.describe()
    assert leases.try_acquire(db, "run:x", me)[0]  # -- the owner may take it again --
    # -- a lapsed lease is free --
    assert leases.try_acquire(db, "run:y", me, ttl=-1.0)[0]
    ok, before = leases.try_acquire(db, "run:y", other)
    assert ok and before is not None and before.owner == me
    # -- a dead process's lease is free at once, before it lapses --
    dead = _dead_owner()
    assert leases.owner_is_dead(dead) and not leases.owner_is_dead(me)
    assert leases.try_acquire(db, "run:z", dead, ttl=3600)[0]
    assert leases.try_acquire(db, "run:z", other)[0]
    # -- renewal and release only touch the owner's rows --
    assert leases.renew(db, {"run:z": other, "run:x": other}) == {"run:z"}
    leases.release(db, "run:x", other)
    assert not leases.try_acquire(db, "run:x", other)[0]
    leases.release(db, "run:x", me)
    assert leases.try_acquire(db, "run:x", other)[0]
    db.dispose()


def test_slots_lapse_with_their_holder(database_url: str) -> None:
    db = open_database(database_url)
    dead = _dead_owner()
    for k in range(2):  # -- a killed process held both slots --
        assert leases.try_acquire(db, f"slot:s2:{k}", dead, ttl=3600)[0]
    t0 = time.monotonic()
    with leases.slot(db, "s2", 2) as name:
        assert name.startswith("slot:s2:")
        other = leases.new_owner()
        assert not leases.try_acquire(db, name, other)[0]  # -- held while inside --
    assert time.monotonic() - t0 < 5
    assert leases.try_acquire(db, name, leases.new_owner())[0]  # -- given back on exit --
    db.dispose()


def test_calls_in_flight_at_a_kill_count_at_their_worst_case(database_url: str) -> None:
    db = open_database(database_url)
    with db.session() as s:
        run_id = repo.start_run(s, "run").id
        assert run_id is not None
        budget.ensure_budgets(s, run_id, run_tokens=10_000, run_usd=1.0)
    store = CallStore(db)
    common: dict[str, Any] = {
        "run_id": run_id,
        "document_id": 1,
        "provider": "anthropic",
        "model": "m",
    }
    store.log_call(**common, status="ok", input_tokens=300, output_tokens=50, cost_usd=0.002)
    store.log_call(**common, status="pending", input_tokens=400, output_tokens=500, cost_usd=0.01)
    budget.StoredBudget(db, run_id, None).reserve(2000, 0.5)  # -- held by the dead process --
    with db.session() as s:
        assert reconcile_calls(s, run_id) == 1
        budget.reconcile(s, run_id)
    statuses = [(c.status, c.error_kind) for c in store.calls(run_id=run_id)]
    assert statuses == [("ok", None), ("unknown", "unknown_outcome")]
    with db.session() as s:
        row = s.exec(budget.select(BudgetRow).where(BudgetRow.run_id == run_id)).one()
    assert (row.reserved_tokens, row.reserved_usd) == (0, pytest.approx(0.0))
    assert row.spent_tokens == 350 + 900 and row.spent_usd == pytest.approx(0.012)
    db.dispose()
