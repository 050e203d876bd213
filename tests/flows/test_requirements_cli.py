"""``docsieve requirements`` on a real solicitation: rows, exact spans, CSV and XLSX exports.

The RFQ is the bundled sample ``data/samples/18f_epermit_api_rfq.md`` (18F, public
domain; see data/ATTRIBUTION.md). No Prefect server and no storage are needed.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from docsieve.requirements import normalize_ws, plain_text
from flows.cli import app

REPO = Path(__file__).resolve().parents[2]
RFQ = REPO / "data" / "samples" / "18f_epermit_api_rfq.md"


@pytest.fixture
def package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The RFQ with a README, an empty PDF and a file of an unknown type beside it."""
    monkeypatch.setenv("DOCSIEVE_HOME", str(tmp_path / "home"))
    folder = tmp_path / "solicitation"
    folder.mkdir()
    shutil.copy(RFQ, folder / "RFQ.md")
    (folder / "README.md").write_text("# About this repository\n\nYou must read this.\n")
    (folder / "broken.pdf").write_bytes(b"")
    (folder / "notes.xyz").write_text("The Contractor shall be ignored.")
    return folder


def test_requirements_of_a_real_rfq_with_exports(package: Path, tmp_path: Path) -> None:
    out_csv, out_xlsx = tmp_path / "m.csv", tmp_path / "m.xlsx"
    res = CliRunner().invoke(
        app,
        ["requirements", str(package), "--json", "--csv", str(out_csv), "--xlsx", str(out_xlsx)],
    )
    assert res.exit_code == 0, (res.output, res.exception)
    sec = json.loads(res.stdout)
    assert sec["files"] == ["RFQ.md"]
    skipped = {s["path"]: s["reason"] for s in sec["skipped"]}
    assert set(skipped) == {"README.md", "broken.pdf", "notes.xyz"}
    rows = sec["rows"]
    assert len(rows) >= 40
    for r in rows:
        assert r["file"] == "RFQ.md" and r["page"] and r["end"] > r["start"]
        assert r["party"] in {"offeror", "contractor", "government", "other"}
        assert r["compliant"] == r["proposal_section"] == r["owner"] == ""
    # -- the span is exact: the statement is the file's text between start and end --
    raw = (package / "RFQ.md").read_text(encoding="utf-8")
    exact = sum(
        plain_text(normalize_ws(raw[r["start"] : r["end"]])) in r["statement"] for r in rows
    )
    assert exact >= 0.9 * len(rows)
    assert any("Quotes" in r["statement"] or "quote" in r["statement"] for r in rows)
    assert {r["category"] for r in rows} >= {"submission", "technical"}

    table = list(csv.reader(io.StringIO(out_csv.read_text(encoding="utf-8"))))
    assert table[0][:3] == ["Package", "ID", "File"] and table[0][-3:] == [
        "Compliant?",
        "Proposal section",
        "Owner",
    ]
    assert len(table) == len(rows) + 1

    from openpyxl import load_workbook

    ws = load_workbook(out_xlsx)["Compliance matrix"]
    values = list(ws.iter_rows(values_only=True))
    assert list(values[0]) == table[0] and len(values) == len(rows) + 1
    assert values[1][1] == rows[0]["id"] and values[1][-1] is None  # -- "Owner": empty --


def test_requirements_rich_output_and_bad_path(package: Path) -> None:
    res = CliRunner().invoke(app, ["requirements", str(package / "RFQ.md")])
    assert res.exit_code == 0, res.output
    assert "R0001" in res.stdout and "requirements in 1 files" in res.stdout
    assert CliRunner().invoke(app, ["requirements", str(package / "nope")]).exit_code == 2
