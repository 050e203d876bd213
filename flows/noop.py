"""The no-op fast path of ``docsieve ingest``: every file is unchanged, so start nothing.

Importing Prefect and creating a flow run costs seconds on a 2-core machine, and a
cron job that re-ingests an unchanged folder does that every time. Before any of
it, this module hashes the files under the path and looks each up in storage; when
every one is a stored document with the same path and content hash, the run is
recorded in docsieve's database (kind ``ingest``, every item ``unchanged``) and no
Prefect flow run is made (docs/adr/0011). Anything else (a new, changed, hidden,
linked or unreadable file) returns None and the normal flow runs, so discovery's
rules and records stay the only ones for real work.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from docsieve.settings import Settings
from docsieve.types import DocStatus, DocType, IngestResult
from storage import repo
from storage.db import Database

MAX_FILES = 2000  # -- past this, hashing is real work: let the flow do it --


def _files(root: Path, settings: Settings) -> list[Path] | None:
    """Regular, visible files with a known extension under ``root``; None on anything else."""
    exts = {e.lower() for e in settings.parse.extensions}
    if root.is_symlink():
        return None
    if root.is_file():
        return [root] if root.suffix.lower() in exts else None
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root):
        if any(n.startswith(".") for n in dirnames + filenames):
            return None
        for name in filenames:
            path = Path(dirpath) / name
            if path.is_symlink() or not path.is_file() or path.suffix.lower() not in exts:
                return None
            found.append(path)
        if any((Path(dirpath) / d).is_symlink() for d in dirnames) or len(found) > MAX_FILES:
            return None
    return found or None


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def ingest_if_unchanged(
    db: Database, settings: Settings, root: Path
) -> tuple[int, list[IngestResult]] | None:
    """Record a run of unchanged files and return (run id, results); None if any changed."""
    try:
        files = _files(root, settings)
        if files is None:
            return None
        keyed = [(str(p.resolve()), _sha256(p)) for p in sorted(files)]
    except OSError:
        return None
    with db.session() as s:
        known = [repo.find_document(s, key, sha) for key, sha in keyed]
        # -- a stored failure may be retried (other parse settings, --retry-failed): only
        #    parsed documents take the fast path, failures go through the flow's rules --
        if any(k is None or k.status != DocStatus.OK.value for k in known):
            return None
        run = repo.start_run(s, "ingest", root=str(root), settings_json=settings.masked())
        assert run.id is not None
        results = []
        for (key, sha), doc in zip(keyed, known, strict=True):
            assert doc is not None
            why = f"unchanged since run {doc.first_run_id} (was {doc.status})"
            repo.add_run_item(s, run.id, key, DocStatus.UNCHANGED, reason=why, document_id=doc.id)
            results.append(
                IngestResult(
                    path=key,
                    status=DocStatus.UNCHANGED,
                    reason=why,
                    doc_type=DocType(doc.doc_type) if doc.doc_type else None,
                    pages=doc.pages,
                    tokens=doc.tokens,
                    sha256=sha,
                    document_id=doc.id,
                )
            )
        repo.finish_run(
            s, run.id, "completed", {"counts": {"unchanged": len(results)}, "prefect": False}
        )
    return run.id, results
