"""Ingesting one file (``flows.stages.ingest_file``, no Prefect): the file is read once from a
vetted descriptor, a failure for a limit is retried when the settings change, and text a
parser drops is a warning on the document (issue 13, rows 8, 10, 11)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pymupdf
import pytest
from sqlmodel import select

from docsieve.settings import Settings
from docsieve.types import DocStatus, IngestResult
from flows import stages
from parsers import discover
from storage import repo
from storage.db import Database, open_database
from storage.tables import DocumentRow, ElementRow, RunItemRow
from tests.flows.conftest import write_contract

SECRET = "root:x:0:0:TOP-SECRET-LINE:/root:/bin/bash"


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = open_database(database_url)
    yield database
    database.dispose()


def _ingest(db: Database, settings: Settings, path: Path, **kw: object) -> IngestResult:
    with db.session() as s:
        run_id = repo.start_run(s, "ingest", root=str(path.parent)).id or 0
    return stages.ingest_file(db, settings, run_id, path, **kw)  # type: ignore[arg-type]


def test_link_swapped_after_discovery_is_refused_and_recorded(tmp_path: Path, db: Database) -> None:
    root = tmp_path / "root"
    root.mkdir()
    write_contract(root / "real.txt", 1)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "passwd.txt").write_text(SECRET + "\n")
    os.symlink(root / "real.txt", root / "doc.txt")  # -- inside the root: accepted --
    settings = Settings(home=tmp_path / "home")
    found = {f.path.name: f for f in discover(root, settings)}
    assert found["doc.txt"].accepted and found["real.txt"].accepted
    # -- the link is swapped between discovery and the read --
    os.unlink(root / "doc.txt")
    os.symlink(outside / "passwd.txt", root / "doc.txt")

    real_root = root.resolve()
    res = _ingest(db, settings, root / "doc.txt", root=real_root)
    assert res.status == DocStatus.FAILED and res.document_id is None
    assert "outside the root" in (res.reason or "")
    assert _ingest(db, settings, root / "real.txt", root=real_root).status == DocStatus.OK
    with db.session() as s:
        docs = list(s.exec(select(DocumentRow)))
        assert [d.path for d in docs] == [str((root / "real.txt").resolve())]
        assert all(SECRET not in (d.text or "") for d in docs)
        assert all(SECRET not in e.text for e in s.exec(select(ElementRow)))
        items = {i.path: i for i in s.exec(select(RunItemRow))}
    item = items[str(root / "doc.txt")]
    assert item.status == "failed" and "outside the root" in (item.reason or "")


def _pdf(path: Path, pages: int) -> Path:
    doc = pymupdf.open()
    for i in range(pages):
        page = doc.new_page()
        page.insert_text((72, 72), f"Section {i + 1}. Services", fontsize=14)
        page.insert_text((72, 100), f"The Supplier shall deliver the services of phase {i + 1}.")
    doc.save(path)
    doc.close()
    return path


def test_a_limit_failure_is_retried_when_the_settings_change(tmp_path: Path, db: Database) -> None:
    pdf = _pdf(tmp_path / "long.pdf", 5)
    strict = Settings(parse={"max_pages": 3})
    first = _ingest(db, strict, pdf)
    assert first.status == DocStatus.FAILED and "max_pages" in (first.reason or "")
    # -- same settings: the stored failure stands --
    again = _ingest(db, strict, pdf)
    assert again.status == DocStatus.UNCHANGED and "was failed" in (again.reason or "")
    # -- the limit raised: read again, and it parses --
    raised = _ingest(db, Settings(parse={"max_pages": 10}), pdf)
    assert raised.status == DocStatus.OK and raised.pages == 5
    assert raised.document_id == first.document_id
    assert _ingest(db, Settings(parse={"max_pages": 10}), pdf).status == DocStatus.UNCHANGED
    with db.session() as s:
        row = repo.get_document(s, first.document_id or 0)
        assert row is not None and row.status == "ok" and row.failure_kind is None


def test_a_content_failure_stays_until_the_file_changes(tmp_path: Path, db: Database) -> None:
    data = _pdf(tmp_path / "whole.pdf", 3).read_bytes()
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(data[: len(data) // 2])
    first = _ingest(db, Settings(), cut)
    assert first.status == DocStatus.FAILED
    with db.session() as s:
        row = repo.get_document(s, first.document_id or 0)
        assert row is not None and row.failure_kind == "content"
    # -- other settings do not make a truncated file whole --
    other = _ingest(db, Settings(parse={"max_pages": 10}), cut)
    assert other.status == DocStatus.UNCHANGED
    # -- asked for explicitly, it is read again (and fails again) --
    forced = _ingest(db, Settings(), cut, retry_failed=True)
    assert forced.status == DocStatus.FAILED
    # -- the file changed: a new version, parsed --
    cut.write_bytes(data)
    assert _ingest(db, Settings(), cut).status == DocStatus.OK


def _nested_html(path: Path, depth: int) -> Path:
    path.write_text(
        "<html><body><h1>Deep Contract</h1><p>The parties agree as follows.</p>"
        + "<div>" * depth
        + "<p>DEEP CLAUSE: the supplier shall pay a penalty of ten percent.</p>" * 5
        + "</div>" * depth
        + "<p>Closing words after the nesting, signed by both parties today.</p>"
        + "</body></html>",
        encoding="utf-8",
    )
    return path


def test_text_dropped_by_the_html_parser_is_a_warning(tmp_path: Path, db: Database) -> None:
    res = _ingest(db, Settings(), _nested_html(tmp_path / "deep.html", 50_000))
    assert res.status == DocStatus.OK
    assert len(res.warnings) == 1, res.warnings
    assert "HTML parser dropped text" in res.warnings[0]
    assert "levels deep" in res.warnings[0] and "stops at 255" in res.warnings[0]
    with db.session() as s:
        row = repo.get_document(s, res.document_id or 0)
        assert row is not None and row.warnings == res.warnings
    # -- shallow nesting keeps every word: no warning --
    shallow = _ingest(db, Settings(), _nested_html(tmp_path / "shallow.html", 20))
    assert shallow.status == DocStatus.OK and shallow.warnings == []


def test_undecodable_characters_are_a_warning(tmp_path: Path, db: Database) -> None:
    path = write_contract(tmp_path / "mangled.txt", 2)
    path.write_text(path.read_text() + "\nPrice: 100 \ufffd\ufffd per unit.\n", encoding="utf-8")
    res = _ingest(db, Settings(), path)
    assert res.status == DocStatus.OK
    assert res.warnings == ["2 character(s) could not be decoded and were replaced by U+FFFD"]
