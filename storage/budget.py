"""Budget reservations: a call's cost is reserved before it is sent.

``reserve`` adds to ``reserved_*`` with one conditional UPDATE per budget row
(``... WHERE spent + reserved + amount <= limit``). The database applies each
UPDATE atomically, so two tasks racing for the last dollars cannot both win,
on SQLite or PostgreSQL. ``settle`` turns a reservation into spend with the
actual figures; ``release`` gives it back when a call was not made.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, or_, update
from sqlmodel import Session, select

from docsieve.errors import BudgetExceededError
from storage.db import Database
from storage.tables_ledger import BudgetRow


@dataclass(frozen=True)
class Reservation:
    budget_ids: tuple[int, ...]
    tokens: int
    usd: float


def ensure_budgets(
    s: Session,
    run_id: int,
    *,
    run_tokens: int | None,
    run_usd: float | None,
    document_id: int | None = None,
    document_tokens: int | None = None,
    document_usd: float | None = None,
) -> None:
    """Create the run's (and a document's) budget rows if they don't exist yet."""
    wanted = [("run", 0, run_tokens, run_usd)]
    if document_id is not None:
        wanted.append(("document", document_id, document_tokens, document_usd))
    for scope, doc, tokens, usd in wanted:
        row = s.exec(
            select(BudgetRow).where(
                BudgetRow.run_id == run_id, BudgetRow.scope == scope, BudgetRow.document_id == doc
            )
        ).first()
        if row is None:
            s.add(
                BudgetRow(
                    run_id=run_id, scope=scope, document_id=doc, limit_tokens=tokens, limit_usd=usd
                )
            )
    s.flush()


def _rows(s: Session, run_id: int, document_id: int | None) -> list[BudgetRow]:
    q = select(BudgetRow).where(BudgetRow.run_id == run_id)
    rows = [r for r in s.exec(q) if r.scope == "run" or r.document_id == document_id]
    return rows


def reserve(
    s: Session, run_id: int, document_id: int | None, tokens: int, usd: float
) -> Reservation:
    """Reserve ``tokens`` and ``usd`` on the run's and the document's budgets, or raise.

    Call inside its own short transaction; on failure nothing stays reserved.
    """
    t = BudgetRow.__table__  # type: ignore[attr-defined]
    ids: list[int] = []
    for row in _rows(s, run_id, document_id):
        assert row.id is not None
        cond = and_(
            t.c.id == row.id,
            or_(
                t.c.limit_tokens.is_(None),
                t.c.spent_tokens + t.c.reserved_tokens + tokens <= t.c.limit_tokens,
            ),
            or_(
                t.c.limit_usd.is_(None),
                t.c.spent_usd + t.c.reserved_usd + usd <= t.c.limit_usd + 1e-12,
            ),
        )
        res = s.connection().execute(
            update(t)
            .where(cond)
            .values(
                reserved_tokens=t.c.reserved_tokens + tokens, reserved_usd=t.c.reserved_usd + usd
            )
        )
        if res.rowcount != 1:
            _undo(s, ids, tokens, usd)
            raise BudgetExceededError(
                f"{row.scope} budget would be exceeded by {tokens} tokens / ${usd:.4f}",
                scope=row.scope,
                run_id=run_id,
                document_id=document_id,
            )
        ids.append(row.id)
    return Reservation(tuple(ids), tokens, usd)


def _undo(s: Session, ids: list[int], tokens: int, usd: float) -> None:
    t = BudgetRow.__table__  # type: ignore[attr-defined]
    for bid in ids:
        s.connection().execute(
            update(t)
            .where(t.c.id == bid)
            .values(
                reserved_tokens=t.c.reserved_tokens - tokens, reserved_usd=t.c.reserved_usd - usd
            )
        )


def release(s: Session, r: Reservation) -> None:
    _undo(s, list(r.budget_ids), r.tokens, r.usd)


def settle(s: Session, r: Reservation, tokens: int, usd: float) -> None:
    """Replace the reservation by what the call actually cost."""
    t = BudgetRow.__table__  # type: ignore[attr-defined]
    for bid in r.budget_ids:
        s.connection().execute(
            update(t)
            .where(t.c.id == bid)
            .values(
                reserved_tokens=t.c.reserved_tokens - r.tokens,
                reserved_usd=t.c.reserved_usd - r.usd,
                spent_tokens=t.c.spent_tokens + tokens,
                spent_usd=t.c.spent_usd + usd,
            )
        )


def remaining(s: Session, run_id: int, document_id: int | None) -> tuple[int | None, float | None]:
    """Tokens and dollars still free on the tightest applicable budget (None: unlimited)."""
    tok: int | None = None
    usd: float | None = None
    for row in _rows(s, run_id, document_id):
        if row.limit_tokens is not None:
            free = row.limit_tokens - row.spent_tokens - row.reserved_tokens
            tok = free if tok is None else min(tok, free)
        if row.limit_usd is not None:
            free_usd = row.limit_usd - row.spent_usd - row.reserved_usd
            usd = free_usd if usd is None else min(usd, free_usd)
    return tok, usd


class StoredBudget:
    """:class:`analyzers.budget.Budget` on the budget rows of one run and document.

    Each call is its own short transaction, so a reservation is visible to
    every other task and process at once.
    """

    def __init__(self, db: Database, run_id: int, document_id: int | None) -> None:
        self.db, self.run_id, self.document_id = db, run_id, document_id

    def reserve(self, tokens: int, usd: float) -> Reservation:
        with self.db.session() as s:
            return reserve(s, self.run_id, self.document_id, tokens, usd)

    def settle(self, hold: Reservation, tokens: int, usd: float) -> None:
        with self.db.session() as s:
            settle(s, hold, tokens, usd)

    def release(self, hold: Reservation) -> None:
        with self.db.session() as s:
            release(s, hold)


def reconcile(s: Session, run_id: int) -> None:
    """Budgets of a run taken over from a dead process: its reservations lapse, spend is the log.

    The call log holds every attempt, those in flight at the kill at their worst
    case (:func:`storage.calls_repo.reconcile_calls`), so spend is recomputed from it.
    """
    from storage.tables_analysis import ModelCallRow

    calls = [
        c
        for c in s.exec(select(ModelCallRow).where(ModelCallRow.run_id == run_id))
        # -- a batch item still at the API is reserved again and settled when collected --
        if not (c.status == "pending" and c.batch_id)
    ]
    for row in s.exec(select(BudgetRow).where(BudgetRow.run_id == run_id)):
        mine = [c for c in calls if row.scope == "run" or c.document_id == row.document_id]
        row.reserved_tokens, row.reserved_usd = 0, 0.0
        row.spent_tokens = sum(
            c.input_tokens + c.output_tokens + c.cache_write_tokens + c.cache_read_tokens
            for c in mine
        )
        row.spent_usd = sum(c.cost_usd or 0.0 for c in mine)
        s.add(row)
    s.flush()
