"""Process set-up shared by the CLI and the flows: Prefect defaults and the database.

Prefect reads its own settings from the environment at import time, so the
defaults below are applied before the first ``import prefect``: analytics off,
run and task logs at INFO (so they reach the Prefect UI, where operators read
them), and a console that stays quiet: the CLI prints its own one-line errors and
tables, and ``docsieve --debug`` turns Prefect's console output back on.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING, Any

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
    """Set library defaults (never overriding what the user set); tie temporary servers to us."""
    for key, value in PREFECT_DEFAULTS.items():
        os.environ.setdefault(key, value)
    tie_temporary_server()


def _die_with(parent: int) -> Callable[[], None]:
    """A ``preexec_fn``: the child gets SIGTERM when ``parent`` dies, even by SIGKILL."""

    def preexec() -> None:  # -- runs in the child between fork and exec --
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
        if os.getppid() != parent:  # -- the parent died before prctl took effect --
            os._exit(1)

    return preexec


class _TiedPopen(subprocess.Popen):
    """Popen that ties Prefect's temporary server to this process's life.

    Prefect starts it (``SubprocessASGIServer``) with ``PREFECT__SERVER_EPHEMERAL=1``
    and stops it at exit; a SIGKILL skips that and used to leave it running
    (~250 MB each). A persistent server started on purpose is not marked
    ephemeral and is left alone. On Linux, from the main thread, the child gets
    PR_SET_PDEATHSIG (it fires when the *thread* that started the child ends, so
    not from other threads); otherwise a small watchdog process waits for this
    process to die and then stops the server.
    """

    def __init__(self, args: Any, *rest: Any, **kwargs: Any) -> None:
        env = kwargs.get("env") or {}
        tie = env.get("PREFECT__SERVER_EPHEMERAL") == "1" and kwargs.get("preexec_fn") is None
        main = threading.current_thread() is threading.main_thread()
        if tie and main and sys.platform == "linux":
            kwargs["preexec_fn"] = _die_with(os.getpid())
        super().__init__(args, *rest, **kwargs)
        if tie and not (main and sys.platform == "linux"):
            subprocess.Popen(
                [sys.executable, "-c", _WATCHDOG, str(os.getpid()), str(self.pid)],
                start_new_session=True,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )


# -- waits for the parent to die, then stops the server; ends with either of them --
_WATCHDOG = """
import os, signal, sys, time
parent, child = int(sys.argv[1]), int(sys.argv[2])
def alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
while alive(child):
    if not alive(parent):
        os.kill(child, signal.SIGTERM)
        break
    time.sleep(0.5)
"""


def tie_temporary_server() -> None:
    """Make Prefect's temporary server die with this process (see :class:`_TiedPopen`)."""
    if subprocess.Popen is not _TiedPopen:
        subprocess.Popen = _TiedPopen  # type: ignore[misc]


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
