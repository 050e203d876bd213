"""Process set-up shared by the CLI and the flows: Prefect defaults and the database.

Prefect reads its own settings from the environment at import time, so the
defaults below are applied before the first ``import prefect``: analytics off,
and quiet logging unless the user asked otherwise.
"""

from __future__ import annotations

import os
from functools import lru_cache

from docsieve.settings import Settings
from storage.db import Database, open_database

PREFECT_DEFAULTS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_LOGGING_LEVEL": "WARNING",
    "PREFECT_UI_ENABLED": "true",
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "TOKENIZERS_PARALLELISM": "false",
}


def configure_process_environment() -> None:
    """Set library defaults (never overriding what the user set)."""
    for key, value in PREFECT_DEFAULTS.items():
        os.environ.setdefault(key, value)


@lru_cache(maxsize=8)
def _database(url: str) -> Database:
    return open_database(url)


def database(settings: Settings) -> Database:
    """The migrated database for these settings, opened once per process."""
    return _database(settings.db_url)
