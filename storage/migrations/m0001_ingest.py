"""Migration 1: runs, documents, run items, elements, chunk sets and chunks."""

from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from storage import tables as t

VERSION = 1
DESCRIPTION = "ingest and chunk tables"


def upgrade(conn: Connection) -> None:
    SQLModel.metadata.create_all(conn, tables=[
        t.RunRow.__table__, t.DocumentRow.__table__, t.RunItemRow.__table__,  # type: ignore[list-item]
        t.ElementRow.__table__, t.ChunkSetRow.__table__, t.ChunkRow.__table__,  # type: ignore[list-item]
    ])
