"""Migration 4: the token/cost ledger and budget reservations."""

from sqlalchemy.engine import Connection

from storage import tables_ledger as t
from storage.db import create_tables

VERSION = 4
DESCRIPTION = "ledger and budgets"


def upgrade(conn: Connection) -> None:
    create_tables(conn, t.LedgerRow, t.BudgetRow)
