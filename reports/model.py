"""The run report: summary, token funnel and per-document lines of one run, from storage.

:func:`build_report` reads the run, its items, the ledger and the analyses
through the storage repositories; :mod:`reports.render` turns the
:class:`RunReport` into JSON, CSV, Markdown and HTML.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from pydantic import BaseModel, Field, model_validator
from sqlmodel import Session

from analyzers.batch import NOTHING_SELECTED
from docsieve.analysis import DocumentAnalysis
from reports.answers import DocumentAnswers, cited_chunk_ids, question_ids, shape_answers
from reports.compliance import ComplianceSection, compliance_sections
from storage import ledger, repo
from storage.calls_repo import run_analyses
from storage.results_repo import chunk_headings

FUNNEL = [
    ("document", "document tokens"),
    ("chunk", "chunk tokens"),
    ("select", "selected tokens"),
    ("analyze", "stage-2 input tokens"),
]


class DocumentLine(BaseModel):
    document_id: int
    path: str
    doc_type: str | None = None
    status: str
    reason: str | None = None
    document_tokens: int = 0
    selected_tokens: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    baseline_usd: float = 0.0
    provider: str | None = None
    model: str | None = None
    degraded: list[str] = Field(default_factory=list)
    # -- the parser's warnings (text it dropped or could not decode), and stage 1's
    #    (nothing selected for any question: no call was made) --
    warnings: list[str] = Field(default_factory=list)


class RunReport(BaseModel):
    run_id: int
    kind: str
    status: str
    root: str | None
    profile: str | None
    started_at: str
    finished_at: str | None
    counts: dict[str, int]
    funnel: dict[str, dict[str, float]]
    cost_by_stage: dict[str, float]
    baseline_usd: float
    saving_usd: float
    selected_fraction: float
    stage1_seconds: float
    reference: dict[str, Any] = Field(default_factory=dict)
    # -- the stage-1 model of the run (select.embedding_model when it started) --
    select_model: str | None = None
    documents: list[DocumentLine]
    analyses: list[DocumentAnalysis] = Field(default_factory=list)
    # -- the answers shaped for people (file names, section headings), and the questions
    #    asked, in profile order: what the terminal, the matrix and the exports show --
    results: list[DocumentAnswers] = Field(default_factory=list)
    questions: list[str] = Field(default_factory=list)
    # -- the compliance matrix of each solicitation package; built on request (it reads
    #    every RFP's text again), for the HTML report and the exports --
    compliance: list[ComplianceSection] = Field(default_factory=list)

    @model_validator(mode="after")
    def _shape(self) -> RunReport:
        # -- a report made without shaped answers (older JSON, tests) gets them, named by
        #    file; section headings need storage, so its citations name the file --
        if self.analyses and not self.results:
            names = {d.document_id: _file_name(d.path) for d in self.documents}
            self.results = shape_answers(self.analyses, names, {})
            self.questions = question_ids(self.results)
        return self


def _file_name(path: str) -> str:
    return path.replace("\\", "/").rsplit("/", 1)[-1]


def build_report(s: Session, run_id: int, compliance: bool = False) -> RunReport:
    """The report of one run, from its run row, items, ledger and analyses; with
    ``compliance``, the compliance matrix of its solicitations too."""
    run = repo.get_run(s, run_id)
    if run is None:
        raise KeyError(f"no run {run_id}")
    f = ledger.funnel(s, run_id)
    items = repo.run_items(s, run_id)
    final: dict[str, str] = {}
    for it in items:  # -- the last stage recorded for a path is its outcome --
        final[it.path] = it.status
    # -- a document analysed again (a resumed run) is reported by its newest analysis --
    analyses = {a.document_id: a for a in run_analyses(s, run_id)}
    docs: list[DocumentLine] = []
    for doc_id, stages in f.per_document.items():
        d = repo.get_document(s, doc_id)
        if d is None:
            continue
        a = analyses.get(doc_id)
        an = stages.get("analyze")
        docs.append(
            DocumentLine(
                document_id=doc_id,
                path=d.path,
                doc_type=d.doc_type,
                status=a.status if a else final.get(d.path, d.status),
                reason=a.reason if a else None,
                document_tokens=stages["document"].tokens_in if "document" in stages else 0,
                selected_tokens=stages["select"].tokens_in if "select" in stages else 0,
                input_tokens=an.tokens_in if an else 0,
                output_tokens=an.tokens_out if an else 0,
                cost_usd=an.cost_usd if an else 0.0,
                baseline_usd=stages["baseline"].cost_usd if "baseline" in stages else 0.0,
                provider=a.provider if a else None,
                model=a.model if a else None,
                degraded=list((an.detail or {}).get("degraded", [])) if an else [],
                warnings=list(d.warnings or [])
                + ([a.reason] if a and a.reason == NOTHING_SELECTED else []),
            )
        )
    listed = {d.document_id for d in docs}
    for it in items:  # -- documents with no ledger entry: skipped or failed before stage 1 --
        if it.stage == "analyze" and it.document_id is not None and it.document_id not in listed:
            d = repo.get_document(s, it.document_id)
            docs.append(
                DocumentLine(
                    document_id=it.document_id,
                    path=it.path,
                    doc_type=d.doc_type if d else None,
                    status=it.status,
                    reason=it.reason,
                    document_tokens=(d.tokens or 0) if d else 0,
                    warnings=list(d.warnings or []) if d else [],
                )
            )
            listed.add(it.document_id)
    funnel = {
        stage: {"tokens": f.total(stage).tokens_in, "documents": f.total(stage).documents}
        for stage, _ in FUNNEL
    }
    funnel["analyze"]["output_tokens"] = f.total("analyze").tokens_out
    funnel["analyze"]["cache_read_tokens"] = f.total("analyze").cache_read_tokens
    funnel["analyze"]["cache_write_tokens"] = f.total("analyze").cache_write_tokens
    reference: dict[str, Any] = {}
    base_rows = [st["baseline"] for st in f.per_document.values() if "baseline" in st]
    if base_rows and all("reference_model" in (b.detail or {}) for b in base_rows):
        reference = {
            "model": base_rows[0].detail["reference_model"],
            "selected_usd": sum(b.detail.get("reference_selected_usd") or 0 for b in base_rows),
            "whole_usd": sum(b.detail.get("reference_whole_usd") or 0 for b in base_rows),
        }
    names = {d.document_id: _file_name(d.path) for d in docs}
    found = list(analyses.values())
    results = shape_answers(found, names, chunk_headings(s, cited_chunk_ids(found)))
    select_settings = (run.settings_json or {}).get("select") or {}
    return RunReport(
        run_id=run_id,
        results=results,
        questions=question_ids(results),
        reference=reference,
        select_model=select_settings.get("embedding_model"),
        kind=run.kind,
        status=run.status,
        root=run.root,
        profile=run.profile,
        started_at=run.started_at.isoformat(),
        finished_at=run.finished_at.isoformat() if run.finished_at else None,
        counts=dict(Counter(final.values())),
        funnel=funnel,
        cost_by_stage={"stage 1 (local)": 0.0, "stage 2 (API)": f.total("analyze").cost_usd},
        baseline_usd=f.total("baseline").cost_usd,
        saving_usd=f.saving_usd,
        selected_fraction=f.selected_fraction,
        stage1_seconds=f.total("chunk").seconds + f.total("select").seconds,
        documents=docs,
        analyses=found,
        compliance=(
            compliance_sections(s, [(d.document_id, d.path, d.doc_type) for d in docs])
            if compliance
            else []
        ),
    )


def summary_dict(r: RunReport) -> dict[str, Any]:
    """The short summary published as a Prefect artifact and printed by the CLI."""
    return json.loads(
        r.model_dump_json(
            include={
                "run_id",
                "status",
                "counts",
                "funnel",
                "cost_by_stage",
                "baseline_usd",
                "saving_usd",
                "selected_fraction",
                "stage1_seconds",
                "reference",
            }
        )
    )
