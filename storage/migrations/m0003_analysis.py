"""Migration 3: stage 2 tables (model-call log, response cache, document analyses)."""

from sqlalchemy.engine import Connection

from storage import tables_analysis as t
from storage.db import create_tables

VERSION = 3
DESCRIPTION = "analysis: model calls, response cache, document analyses"


def upgrade(conn: Connection) -> None:
    create_tables(conn, t.ModelCallRow, t.ResponseCacheRow, t.DocumentAnalysisRow)
