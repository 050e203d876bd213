"""What the ``docsieve`` CLI prints: Rich tables for people, JSON for machines.

The commands in :mod:`flows.cli` run flows and hand their results here; no
function in this module reads settings, storage or flags other than
``as_json``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from docsieve.text import format_pages
from docsieve.types import Chunk, IngestResult

if TYPE_CHECKING:
    from analyzers.replay import ReplayReport
    from docsieve.analysis import DocumentAnalysis
    from flows.run import RunSummary
    from flows.select import SelectSummary
    from flows.train import TrainSummary
    from reports import RunReport
    from storage.accounting import CostModel

out = Console()
err = Console(stderr=True)


class Bar:
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


def print_version() -> None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        out.print(f"docsieve {version('docsieve')}")
    except PackageNotFoundError:  # -- run from a checkout that was never installed --
        out.print("docsieve (not installed)")


def print_config(data: dict[str, Any], as_json: bool) -> None:
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


def print_ingest(results: list[IngestResult], as_json: bool) -> None:
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
        status = f"[{c}]{r.status.value}[/{c}]"
        if r.warnings:  # -- ok, but the parser says the text is not whole --
            status += f" [yellow]with {len(r.warnings)} warning(s)[/yellow]"
        table.add_row(
            Path(r.path).name,
            status,
            r.doc_type.value if r.doc_type else "",
            str(r.pages or ""),
            str(r.tokens or ""),
            "; ".join(([r.reason] if r.reason else []) + r.warnings),
        )
    out.print(table)


def print_chunks(name: str, chunker: str, chunks: list[Chunk], as_json: bool) -> None:
    if as_json:
        from reports.selection import chunks_list

        print(json.dumps(chunks_list(chunks), indent=2))
        return
    table = Table(
        "#",
        "heading path",
        "pages",
        "span",
        "tokens",
        "text",
        title=f"{name}: {len(chunks)} chunks ({chunker})",
    )
    for c in chunks:
        table.add_row(
            str(c.index),
            " > ".join(c.heading_path),
            format_pages(c.page_start, c.page_end),
            f"{c.start}-{c.end}",
            str(c.tokens),
            c.text[:90].replace("\n", " "),
        )
    out.print(table)


def print_selections(summary: SelectSummary, as_json: bool) -> None:
    if as_json:
        from reports.selection import selections_dict

        print(json.dumps(selections_dict(summary.run_id, summary.selections), indent=2))
        return
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


def print_analyses(analyses: list[DocumentAnalysis]) -> None:
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


def print_run(summary: RunSummary, report: RunReport, as_json: bool, html: Path) -> None:
    if as_json:
        from reports import summary_dict

        data = {**summary_dict(report), "resumed": summary.resumed, "report_html": str(html)}
        data["documents"] = [d.model_dump() for d in summary.documents]
        data["ingest"] = [r.model_dump(mode="json") for r in summary.ingest]
        print(json.dumps(data, indent=2))
        return
    if summary.resumed:
        out.print(f"resumed unfinished run {summary.run_id}")
    print_ingest(summary.ingest, False)
    print_report(report)
    # -- what the user came for comes last, where the terminal leaves it on screen --
    print_answers(report.results)
    reqs = sum(len(sec.rows) for sec in report.compliance)
    if reqs:
        out.print(
            f"compliance matrix: {reqs} requirements (in the report; or docsieve requirements)"
        )
    out.print(Text(f"report: {html}", style="bold"))
    out.print(
        f"[dim]all of it: docsieve show {report.run_id} [--doc NAME] [--question ID]; "
        f"every format: docsieve report {report.run_id} --export DIR[/dim]"
    )


def print_report(report: RunReport) -> None:
    from reports import FUNNEL

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
    if report.select_model:
        out.print(f"selection model: {report.select_model}")
    if report.reference:
        ref = report.reference
        out.print(
            f"at {ref['model']} list prices the selection would cost "
            f"${ref['selected_usd']:.4f} against ${ref['whole_usd']:.4f} for whole documents"
        )


def print_replay(rep: ReplayReport, run_id: int, as_json: bool) -> None:
    if as_json:
        print(rep.model_dump_json(indent=2))
        return
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


def print_cost(m: CostModel, as_json: bool) -> None:
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


def print_train(summary: TrainSummary, as_json: bool) -> None:
    if as_json:
        data = {k: str(v) if isinstance(v, Path) else v for k, v in vars(summary).items()}
        print(json.dumps(data, indent=2))
        return
    loss = "" if summary.final_loss is None else f", final loss {summary.final_loss:.3f}"
    out.print(
        f"trained {summary.out_dir} from {summary.base}: {summary.label_pairs} pairs from "
        f"labels, {summary.run_pairs} from {summary.runs_questions} cited questions in runs; "
        f"{summary.steps} steps in {summary.seconds:.0f} s{loss}"
    )
    out.print(
        f'use it: select.embedding_model = "{summary.out_dir}" in docsieve.toml, '
        f"or DOCSIEVE_SELECT__EMBEDDING_MODEL={summary.out_dir}"
    )


def print_model(line: str) -> None:
    out.print(f"selection model: {line}")


# -- the answers, runs and compliance matrix are printed by a sibling module (size);
#    imported last: it prints through ``out`` above --
from flows.console_results import (  # noqa: E402
    print_answers,
    print_requirements,
    print_runs,
    print_show,
)

__all__ = ["err", "out", "print_answers", "print_requirements", "print_runs", "print_show"]
