"""Persistence: sqlmodel tables, numbered migrations and typed-data converters.

SQLite by default, PostgreSQL for teams, through ``Settings.database_url``.
Stages never see table classes: the repositories (``repo``, ``selection_repo``,
``calls_repo``, ``budget``, ``ledger``) convert between typed data and rows,
and ``accounting`` writes the funnel, the baseline and the cost model.
"""

from storage.db import Database, open_database

__all__ = ["Database", "open_database"]
