"""The selection flow behind ``docsieve select``: ingest, chunk and select, no stage 2.

Selections are stored under a run of kind ``select``; ``docsieve analyze RUN_ID``
later sends them to stage 2.
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel

from docsieve.packages import PackageMode
from docsieve.profiles import load_profile
from docsieve.selection import DocumentSelection
from docsieve.settings import Settings
from docsieve.types import IngestResult
from flows import progress, resources, stages, states
from flows.ingest import FAILED, ingest_paths, parsed_documents
from flows.packages import plan_packages, select_package_stage
from flows.runtime import database
from storage import repo


class SelectSummary(BaseModel):
    run_id: int
    ingest: list[IngestResult]
    selections: list[DocumentSelection]


@task(name="select-document", cache_policy=NO_CACHE, task_run_name="select {name}")
def select_one(
    settings: Settings,
    run_id: int,
    document_id: int,
    name: str,
    profile: str,
    budget_tokens: int | None = None,
) -> DocumentSelection:
    db = database(settings)
    with db.session() as s:
        doc = repo.load_parsed(s, document_id)
    prof = load_profile(profile, settings.data_dir)
    chunked = stages.chunk_stage(db, settings, document_id, doc)
    sel, seconds = stages.select_stage(
        db,
        settings,
        run_id,
        document_id,
        doc,
        chunked.chunks,
        prof,
        scorer=resources.scorer(settings),
        budget_tokens=budget_tokens,
    )
    stages.record_stage1_ledger(
        db,
        run_id,
        document_id,
        doc_tokens=sel.document_tokens,
        chunked=chunked,
        selection=sel,
        select_seconds=seconds,
    )
    return sel


@flow(name="docsieve-select", flow_run_name="select {root}")
def select_flow(
    root: str,
    settings: Settings,
    profile: str,
    budget_tokens: int | None = None,
    package: PackageMode = PackageMode.AUTO,
) -> SelectSummary:
    """Select per document, or per solicitation package (ADR 0010): one selection each."""
    prof = load_profile(profile, settings.data_dir)  # -- fail fast on a bad profile --
    db = database(settings)
    with db.session() as s:
        run = repo.start_run(
            s, "select", root=root, profile=profile, settings_json=settings.masked()
        )
        run_id = run.id
    assert run_id is not None
    ingest = ingest_paths(settings, run_id, Path(root))
    names = parsed_documents(db, ingest)
    packages = plan_packages(db, run_id, list(names), package, profile)
    grouped = {i for p in packages for i in p.document_ids}
    progress.start(len(names) - len(grouped) + len(packages), "select")
    selections = []
    for p in packages:
        sel, _ = select_package_stage(db, settings, run_id, p, prof, budget_tokens=budget_tokens)
        selections.append(sel)
        progress.advance(p.ref.label)
    for doc_id, name in names.items():
        if doc_id in grouped:
            continue
        selections.append(select_one(settings, run_id, doc_id, name, profile, budget_tokens))
        progress.advance(name)
    with db.session() as s:
        repo.finish_run(s, run_id, "completed", {"documents": len(selections)})
    summary = SelectSummary(run_id=run_id, ingest=ingest, selections=selections)
    failed = [Path(r.path).name for r in ingest if r.status in FAILED]
    return states.run_result(summary, degraded=[], failed=failed)
