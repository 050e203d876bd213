"""``docsieve server start|stop|status`` (the local Prefect server, docs/adr/0011) and
``docsieve serve``, which schedules runs on it.

Commands that run flows start the server on first use when no ``PREFECT_API_URL`` is
configured; these commands manage it by hand.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from docsieve.errors import ConfigError, DocsieveError
from flows.cli_support import EXIT_USAGE, check, fail, open_db
from flows.cli_support import cli_settings as load_settings
from flows.console import err, out

server_app = typer.Typer(
    name="server",
    no_args_is_help=True,
    help="The local Prefect server that keeps runs for the UI (start, stop, status).",
)


@server_app.command()
def start(
    port: Annotated[int | None, typer.Option(help="default 4200, or the next free one")] = None,
) -> None:
    """Start the local Prefect server in the background (or show the running one)."""
    from flows import localserver

    settings = load_settings()
    try:
        info = localserver.start(settings.home, port)
    except DocsieveError as exc:
        err.print(f"[red]error:[/red] {exc}", soft_wrap=True)
        raise typer.Exit(1) from exc
    out.print(f"Prefect server running: UI {info.ui}, API {info.url} (pid {info.pid})")
    out.print(f"other shells: export PREFECT_API_URL={info.url}", soft_wrap=True)


@server_app.command()
def stop() -> None:
    """Stop the local Prefect server started by docsieve."""
    from flows import localserver

    info = localserver.stop(load_settings().home)
    out.print(f"stopped the server at {info.ui} (pid {info.pid})" if info else "no server running")


@server_app.command()
def status() -> None:
    """Say whether the local Prefect server runs, and where; exit 1 when it does not."""
    from flows import localserver

    info = localserver.status(load_settings().home)
    if info is None:
        out.print("no local Prefect server running; `docsieve server start` starts one")
        raise typer.Exit(1)
    state = "running" if localserver.healthy(info.url) else "starting"
    out.print(f"{state}: UI {info.ui}, API {info.url} (pid {info.pid}), log {info.log}")


def serve(
    path: Annotated[Path, typer.Argument(help="the folder to watch")],
    cron: Annotated[str, typer.Option(help='schedule, e.g. "0 6 * * 1-5"')],
    profile: Annotated[str | None, typer.Option()] = None,
    timezone: Annotated[
        str | None, typer.Option(help="IANA zone the cron is read in; default UTC")
    ] = None,
) -> None:
    """Serve a Prefect deployment (named after PATH) that processes new files on a schedule."""
    from flows import preflight
    from flows.runtime import persistent_api_url

    settings = load_settings()
    if not path.is_dir():
        err.print(f"[red]error:[/red] not a folder: {path}", soft_wrap=True)
        raise typer.Exit(EXIT_USAGE)
    check(preflight.check_cron, cron)
    check(preflight.check_timezone, timezone)
    check(preflight.check_run, settings, profile)
    open_db(settings, prefect=True)
    # -- a schedule on a temporary server would die with this command: refuse --
    api = persistent_api_url()
    if api is None:
        raise fail(
            ConfigError(
                "serve needs a Prefect server that outlives this command: set "
                'prefect_server = "local" (the default) or export PREFECT_API_URL'
            )
        )
    from flows.serve import deployment_name
    from flows.serve import serve as do_serve

    root = str(path.resolve())
    out.print(
        f"serving {deployment_name(root)} on '{cron}' ({timezone or 'UTC'}) for {root} "
        f"via {api} (Ctrl-C to stop)"
    )
    do_serve(root, cron, profile, timezone)
