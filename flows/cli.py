"""The ``docsieve`` command line (Typer): each command runs a flow and prints its result.

What is printed, and how, lives in :mod:`flows.console`.

Exit codes (see README):
  0  every file ended ok, unchanged or skipped (unsupported type);
  1  docsieve itself failed (storage unreachable, unexpected error);
  2  bad usage or configuration (unknown profile, invalid setting), found before any work;
  3  the batch finished, but at least one file failed or needs OCR;
  4  the batch finished, but at least one document's analysis is degraded or failed
     (every provider failed: no key, API unreachable...).
``docsieve train``: 0 model written, 1 training or storage failed, 2 bad usage.

Expected errors print one line; ``docsieve --debug COMMAND`` adds the traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from docsieve.errors import DocsieveError
from docsieve.packages import PackageMode
from docsieve.types import DocStatus, DocType
from flows import console
from flows.cli_support import (
    ATTENTION,
    EXIT_ATTENTION,
    EXIT_OK,
    EXIT_USAGE,
    check,
    cli_settings,
    exit_code,
    fail,
    known_run,
    open_db,
    require,
    state,
    with_bar,
)
from flows.console import err, out
from flows.runtime import configure_process_environment

configure_process_environment()

app = typer.Typer(
    name="docsieve",
    no_args_is_help=True,
    # -- typer's own --install-completion / --show-completion (bash, zsh, fish, PowerShell) --
    add_completion=True,
    pretty_exceptions_show_locals=False,
    help="Batch analysis of RFPs and contracts: select locally, analyze cheaply.",
)

from flows.cli_server import serve, server_app  # noqa: E402 -- after the environment is set

app.add_typer(server_app)
app.command()(serve)

PACKAGE_HELP = (
    "analyse a folder's files as one solicitation: auto (rfp profile: a folder with one"
    " RFQ/RFP and its attachments), folder (every folder), none (each file alone)"
)
RETRY_HELP = (
    "parse again unchanged files whose last attempt failed (without it, only failures "
    "for a limit or a transient fault are retried, and only when the parse settings changed)"
)


def _version(value: bool) -> None:
    if value:
        console.print_version()
        raise typer.Exit()


@app.callback()
def _main(
    debug: Annotated[
        bool, typer.Option("--debug", help="show tracebacks and Prefect's own logs")
    ] = False,
    show_version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="print the version"),
    ] = False,
) -> None:
    """Batch analysis of RFPs and contracts: select locally, analyze cheaply."""
    state.debug = debug
    if debug:
        from flows.runtime import verbose_logging

        verbose_logging()


@app.command()
def config(as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False) -> None:
    """Print the effective settings, secrets masked, and the selection model in use.

    Exits 2 when stage 2 could not start (unknown provider, primary without its key).
    """
    from flows import preflight
    from flows.train import describe_model, model_summary

    settings = cli_settings()
    data = settings.masked()
    model = model_summary(settings.select.embedding_model)
    if as_json:
        data["selection_model"] = model
    console.print_config(data, as_json)
    if not as_json:
        console.print_model(describe_model(model))
    check(preflight.check_providers, settings)


@app.command()
def ingest(
    path: Annotated[Path, typer.Argument(help="a folder (walked recursively) or one file")],
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable summary")] = False,
    doc_type: Annotated[DocType | None, typer.Option(help="force the document type")] = None,
    retry_failed: Annotated[bool, typer.Option(help=RETRY_HELP)] = False,
) -> None:
    """Parse documents into storage; unchanged files are skipped by content hash."""
    from collections import Counter

    from flows.noop import ingest_if_unchanged

    settings = cli_settings()
    require(path)
    # -- every file unchanged: recorded without Prefect, in well under a second --
    fast = None if retry_failed else ingest_if_unchanged(open_db(settings), settings, path)
    if fast is not None:
        run_id, results = fast
    else:
        from flows import states
        from flows.ingest import ingest_flow

        open_db(settings, prefect=True)
        summary = with_bar(
            as_json, states.call, ingest_flow, str(path), settings, doc_type, retry_failed
        )
        run_id, results = summary.run_id, summary.results
    console.print_ingest(results, as_json)
    if not as_json:
        counts = Counter(r.status.value for r in results)
        text = ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
        out.print(f"run {run_id}: {text or 'no files'}")
        if results and set(counts) == {DocStatus.UNCHANGED.value}:
            out.print("nothing to do: every file is unchanged since the last run")
    if any(r.status in ATTENTION for r in results):
        raise typer.Exit(EXIT_ATTENTION)


@app.command()
def chunk(
    file: Annotated[Path, typer.Argument(help="one document")],
    as_json: Annotated[bool, typer.Option("--json", help="print chunks as JSON")] = False,
    chunker: Annotated[str | None, typer.Option(help="force a chunker")] = None,
) -> None:
    """Show the chunks of one document (they are stored as a chunk set)."""
    from flows import stages
    from storage import repo

    settings = cli_settings()
    if not file.is_file():
        err.print(f"[red]error:[/red] not a file: {file}")
        raise typer.Exit(EXIT_USAGE)
    db = open_db(settings)
    with db.session() as s:
        run_id = repo.start_run(s, "chunk", root=str(file)).id or 0
    res = stages.ingest_file(db, settings, run_id, file)
    if res.status not in (DocStatus.OK, DocStatus.UNCHANGED) or res.document_id is None:
        with db.session() as s:
            repo.finish_run(s, run_id, "completed", {"status": res.status.value})
        err.print(f"[red]{res.status.value}:[/red] {res.reason}")
        raise typer.Exit(EXIT_ATTENTION)
    with db.session() as s:
        doc = repo.load_parsed(s, res.document_id)
    try:
        chunked = stages.chunk_stage(db, settings, res.document_id, doc, chunker)
    except DocsieveError as exc:
        with db.session() as s:
            repo.finish_run(s, run_id, "failed", {"error": str(exc)})
        raise fail(exc) from exc
    with db.session() as s:
        repo.finish_run(s, run_id, "completed", {"chunks": len(chunked.chunks)})
    console.print_chunks(file.name, chunked.chunker, chunked.chunks, as_json)


@app.command("select")
def select_cmd(
    path: Annotated[Path, typer.Argument(help="a folder or one file")],
    profile: Annotated[str, typer.Option(help="profile name (data/profiles) or .toml path")],
    budget: Annotated[int | None, typer.Option(help="token budget per document")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    package: Annotated[PackageMode, typer.Option(help=PACKAGE_HELP)] = PackageMode.AUTO,
) -> None:
    """Select, per document (or package) and question, the sections stage 2 needs."""
    from flows import preflight, states
    from flows.select import select_flow

    settings = cli_settings()
    require(path)
    check(preflight.check_budget, budget)
    check(preflight.check_profile, profile, settings)
    open_db(settings, prefect=True)
    summary = with_bar(
        as_json, states.call, select_flow, str(path), settings, profile, budget, package
    )
    console.print_selections(summary, as_json)
    if any(r.status in ATTENTION for r in summary.ingest):
        raise typer.Exit(EXIT_ATTENTION)


@app.command()
def analyze(
    run_id: Annotated[int | None, typer.Argument(help="a select run; default the latest")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Run stage 2 on the selections stored by a `docsieve select` run."""
    from flows import preflight
    from flows.analyze import analyze_flow
    from storage import repo

    settings = cli_settings()
    check(preflight.check_providers, settings)
    db = open_db(settings, prefect=True)
    if run_id is None:
        with db.session() as s:
            run_id = repo.latest_run_id(s, "select")
        if run_id is None:
            err.print("[red]error:[/red] no select run yet; run docsieve select first")
            raise typer.Exit(EXIT_USAGE)
    from flows import states

    try:
        summary = states.call(analyze_flow, run_id, settings)
    except DocsieveError as exc:
        raise fail(exc) from exc
    if as_json:
        print(summary.model_dump_json(indent=2, exclude={"analyses": {"__all__": {"request"}}}))
        return
    console.print_analyses(summary.analyses)
    for p in summary.deferred:
        out.print(f"[yellow]deferred[/yellow] {p}: over budget, left for the next run")


@app.command()
def run(
    path: Annotated[Path, typer.Argument(help="a folder (walked recursively) or one file")],
    profile: Annotated[str | None, typer.Option(help="profile; default by document type")] = None,
    doc_type: Annotated[DocType | None, typer.Option(help="force the document type")] = None,
    fresh: Annotated[bool, typer.Option(help="start a new run, don't resume")] = False,
    retry_failed: Annotated[bool, typer.Option(help=RETRY_HELP)] = False,
    retry_degraded: Annotated[
        bool, typer.Option(help="on resume, send degraded documents again (paid)")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    package: Annotated[PackageMode, typer.Option(help=PACKAGE_HELP)] = PackageMode.AUTO,
) -> None:
    """Ingest, chunk, select and analyse in one resumable Prefect flow."""
    from flows import preflight
    from flows.run import run_with_runner
    from reports import build_report

    settings = cli_settings()
    require(path)
    check(preflight.check_run, settings, profile)
    open_db(settings, prefect=True)
    summary = with_bar(
        as_json,
        run_with_runner,
        str(path),
        settings,
        profile=profile,
        doc_type=doc_type,
        fresh=fresh,
        retry_failed=retry_failed,
        retry_degraded=retry_degraded,
        package=package,
    )
    db = open_db(settings)
    with db.session() as s:
        report = build_report(s, summary.run_id, compliance=True)
    from reports.exports import write_html

    console.print_run(summary, report, as_json, write_html(report, settings.home / "reports"))
    code = exit_code(summary.ingest, summary.documents)
    if code != EXIT_OK:
        raise typer.Exit(code)


@app.command()
def replay(
    run_id: Annotated[int, typer.Argument(help="the run to replay")],
    provider: Annotated[str | None, typer.Option(help="re-send to this provider")] = None,
    model: Annotated[str | None, typer.Option(help="... and this model")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Re-execute a run's analysis from the call log (offline), or against another model."""
    from analyzers.replay import replay as do_replay
    from storage.calls_repo import CallStore

    settings = cli_settings()
    db = open_db(settings)
    known_run(db, run_id)
    store = CallStore(db)
    new_run = None
    if provider is not None:
        from storage import repo

        with db.session() as s:
            new_run = repo.start_run(s, "replay", root=f"run {run_id}").id
    try:
        rep = do_replay(run_id, store, settings, provider=provider, model=model, new_run_id=new_run)
    except DocsieveError as exc:
        raise fail(exc) from exc
    console.print_replay(rep, run_id, as_json)
    if not rep.identical:
        raise typer.Exit(EXIT_ATTENTION)


@app.command()
def cost(
    run_id: Annotated[int | None, typer.Option(help="one run; default every run")] = None,
    volume: Annotated[int, typer.Option(help="documents per month")] = 1000,
    gpu_hourly: Annotated[float, typer.Option(help="rented GPU, $ per hour")] = 1.10,
    selfhosted_docs_per_hour: Annotated[
        float | None,
        typer.Option(help="measured self-hosted stage-2 throughput; default: stage-1 rate"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """The cost model from the ledger: per document, per month, and GPU break-even."""
    from storage.accounting import build_cost_model

    settings = cli_settings()
    db = open_db(settings)
    if run_id is not None:
        known_run(db, run_id)
    with db.session() as s:
        m = build_cost_model(
            s,
            run_id=run_id,
            volume=volume,
            gpu_usd_per_hour=gpu_hourly,
            selfhosted_docs_per_hour=selfhosted_docs_per_hour,
        )
    console.print_cost(m, as_json)


# -- report, show, runs and requirements, and train, live beside, to keep this module
#    small; importing the modules registers them on ``app`` --
from flows import cli_results, cli_train  # noqa: E402, F401

if __name__ == "__main__":
    app()
