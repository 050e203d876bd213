"""The budget covers the whole chain: malformed answers and a secondary never overspend."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from analyzers import Analyzer
from analyzers.budget import analyze_within_budget
from docsieve.profiles import Profile
from storage import budget, repo
from storage.calls_repo import CallStore
from storage.db import open_database
from storage.tables_ledger import BudgetRow
from tests.analyzers.conftest import make_selection, make_settings
from tests.fakeapi import FakeAPI


def _spent_on_the_wire(fake: FakeAPI) -> int:
    """Every token the server billed: input, cache and output of each answered call."""
    total = 0
    for r in fake.calls("/v1/messages"):
        u = r.usage
        total += sum(
            int(u.get(k) or 0)
            for k in (
                "input_tokens",
                "output_tokens",
                "cache_creation_input_tokens",
                "cache_read_input_tokens",
            )
        )
    return total


@pytest.mark.parametrize("limit", [("run_tokens", 8000), ("run_usd", 0.05)])
def test_malformed_answers_and_a_secondary_stay_within_the_run_budget(
    limit: tuple[str, float],
    fake: FakeAPI,
    tmp_path: Path,
    database_url: str,
    profile: Profile,
) -> None:
    key, value = limit
    fake.set_fault_rate(1.0, kinds=("malformed",))  # -- every answer is of the wrong shape --
    settings = make_settings(
        tmp_path,
        fake.url,
        secondary="anthropic:claude-haiku-4-5",
        max_output_tokens=400,
        prompt_caching=False,
    )
    db = open_database(database_url)
    with db.session() as s:
        run_id = repo.start_run(s, "run").id
    assert run_id is not None
    store = CallStore(db)
    spent_usd = 0.0
    with Analyzer(settings, store) as an:
        for i in range(6):
            with db.session() as s:
                budget.ensure_budgets(
                    s,
                    run_id,
                    run_tokens=int(value) if key == "run_tokens" else None,
                    run_usd=value if key == "run_usd" else None,
                )
            out = analyze_within_budget(
                an, make_selection(i), profile, budget.StoredBudget(db, run_id, None), run_id=run_id
            )
            if out.analysis is not None:
                spent_usd += out.analysis.cost_usd or 0.0
    with db.session() as s:
        row = s.exec(repo_budget_rows(run_id)).one()
    wire = _spent_on_the_wire(fake)
    assert wire > 0, "nothing was sent: the test proves nothing"
    if key == "run_tokens":
        assert wire <= value and row.spent_tokens <= value
    else:
        assert spent_usd <= value + 1e-9 and row.spent_usd <= value + 1e-9
    assert row.reserved_tokens == 0 and row.reserved_usd == pytest.approx(0.0)
    # -- each paid attempt is in the log with the billed usage --
    logged = sum(c.input_tokens + c.output_tokens for c in store.calls(run_id=run_id))
    assert logged == wire
    db.dispose()


def repo_budget_rows(run_id: int) -> Any:
    from sqlmodel import select

    return select(BudgetRow).where(BudgetRow.run_id == run_id, BudgetRow.scope == "run")
