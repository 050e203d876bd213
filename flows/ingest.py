"""The ingestion flow: walk a folder, one Prefect task per document.

Tasks run one after another: PyMuPDF is not thread-safe, and parsing is
CPU-bound, so threads would not help. Scale-out is per run (see
docs/operations.md), not per page.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel

from docsieve.settings import Settings
from docsieve.types import DocStatus, DocType, IngestResult
from flows import progress, stages, states
from flows.runtime import database
from storage import repo
from storage.db import Database


class IngestSummary(BaseModel):
    run_id: int
    results: list[IngestResult]

    @property
    def counts(self) -> dict[str, int]:
        return dict(Counter(r.status.value for r in self.results))

    @property
    def did_work(self) -> bool:
        return any(r.status != DocStatus.UNCHANGED for r in self.results)


FAILED = (DocStatus.FAILED, DocStatus.NEEDS_OCR)


@task(name="ingest-document", cache_policy=NO_CACHE, task_run_name="ingest {path.name}")
def ingest_document(
    settings: Settings,
    run_id: int,
    path: Path,
    doc_type: DocType | None = None,
    root: Path | None = None,
    retry_failed: bool = False,
) -> IngestResult:
    """Parse one file; one that failed (or needs OCR) is a Failed task run carrying its result."""
    from prefect import get_run_logger

    res = stages.ingest_file(
        database(settings), settings, run_id, path, doc_type, root, retry_failed
    )
    log = get_run_logger()
    if res.status in FAILED:
        log.error("%s: %s: %s", path.name, res.status.value, res.reason)
        return states.task_result(res, f"{res.status.value}: {res.reason}")
    kind = res.doc_type.value if res.doc_type else "-"
    log.info(
        "%s: %s, type %s, %s pages, %s tokens",
        path.name,
        res.status.value,
        kind,
        res.pages or "?",
        res.tokens or "?",
    )
    return res


def ingest_paths(
    settings: Settings,
    run_id: int,
    root: Path,
    doc_type: DocType | None = None,
    skip: set[str] | None = None,
    retry_failed: bool = False,
) -> list[IngestResult]:
    """Discover files under ``root`` and ingest each; rejected files are recorded too.

    ``skip`` holds paths this run already recorded (a resumed run); ``retry_failed``
    parses again files whose stored version failed.
    """
    from parsers import discover

    db = database(settings)
    # -- every opened file must lie inside the root as it is now: a link swapped after
    #    discovery to point outside it is refused when the file is opened --
    real_root = Path(root).resolve()
    found = [
        f
        for f in discover(root, settings)
        if not skip or (str(f.path) not in skip and stages.document_key(f.path) not in skip)
    ]
    progress.start(len(found), "ingest")
    results: list[IngestResult] = []
    for item in found:
        if item.status is not None:
            results.append(
                stages.record_rejection(
                    db, run_id, item.path, DocStatus(item.status), item.reason or ""
                )
            )
        else:
            results.append(
                states.call(
                    ingest_document, settings, run_id, item.path, doc_type, real_root, retry_failed
                )
            )
        progress.advance(item.path.name)
    return results


def parsed_documents(db: Database, results: list[IngestResult]) -> dict[int, str]:
    """Document id -> file name of each parsed document among ``results``, in order.

    Unchanged files count when their stored version parsed; failures do not.
    """
    ids = [r.document_id for r in results if r.document_id is not None]
    with db.session() as s:
        paths = repo.parsed_paths(s, ids)
    return {doc_id: Path(path).name for doc_id, path in paths.items()}


@flow(name="docsieve-ingest", flow_run_name="ingest {root}", log_prints=True)
def ingest_flow(
    root: str, settings: Settings, doc_type: DocType | None = None, retry_failed: bool = False
) -> IngestSummary:
    """Ingest a folder (recursively) or a single file into storage."""
    from prefect.runtime import flow_run

    db = database(settings)
    with db.session() as s:
        run = repo.start_run(s, "ingest", root=str(root), settings_json=settings.masked())
        repo.set_prefect_id(s, run.id or 0, flow_run.id)
        run_id = run.id
    assert run_id is not None
    results = ingest_paths(settings, run_id, Path(root), doc_type, retry_failed=retry_failed)
    summary = IngestSummary(run_id=run_id, results=results)
    with db.session() as s:
        repo.finish_run(s, run_id, "completed", {"counts": summary.counts})
    failed = [Path(r.path).name for r in results if r.status in FAILED]
    return states.run_result(summary, degraded=[], failed=failed)
