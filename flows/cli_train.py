"""``docsieve train``: fine-tune the selection model from labelled files and from what
stage 2 cited in past runs (docs/training.md).

Registered on :data:`flows.cli.app` when :mod:`flows.cli` imports this module; the
steps live in :mod:`flows.train`.

Exit codes: 0 model written; 1 training or storage failed; 2 bad usage.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from flows import console
from flows.cli import app
from flows.cli_support import EXIT_USAGE, cli_settings, with_bar
from flows.console import err


@app.command()
def train(
    labels: Annotated[
        list[Path] | None, typer.Option(help="labelled evidence, JSONL (docs/training.md)")
    ] = None,
    from_runs: Annotated[
        bool, typer.Option("--from-runs", help="learn from what stage 2 cited in past runs")
    ] = False,
    run_ids: Annotated[
        list[int] | None,
        typer.Option("--run", help="only this run (repeatable); implies --from-runs"),
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="model folder; default HOME/models/selector-TIME")
    ] = None,
    base: Annotated[str | None, typer.Option(help="start from; default the model in use")] = None,
    steps: Annotated[int | None, typer.Option(min=1, help="default: one pass (epochs)")] = None,
    epochs: Annotated[int, typer.Option(min=1)] = 1,
    batch_size: Annotated[int, typer.Option(min=2)] = 16,
    seed: Annotated[int, typer.Option()] = 0,
    negatives: Annotated[int, typer.Option(min=0, help="hard negatives per pair")] = 4,
    include_extractive: Annotated[
        bool, typer.Option(help="also learn from the offline extractive analyzer's citations")
    ] = False,
    force: Annotated[bool, typer.Option(help="write into a non-empty --out folder")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Fine-tune the selection model from labelled files and from stage 2's citations.

    Exit codes: 0 model written; 1 training or storage failed; 2 bad usage
    (no source, unreadable or invalid labels, unknown run, nothing to learn from).
    """
    from datetime import UTC, datetime

    from flows.train import TrainPlan, current_model, train_selector

    settings = cli_settings()
    if not labels and not from_runs and not run_ids:
        err.print("[red]error:[/red] nothing to train from: give --labels FILE and/or --from-runs")
        raise typer.Exit(EXIT_USAGE)
    for f in labels or []:
        if not f.is_file():
            err.print(f"[red]error:[/red] labels file not found: {f}")
            raise typer.Exit(EXIT_USAGE)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    out_dir = out or settings.home / "models" / f"selector-{stamp}"
    if out_dir.exists() and (not out_dir.is_dir() or (any(out_dir.iterdir()) and not force)):
        err.print(f"[red]error:[/red] {out_dir} exists and is not empty (use --force)")
        raise typer.Exit(EXIT_USAGE)
    plan = TrainPlan(
        out_dir=out_dir,
        base=base or current_model(settings),
        labels=list(labels or []),
        from_runs=from_runs or bool(run_ids),
        run_ids=list(run_ids) if run_ids else None,
        include_extractive=include_extractive,
        negatives=negatives,
        options={"seed": seed, "steps": steps, "epochs": epochs, "batch_size": batch_size},
    )
    summary = with_bar(as_json, train_selector, plan, settings)
    console.print_train(summary, as_json)
