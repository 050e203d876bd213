"""Run reports: the summary and token funnel of a run, and per-document answers.

One :class:`RunReport` is built from storage (run, items, ledger, analyses) and
rendered as Rich tables, JSON, Markdown, CSV or a self-contained HTML page whose
charts are inline SVG (no script, nothing fetched), so it opens offline.
"""

from __future__ import annotations

import csv
import html
import io
import json
from collections import Counter
from typing import Any

from pydantic import BaseModel, Field
from sqlmodel import Session, col, select

from docsieve.analysis import Citation, DocumentAnalysis
from docsieve.text import format_pages
from storage import ledger, repo
from storage.tables import DocumentRow, RunRow
from storage.tables_analysis import DocumentAnalysisRow

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
    documents: list[DocumentLine]
    analyses: list[DocumentAnalysis] = Field(default_factory=list)


def latest_run_id(s: Session, kind: str | None = None) -> int | None:
    q = select(RunRow.id).order_by(col(RunRow.id).desc())
    if kind:
        q = q.where(RunRow.kind == kind)
    return s.exec(q).first()


def build_report(s: Session, run_id: int) -> RunReport:
    run = s.get(RunRow, run_id)
    if run is None:
        raise KeyError(f"no run {run_id}")
    f = ledger.funnel(s, run_id)
    items = repo.run_items(s, run_id)
    final: dict[str, str] = {}
    for it in items:  # -- the last stage recorded for a path is its outcome --
        final[it.path] = it.status
    analyses = {
        r.document_id: r
        for r in s.exec(
            select(DocumentAnalysisRow)
            .where(DocumentAnalysisRow.run_id == run_id)
            .order_by(col(DocumentAnalysisRow.id))
        )
    }
    docs: list[DocumentLine] = []
    for doc_id, stages in f.per_document.items():
        d = s.get(DocumentRow, doc_id)
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
            )
        )
    listed = {d.document_id for d in docs}
    for it in items:  # -- documents with no ledger entry: skipped or failed before stage 1 --
        if it.stage == "analyze" and it.document_id is not None and it.document_id not in listed:
            d = s.get(DocumentRow, it.document_id)
            docs.append(
                DocumentLine(
                    document_id=it.document_id,
                    path=it.path,
                    doc_type=d.doc_type if d else None,
                    status=it.status,
                    reason=it.reason,
                    document_tokens=(d.tokens or 0) if d else 0,
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
    return RunReport(
        run_id=run_id,
        reference=reference,
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
        analyses=[
            DocumentAnalysis.model_validate(r.analysis_json)
            for r in analyses.values()
            if r.analysis_json
        ],
    )


# -- renderers ----------------------------------------------------------------------------------


def to_json(r: RunReport) -> str:
    return r.model_dump_json(indent=2, exclude={"analyses": {"__all__": {"request", "steps"}}})


def documents_csv(r: RunReport) -> str:
    buf = io.StringIO()
    fields = list(DocumentLine.model_fields)
    w = csv.DictWriter(buf, fieldnames=fields)
    w.writeheader()
    for d in r.documents:
        row = d.model_dump()
        row["degraded"] = "; ".join(d.degraded)
        w.writerow(row)
    return buf.getvalue()


def answers_csv(r: RunReport) -> str:
    """One row per (document, question): answer, pages and quoted text."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(
        [
            "document_sha",
            "question_id",
            "found",
            "answer",
            "pages",
            "quotes",
            "provider",
            "model",
            "extractive",
        ]
    )
    for a in r.analyses:
        for ans in a.answers:
            pages = sorted({_pages(c) for c in ans.citations})
            w.writerow(
                [
                    a.document_sha,
                    ans.question_id,
                    ans.found,
                    ans.answer,
                    " ".join(pages),
                    " | ".join(c.quote for c in ans.citations if c.quote),
                    a.provider,
                    a.model,
                    ans.extractive,
                ]
            )
    return buf.getvalue()


def to_markdown(r: RunReport) -> str:
    lines = [
        f"# docsieve run {r.run_id}",
        "",
        f"- status: {r.status}; documents: "
        + ", ".join(f"{n} {k}" for k, n in sorted(r.counts.items())),
        f"- profile: {r.profile or '(by document type)'}; root: {r.root}",
        f"- selected fraction: {r.selected_fraction:.1%} of document tokens",
        f"- stage-2 cost: ${r.cost_by_stage['stage 2 (API)']:.4f}; whole documents would "
        f"cost ${r.baseline_usd:.4f}; saving ${r.saving_usd:.4f}",
        f"- stage-1 compute: {r.stage1_seconds:.1f} s",
        *_reference_line(r),
        "",
        "## Token funnel",
        "",
        "| stage | tokens |",
        "|---|---:|",
    ]
    lines += [f"| {label} | {int(r.funnel[k]['tokens']):,} |" for k, label in FUNNEL]
    lines += [
        "",
        "## Documents",
        "",
        "| document | type | status | doc tokens | selected | in | out | cost $ | note |",
        "|---|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for d in r.documents:
        note = "; ".join(d.degraded) or (d.reason or "")
        lines.append(
            f"| {d.path.rsplit('/', 1)[-1]} | {d.doc_type or ''} | {d.status} | "
            f"{d.document_tokens:,} | {d.selected_tokens:,} | {d.input_tokens:,} | "
            f"{d.output_tokens:,} | {d.cost_usd:.4f} | {note} |"
        )
    for a in r.analyses:
        lines += [
            "",
            f"## Answers: {_doc_name(r, a)}",
            "",
            f"served by {a.provider}/{a.model}"
            + (" (extractive, no model)" if a.extractive else ""),
        ]
        for ans in a.answers:
            lines.append(f"- **{ans.question_id}**: {ans.answer or '(not found)'}")
            for c in ans.citations:
                quote = f' "{c.quote}"' if c.quote else ""
                lines.append(f"  - p. {_pages(c)} [{c.chunk_id}]{quote}")
    return "\n".join(lines) + "\n"


def _reference_line(r: RunReport) -> list[str]:
    if not r.reference:
        return []
    ref = r.reference
    return [
        f"- at {ref['model']} list prices: the selection ${ref['selected_usd']:.4f}"
        f" vs whole documents ${ref['whole_usd']:.4f}"
    ]


def _pages(c: Citation) -> str:
    return format_pages(c.page_start, c.page_end)


def _doc_name(r: RunReport, a: DocumentAnalysis) -> str:
    for d in r.documents:
        if d.document_id == a.document_id:
            return d.path.rsplit("/", 1)[-1]
    return a.document_sha[:12]


def _bar_svg(title: str, items: list[tuple[str, float]], unit: str) -> str:
    """A horizontal bar chart as inline SVG."""
    width, bar_h, gap, label_w = 720, 26, 10, 260
    peak = max((v for _, v in items), default=0) or 1.0
    height = len(items) * (bar_h + gap) + 40
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'role="img" aria-label="{html.escape(title)}">',
        f'<text x="0" y="18" font-size="15" font-weight="bold">{html.escape(title)}</text>',
    ]
    for i, (label, value) in enumerate(items):
        y = 32 + i * (bar_h + gap)
        w = max(2.0, (width - label_w - 120) * value / peak)
        shown = f"{value:,.0f}" if unit == "tokens" else f"${value:,.4f}"
        parts += [
            f'<text x="0" y="{y + 18}" font-size="13">{html.escape(label)}</text>',
            f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="#3b6ea8" rx="3"/>',
            f'<text x="{label_w + w + 6:.1f}" y="{y + 18}" font-size="13">{shown}</text>',
        ]
    parts.append("</svg>")
    return "".join(parts)


def to_html(r: RunReport) -> str:
    funnel_svg = _bar_svg(
        "Token funnel", [(label, r.funnel[k]["tokens"]) for k, label in FUNNEL], "tokens"
    )
    cost_items = [*r.cost_by_stage.items(), ("whole documents (baseline)", r.baseline_usd)]
    if r.reference:  # -- a free model served: show what the API model would have cost --
        cost_items += [
            (f"selection at {r.reference['model']}", r.reference["selected_usd"]),
            (f"whole docs at {r.reference['model']}", r.reference["whole_usd"]),
        ]
    cost_svg = _bar_svg("Cost per stage", cost_items, "usd")
    rows = "".join(
        f"<tr><td>{html.escape(d.path.rsplit('/', 1)[-1])}</td><td>{d.doc_type or ''}</td>"
        f"<td>{d.status}</td><td>{d.document_tokens:,}</td><td>{d.selected_tokens:,}</td>"
        f"<td>{d.input_tokens:,}</td><td>{d.output_tokens:,}</td><td>{d.cost_usd:.4f}</td>"
        f"<td>{html.escape('; '.join(d.degraded) or (d.reason or ''))}</td></tr>"
        for d in r.documents
    )
    answers = []
    for a in r.analyses:
        items = []
        for ans in a.answers:
            cites = "".join(
                f"<li>p. {_pages(c)} <code>{html.escape(c.chunk_id)}</code> "
                f"{html.escape(c.quote[:300])}</li>"
                for c in ans.citations
            )
            items.append(
                f"<li><b>{html.escape(ans.question_id)}</b>: "
                f"{html.escape(ans.answer or '(not found)')}<ul>{cites}</ul></li>"
            )
        tag = " (extractive)" if a.extractive else ""
        answers.append(
            f"<h3>{html.escape(_doc_name(r, a))}</h3><p>served by "
            f"{html.escape(str(a.provider))}/{html.escape(str(a.model))}{tag}</p>"
            f"<ul>{''.join(items)}</ul>"
        )
    counts = ", ".join(f"{n} {k}" for k, n in sorted(r.counts.items()))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>docsieve run {r.run_id}</title>
<style>body{{font-family:system-ui,sans-serif;margin:2em;max-width:1000px;color:#222}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:4px 8px;font-size:13px}}
th{{background:#f0f3f7}}.kpi{{display:inline-block;margin-right:2em}}
.kpi b{{display:block;font-size:22px}}</style></head><body>
<h1>docsieve run {r.run_id}</h1>
<p>{html.escape(r.kind)} · {html.escape(r.status)} · {html.escape(counts)} ·
profile {html.escape(r.profile or "by document type")}</p>
<div><span class="kpi"><b>{r.selected_fraction:.1%}</b>of document tokens sent</span>
<span class="kpi"><b>${r.cost_by_stage["stage 2 (API)"]:.4f}</b>stage-2 cost</span>
<span class="kpi"><b>${r.baseline_usd:.4f}</b>whole documents</span>
<span class="kpi"><b>{r.stage1_seconds:.1f} s</b>stage-1 compute</span></div>
{"".join(f"<p>{html.escape(x[2:])}</p>" for x in _reference_line(r))}
{funnel_svg}
{cost_svg}
<h2>Documents</h2><table><tr><th>document</th><th>type</th><th>status</th><th>doc tokens</th>
<th>selected</th><th>in</th><th>out</th><th>cost $</th><th>note</th></tr>{rows}</table>
<h2>Answers</h2>{"".join(answers)}
</body></html>
"""


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
