"""Solicitation packages in a run (ADR 0010): group the files, then select and analyse once.

:func:`plan_packages` applies the grouping rule of :mod:`docsieve.packages` to
a run's parsed documents and stores the packages. :func:`select_package_stage`
chunks each member (stored chunk sets are reused), ranks the sections of all
of them in one selection with one budget, and stores it under the lead
document. :func:`process_package_plain` adds stage 2: one request for the
package. The ledger keeps stage 1 per file (each member's share of the
selection) and stage 2 once per package, on the lead document; every entry
carries the package id.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from docsieve.errors import ConfigError, StorageError
from docsieve.packages import Member, PackageMode, PackageRef, applies, group_packages, identifiers
from docsieve.profiles import Profile
from docsieve.selection import DocumentSelection
from docsieve.settings import Settings
from docsieve.types import DocType, ParsedDocument
from flows import resources, stages
from flows.runtime import database
from storage import repo
from storage.db import Database
from storage.packages_repo import save_package

if TYPE_CHECKING:
    from flows.run import DocumentResult


class Planned(BaseModel):
    """A stored package of a run and its member document ids, lead first."""

    model_config = ConfigDict(frozen=True)

    ref: PackageRef
    document_ids: list[int]

    @property
    def lead(self) -> int:
        return self.document_ids[0]


def plan_packages(
    db: Database,
    run_id: int,
    document_ids: list[int],
    mode: PackageMode,
    profile: str | None,
) -> list[Planned]:
    """Group the run's parsed documents into packages (none when the mode does not apply)."""
    if not applies(mode, profile):
        return []
    members = []
    with db.session() as s:
        for i in document_ids:
            d = repo.get_document(s, i)
            if d is None:
                continue
            dt = DocType(d.doc_type) if d.doc_type else None
            members.append(Member(i, d.path, dt, identifiers(d.path, d.text or "")))
        out = []
        for g in group_packages(members, mode):
            ids = [m.document_id for m in g.members]
            ref = save_package(
                s,
                run_id,
                label=g.label,
                root=g.root,
                rule=g.rule,
                document_ids=ids,
                files=[m.path for m in g.members],
            )
            out.append(Planned(ref=ref, document_ids=ids))
    return out


def package_profile(lead: ParsedDocument, settings: Settings, explicit: str | None) -> Profile:
    """The profile named by the user, else the one for the lead document's type."""
    return stages.profile_for(lead, settings, explicit)


def select_package_stage(
    db: Database,
    settings: Settings,
    run_id: int,
    planned: Planned,
    profile: Profile,
    *,
    chunker: str | None = None,
    budget_tokens: int | None = None,
) -> tuple[DocumentSelection, int]:
    """The package's selection (stored ones reused) and its tokens; stage-1 ledger per file."""
    from extractors.package import PackageMember, member_selection, select_package
    from storage.selection_repo import load_selection, save_selection

    docs: list[ParsedDocument] = []
    tokens: list[int] = []
    with db.session() as s:
        for i in planned.document_ids:
            docs.append(repo.load_parsed(s, i))
            tokens.append(repo.document_tokens(s, i))
    chunked = [
        stages.chunk_stage(db, settings, i, d, chunker)
        for i, d in zip(planned.document_ids, docs, strict=True)
    ]
    sel: DocumentSelection | None = None
    seconds = 0.0
    with db.session() as s:
        try:
            stored = load_selection(s, run_id, planned.lead)
            if stored.package is not None and stored.package.files == planned.ref.files:
                sel = stored
        except StorageError:
            pass
    if sel is None:
        t0 = time.perf_counter()
        sel = select_package(
            planned.ref,
            [PackageMember(d.path, d.sha256, c.chunks) for d, c in zip(docs, chunked, strict=True)],
            profile,
            settings,
            resources.scorer(settings),
            budget_tokens,
        )
        seconds = time.perf_counter() - t0
        with db.session() as s:
            save_selection(s, run_id, planned.lead, sel)
    total = sum(tokens) or 1
    for i, d, c, n in zip(planned.document_ids, docs, chunked, tokens, strict=True):
        stages.record_stage1_ledger(
            db,
            run_id,
            i,
            doc_tokens=n,
            chunked=c,
            selection=member_selection(sel, d.path, d.sha256, n),
            select_seconds=seconds * n / total,  # -- one pass for the package: shared by size --
            package_id=planned.ref.id,
        )
    return sel, sum(tokens)


def _record_items(
    db: Database, run_id: int, planned: Planned, status: str, reason: str | None
) -> None:
    """Each member's outcome, and that it was answered as part of the package."""
    with db.session() as s:
        for i, path in zip(planned.document_ids, planned.ref.files, strict=True):
            note = f"in package {planned.ref.label}" + (f"; {reason}" if reason else "")
            repo.add_run_item(s, run_id, path, status, reason=note, document_id=i, stage="analyze")


def process_package_plain(
    settings: Settings,
    run_id: int,
    planned: Planned,
    profile_name: str | None = None,
    chunker: str | None = None,
) -> DocumentResult:
    """Chunk, select and analyse one package: one selection, one stage-2 request."""
    from flows.run import DocumentResult

    db = database(settings)
    ref = planned.ref
    with db.session() as s:
        lead = repo.load_parsed(s, planned.lead)
    try:
        profile = package_profile(lead, settings, profile_name)
    except ConfigError as exc:
        _record_items(db, run_id, planned, "skipped", str(exc))
        return DocumentResult(
            document_id=planned.lead,
            path=ref.root,
            status="skipped",
            reason=str(exc),
            label=ref.label,
            files=ref.files,
            package_id=ref.id,
        )
    sel, pkg_tokens = select_package_stage(db, settings, run_id, planned, profile, chunker=chunker)
    main, cheaper = resources.analyzers(settings)
    stages.ensure_budgets(db, settings, run_id, planned.lead)
    from flows.ownership import stage2_slot

    with stage2_slot(settings):
        outcome = stages.analyze_stage(db, run_id, planned.lead, sel, profile, main, cheaper)
    stages.record_stage2_ledger(
        db,
        settings,
        run_id,
        planned.lead,
        doc_tokens=pkg_tokens,
        selection=sel,
        outcome=outcome,
        prices=resources.prices(settings.data_dir),
        package_id=ref.id,
    )
    a = outcome.analysis
    status = "deferred" if outcome.deferred else (a.status if a else "failed")
    reason = outcome.reason or (a.reason if a else None)
    if outcome.degraded and status != "deferred":
        reason = "; ".join(outcome.degraded) + (f"; {reason}" if reason else "")
    _record_items(db, run_id, planned, status, reason)
    return DocumentResult(
        document_id=planned.lead,
        path=ref.root,
        status=status,
        reason=reason,
        degraded=outcome.degraded,
        selected_tokens=sel.selected_tokens,
        document_tokens=pkg_tokens,
        label=ref.label,
        files=ref.files,
        package_id=ref.id,
    )
