"""Migration 3: stage 2 tables (model-call log, response cache, document analyses)."""

from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from storage import tables_analysis as t

VERSION = 3
DESCRIPTION = "analysis: model calls, response cache, document analyses"


def upgrade(conn: Connection) -> None:
    SQLModel.metadata.create_all(conn, tables=[
        t.ModelCallRow.__table__, t.ResponseCacheRow.__table__,  # type: ignore[list-item]
        t.DocumentAnalysisRow.__table__,  # type: ignore[list-item]
    ])
