"""The report renderers: every format from one RunReport, hostile text escaped in HTML."""

from __future__ import annotations

import csv
import io
import json

from docsieve.analysis import Answer, Citation, DocumentAnalysis
from reports import RunReport, answers_csv, documents_csv, to_html, to_json, to_markdown

HOSTILE = "<script>alert(\"x\")</script> & 'q'"


def _report(reference: bool = True) -> RunReport:
    return RunReport.model_validate(
        {
            "run_id": 4,
            "kind": "run",
            "status": "completed",
            "root": "/data",
            "profile": None,
            "started_at": "2026-12-01T00:00:00",
            "finished_at": None,
            "counts": {"analysed": 1, "failed": 1},
            "funnel": {
                "document": {"tokens": 10000.0, "documents": 1},
                "chunk": {"tokens": 9000.0, "documents": 1},
                "select": {"tokens": 1500.0, "documents": 1},
                "analyze": {"tokens": 1700.0, "documents": 1},
            },
            "cost_by_stage": {"stage 1 (local)": 0.0, "stage 2 (API)": 0.0123},
            "baseline_usd": 0.08,
            "saving_usd": 0.0677,
            "selected_fraction": 0.15,
            "stage1_seconds": 2.5,
            "reference": (
                {"model": "claude-sonnet-4-5", "selected_usd": 0.01, "whole_usd": 0.07}
                if reference
                else {}
            ),
            "documents": [
                {
                    "document_id": 1,
                    "path": f"/data/{HOSTILE}.txt",
                    "doc_type": "contract",
                    "status": "analysed",
                    "document_tokens": 10000,
                    "selected_tokens": 1500,
                    "cost_usd": 0.0123,
                    "degraded": ["dropped lowest-scoring sections"],
                },
                {"document_id": 2, "path": "/data/b.pdf", "status": "failed", "reason": "bad"},
            ],
            "analyses": [
                DocumentAnalysis(
                    document_id=1,
                    document_sha="a" * 64,
                    profile="contract",
                    status="analysed",
                    provider="anthropic",
                    model="claude-sonnet-4-5",
                    answers=[
                        Answer(
                            question_id="term",
                            found=True,
                            answer=HOSTILE,
                            citations=[
                                Citation(chunk_id="c1", page_start=2, page_end=3, quote=HOSTILE)
                            ],
                        ),
                        Answer(question_id="law", found=False),
                    ],
                )
            ],
        }
    )


def test_html_escapes_every_value_and_is_self_contained() -> None:
    page = to_html(_report())
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    assert "&quot;x&quot;" in page and "&#x27;q&#x27;" in page
    assert page.count("<svg") == 2 and "Token funnel" in page and "Cost per stage" in page
    assert "http" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "<td>dropped lowest-scoring sections</td>" in page
    assert "p. 2-3" in page and "not found" in page
    assert "at claude-sonnet-4-5 list prices" in page
    assert "list prices" not in to_html(_report(reference=False))
    assert page.endswith("</body></html>\n")
    # -- answers and matrix first, tokens and cost after; a contents list and anchors --
    assert page.index('id="matrix"') < page.index('id="answers"') < page.index('id="cost"')
    assert 'href="#doc-1"' in page and '<section id="doc-1">' in page
    assert 'id="doc-1-term"' in page and 'href="#doc-1-term"' in page
    assert '<select id="qfilter">' in page and 'data-q="law"' in page


def test_markdown_lists_matrix_answers_then_funnel() -> None:
    md = to_markdown(_report())
    assert md.startswith("# docsieve run 4\n\n- status: completed; documents: 1 analysed, 1 failed")
    assert "| document tokens | 10,000 |" in md and "| selected tokens | 1,500 |" in md
    assert "- at claude-sonnet-4-5 list prices: the selection $0.0100" in md
    assert "## Answers: " in md and "[c1]" in md
    assert "- **law**: (not found)" in md
    matrix = md.index("## Document \u00d7 question matrix")
    assert matrix < md.index("## Answers") < md.index("| stage |")
    assert md.endswith("\n") and not md.endswith("\n\n")


def test_json_and_csv() -> None:
    r = _report()
    data = json.loads(to_json(r))
    assert data["run_id"] == 4 and "request" not in data["analyses"][0]
    docs = list(csv.DictReader(io.StringIO(documents_csv(r))))
    assert [d["status"] for d in docs] == ["analysed", "failed"]
    assert docs[0]["degraded"] == "dropped lowest-scoring sections"
    rows = list(csv.DictReader(io.StringIO(answers_csv(r))))
    # -- named by file name, not by hash; the hash is kept last --
    assert rows[0]["document"].endswith("'q'.txt") and rows[0]["document_sha"] == "a" * 64
    assert rows[0]["question_id"] == "term" and rows[0]["citations"].endswith("p. 2-3")
    assert rows[0]["answer"] == HOSTILE
