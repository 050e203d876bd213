"""Schema migrations apply in order, once, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import inspect

from docsieve.errors import StorageError
from storage.db import discover_migrations, open_database, schema_migrations


def test_migrations_apply_once(database_url: str) -> None:
    db = open_database(database_url, migrate=False)
    assert db.current_version() == 0
    applied = db.migrate()
    versions = [m.version for m in discover_migrations()]
    assert applied == versions
    assert db.migrate() == []  # -- second start applies nothing --
    assert db.current_version() == versions[-1]
    tables = set(inspect(db.engine).get_table_names())
    assert {"runs", "documents", "elements", "chunk_sets", "chunks"} <= tables
    db.dispose()


def test_newer_schema_is_refused(database_url: str) -> None:
    db = open_database(database_url)
    with db.engine.begin() as conn:
        conn.execute(
            schema_migrations.insert().values(
                version=9999, description="from the future", applied_at=datetime.now(UTC)
            )
        )
    with pytest.raises(StorageError, match="newer than this docsieve"):
        db.migrate()
    db.dispose()
