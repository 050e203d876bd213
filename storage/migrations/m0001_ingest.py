"""Migration 1: runs, documents, run items, elements, chunk sets and chunks."""

from sqlalchemy.engine import Connection

from storage import tables as t
from storage.db import create_tables

VERSION = 1
DESCRIPTION = "ingest and chunk tables"


def upgrade(conn: Connection) -> None:
    create_tables(
        conn, t.RunRow, t.DocumentRow, t.RunItemRow, t.ElementRow, t.ChunkSetRow, t.ChunkRow
    )
