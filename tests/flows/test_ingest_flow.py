"""The ingest flow records every file with a status, goes on past bad ones, and skips
unchanged files on the next run; the CLI prints a JSON summary and the exit code policy."""

from __future__ import annotations

import json
from pathlib import Path

import pymupdf as fitz
from sqlmodel import select
from typer.testing import CliRunner

from docsieve.settings import Settings
from flows import states
from flows.ingest import ingest_flow
from flows.runtime import database
from storage.tables import DocumentRow, RunItemRow
from tests.flows.conftest import write_contract


def _pdf(path: Path, pages: int = 3) -> bytes:
    doc = fitz.open()
    for i in range(pages):
        page = doc.new_page()
        page.insert_text((72, 72), f"Section {i + 1}. Services", fontsize=14)
        page.insert_text((72, 100), f"The Supplier shall deliver the services of phase {i + 1}.")
    data: bytes = doc.tobytes()
    path.write_bytes(data)
    return data


def _mixed_folder(root: Path) -> Path:
    folder = root / "batch"
    (folder / "sub").mkdir(parents=True)
    write_contract(folder / "good.txt", 1)
    write_contract(folder / "sub" / "nested.txt", 2)
    (folder / "empty.txt").write_bytes(b"")
    (folder / "notes.xyz").write_text("not a document type we read")
    data = _pdf(folder / "whole.pdf")
    (folder / "truncated.pdf").write_bytes(data[: len(data) // 2])
    return folder


def test_bad_files_are_recorded_and_the_batch_goes_on(
    tmp_path: Path, flow_settings: Settings
) -> None:
    folder = _mixed_folder(tmp_path)
    state = ingest_flow(str(folder), flow_settings, return_state=True)
    # -- two files failed: the flow run says so, and still carries the whole summary --
    assert state.is_failed() and "2 file(s) failed" in (state.message or "")
    summary = states.unwrap(state)
    by_name = {Path(r.path).name: r for r in summary.results}
    assert set(by_name) == {
        "good.txt",
        "nested.txt",
        "empty.txt",
        "notes.xyz",
        "whole.pdf",
        "truncated.pdf",
    }
    assert by_name["good.txt"].status == "ok" and by_name["good.txt"].doc_type == "contract"
    assert by_name["nested.txt"].status == "ok"
    assert by_name["whole.pdf"].status == "ok" and by_name["whole.pdf"].pages == 3
    assert by_name["empty.txt"].status == "failed" and "empty" in (
        by_name["empty.txt"].reason or ""
    )
    assert by_name["notes.xyz"].status == "skipped"
    assert by_name["truncated.pdf"].status == "failed"
    assert all(r.reason for r in summary.results if r.status != "ok")

    db = database(flow_settings)
    with db.session() as s:
        docs = {Path(d.path).name: d for d in s.exec(select(DocumentRow))}
        items = list(s.exec(select(RunItemRow).where(RunItemRow.run_id == summary.run_id)))
    # -- every file is in the run's record; parsed ones and failures in documents too --
    assert len(items) == 6
    assert docs["truncated.pdf"].status == "failed" and docs["truncated.pdf"].reason
    assert docs["good.txt"].tokens and docs["good.txt"].text

    again = states.call(ingest_flow, str(folder), flow_settings)
    statuses = {Path(r.path).name: r.status.value for r in again.results}
    assert statuses["good.txt"] == statuses["whole.pdf"] == "unchanged"
    assert statuses["truncated.pdf"] == "unchanged"  # -- same bytes: not re-parsed --
    assert not any(s == "ok" for s in statuses.values())

    write_contract(folder / "good.txt", 7)  # -- a changed file is parsed again --
    third = states.call(ingest_flow, str(folder), flow_settings)
    assert {Path(r.path).name: r.status.value for r in third.results}["good.txt"] == "ok"


def test_cli_json_summary_and_exit_code(
    tmp_path: Path, flow_settings: Settings, monkeypatch
) -> None:
    from flows.cli import app

    folder = _mixed_folder(tmp_path)
    monkeypatch.setenv("DOCSIEVE_DATABASE_URL", flow_settings.db_url)
    monkeypatch.setenv("DOCSIEVE_HOME", str(flow_settings.home))
    result = CliRunner().invoke(app, ["ingest", str(folder), "--json"])
    assert result.exit_code == 3, result.output  # -- finished, but some files need attention --
    rows = json.loads(result.stdout)
    assert {r["status"] for r in rows} == {"ok", "failed", "skipped"}
    for r in rows:
        assert set(r) == {"path", "status", "reason", "doc_type", "pages", "tokens", "warnings"}

    ok_only = tmp_path / "ok_only"
    ok_only.mkdir()
    write_contract(ok_only / "a.txt", 3)
    assert CliRunner().invoke(app, ["ingest", str(ok_only)]).exit_code == 0
    second = CliRunner().invoke(app, ["ingest", str(ok_only)])
    assert second.exit_code == 0 and "nothing to do" in second.stdout
    assert CliRunner().invoke(app, ["ingest", str(tmp_path / "missing")]).exit_code == 2
