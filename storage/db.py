"""Engine creation and schema migration on start.

The schema is versioned by numbered migrations in ``storage/migrations``
(``m0001_*.py``, ``m0002_*.py``...). Each has ``VERSION``, ``DESCRIPTION`` and
``upgrade(connection)``, which runs the migration's own literal DDL for SQLite
or PostgreSQL (:func:`run_ddl`), never DDL derived from today's table classes.
Opening a database applies the missing ones in order, in one transaction, and
records them in ``schema_migrations``.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, event, select
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, create_engine

from docsieve.errors import ConfigError, StorageError

_meta = MetaData()
schema_migrations = Table(
    "schema_migrations",
    _meta,
    Column("version", Integer, primary_key=True),
    Column("description", String(200), nullable=False),
    Column("applied_at", DateTime(timezone=True), nullable=False),
)


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    module: ModuleType


def discover_migrations() -> list[Migration]:
    """All migrations shipped with this code, in version order."""
    import storage.migrations as pkg

    found: list[Migration] = []
    for info in pkgutil.iter_modules(pkg.__path__):
        if not info.name.startswith("m"):
            continue
        mod = importlib.import_module(f"storage.migrations.{info.name}")
        found.append(Migration(mod.VERSION, mod.DESCRIPTION, mod))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise StorageError(f"duplicate migration versions: {versions}")
    return found


def run_ddl(conn: Connection, **scripts: str) -> None:
    """Run a migration's literal DDL for this backend (``sqlite=...``, ``postgresql=...``)."""
    backend = conn.dialect.name
    script = scripts.get(backend)
    if script is None:
        raise StorageError(
            f"no migration DDL for the {backend!r} backend; supported: {', '.join(scripts)}",
            backend=backend,
        )
    # -- one statement per execute: the SQLite driver refuses several at once --
    for statement in script.split(";"):
        if statement.strip():
            conn.exec_driver_sql(statement)


# -- schemes people type that SQLAlchemy does not load, and what they meant --
_SCHEME_HINTS = {
    "postgres": "postgresql+psycopg",
    "postgresql": "postgresql+psycopg",
    "postgresql+psycopg2": "postgresql+psycopg",
    "sqlite3": "sqlite",
}


def check_url(url: str) -> None:
    """Refuse a database URL SQLAlchemy cannot load, with the scheme that would work.

    ``postgres://`` (Heroku's spelling) raises NoSuchModuleError deep in SQLAlchemy, and
    ``postgresql://`` wants psycopg2, which docsieve does not install: say so in one line.
    """
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigError(
            f"database_url {url!r} is not a URL; use postgresql+psycopg://USER@HOST:5432/DB "
            "or sqlite:///PATH",
            key="database_url",
        ) from exc
    scheme = parsed.drivername
    try:
        dialect = parsed.get_dialect()
        dialect.import_dbapi()
    except (NoSuchModuleError, ImportError) as exc:
        better = _SCHEME_HINTS.get(scheme)
        hint = f"use {better}://" if better else "e.g. postgresql+psycopg:// or sqlite:///"
        raise ConfigError(
            f"database_url scheme {scheme}:// is not supported here; {hint}",
            key="database_url",
            scheme=scheme,
        ) from exc


def _make_engine(url: str) -> Engine:
    check_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        db = parsed.database
        if db and db != ":memory:":
            Path(db).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        # -- WAL lets the Prefect tasks read while one writes; FKs are off by default --
        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _rec: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


class Database:
    """A migrated database: hands out sessions."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = _make_engine(url)

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    def current_version(self) -> int:
        with self.engine.connect() as conn:
            if not self.engine.dialect.has_table(conn, "schema_migrations"):
                return 0
            rows = conn.execute(select(schema_migrations.c.version)).scalars().all()
            return max(rows, default=0)

    def migrate(self) -> list[int]:
        """Apply missing migrations; return the versions applied."""
        migrations = discover_migrations()
        known = migrations[-1].version if migrations else 0
        applied: list[int] = []
        try:
            with self.engine.begin() as conn:
                # -- serialise concurrent starts on PostgreSQL --
                if self.backend == "postgresql":
                    conn.exec_driver_sql("SELECT pg_advisory_xact_lock(424242)")
                _meta.create_all(conn)
                done = set(conn.execute(select(schema_migrations.c.version)).scalars())
                if done and max(done) > known:
                    raise StorageError(
                        f"database schema version {max(done)} is newer than this docsieve "
                        f"({known}); upgrade docsieve",
                        url=self.safe_url,
                    )
                for mig in migrations:
                    if mig.version in done:
                        continue
                    mig.module.upgrade(conn)
                    conn.execute(
                        schema_migrations.insert().values(
                            version=mig.version,
                            description=mig.description,
                            applied_at=datetime.now(UTC),
                        )
                    )
                    applied.append(mig.version)
        except OperationalError as exc:
            # -- the driver's message spans lines (hints, each address tried): keep the first --
            first = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else ""
            raise StorageError(
                f"cannot open database {self.safe_url}: {first}", url=self.safe_url
            ) from exc
        return applied

    @property
    def safe_url(self) -> str:
        return make_url(self.url).render_as_string(hide_password=True)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on error."""
        with Session(self.engine, expire_on_commit=False) as s:
            try:
                yield s
                s.commit()
            except BaseException:
                s.rollback()
                raise

    def connect(self) -> Connection:
        return self.engine.connect()

    def dispose(self) -> None:
        self.engine.dispose()


def open_database(url: str, *, migrate: bool = True) -> Database:
    """Open (and by default migrate) the database at ``url``."""
    db = Database(url)
    if migrate:
        db.migrate()
    return db
