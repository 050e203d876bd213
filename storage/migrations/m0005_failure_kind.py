"""Migration 5: why a document failed, and the parse settings it was read with.

A failure caused by a limit (``max_pages``...) or a transient fault is tried
again when the parse settings change; one caused by the file's content is not
(issue 13, row 10). Literal DDL, as shipped with schema version 5.
"""

from sqlalchemy.engine import Connection

from storage.db import run_ddl

VERSION = 5
DESCRIPTION = "documents: failure kind and parse settings fingerprint"

SQLITE = """
ALTER TABLE documents ADD COLUMN failure_kind VARCHAR(16);
ALTER TABLE documents ADD COLUMN parse_fingerprint VARCHAR(64)
"""

POSTGRESQL = SQLITE


def upgrade(conn: Connection) -> None:
    run_ddl(conn, sqlite=SQLITE, postgresql=POSTGRESQL)
