"""The ``docsieve`` commands that read results: ``report``, ``show``, ``runs``, ``requirements``.

Registered on :data:`flows.cli.app` when :mod:`flows.cli` imports this module;
what they print lives in :mod:`flows.console`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from docsieve.errors import DocsieveError
from flows import console
from flows.cli import app
from flows.cli_support import EXIT_USAGE
from flows.cli_support import cli_settings as _settings
from flows.cli_support import fail as _fail
from flows.cli_support import open_db as _open_db
from flows.cli_support import require as _require
from flows.console import err


@app.command()
def report(
    run_id: Annotated[int | None, typer.Argument(help="default: the latest `docsieve run`")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    export: Annotated[Path | None, typer.Option(help="write md, json, csv and html here")] = None,
) -> None:
    """Print a run's summary and token funnel; export it as Markdown, JSON, CSV and HTML."""
    import reports

    rep = _report_of(_open_db(_settings()), run_id, compliance=export is not None)
    if export is not None:
        from reports.exports import write_report_files

        files = write_report_files(rep, export)
        err.print(f"wrote {', '.join(files)} to {export}")
    if as_json:
        print(reports.to_json(rep))
    else:
        console.print_report(rep)


def _report_of(db: Any, run_id: int | None, compliance: bool = False) -> Any:
    """The report of ``run_id`` (default the latest ``docsieve run``), or a usage error."""
    import reports
    from storage import repo

    with db.session() as s:
        # -- the latest pipeline run: a later `ingest`, `select` or `chunk` has no answers --
        rid = run_id if run_id is not None else repo.latest_run_id(s, "run")
        if rid is None:
            err.print("[red]error:[/red] no `docsieve run` yet; pass a run id")
            raise typer.Exit(EXIT_USAGE)
        try:
            return reports.build_report(s, rid, compliance=compliance)
        except KeyError as exc:
            err.print(f"[red]error:[/red] no run {rid}")
            raise typer.Exit(EXIT_USAGE) from exc


@app.command()
def show(
    run_id: Annotated[int | None, typer.Argument(help="default: the latest `docsieve run`")] = None,
    doc: Annotated[str | None, typer.Option(help="documents whose file name contains this")] = None,
    question: Annotated[str | None, typer.Option(help="one question id")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Show a run's stored answers: per document and question, fields and citations."""
    from reports.answers import filter_results

    rep = _report_of(_open_db(_settings()), run_id)
    if question is not None and question not in rep.questions:
        err.print(f"[red]error:[/red] no question {question!r}; asked: {', '.join(rep.questions)}")
        raise typer.Exit(EXIT_USAGE)
    console.print_show(filter_results(rep.results, doc, question), as_json)


@app.command()
def runs(
    limit: Annotated[int, typer.Option(help="how many, newest first")] = 20,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """List runs with their status and document counts."""
    from storage.results_repo import list_runs

    db = _open_db(_settings())
    with db.session() as s:
        console.print_runs(list_runs(s, limit), as_json)


@app.command("requirements")
def requirements_cmd(
    paths: Annotated[
        list[Path], typer.Argument(help="a solicitation folder, or its files (one package)")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="print the matrix as JSON")] = False,
    csv: Annotated[Path | None, typer.Option("--csv", help="write the matrix as CSV")] = None,
    xlsx: Annotated[Path | None, typer.Option("--xlsx", help="write the matrix as XLSX")] = None,
) -> None:
    """The compliance matrix of a solicitation: every shall/must/will statement, offline."""
    from flows.requirements import requirements_for
    from reports.compliance import section_of
    from reports.exports import compliance_csv, write_compliance_xlsx

    settings = _settings()
    for p in paths:
        _require(p)
    try:
        section = section_of(requirements_for(paths, settings))
    except DocsieveError as exc:
        raise _fail(exc) from exc
    if csv is not None:
        csv.write_text(compliance_csv([section]), encoding="utf-8")
        err.print(f"wrote {len(section.rows)} rows to {csv}")
    if xlsx is not None:
        write_compliance_xlsx(xlsx, [section])
        err.print(f"wrote {len(section.rows)} rows to {xlsx}")
    console.print_requirements(section, as_json)
