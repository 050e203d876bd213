"""Plain-Python steps of the pipeline, one document at a time.

Each step takes typed inputs, a migrated :class:`storage.Database` and the
settings, does its work and records the outcome. The Prefect tasks in
``flows.*`` only wrap these, so they run and test without Prefect.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from docsieve.errors import DocsieveError, InputError
from docsieve.settings import Settings
from docsieve.tokens import count_tokens
from docsieve.types import DocStatus, DocType, IngestResult
from storage import repo
from storage.db import Database

log = logging.getLogger(__name__)


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def document_key(path: Path) -> str:
    """The path under which a file is recorded: absolute, links resolved."""
    return str(path.resolve())


def record_rejection(
    db: Database, run_id: int, path: Path, status: DocStatus, reason: str
) -> IngestResult:
    """Record a file that discovery refused (unsupported, link loop, too large...)."""
    with db.session() as s:
        repo.add_run_item(s, run_id, str(path), status, reason=reason)
    return IngestResult(path=str(path), status=status, reason=reason)


def ingest_file(
    db: Database, settings: Settings, run_id: int, path: Path, doc_type: DocType | None = None
) -> IngestResult:
    """Hash, skip if unchanged, parse, classify, count tokens and store one file."""
    from parsers import override_doc_type, parse_file

    key = document_key(path)
    try:
        sha = file_sha256(path)
        size = path.stat().st_size
    except OSError as exc:
        return record_rejection(db, run_id, path, DocStatus.FAILED, f"cannot read file: {exc}")

    with db.session() as s:
        known = repo.find_document(s, key, sha)
        if known is not None:
            why = f"unchanged since run {known.first_run_id} (was {known.status})"
            repo.add_run_item(s, run_id, key, DocStatus.UNCHANGED, reason=why, document_id=known.id)
            return IngestResult(
                path=key,
                status=DocStatus.UNCHANGED,
                reason=why,
                doc_type=DocType(known.doc_type) if known.doc_type else None,
                pages=known.pages,
                tokens=known.tokens,
                sha256=sha,
                document_id=known.id,
            )

    parsed = None
    tokens = None
    status: DocStatus = DocStatus.OK
    reason: str | None = None
    try:
        parsed = parse_file(path, settings)
        if doc_type is not None:
            parsed = override_doc_type(parsed, doc_type)
        tokens = count_tokens(parsed.text, settings.encoding)
    except InputError as exc:
        status, reason = DocStatus(exc.status), exc.reason
    except DocsieveError as exc:
        status, reason = DocStatus.FAILED, str(exc)
    except Exception as exc:  # -- a parser crash on one file must not stop the batch --
        log.exception("parser crashed on %s", path)
        status, reason = DocStatus.FAILED, f"parser error: {type(exc).__name__}: {exc}"

    with db.session() as s:
        row = repo.record_document(
            s,
            run_id=run_id,
            path=key,
            sha256=sha,
            size=size,
            status=status,
            reason=reason,
            parsed=parsed,
            tokens=tokens,
        )
        repo.add_run_item(s, run_id, key, status, reason=reason, document_id=row.id)
        doc_id = row.id
    return IngestResult(
        path=key,
        status=status,
        reason=reason,
        doc_type=parsed.doc_type.doc_type if parsed and parsed.doc_type else None,
        pages=parsed.pages if parsed else None,
        tokens=tokens,
        sha256=sha,
        document_id=doc_id,
    )
