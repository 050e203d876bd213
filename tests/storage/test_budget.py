"""Budget reservations hold under concurrency on SQLite and PostgreSQL."""

from __future__ import annotations

import threading

import pytest

from docsieve.errors import BudgetExceededError
from storage import budget, repo
from storage.db import open_database
from storage.tables import DocumentRow


def _run_and_doc(db) -> tuple[int, int]:
    with db.session() as s:
        run = repo.start_run(s, "run")
        doc = DocumentRow(path="/x.pdf", sha256="0" * 64, status="ok")
        s.add(doc)
        s.flush()
        assert run.id is not None and doc.id is not None
        return run.id, doc.id


def test_reserve_settle_release(database_url: str) -> None:
    db = open_database(database_url)
    run_id, doc_id = _run_and_doc(db)
    with db.session() as s:
        budget.ensure_budgets(
            s,
            run_id,
            run_tokens=1000,
            run_usd=1.0,
            document_id=doc_id,
            document_tokens=600,
            document_usd=None,
        )
    with db.session() as s:
        r = budget.reserve(s, run_id, doc_id, 500, 0.5)
    # -- the document budget (600) refuses a second 500 although the run has room --
    with db.session() as s, pytest.raises(BudgetExceededError, match="document budget"):
        budget.reserve(s, run_id, doc_id, 500, 0.1)
    with db.session() as s:
        budget.settle(s, r, 300, 0.25)
    with db.session() as s:
        assert budget.remaining(s, run_id, doc_id) == (300, pytest.approx(0.75))
        r2 = budget.reserve(s, run_id, doc_id, 300, 0.1)
        budget.release(s, r2)
        assert budget.remaining(s, run_id, doc_id)[0] == 300
    db.dispose()


def test_parallel_reservations_never_overspend(database_url: str) -> None:
    db = open_database(database_url)
    run_id, _ = _run_and_doc(db)
    with db.session() as s:
        budget.ensure_budgets(s, run_id, run_tokens=None, run_usd=1.0)
    wins: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(10):
            try:
                with db.session() as s:
                    budget.reserve(s, run_id, None, 1, 0.07)
                with lock:
                    wins.append(1)
            except BudgetExceededError:
                pass

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # -- 60 attempts at $0.07 against $1.00: exactly 14 fit --
    assert len(wins) == 14
    with db.session() as s:
        _, usd = budget.remaining(s, run_id, None)
        assert usd is not None and usd == pytest.approx(1.0 - 14 * 0.07)
    db.dispose()
