"""Batch mode of the main job: a run's stage-2 requests as one Message Batch per profile.

With ``analyze.batch = true`` and a primary provider that ``supports_batch``,
``docsieve run`` (and ``serve``) first chunks and selects every document that
has no stored analysis, then sends their requests as one batch
(:func:`analyzers.batch.analyze_batch`): each item admitted on the run's and
the document's budget rows for its worst case, recorded ``pending`` with its
batch id before the wait, errored or expired items re-routed down the
synchronous chain. The analyses are stored, so the per-document tasks that
follow find them and only write the ledger and the run items, exactly as
after a synchronous call; a document deferred for its budget is left to them.
A run killed while it waits collects the same batch when it resumes.
"""

from __future__ import annotations

import logging

from prefect import task
from prefect.cache_policies import NO_CACHE

from docsieve.errors import ConfigError
from docsieve.profiles import Profile
from docsieve.selection import DocumentSelection
from docsieve.settings import Settings
from flows import resources, stages
from flows.runtime import database
from storage import budget, repo

log = logging.getLogger(__name__)


def batch_prepass(
    settings: Settings,
    run_id: int,
    doc_ids: list[int],
    profile_name: str | None = None,
    chunker: str | None = None,
    retry_degraded: bool = False,
) -> int:
    """Analyse the documents without a stored analysis in one batch per profile; how many."""
    main, _ = resources.analyzers(settings)
    prov = main.batches()
    if prov is None:
        return 0
    from analyzers.batch import analyze_batch

    db = database(settings)
    groups: dict[str, tuple[Profile, list[tuple[int, DocumentSelection]]]] = {}
    for doc_id in doc_ids:
        if stages.stored_analysis(db, run_id, doc_id, degraded=not retry_degraded):
            continue
        with db.session() as s:
            doc = repo.load_parsed(s, doc_id)
        try:
            profile = stages.profile_for(doc, settings, profile_name)
        except ConfigError:  # -- the document task records the skip --
            continue
        chunked = stages.chunk_stage(db, settings, doc_id, doc, chunker)
        sel, _ = stages.select_stage(
            db,
            settings,
            run_id,
            doc_id,
            doc,
            chunked.chunks,
            profile,
            scorer=resources.scorer(settings),
        )
        stages.ensure_budgets(db, settings, run_id, doc_id)
        groups.setdefault(profile.name, (profile, []))[1].append((doc_id, sel))
    sent = 0
    for profile, items in groups.values():
        ids = [d for d, _ in items]
        done = analyze_batch(
            main,
            prov,
            [sel for _, sel in items],
            profile,
            run_id,
            list(ids),
            budgets=[budget.StoredBudget(db, run_id, d) for d in ids],
        )
        sent += sum(1 for a in done if a is not None)
        log.info("stage 2: %d of %d documents answered through one batch", sent, len(items))
    return sent


@task(name="analyze-batch", cache_policy=NO_CACHE, task_run_name="stage 2 as one batch")
def batch_task(
    settings: Settings,
    run_id: int,
    doc_ids: list[int],
    profile_name: str | None = None,
    chunker: str | None = None,
    retry_degraded: bool = False,
) -> int:
    return batch_prepass(settings, run_id, doc_ids, profile_name, chunker, retry_degraded)
