"""Schema migrations apply in order, once, on SQLite and PostgreSQL, and build the schema
the table classes describe."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel, create_engine

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


# -- the migrations' literal DDL builds exactly the schema the table classes describe --


@pytest.fixture
def reference_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """A second empty database on the same backend, for the schema the classes create."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{(tmp_path / 'reference.db').as_posix()}"
        return
    import psycopg

    schema = f"r_{uuid.uuid4().hex[:12]}"
    dsn = "host=127.0.0.1 port=5432 user=postgres dbname=test"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield database_url.rsplit("%3D", 1)[0] + f"%3D{schema}"
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def _schema(engine: Engine) -> dict[str, Any]:
    """Tables, columns (type, nullability), keys, indexes and unique constraints."""
    insp = inspect(engine)
    out: dict[str, Any] = {}
    for table in sorted(set(insp.get_table_names()) - {"schema_migrations"}):
        out[table] = {
            "columns": [
                (c["name"], str(c["type"].compile(dialect=engine.dialect)), c["nullable"])
                for c in insp.get_columns(table)
            ],
            "primary_key": insp.get_pk_constraint(table)["constrained_columns"],
            "foreign_keys": sorted(
                (tuple(f["constrained_columns"]), f["referred_table"], tuple(f["referred_columns"]))
                for f in insp.get_foreign_keys(table)
            ),
            "indexes": sorted(
                (i["name"], tuple(i["column_names"]), bool(i["unique"]))
                for i in insp.get_indexes(table)
            ),
            "unique": sorted(
                (u["name"], tuple(u["column_names"])) for u in insp.get_unique_constraints(table)
            ),
        }
    return out


def test_migrations_build_the_schema_of_the_models(database_url: str, reference_url: str) -> None:
    import storage.tables
    import storage.tables_analysis
    import storage.tables_ledger
    import storage.tables_select  # noqa: F401 -- every table class in the metadata

    db = open_database(database_url)
    reference = create_engine(reference_url)
    SQLModel.metadata.create_all(reference)
    try:
        migrated, expected = _schema(db.engine), _schema(reference)
    finally:
        db.dispose()
        reference.dispose()
    assert set(expected) == set(SQLModel.metadata.tables)
    assert set(migrated) == set(expected)
    for table in expected:
        assert migrated[table] == expected[table], table
