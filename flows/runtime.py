"""Process set-up shared by the CLI and the flows: Prefect defaults and the database.

Prefect reads its own settings from the environment at import time, so the
defaults below are applied before the first ``import prefect``: analytics off,
run and task logs at INFO (so they reach the Prefect UI, where operators read
them), and a console that stays quiet: the CLI prints its own one-line errors and
tables, and ``docsieve --debug`` turns Prefect's console output back on.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import TYPE_CHECKING

from docsieve.settings import Settings

if TYPE_CHECKING:
    from storage.db import Database

PREFECT_DEFAULTS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    # -- INFO reaches the API handler (the UI); the console handler is raised instead --
    "PREFECT_LOGGING_LEVEL": "INFO",
    "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL": "CRITICAL",
    "PREFECT_UI_ENABLED": "true",
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "TOKENIZERS_PARALLELISM": "false",
    # -- the "Loading weights" bars would land on stderr, also under --json: the CLI
    #    draws its own progress bar --
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "TRANSFORMERS_VERBOSITY": "error",
}


def configure_process_environment() -> None:
    """Set library defaults (never overriding what the user set)."""
    for key, value in PREFECT_DEFAULTS.items():
        os.environ.setdefault(key, value)


def verbose_logging() -> None:
    """``--debug``: Prefect's console output at INFO, tracebacks included."""
    os.environ["PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL"] = "INFO"


def persistent_api_url() -> str | None:
    """The Prefect API URL in effect, or None when flows would run on a temporary server."""
    from prefect.settings import PREFECT_API_URL

    return PREFECT_API_URL.value() or None


def _configured_api_url() -> str | None:
    """PREFECT_API_URL from the environment, a live Prefect context, or Prefect's profile."""
    import sys
    import tomllib
    from pathlib import Path

    if os.environ.get("PREFECT_API_URL"):
        return os.environ["PREFECT_API_URL"]
    if "prefect.settings" in sys.modules:  # -- e.g. a test harness's temporary settings --
        return persistent_api_url()
    # -- `prefect config set PREFECT_API_URL=...` writes the active profile; read it without
    #    importing Prefect (seconds on a busy machine) --
    prefect_home = Path(os.environ.get("PREFECT_HOME", Path.home() / ".prefect"))
    profiles = Path(os.environ.get("PREFECT_PROFILES_PATH", prefect_home / "profiles.toml"))
    try:
        data = tomllib.loads(profiles.read_text())
    except (OSError, ValueError):
        return None
    active = os.environ.get("PREFECT_PROFILE", data.get("active", ""))
    url = data.get("profiles", {}).get(active, {}).get("PREFECT_API_URL")
    return str(url) if url else None


def use_prefect_server(settings: Settings) -> str | None:
    """Point Prefect at a server that keeps the runs; return its API URL.

    A configured PREFECT_API_URL wins. Otherwise, with ``prefect_server = "local"`` (the
    default), the local server of :mod:`flows.localserver` is started once and reused;
    ``"temporary"`` leaves Prefect to its per-command temporary server.
    """
    configured = _configured_api_url()
    if configured or settings.prefect_server == "temporary":
        return configured
    from flows import localserver

    info = localserver.start(settings.home)
    os.environ["PREFECT_API_URL"] = info.url
    import sys

    if "prefect.context" in sys.modules:  # -- imported already: make it read the variable --
        from prefect.context import refresh_global_settings_context

        refresh_global_settings_context()
    return info.url


@lru_cache(maxsize=8)
def _database(url: str) -> Database:
    # -- imported here: SQLAlchemy costs half a second that `docsieve --help` need not pay --
    from storage.db import open_database

    return open_database(url)


def database(settings: Settings) -> Database:
    """The migrated database for these settings, opened once per process."""
    return _database(settings.db_url)
