"""The flow behind ``docsieve analyze``: stage 2 on the selections stored by a run."""

from __future__ import annotations

from prefect import flow
from pydantic import BaseModel

from docsieve.analysis import DocumentAnalysis
from docsieve.errors import ConfigError
from docsieve.profiles import load_profile
from docsieve.settings import Settings
from flows import progress, resources, stages
from flows.runtime import database
from storage import repo
from storage.selection_repo import load_selection, selected_document_ids


class AnalyzeSummary(BaseModel):
    run_id: int
    analyses: list[DocumentAnalysis]
    deferred: list[str]


@flow(name="docsieve-analyze", flow_run_name="analyze run {run_id}")
def analyze_flow(run_id: int, settings: Settings) -> AnalyzeSummary:
    """Analyse every stored selection of ``run_id`` (resumable: finished ones are kept)."""
    db = database(settings)
    with db.session() as s:
        if repo.get_run(s, run_id) is None:
            raise ConfigError(f"no run {run_id}")
        doc_ids = selected_document_ids(s, run_id)
    if not doc_ids:
        raise ConfigError(f"run {run_id} has no stored selections; run docsieve select first")
    stages.ensure_budgets(db, settings, run_id)
    main, cheaper = resources.analyzers(settings)
    out = AnalyzeSummary(run_id=run_id, analyses=[], deferred=[])
    progress.start(len(doc_ids), "analyse")
    for doc_id in doc_ids:
        with db.session() as s:
            sel = load_selection(s, run_id, doc_id)
        stages.ensure_budgets(db, settings, run_id, doc_id)
        profile = load_profile(sel.profile, settings.data_dir)
        outcome = stages.analyze_stage(db, run_id, doc_id, sel, profile, main, cheaper)
        if outcome.analysis is not None:
            out.analyses.append(outcome.analysis)
        else:
            out.deferred.append(sel.path)
        stages.record_stage2_ledger(
            db,
            settings,
            run_id,
            doc_id,
            doc_tokens=sel.document_tokens,
            selection=sel,
            outcome=outcome,
            prices=resources.prices(settings.data_dir),
            package_id=sel.package.id if sel.package else None,
        )
        progress.advance(sel.path.rsplit("/", 1)[-1])
    return out
