"""What every ``docsieve`` command shares: exit codes, one-line errors, checks, progress.

Expected errors print one line (``--debug`` adds the traceback) and map to the exit
codes documented in :mod:`flows.cli` and ADR 0007.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import typer

from docsieve.errors import ConfigError, DocsieveError
from docsieve.settings import Settings, load_settings
from docsieve.types import DocStatus
from flows import console
from flows.console import err

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_ATTENTION, EXIT_DEGRADED = 0, 1, 2, 3, 4
ATTENTION = {DocStatus.FAILED, DocStatus.NEEDS_OCR}
# -- a document's stage 2 gave no usable answer: exit 4 (budget steps such as a cheaper
#    model still answer, so they do not count) --
DEGRADED = {"degraded", "failed"}


class _State:
    debug = False


state = _State()


def cli_settings(**overrides: Any) -> Settings:
    from pydantic import ValidationError

    try:
        return load_settings(**{k: v for k, v in overrides.items() if v is not None})
    except ConfigError as exc:
        raise fail(exc) from exc
    except ValidationError as exc:  # -- one line: each invalid setting and why --
        where = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        err.print(f"[red]invalid settings:[/red] {where}", soft_wrap=True)
        if state.debug:
            err.print_exception()
        raise typer.Exit(EXIT_USAGE) from exc


def fail(exc: DocsieveError) -> typer.Exit:
    """One line for an expected error (the traceback with --debug), and its exit code."""
    # -- soft_wrap: one line however narrow the terminal, so logs and cron mail grep well --
    err.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
    if state.debug:
        err.print_exception()
    return typer.Exit(EXIT_USAGE if isinstance(exc, ConfigError) else EXIT_ERROR)


def check(fn: Any, *args: Any) -> None:
    """Run a :mod:`flows.preflight` check; a failure exits 2 before any work."""
    try:
        fn(*args)
    except DocsieveError as exc:
        raise fail(exc) from exc


def exit_code(ingest: Sequence[Any], documents: Sequence[Any] = ()) -> int:
    """4 when a document's analysis degraded or failed, else 3 when a file failed, else 0."""
    if any(d.status in DEGRADED for d in documents):
        return EXIT_DEGRADED
    if any(r.status in ATTENTION for r in ingest):
        return EXIT_ATTENTION
    return EXIT_OK


def require(path: Path) -> None:
    if not path.exists():
        err.print(f"[red]error:[/red] no such file or folder: {path}")
        raise typer.Exit(EXIT_USAGE)


def with_bar(as_json: bool, fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Run a flow with a progress bar on stderr (none with --json); map our errors to exits.

    Flows go through :func:`flows.states.call`: one whose state is Failed (a file failed,
    a document degraded) still returns its summary, which the command turns into exit 3 or 4.
    """
    from flows import progress

    bar = console.Bar(enabled=not as_json)
    try:
        with progress.reporting(bar), bar.progress:
            return fn(*args, **kwargs)
    except DocsieveError as exc:
        raise fail(exc) from exc


def open_db(settings: Settings, *, prefect: bool = False) -> Any:
    """The database, opened before any work: a bad URL exits 2, an unreachable one 1.

    ``prefect``: the command runs a flow, so make sure Prefect records it in a server the
    UI can show later (the local one is started on first use, docs/adr/0011).
    """
    from flows.runtime import database, use_prefect_server

    try:
        db = database(settings)
        if prefect:
            use_prefect_server(settings)
        return db
    except DocsieveError as exc:
        raise fail(exc) from exc


def known_run(db: Any, run_id: int) -> None:
    from storage import repo

    with db.session() as s:
        if repo.get_run(s, run_id) is None:
            raise fail(ConfigError(f"no run {run_id}; `docsieve report` shows the latest"))
