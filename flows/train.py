"""``docsieve train``: gather training pairs from labels and past runs, fine-tune, write a model.

Sequence only: labels are read and checked (``extractors.feedback``), stage 2's
citations are mined from storage (``storage.feedback_repo``), both become
training pairs, and ``extractors.train.fine_tune`` writes the model folder
that ``select.embedding_model`` points to. The base is the selection model in
use, so a trained model can be trained further.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docsieve.errors import ConfigError
from docsieve.settings import Settings

NOTHING = "nothing to learn from"


@dataclass
class TrainPlan:
    """What ``docsieve train`` will do; built and checked before any training."""

    out_dir: Path
    base: str
    labels: list[Path] = field(default_factory=list)
    from_runs: bool = False
    run_ids: list[int] | None = None
    include_extractive: bool = False
    negatives: int = 4
    options: dict[str, Any] = field(default_factory=dict)  # -- TrainConfig fields --


@dataclass
class TrainSummary:
    out_dir: Path
    base: str
    label_pairs: int
    run_pairs: int
    runs_questions: int
    steps: int
    seconds: float
    final_loss: float | None


def current_model(settings: Settings) -> str:
    """The selection model in use: what a trained model starts from by default."""
    return settings.select.embedding_model


def gather_pairs(plan: TrainPlan, settings: Settings) -> tuple[list[Any], list[Any], int]:
    """(pairs from labels, pairs from runs, questions mined); ConfigError when there are none."""
    from extractors.feedback import feedback_pairs, label_pairs, load_labels

    records = [r for path in plan.labels for r in load_labels(path)]
    from_labels = label_pairs(records, settings, negatives=plan.negatives) if records else []
    from_runs: list[Any] = []
    mined = 0
    if plan.from_runs:
        from flows.runtime import database
        from storage.feedback_repo import missing_runs, stage2_feedback

        db = database(settings)
        with db.session() as s:
            if plan.run_ids:
                gone = missing_runs(s, plan.run_ids)
                if gone:
                    raise ConfigError(f"no such run: {', '.join(map(str, gone))}")
            items = stage2_feedback(
                s, plan.run_ids or None, include_extractive=plan.include_extractive
            )
        mined = len(items)
        from_runs = feedback_pairs(items, negatives=plan.negatives)
    if not from_labels and not from_runs:
        where = "the runs" + (f" {plan.run_ids}" if plan.run_ids else " in the database")
        raise ConfigError(
            f"{NOTHING}: no labelled evidence and no answer citing a section in {where}"
            + ("" if plan.include_extractive else " (extractive answers are left out)")
        )
    return from_labels, from_runs, mined


def train_selector(
    plan: TrainPlan,
    settings: Settings,
    *,
    progress: Callable[[int, int, float], None] | None = None,
) -> TrainSummary:
    """Gather the pairs, fine-tune ``plan.base`` on them and write ``plan.out_dir``."""
    from extractors.train import train

    from_labels, from_runs, mined = gather_pairs(plan, settings)
    progress = progress or _report_progress
    data = {
        "labels": [str(p) for p in plan.labels],
        "label_pairs": len(from_labels),
        "runs": "all" if plan.from_runs and not plan.run_ids else plan.run_ids or [],
        "run_pairs": len(from_runs),
        "run_questions": mined,
        "negatives": plan.negatives,
    }
    result = train(
        [*from_labels, *from_runs],
        base=plan.base,
        out_dir=plan.out_dir,
        data=data,
        progress=progress,
        **plan.options,
    )
    tail = result.losses[-50:]
    return TrainSummary(
        out_dir=result.path,
        base=plan.base,
        label_pairs=len(from_labels),
        run_pairs=len(from_runs),
        runs_questions=mined,
        steps=result.steps,
        seconds=result.seconds,
        final_loss=sum(tail) / len(tail) if tail else None,
    )


def model_summary(model: str) -> dict[str, Any]:
    """What a selection model is: a trained folder's manifest, else just its name."""
    from extractors.dense import resolve_model_path
    from extractors.train import read_manifest

    info: dict[str, Any] = {"model": model}
    try:  # -- a packaged model's folder may carry a manifest too --
        path = Path(resolve_model_path(model))
    except ConfigError:
        path = Path(model)
    if path.is_dir():
        manifest = read_manifest(path)
        if manifest is not None:
            info.update(
                trained=manifest.get("created"),
                base=manifest.get("base"),
                pairs=manifest.get("pairs"),
                steps=manifest.get("steps"),
                seed=manifest.get("seed"),
            )
    return info


def describe_model(info: dict[str, Any]) -> str:
    """One line naming the selection model, for ``docsieve config`` and the report."""
    if "trained" not in info:
        return str(info["model"])
    return (
        f"{info['model']} (trained {info['trained']} from {info['base']}: "
        f"{info['pairs']} pairs, {info['steps']} steps, seed {info['seed']})"
    )


def _report_progress(step: int, steps: int, loss: float) -> None:
    """Training steps on the CLI's progress bar (flows.progress)."""
    from flows import progress

    if step == 1:
        progress.start(steps, "training")
    progress.advance(f"loss {loss:.3f}")
