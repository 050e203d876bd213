"""Persistence: sqlmodel tables, numbered migrations and typed-data converters.

SQLite by default, any SQLAlchemy URL (PostgreSQL for teams) through
``Settings.database_url``. Stages never see table classes: ``storage.repo``
converts between the typed data in ``docsieve.types`` and rows.
"""

from storage.db import Database, open_database

__all__ = ["Database", "open_database"]
