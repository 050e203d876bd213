"""The document x question matrix and the exports: every field in every format, safe cells,
escaped Markdown, unverified quotes marked everywhere (issue 11 item 3, issue 13 row 9)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from docsieve.analysis import Answer, Citation, DocumentAnalysis
from reports import RunReport, answers_csv, to_html, to_json, to_markdown
from reports.exports import safe_cell, to_csv, write_report_files
from reports.markdown import to_html as md_html
from reports.matrix import matrix_table
from reports.render import matrix_csv

FORMULA = '=HYPERLINK("http://evil.example/x","click")'
EVIL_NAME = "rfq\n## Forged heading\n| a | b |.md"


def _report() -> RunReport:
    def analysis(doc_id: int, due: str, answer: str, verified: bool) -> DocumentAnalysis:
        return DocumentAnalysis(
            document_id=doc_id,
            document_sha=str(doc_id) * 64,
            profile="rfp",
            status="analysed",
            provider="extractive",
            model="extractive-v1",
            extractive=True,
            answers=[
                Answer(
                    question_id="submission_deadline",
                    found=True,
                    answer=answer,
                    fields={"due": due, "channel": ["e-mail", "portal"]},
                    citations=[
                        Citation(
                            chunk_id=f"c{doc_id}",
                            page_start=3,
                            page_end=3,
                            quote="Quotes are due by noon." if verified else "invented words",
                            quote_verified=verified,
                        )
                    ],
                ),
                Answer(question_id="evaluation_criteria", found=False),
            ],
        )

    return RunReport.model_validate(
        {
            "run_id": 9,
            "kind": "run",
            "status": "completed",
            "root": "/rfps",
            "profile": "rfp",
            "started_at": "2026-12-01T00:00:00",
            "finished_at": None,
            "counts": {"analysed": 2},
            "funnel": {
                k: {"tokens": 10.0, "documents": 2}
                for k in ("document", "chunk", "select", "analyze")
            },
            "cost_by_stage": {"stage 1 (local)": 0.0, "stage 2 (API)": 0.0},
            "baseline_usd": 0.0,
            "saving_usd": 0.0,
            "selected_fraction": 0.2,
            "stage1_seconds": 1.0,
            "reference": {"model": "claude-sonnet-4-5", "selected_usd": 0.012, "whole_usd": 0.09},
            "documents": [
                {"document_id": 1, "path": f"/rfps/{EVIL_NAME}", "status": "analysed"},
                {"document_id": 2, "path": "/rfps/pws.pdf", "status": "analysed"},
            ],
            "analyses": [
                analysis(
                    1, FORMULA, "**Noon** <script>alert(1)</script> ![x](http://evil/p.png)", False
                ),
                analysis(2, "June 1, 2026 12:00 PM ET", "Quotes are due by noon.", True),
            ],
        }
    )


def test_matrix_has_a_row_per_document_and_every_field() -> None:
    r = _report()
    headers, rows = matrix_table(r.results, r.questions)
    assert headers == [
        "document",
        "files",
        "submission_deadline",
        "submission_deadline.due",
        "submission_deadline.channel",
        "submission_deadline cited",
        "evaluation_criteria",
        "evaluation_criteria cited",
    ]
    assert [row[0] for row in rows] == [EVIL_NAME.rsplit("/", 1)[-1], "pws.pdf"]
    assert rows[1][2] == "June 1, 2026 12:00 PM ET" and rows[1][4] == "e-mail; portal"
    assert rows[1][5] == "pws.pdf, p. 3" and rows[1][6] == "not found"
    # -- every structured field appears in every format --
    for text in (matrix_csv(r), answers_csv(r), to_html(r), to_markdown(r), to_json(r)):
        assert "e-mail" in text and "June 1, 2026" in text, text[:200]


def test_xlsx_opens_with_every_sheet_and_safe_cells(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    r = _report()
    names = write_report_files(r, tmp_path)
    assert "run-9.xlsx" in names and "run-9-matrix.csv" in names
    wb = load_workbook(tmp_path / "run-9.xlsx")
    assert wb.sheetnames == ["Matrix", "Answers", "Documents"]
    matrix = list(wb["Matrix"].iter_rows(values_only=True))
    assert matrix[0][2] == "submission_deadline" and matrix[2][0] == "pws.pdf"
    cell = wb["Matrix"]["D2"]
    assert cell.value == "'" + FORMULA and cell.data_type == "s"  # -- text, not a formula --
    answers = list(wb["Answers"].iter_rows(values_only=True))
    assert len(answers) == 1 + 4
    assert not any(str(v).startswith("=") for row in answers for v in row if v is not None)


def test_csv_cells_never_start_a_formula() -> None:
    for bad in ("=1+1", "+1", "-1+cmd", "@SUM(A1)", "\t=1", "\r=1"):
        assert str(safe_cell(bad)).startswith("'")
    assert safe_cell(-3) == -3 and safe_cell("a=b") == "a=b" and safe_cell(None) is None
    rows = list(csv.reader(io.StringIO(to_csv(["h"], [[FORMULA]]))))
    assert rows[1][0] == "'" + FORMULA
    lines = matrix_csv(_report()) + answers_csv(_report())
    assert not any(
        cell.startswith(("=", "+", "@")) for row in csv.reader(io.StringIO(lines)) for cell in row
    )
    # -- write_xlsx and report_sheets: the same rule guards the workbook (test above) --


def test_markdown_escapes_html_images_and_forged_headings() -> None:
    md = to_markdown(_report())
    assert "<script>" not in md and "&lt;script&gt;" in md
    assert "![x](" not in md
    lines = md.splitlines()
    assert not any(line.startswith("## Forged") for line in lines)
    assert not any(line.startswith("| a | b |") for line in lines)
    # -- every matrix row has as many cells as the header --
    table = [line for line in lines if line.startswith("| ") and "submission_deadline" not in line]
    header = next(line for line in lines if line.startswith("| document | submission"))
    bars = header.count(" |")
    assert all(row.replace("\\\\|", "").count(" |") == bars for row in table[:2])


def test_unverified_quotes_are_marked_in_every_format() -> None:
    r = _report()
    html = to_html(r)
    assert html.count("quote not verified") == 1
    assert to_markdown(r).count("[quote not verified]") == 1
    rows = list(csv.DictReader(io.StringIO(answers_csv(r))))
    assert (
        rows[0]["quotes"].startswith("[quote not verified]")
        and rows[0]["quotes_verified"] == "False"
    )
    assert rows[2]["quotes_verified"] == "True" and "not verified" not in rows[2]["quotes"]
    assert "(quote not verified)" in matrix_csv(r)
    shown = json.loads(to_json(r))
    assert shown["results"][0]["answers"][0]["citations"][0]["quote_verified"] is False

    from flows import console

    width = console.out.width
    console.out.width = 300  # -- one line per cell line: the mark is not wrapped --
    try:
        with console.out.capture() as cap:
            console.print_answers(r.results)
    finally:
        console.out.width = width
    shown_text = cap.get()
    assert shown_text.count("quote not verified") == 1
    assert "\n## Forged" not in shown_text  # -- a file name's newlines are folded --


def test_markdown_in_answers_is_rendered_safely() -> None:
    out = md_html('**bold** <script>alert(1)</script> <span class="underline">u</span>')
    assert "<strong>bold</strong>" in out and "&lt;script&gt;" in out and "<script" not in out
    assert "<span" not in out and "u" in out
    assert "<img" not in md_html("![x](http://evil/p.png)")
    assert "javascript:" not in md_html("[x](javascript:alert(1))").split('href="')[-1][:12]
    assert "<h1" not in md_html("# forged\n\ntext")
