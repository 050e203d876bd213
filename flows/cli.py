"""The ``docsieve`` command line (Typer + Rich).

Exit codes (see README):
  0  every file ended ok, unchanged or skipped (unsupported type);
  1  docsieve itself failed (storage unreachable, unexpected error);
  2  bad usage or configuration (unknown profile, invalid setting);
  3  the batch finished, but at least one file failed or needs OCR.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from docsieve.errors import ConfigError, DocsieveError
from docsieve.settings import Settings, load_settings
from docsieve.types import DocStatus, DocType, IngestResult
from flows.runtime import configure_process_environment

configure_process_environment()

app = typer.Typer(name="docsieve", no_args_is_help=True, add_completion=False,
                  help="Batch analysis of RFPs and contracts: select locally, analyze cheaply.")
out = Console()
err = Console(stderr=True)

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_ATTENTION = 0, 1, 2, 3
ATTENTION = {DocStatus.FAILED, DocStatus.NEEDS_OCR}


def _settings(**overrides: Any) -> Settings:
    try:
        return load_settings(**{k: v for k, v in overrides.items() if v is not None})
    except Exception as exc:  # -- pydantic's ValidationError: show it as a usage error --
        err.print(f"[red]invalid settings:[/red] {exc}")
        raise typer.Exit(EXIT_USAGE) from exc


def _fail(exc: DocsieveError) -> typer.Exit:
    err.print(f"[red]error:[/red] {exc}")
    return typer.Exit(EXIT_USAGE if isinstance(exc, ConfigError) else EXIT_ERROR)


class _Bar:
    """Adapts flows.progress events to a Rich progress bar on stderr."""

    def __init__(self, enabled: bool) -> None:
        self.progress = Progress(TextColumn("{task.description}"), BarColumn(),
                                 MofNCompleteColumn(), TimeElapsedColumn(),
                                 TextColumn("{task.fields[label]}"), console=err,
                                 disable=not enabled, transient=False)
        self.task: Any = None

    def __call__(self, event: str, total: int | None, label: str | None) -> None:
        if event == "start":
            self.task = self.progress.add_task(label or "", total=total, label="")
        elif self.task is not None:
            self.progress.update(self.task, advance=1, label=label or "")


@app.command()
def config(as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False) -> None:
    """Print the effective settings, secrets masked."""
    data = _settings().masked()
    if as_json:
        print(json.dumps(data, indent=2, default=str))
        return
    table = Table("setting", "value", title="docsieve settings")
    for key, value in _flatten(data):
        table.add_row(key, "" if value is None else str(value))
    out.print(table)


def _flatten(data: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    rows: list[tuple[str, Any]] = []
    for k, v in data.items():
        if isinstance(v, dict):
            rows += _flatten(v, f"{prefix}{k}.")
        else:
            rows.append((prefix + k, v))
    return rows


def _print_ingest(results: list[IngestResult], as_json: bool) -> None:
    if as_json:
        print(json.dumps([r.model_dump(mode="json", exclude={"sha256", "document_id"})
                          for r in results], indent=2))
        return
    table = Table("file", "status", "type", "pages", "tokens", "reason", title="ingest")
    colours = {"ok": "green", "unchanged": "dim", "skipped": "yellow"}
    for r in results:
        c = colours.get(r.status.value, "red")
        table.add_row(Path(r.path).name, f"[{c}]{r.status.value}[/{c}]",
                      r.doc_type.value if r.doc_type else "", str(r.pages or ""),
                      str(r.tokens or ""), r.reason or "")
    out.print(table)


@app.command()
def ingest(
    path: Annotated[Path, typer.Argument(help="a folder (walked recursively) or one file")],
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable summary")] = False,
    doc_type: Annotated[DocType | None, typer.Option(help="force the document type")] = None,
) -> None:
    """Parse documents into storage; unchanged files are skipped by content hash."""
    from flows import progress
    from flows.ingest import ingest_flow

    settings = _settings()
    if not path.exists():
        err.print(f"[red]error:[/red] no such file or folder: {path}")
        raise typer.Exit(EXIT_USAGE)
    bar = _Bar(enabled=not as_json)
    try:
        with progress.reporting(bar), bar.progress:
            summary = ingest_flow(str(path), settings, doc_type)
    except DocsieveError as exc:
        raise _fail(exc) from exc
    _print_ingest(summary.results, as_json)
    if not as_json:
        counts = ", ".join(f"{n} {k}" for k, n in sorted(summary.counts.items()))
        out.print(f"run {summary.run_id}: {counts or 'no files'}")
        if not summary.did_work and summary.results:
            out.print("nothing to do: every file is unchanged since the last run")
    if any(r.status in ATTENTION for r in summary.results):
        raise typer.Exit(EXIT_ATTENTION)


if __name__ == "__main__":
    app()
