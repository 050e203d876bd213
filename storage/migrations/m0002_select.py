"""Migration 2: selection tables (per run, document, question and chunk) and the embedding cache."""

from sqlalchemy.engine import Connection

from storage import tables_select as t
from storage.db import create_tables

VERSION = 2
DESCRIPTION = "selection tables and embedding cache"


def upgrade(conn: Connection) -> None:
    create_tables(conn, t.SelectionDocRow, t.SelectionRow, t.EmbeddingRow)
