"""The flow behind ``docsieve analyze``: stage 2 on the selections stored by a run."""

from __future__ import annotations

from prefect import flow
from pydantic import BaseModel
from sqlmodel import select

from docsieve.analysis import DocumentAnalysis
from docsieve.errors import ConfigError
from docsieve.profiles import load_profile
from docsieve.settings import Settings
from flows import progress, stages
from flows.run import _analyzers, _prices
from flows.runtime import database
from storage.selection_repo import load_selection
from storage.tables import RunRow
from storage.tables_select import SelectionDocRow


class AnalyzeSummary(BaseModel):
    run_id: int
    analyses: list[DocumentAnalysis]
    deferred: list[str]


@flow(name="docsieve-analyze", flow_run_name="analyze run {run_id}")
def analyze_flow(run_id: int, settings: Settings) -> AnalyzeSummary:
    """Analyse every stored selection of ``run_id`` (resumable: finished ones are kept)."""
    db = database(settings)
    with db.session() as s:
        run = s.get(RunRow, run_id)
        if run is None:
            raise ConfigError(f"no run {run_id}")
        doc_ids = [
            r.document_id
            for r in s.exec(select(SelectionDocRow).where(SelectionDocRow.run_id == run_id))
        ]
    if not doc_ids:
        raise ConfigError(f"run {run_id} has no stored selections; run docsieve select first")
    stages.ensure_budgets(db, settings, run_id)
    main, cheaper = _analyzers(settings)
    out = AnalyzeSummary(run_id=run_id, analyses=[], deferred=[])
    progress.start(len(doc_ids), "analyse")
    for doc_id in doc_ids:
        with db.session() as s:
            sel = load_selection(s, run_id, doc_id)
        stages.ensure_budgets(db, settings, run_id, doc_id)
        profile = load_profile(sel.profile, settings.data_dir)
        outcome = stages.analyze_stage(
            db, settings, run_id, doc_id, sel, profile, main, _prices(settings.data_dir), cheaper
        )
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
            prices=_prices(settings.data_dir),
        )
        progress.advance(sel.path.rsplit("/", 1)[-1])
    return out
