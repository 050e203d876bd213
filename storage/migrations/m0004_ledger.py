"""Migration 4: the token/cost ledger and budget reservations."""

from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from storage import tables_ledger as t

VERSION = 4
DESCRIPTION = "ledger and budgets"


def upgrade(conn: Connection) -> None:
    SQLModel.metadata.create_all(conn, tables=[
        t.LedgerRow.__table__, t.BudgetRow.__table__,  # type: ignore[list-item]
    ])
