"""Shared fixtures: a temporary data folder, settings, and databases.

``database_url`` is parametrised over SQLite and the local PostgreSQL. Each
PostgreSQL test gets its own schema, dropped afterwards. Without a reachable
server the PostgreSQL variants are skipped with the reason, unless
``DOCSIEVE_REQUIRE_POSTGRES=1`` (set by ``.ci/run``) makes that a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from docsieve.settings import Settings, load_settings

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
PG_ADMIN_URL = os.environ.get(
    "DOCSIEVE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
# -- never start or reuse a background Prefect server from the tests (docs/adr/0011): flow
#    tests bring their own (prefect_api), the rest runs on Prefect's temporary one --
os.environ["DOCSIEVE_PREFECT_SERVER"] = "temporary"
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def _postgres_problem() -> str | None:
    try:
        import psycopg

        with psycopg.connect(
            "host=127.0.0.1 port=5432 user=postgres dbname=test", connect_timeout=3
        ):
            return None
    except Exception as exc:  # -- any failure means: no usable server here --
        return f"PostgreSQL at 127.0.0.1:5432 not reachable: {exc}"


_PG_PROBLEM = _postgres_problem()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database URL: SQLite file, or a private PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{(tmp_path / 'docsieve.db').as_posix()}"
        return
    if _PG_PROBLEM:
        if os.environ.get("DOCSIEVE_REQUIRE_POSTGRES") == "1":
            pytest.fail(_PG_PROBLEM)
        pytest.skip(_PG_PROBLEM)
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    dsn = "host=127.0.0.1 port=5432 user=postgres dbname=test"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{PG_ADMIN_URL}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{(tmp_path / 'docsieve.db').as_posix()}"


@pytest.fixture
def settings(tmp_path: Path, sqlite_url: str) -> Settings:
    """Default settings with a temporary home and SQLite database."""
    return load_settings(home=tmp_path / "home", database_url=sqlite_url, data_dir=REPO / "data")


@pytest.fixture
def shared_data() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"development data not found at {SHARED}")
    return SHARED
