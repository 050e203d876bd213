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
from docsieve.text import format_pages
from docsieve.types import DocStatus, DocType, IngestResult
from flows.runtime import configure_process_environment

configure_process_environment()

app = typer.Typer(
    name="docsieve",
    no_args_is_help=True,
    add_completion=False,
    help="Batch analysis of RFPs and contracts: select locally, analyze cheaply.",
)
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
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.fields[label]}"),
            console=err,
            disable=not enabled,
            transient=False,
        )
        self.task: Any = None

    def __call__(self, event: str, total: int | None, label: str | None) -> None:
        if event == "start":
            self.task = self.progress.add_task(label or "", total=total, label="")
        elif self.task is not None:
            self.progress.update(self.task, advance=1, label=label or "")


def _require(path: Path) -> None:
    if not path.exists():
        err.print(f"[red]error:[/red] no such file or folder: {path}")
        raise typer.Exit(EXIT_USAGE)


def _with_bar(as_json: bool, fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Run a flow with a progress bar on stderr (none with --json); map our errors to exits."""
    from flows import progress

    bar = _Bar(enabled=not as_json)
    try:
        with progress.reporting(bar), bar.progress:
            return fn(*args, **kwargs)
    except DocsieveError as exc:
        raise _fail(exc) from exc


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
        print(
            json.dumps(
                [r.model_dump(mode="json", exclude={"sha256", "document_id"}) for r in results],
                indent=2,
            )
        )
        return
    table = Table("file", "status", "type", "pages", "tokens", "reason", title="ingest")
    colours = {"ok": "green", "unchanged": "dim", "skipped": "yellow"}
    for r in results:
        c = colours.get(r.status.value, "red")
        table.add_row(
            Path(r.path).name,
            f"[{c}]{r.status.value}[/{c}]",
            r.doc_type.value if r.doc_type else "",
            str(r.pages or ""),
            str(r.tokens or ""),
            r.reason or "",
        )
    out.print(table)


@app.command()
def ingest(
    path: Annotated[Path, typer.Argument(help="a folder (walked recursively) or one file")],
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable summary")] = False,
    doc_type: Annotated[DocType | None, typer.Option(help="force the document type")] = None,
) -> None:
    """Parse documents into storage; unchanged files are skipped by content hash."""
    from flows.ingest import ingest_flow

    settings = _settings()
    _require(path)
    summary = _with_bar(as_json, ingest_flow, str(path), settings, doc_type)
    _print_ingest(summary.results, as_json)
    if not as_json:
        counts = ", ".join(f"{n} {k}" for k, n in sorted(summary.counts.items()))
        out.print(f"run {summary.run_id}: {counts or 'no files'}")
        if not summary.did_work and summary.results:
            out.print("nothing to do: every file is unchanged since the last run")
    if any(r.status in ATTENTION for r in summary.results):
        raise typer.Exit(EXIT_ATTENTION)


def _open_db(settings: Settings) -> Any:
    from flows.runtime import database

    try:
        return database(settings)
    except DocsieveError as exc:
        raise _fail(exc) from exc


@app.command()
def chunk(
    file: Annotated[Path, typer.Argument(help="one document")],
    as_json: Annotated[bool, typer.Option("--json", help="print chunks as JSON")] = False,
    chunker: Annotated[str | None, typer.Option(help="force a chunker")] = None,
) -> None:
    """Show the chunks of one document (they are stored as a chunk set)."""
    from flows import stages, steps
    from storage import repo

    settings = _settings()
    if not file.is_file():
        err.print(f"[red]error:[/red] not a file: {file}")
        raise typer.Exit(EXIT_USAGE)
    db = _open_db(settings)
    with db.session() as s:
        run_id = repo.start_run(s, "chunk", root=str(file)).id or 0
    res = steps.ingest_file(db, settings, run_id, file)
    if res.status not in (DocStatus.OK, DocStatus.UNCHANGED) or res.document_id is None:
        err.print(f"[red]{res.status.value}:[/red] {res.reason}")
        raise typer.Exit(EXIT_ATTENTION)
    with db.session() as s:
        doc = repo.load_parsed(s, res.document_id)
    try:
        chunked = stages.chunk_stage(db, settings, res.document_id, doc, chunker)
    except DocsieveError as exc:
        raise _fail(exc) from exc
    if as_json:
        print(
            json.dumps(
                [
                    {
                        "id": c.id,
                        "text": c.text,
                        "heading_path": c.heading_path,
                        "pages": [c.page_start, c.page_end],
                        "span": [c.start, c.end],
                        "tokens": c.tokens,
                        "kind": c.kind,
                    }
                    for c in chunked.chunks
                ],
                indent=2,
            )
        )
        return
    table = Table(
        "#",
        "heading path",
        "pages",
        "span",
        "tokens",
        "text",
        title=f"{file.name}: {len(chunked.chunks)} chunks ({chunked.chunker})",
    )
    for c in chunked.chunks:
        pages = format_pages(c.page_start, c.page_end)
        table.add_row(
            str(c.index),
            " > ".join(c.heading_path),
            pages,
            f"{c.start}-{c.end}",
            str(c.tokens),
            c.text[:90].replace("\n", " "),
        )
    out.print(table)


@app.command("select")
def select_cmd(
    path: Annotated[Path, typer.Argument(help="a folder or one file")],
    profile: Annotated[str, typer.Option(help="profile name (data/profiles) or .toml path")],
    budget: Annotated[int | None, typer.Option(help="token budget per document")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Select, per document and question, the sections stage 2 needs."""
    from flows.select import select_flow

    settings = _settings()
    _require(path)
    summary = _with_bar(as_json, select_flow, str(path), settings, profile, budget)
    if as_json:
        print(
            json.dumps(
                {
                    "run_id": summary.run_id,
                    "documents": [
                        {
                            "path": sel.path,
                            "profile": sel.profile,
                            "document_tokens": sel.document_tokens,
                            "selected_tokens": sel.selected_tokens,
                            "fraction": round(sel.fraction, 4),
                            "questions": [
                                {
                                    "question_id": q.question_id,
                                    "tokens": q.tokens,
                                    "sections": [
                                        {
                                            "chunk_id": c.chunk_id,
                                            "text": c.text,
                                            "score": round(c.score, 4),
                                            "tokens": c.tokens,
                                            "pages": [c.page_start, c.page_end],
                                            "span": [c.start, c.end],
                                            "heading_path": c.heading_path,
                                        }
                                        for c in q.chunks
                                    ],
                                }
                                for q in sel.questions
                            ],
                        }
                        for sel in summary.selections
                    ],
                },
                indent=2,
            )
        )
    else:
        for sel in summary.selections:
            table = Table(
                "question",
                "sections (chunk: pages, score)",
                "tokens",
                title=f"{Path(sel.path).name}: {sel.selected_tokens:,} of "
                f"{sel.document_tokens:,} tokens ({sel.fraction:.1%})",
            )
            for q in sel.questions:
                table.add_row(
                    q.question_id,
                    ", ".join(f"{c.chunk_id[:8]}: p{c.page_start} {c.score:.2f}" for c in q.chunks)
                    or "[dim]none relevant[/dim]",
                    str(q.tokens),
                )
            out.print(table)
        out.print(f"run {summary.run_id}: analyse with `docsieve analyze {summary.run_id}`")
    if any(r.status in ATTENTION for r in summary.ingest):
        raise typer.Exit(EXIT_ATTENTION)


@app.command()
def analyze(
    run_id: Annotated[int | None, typer.Argument(help="a select run; default the latest")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Run stage 2 on the selections stored by a `docsieve select` run."""
    from flows.analyze import analyze_flow
    from flows.reports import latest_run_id

    settings = _settings()
    db = _open_db(settings)
    if run_id is None:
        with db.session() as s:
            run_id = latest_run_id(s, "select")
        if run_id is None:
            err.print("[red]error:[/red] no select run yet; run docsieve select first")
            raise typer.Exit(EXIT_USAGE)
    try:
        summary = analyze_flow(run_id, settings)
    except DocsieveError as exc:
        raise _fail(exc) from exc
    if as_json:
        print(summary.model_dump_json(indent=2, exclude={"analyses": {"__all__": {"request"}}}))
        return
    _print_analyses(summary.analyses)
    for p in summary.deferred:
        out.print(f"[yellow]deferred[/yellow] {p}: over budget, left for the next run")


def _print_analyses(analyses: list[Any]) -> None:
    for a in analyses:
        tag = " [dim](extractive)[/dim]" if a.extractive else ""
        table = Table(
            "question",
            "answer",
            "pages",
            title=f"{a.document_sha[:12]}: {a.status} by {a.provider}/{a.model}{tag}",
        )
        for ans in a.answers:
            pages = sorted({str(c.page_start) for c in ans.citations})
            table.add_row(
                ans.question_id, (ans.answer or "[dim]not found[/dim]")[:160], ", ".join(pages)
            )
        out.print(table)


@app.command()
def run(
    path: Annotated[Path, typer.Argument(help="a folder (walked recursively) or one file")],
    profile: Annotated[str | None, typer.Option(help="profile; default by document type")] = None,
    doc_type: Annotated[DocType | None, typer.Option(help="force the document type")] = None,
    fresh: Annotated[bool, typer.Option(help="start a new run, don't resume")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Ingest, chunk, select and analyse in one resumable Prefect flow."""
    from flows.reports import build_report
    from flows.run import run_with_runner

    settings = _settings()
    _require(path)
    summary = _with_bar(
        as_json,
        run_with_runner,
        str(path),
        settings,
        profile=profile,
        doc_type=doc_type,
        fresh=fresh,
    )
    db = _open_db(settings)
    with db.session() as s:
        report = build_report(s, summary.run_id)
    if as_json:
        from flows.reports import summary_dict

        print(
            json.dumps(
                {
                    **summary_dict(report),
                    "resumed": summary.resumed,
                    "documents": [d.model_dump() for d in summary.documents],
                    "ingest": [r.model_dump(mode="json") for r in summary.ingest],
                },
                indent=2,
            )
        )
    else:
        if summary.resumed:
            out.print(f"resumed unfinished run {summary.run_id}")
        _print_ingest(summary.ingest, False)
        _print_report(report)
    if any(r.status in ATTENTION for r in summary.ingest):
        raise typer.Exit(EXIT_ATTENTION)


def _print_report(report: Any) -> None:
    from flows.reports import FUNNEL

    funnel = Table("stage", "tokens", title=f"run {report.run_id}: token funnel")
    for key, label in FUNNEL:
        funnel.add_row(label, f"{int(report.funnel[key]['tokens']):,}")
    out.print(funnel)
    docs = Table(
        "document",
        "status",
        "doc tokens",
        "selected",
        "stage-2 in/out",
        "cost $",
        "note",
        title="documents",
    )
    for d in report.documents:
        docs.add_row(
            Path(d.path).name,
            d.status,
            f"{d.document_tokens:,}",
            f"{d.selected_tokens:,}",
            f"{d.input_tokens:,}/{d.output_tokens:,}",
            f"{d.cost_usd:.4f}",
            "; ".join(d.degraded) or (d.reason or "")[:80],
        )
    out.print(docs)
    out.print(
        f"sent {report.selected_fraction:.1%} of document tokens; stage-2 cost "
        f"${report.cost_by_stage['stage 2 (API)']:.4f} vs ${report.baseline_usd:.4f} for "
        f"whole documents; stage-1 compute {report.stage1_seconds:.1f} s"
    )
    if report.reference:
        ref = report.reference
        out.print(
            f"at {ref['model']} list prices the selection would cost "
            f"${ref['selected_usd']:.4f} against ${ref['whole_usd']:.4f} for whole documents"
        )


@app.command()
def report(
    run_id: Annotated[int | None, typer.Argument(help="default: the latest run")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    export: Annotated[Path | None, typer.Option(help="write md, json, csv and html here")] = None,
) -> None:
    """Print a run's summary and token funnel; export it as Markdown, JSON, CSV and HTML."""
    from flows import reports

    settings = _settings()
    db = _open_db(settings)
    with db.session() as s:
        rid = run_id if run_id is not None else reports.latest_run_id(s)
        if rid is None:
            err.print("[red]error:[/red] no runs yet")
            raise typer.Exit(EXIT_USAGE)
        try:
            rep = reports.build_report(s, rid)
        except KeyError as exc:
            err.print(f"[red]error:[/red] no run {rid}")
            raise typer.Exit(EXIT_USAGE) from exc
    if export is not None:
        export.mkdir(parents=True, exist_ok=True)
        files = {
            f"run-{rid}.md": reports.to_markdown(rep),
            f"run-{rid}.json": reports.to_json(rep),
            f"run-{rid}-documents.csv": reports.documents_csv(rep),
            f"run-{rid}-answers.csv": reports.answers_csv(rep),
            f"run-{rid}.html": reports.to_html(rep),
        }
        for name, text in files.items():
            (export / name).write_text(text, encoding="utf-8")
        err.print(f"wrote {', '.join(files)} to {export}")
    if as_json:
        print(reports.to_json(rep))
    else:
        _print_report(rep)


@app.command()
def replay(
    run_id: Annotated[int, typer.Argument(help="the run to replay")],
    provider: Annotated[str | None, typer.Option(help="re-send to this provider")] = None,
    model: Annotated[str | None, typer.Option(help="... and this model")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Re-execute a run's analysis from the call log (offline), or against another model."""
    from analyzers.api import replay as do_replay
    from storage.calls_repo import CallStore

    settings = _settings()
    db = _open_db(settings)
    store = CallStore(db)
    new_run = None
    if provider is not None:
        from storage import repo

        with db.session() as s:
            new_run = repo.start_run(s, "replay", root=f"run {run_id}").id
    try:
        rep = do_replay(run_id, store, settings, provider=provider, model=model, new_run_id=new_run)
    except DocsieveError as exc:
        raise _fail(exc) from exc
    if as_json:
        print(rep.model_dump_json(indent=2))
    else:
        table = Table(
            "document",
            "before",
            "after",
            "identical",
            "differences",
            title=f"replay of run {run_id} ({rep.mode})",
        )
        for d in rep.documents:
            table.add_row(
                d.document_sha[:12],
                f"{d.provider_before}/{d.model_before}",
                f"{d.provider_after}/{d.model_after}",
                "yes" if d.identical else "no",
                d.error or ", ".join(x.question_id for x in d.diffs),
            )
        out.print(table)
        out.print("identical" if rep.identical else f"{rep.changed} document(s) differ")
    if not rep.identical:
        raise typer.Exit(EXIT_ATTENTION)


@app.command()
def serve(
    path: Annotated[Path, typer.Argument(help="the folder to watch")],
    cron: Annotated[str, typer.Option(help='schedule, e.g. "0 6 * * 1-5"')],
    profile: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Serve a Prefect deployment that processes new files in PATH on a schedule."""
    from flows.serve import serve as do_serve

    out.print(f"serving docsieve on '{cron}' for {path.resolve()} (Ctrl-C to stop)")
    do_serve(str(path.resolve()), cron, profile)


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
    from flows.cost import build_cost_model

    settings = _settings()
    db = _open_db(settings)
    with db.session() as s:
        m = build_cost_model(
            s,
            run_id=run_id,
            volume=volume,
            gpu_usd_per_hour=gpu_hourly,
            selfhosted_docs_per_hour=selfhosted_docs_per_hour,
        )
    if as_json:
        print(m.model_dump_json(indent=2))
        return
    table = Table("measure", "value", title=f"cost model over {m.documents} analysed documents")
    rows = [
        ("stage-2 cost per document (API)", f"${m.api_usd_per_doc:.4f}"),
        ("whole-document cost per document", f"${m.baseline_usd_per_doc:.4f}"),
        ("stage-1 compute per document", f"{m.stage1_seconds_per_doc:.2f} s"),
        (f"API cost per month at {m.volume_per_month:,} docs", f"${m.api_usd_per_month:,.2f}"),
        ("whole documents per month", f"${m.baseline_usd_per_month:,.2f}"),
        (
            f"self-hosted on a ${m.gpu_usd_per_hour:.2f}/h GPU, per document",
            f"${m.selfhosted_usd_per_doc:.4f} at {m.selfhosted_docs_per_hour:,.0f} docs/h",
        ),
        ("self-hosted, GPU always on, per month", f"${m.selfhosted_always_on_usd_per_month:,.2f}"),
        ("GPU hours needed per month", f"{m.gpu_hours_per_month:,.1f}"),
        (
            "break-even volume (always-on GPU vs API)",
            f"{m.breakeven_docs_per_month:,.0f} docs/month"
            if m.breakeven_docs_per_month
            else "n/a (no API spend measured)",
        ),
    ]
    for k, v in rows:
        table.add_row(k, v)
    out.print(table)


if __name__ == "__main__":
    app()
