"""The main job: ingest, chunk, select and analyse a folder in one resumable flow.

One Prefect task per document after ingestion (``process-document``). A run
killed at any point and started again with the same folder and profile picks
up the unfinished run: stored chunk sets, selections and analyses are reused,
and identical stage-2 requests are served from the response cache, so no
finished work or paid call is repeated.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel, Field

from docsieve.errors import ConfigError
from docsieve.packages import PackageMode
from docsieve.settings import Settings
from docsieve.types import DocType, IngestResult
from flows import progress, resources, stages, states
from flows.ingest import FAILED, ingest_paths, parsed_documents
from flows.ownership import (
    previous_ingest,
    reconcile_run,
    resumable_run,
    stage2_slot,
    take_run,
)
from flows.packages import Planned, plan_packages, process_package_plain
from flows.runtime import database
from storage import leases, repo

log = logging.getLogger(__name__)


class DocumentResult(BaseModel):
    document_id: int
    path: str
    status: str  # analysed, cached, degraded, deferred, skipped, failed
    reason: str | None = None
    degraded: list[str] = Field(default_factory=list)
    selected_tokens: int = 0
    document_tokens: int = 0
    # -- what the task logs to the Prefect UI (added by issue 12) --
    doc_type: str | None = None
    chunks: int = 0
    provider: str | None = None
    model: str | None = None
    fallbacks: list[str] = Field(default_factory=list)
    # -- a solicitation package (ADR 0010): row label, member files (lead first), its id;
    #    ``path`` is then the package folder and ``document_id`` its lead document --
    label: str | None = None
    files: list[str] = Field(default_factory=list)
    package_id: int | None = None


class RunSummary(BaseModel):
    run_id: int
    resumed: bool
    ingest: list[IngestResult]
    documents: list[DocumentResult]


def process_document_plain(
    settings: Settings,
    run_id: int,
    document_id: int,
    profile_name: str | None = None,
    chunker: str | None = None,
    retry_degraded: bool = False,
) -> DocumentResult:
    """Chunk, select and analyse one stored document (resumable, budgeted)."""
    db = database(settings)
    with db.session() as s:
        doc = repo.load_parsed(s, document_id)
        doc_tokens = repo.document_tokens(s, document_id)
    try:
        profile = stages.profile_for(doc, settings, profile_name)
    except ConfigError as exc:
        with db.session() as s:
            repo.add_run_item(
                s,
                run_id,
                doc.path,
                "skipped",
                reason=str(exc),
                document_id=document_id,
                stage="analyze",
            )
        return DocumentResult(
            document_id=document_id,
            path=doc.path,
            status="skipped",
            reason=str(exc),
            document_tokens=doc_tokens,
            doc_type=_doc_type(doc),
        )
    chunked = stages.chunk_stage(db, settings, document_id, doc, chunker)
    sel, sel_seconds = stages.select_stage(
        db,
        settings,
        run_id,
        document_id,
        doc,
        chunked.chunks,
        profile,
        scorer=resources.scorer(settings),
    )
    main, cheaper = resources.analyzers(settings)
    stages.ensure_budgets(db, settings, run_id, document_id)
    with stage2_slot(settings):
        outcome = stages.analyze_stage(
            db, run_id, document_id, sel, profile, main, cheaper, retry_degraded=retry_degraded
        )
    stages.record_stage1_ledger(
        db,
        run_id,
        document_id,
        doc_tokens=doc_tokens,
        chunked=chunked,
        selection=sel,
        select_seconds=sel_seconds,
    )
    stages.record_stage2_ledger(
        db,
        settings,
        run_id,
        document_id,
        doc_tokens=doc_tokens,
        selection=sel,
        outcome=outcome,
        prices=resources.prices(settings.data_dir),
    )
    a = outcome.analysis
    status = "deferred" if outcome.deferred else (a.status if a else "failed")
    reason = outcome.reason or (a.reason if a else None)
    if outcome.degraded and status != "deferred":
        reason = "; ".join(outcome.degraded) + (f"; {reason}" if reason else "")
    note = stages.profile_note(doc, profile_name)
    reason = "; ".join(r for r in (note, reason) if r) or None
    with db.session() as s:
        repo.add_run_item(
            s, run_id, doc.path, status, reason=reason, document_id=document_id, stage="analyze"
        )
    return DocumentResult(
        document_id=document_id,
        path=doc.path,
        status=status,
        reason=reason,
        degraded=outcome.degraded,
        selected_tokens=sel.selected_tokens,
        document_tokens=doc_tokens,
        doc_type=_doc_type(doc),
        chunks=len(chunked.chunks),
        provider=a.provider if a else None,
        model=a.model if a else None,
        fallbacks=[_step(st) for st in a.steps if st.outcome != "ok"] if a else [],
    )


def _doc_type(doc: Any) -> str | None:
    return doc.doc_type.doc_type.value if doc.doc_type else None


def _step(st: Any) -> str:
    kind = f" {st.kind}" if st.kind else ""
    why = f": {st.message}" if st.message else ""
    return f"{st.provider}:{st.model} {st.outcome}{kind}{why}"[:300]


@task(name="process-document", cache_policy=NO_CACHE, task_run_name="process {name}")
def process_document(
    settings: Settings,
    run_id: int,
    document_id: int,
    name: str,
    profile_name: str | None = None,
    chunker: str | None = None,
    retry_degraded: bool = False,
) -> DocumentResult:
    """One document; a degraded or failed analysis is a Failed task run named Degraded."""
    from flows.runlog import log_document

    res = process_document_plain(
        settings, run_id, document_id, profile_name, chunker, retry_degraded
    )
    log_document(res, settings)
    problem = f"{res.status}: {res.reason}" if res.status in states.BAD_ANALYSIS else None
    return states.task_result(res, problem, states.DEGRADED)


@task(name="process-package", cache_policy=NO_CACHE, task_run_name="process package {name}")
def process_package(
    settings: Settings,
    run_id: int,
    planned: Planned,
    name: str,
    profile_name: str | None = None,
    chunker: str | None = None,
) -> DocumentResult:
    return process_package_plain(settings, run_id, planned, profile_name, chunker)


def _publish(settings: Settings, run_id: int) -> None:
    """The run summary as Prefect artifacts: Markdown report and funnel table."""
    from prefect.artifacts import create_markdown_artifact, create_table_artifact

    from reports import FUNNEL, build_report, to_markdown

    db = database(settings)
    with db.session() as s:
        report = build_report(s, run_id)
    # -- the local run id repeats across databases that share one Prefect server:
    #    a digest of the database URL keeps their artifacts apart --
    tag = hashlib.sha256(db.safe_url.encode()).hexdigest()[:8]
    create_markdown_artifact(
        key=f"docsieve-{tag}-run-{run_id}",
        markdown=to_markdown(report),
        description=f"docsieve run {run_id}: summary and answers",
    )
    create_table_artifact(
        key=f"docsieve-{tag}-funnel-{run_id}",
        table=[{"stage": label, "tokens": int(report.funnel[k]["tokens"])} for k, label in FUNNEL],
        description="token funnel",
    )


@flow(name="docsieve-run", flow_run_name="run {root}")
def run_flow(
    root: str,
    settings: Settings,
    profile: str | None = None,
    doc_type: DocType | None = None,
    chunker: str | None = None,
    fresh: bool = False,
    retry_failed: bool = False,
    retry_degraded: bool = False,
    package: PackageMode = PackageMode.AUTO,
) -> RunSummary:
    """Ingest, chunk, select and analyse ``root``; resume its unfinished run if any.

    The process owns the folder's runs while it works (a lease); a second process
    on the same folder and profile stops with :class:`storage.leases.LeaseHeldError`.
    A resumed run reuses every stored analysis, degraded ones too unless
    ``retry_degraded``. Files that form a solicitation package (``package``, ADR 0010)
    are analysed together: one selection and one stage-2 request per package.
    """
    lease = take_run(settings, root, profile)
    try:
        return _run(
            root,
            settings,
            profile,
            doc_type,
            chunker,
            fresh,
            retry_failed,
            retry_degraded,
            lease,
            package,
        )
    finally:
        leases.keeper(database(settings)).drop(lease[0])


def _run(
    root: str,
    settings: Settings,
    profile: str | None,
    doc_type: DocType | None,
    chunker: str | None,
    fresh: bool,
    retry_failed: bool,
    retry_degraded: bool,
    lease: tuple[str, str],
    package: PackageMode = PackageMode.AUTO,
) -> RunSummary:
    from prefect.runtime import flow_run

    db = database(settings)
    prior = resumable_run(settings, root, profile)
    if prior is not None:  # -- its owner died (we hold the lease): settle what it left --
        reconcile_run(settings, prior)
    run_id = None if fresh else prior
    resumed = run_id is not None
    if run_id is None:
        with db.session() as s:
            run = repo.start_run(
                s, "run", root=root, profile=profile, settings_json=settings.masked()
            )
            run_id = run.id
    assert run_id is not None
    leases.set_run(db, *lease, run_id)
    with db.session() as s:
        repo.set_prefect_id(s, run_id, flow_run.id)
    stages.ensure_budgets(db, settings, run_id)

    earlier = previous_ingest(settings, run_id) if resumed else []
    done_paths = {r.path for r in earlier}
    ingest = earlier + ingest_paths(
        settings, run_id, Path(root), doc_type, skip=done_paths, retry_failed=retry_failed
    )

    names = parsed_documents(db, ingest)
    packages = plan_packages(db, run_id, list(names), package, profile)
    grouped = {i for p in packages for i in p.document_ids}
    doc_ids = [i for i in names if i not in grouped]
    progress.start(len(doc_ids) + len(packages), "analyse")
    results: list[DocumentResult] = []
    args = (profile, chunker, retry_degraded)
    if settings.analyze.batch and doc_ids:  # -- stage 2 as Message Batches (flows.batched) --
        from flows.batched import batch_task

        batch_task(settings, run_id, doc_ids, *args)
    if settings.run.task_runner == "sequential":
        for p in packages:
            results.append(process_package(settings, run_id, p, p.ref.label, profile, chunker))
            progress.advance(p.ref.label)
        for i in doc_ids:
            results.append(states.call(process_document, settings, run_id, i, names[i], *args))
            progress.advance(names[i])
    else:
        futures = [process_document.submit(settings, run_id, i, names[i], *args) for i in doc_ids]
        for i, fut in zip(doc_ids, futures, strict=True):
            # -- a Degraded task still carries its result; an exception is raised again --
            data = fut.result(raise_on_failure=False)
            if isinstance(data, BaseException):
                raise data
            results.append(data)
            progress.advance(names[i])
    summary = RunSummary(run_id=run_id, resumed=resumed, ingest=ingest, documents=results)
    deferred = [r.path for r in results if r.status == "deferred"]
    with db.session() as s:
        repo.finish_run(
            s,
            run_id,
            "completed",
            {
                "documents": len(results),
                "deferred": deferred,
                "degraded": [r.path for r in results if r.degraded or r.status == "degraded"],
            },
        )
    _publish(settings, run_id)
    return states.run_result(
        summary,
        degraded=[Path(r.path).name for r in results if r.status in states.BAD_ANALYSIS],
        failed=[Path(r.path).name for r in ingest if r.status in FAILED],
    )


def run_with_runner(root: str, settings: Settings, **kwargs: Any) -> RunSummary:
    """Run the flow with the task runner chosen in settings (sequential, threads, dask)."""
    runner = settings.run.task_runner
    if runner == "sequential":
        return states.call(run_flow, root, settings, **kwargs)
    if runner == "threads":
        from prefect.task_runners import ThreadPoolTaskRunner

        threads: Any = ThreadPoolTaskRunner(max_workers=settings.run.workers)
        return states.call(run_flow.with_options(task_runner=threads), root, settings, **kwargs)
    # -- prefect-dask is a dependency of docsieve (pyproject.toml): imported here only
    #    because dask is slow to import and most runs never need it --
    from prefect_dask import DaskTaskRunner

    dask_runner: Any
    if settings.run.dask_address:
        dask_runner = DaskTaskRunner(address=settings.run.dask_address)
    else:
        dask_runner = DaskTaskRunner(
            cluster_kwargs={
                "n_workers": settings.run.workers,
                "threads_per_worker": 1,
                "processes": True,
            }
        )
    return states.call(run_flow.with_options(task_runner=dask_runner), root, settings, **kwargs)
