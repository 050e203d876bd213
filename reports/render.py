"""Render a :class:`~reports.model.RunReport` as JSON, CSV, Markdown or one HTML page.

Markdown and HTML come from the Jinja2 templates in ``reports/templates``.
HTML and SVG templates escape every value (autoescape); the page is
self-contained, its charts inline SVG (no script, nothing fetched), so it
opens offline. Formatting is done by the templates; this module only
prepares the values they show.
"""

from __future__ import annotations

import html
from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader
from markupsafe import Markup

from docsieve.analysis import Citation, DocumentAnalysis
from docsieve.text import format_pages
from reports import markdown
from reports.answers import shorten
from reports.exports import Cell, to_csv
from reports.matrix import matrix_groups, matrix_table
from reports.model import FUNNEL, DocumentLine, RunReport

# -- how every format marks a quote that stage 2 gave but the chunk text does not hold --
UNVERIFIED = "[quote not verified]"


def _html_escape(value: Any) -> Any:
    # -- the same entities as html.escape (&quot;, &#x27;), so pages stay byte-identical
    #    to the ones rendered before the templates; values marked safe pass through --
    if isinstance(value, Markup):
        return value
    return Markup(html.escape(str(value)))


@lru_cache(maxsize=2)
def _env(markup: bool) -> Environment:
    """The environment of HTML/SVG templates (every value escaped), or of Markdown ones."""
    env = Environment(
        loader=PackageLoader("reports", "templates"),
        autoescape=markup,
        finalize=_html_escape if markup else None,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["fmt"] = format
    return env


def _render(name: str, **values: Any) -> str:
    markup = name.endswith((".html", ".svg"))
    return _env(markup).get_template(name).render(**values)


def to_json(r: RunReport) -> str:
    return r.model_dump_json(indent=2, exclude={"analyses": {"__all__": {"request", "steps"}}})


def documents_csv(r: RunReport) -> str:
    return to_csv(*documents_rows(r))


ANSWER_HEADERS = [
    "document",
    "question_id",
    "found",
    "answer",
    "fields",
    "citations",
    "quotes",
    "quotes_verified",
    "confidence",
    "provider",
    "model",
    "extractive",
    "document_sha",
]


def answer_rows(r: RunReport) -> list[list[Cell]]:
    """One row per (document, question): answer, every field, citations and quotes."""
    rows: list[list[Cell]] = []
    for d in r.results:
        for a in d.answers:
            rows.append(
                [
                    d.label,
                    a.question_id,
                    a.found,
                    a.answer,
                    "; ".join(f"{k}: {v}" for k, v in a.field_text().items()),
                    "; ".join(c.label for c in a.citations),
                    " | ".join(
                        ("" if c.quote_verified else UNVERIFIED + " ") + c.quote
                        for c in a.citations
                        if c.quote
                    ),
                    all(c.quote_verified for c in a.citations if c.quote),
                    a.confidence,
                    d.provider,
                    d.model,
                    a.extractive,
                    d.document_sha,
                ]
            )
    return rows


def answers_csv(r: RunReport) -> str:
    """One row per (document, question), named by file name; spreadsheet-safe cells."""
    return to_csv(ANSWER_HEADERS, answer_rows(r))


def matrix_csv(r: RunReport) -> str:
    """The document x question matrix, every structured field in a column of its own."""
    return to_csv(*matrix_table(r.results, r.questions))


def documents_rows(r: RunReport) -> tuple[list[str], list[list[Cell]]]:
    fields = list(DocumentLine.model_fields)
    rows = []
    for d in r.documents:
        row = d.model_dump()
        row["degraded"] = "; ".join(d.degraded)
        row["warnings"] = "; ".join(d.warnings)
        rows.append([row[f] for f in fields])
    return fields, rows


def pages_of(c: Citation) -> str:
    return format_pages(c.page_start, c.page_end)


def _doc_name(r: RunReport, a: DocumentAnalysis) -> str:
    for d in r.documents:
        if d.document_id == a.document_id:
            return d.path.rsplit("/", 1)[-1]
    return a.document_sha[:12]


def _reference_line(r: RunReport) -> str | None:
    if not r.reference:
        return None
    ref = r.reference
    return (
        f"at {ref['model']} list prices: the selection ${ref['selected_usd']:.4f}"
        f" vs whole documents ${ref['whole_usd']:.4f}"
    )


def offline_note(r: RunReport) -> str | None:
    """Said plainly when no API model answered: what was spent, and what the API would cost."""
    if not r.analyses or not all(a.extractive for a in r.analyses):
        return None
    note = "Stage 2 ran offline (extractive analyzer, no API key): nothing was spent on an API."
    if r.reference:
        ref = r.reference
        note += (
            f" With the configured API model, {ref['model']}, the selected sections alone"
            f" would cost ${ref['selected_usd']:.4f} of input at its list prices"
            f" (${ref['whole_usd']:.4f} sending whole documents); the prompt and the"
            " answers come on top: `docsieve cost` shows what a run with a key spent."
        )
    return note


def _view(r: RunReport) -> dict[str, Any]:
    """What both page templates show, prepared once."""
    return {
        "r": r,
        "funnel": FUNNEL,
        "counts": ", ".join(f"{n} {k}" for k, n in sorted(r.counts.items())),
        "stage2_usd": r.cost_by_stage["stage 2 (API)"],
        "reference": _reference_line(r),
        "offline": offline_note(r),
        "matrices": matrix_groups(r.results),
        "answers": [(_doc_name(r, a), a) for a in r.analyses],
        "pages_of": pages_of,
        "shorten": shorten,
        "md": markdown.to_html,
        "unverified": UNVERIFIED,
        "md_inline": markdown.md_inline,
        "md_cell": markdown.md_cell,
        "md_heading": markdown.md_heading,
    }


def to_markdown(r: RunReport) -> str:
    return _render("report.md", **_view(r))


def _bars(title: str, items: list[tuple[str, float]], unit: str) -> Markup:
    """A horizontal bar chart as inline SVG."""
    width, bar_h, gap, label_w = 720, 26, 10, 260
    peak = max((v for _, v in items), default=0) or 1.0
    bars = []
    for i, (label, value) in enumerate(items):
        w = max(2.0, (width - label_w - 120) * value / peak)
        bars.append(
            {
                "label": label,
                "y": 32 + i * (bar_h + gap),
                "w": w,
                "shown": f"{value:,.0f}" if unit == "tokens" else f"${value:,.4f}",
            }
        )
    svg = _render(
        "bars.svg",
        title=title,
        bars=bars,
        width=width,
        height=len(items) * (bar_h + gap) + 40,
        bar_h=bar_h,
        label_w=label_w,
    )
    # -- the template ends its file with a newline; the chart is inlined without it --
    return Markup(svg.rstrip("\n"))


def to_html(r: RunReport) -> str:
    funnel_svg = _bars(
        "Token funnel", [(label, r.funnel[k]["tokens"]) for k, label in FUNNEL], "tokens"
    )
    cost_items = [*r.cost_by_stage.items(), ("whole documents (baseline)", r.baseline_usd)]
    if r.reference:  # -- a free model served: show what the API model would have cost --
        cost_items += [
            (f"selection at {r.reference['model']}", r.reference["selected_usd"]),
            (f"whole docs at {r.reference['model']}", r.reference["whole_usd"]),
        ]
    cost_svg = _bars("Cost per stage", cost_items, "usd")
    return _render("report.html", funnel_svg=funnel_svg, cost_svg=cost_svg, **_view(r))
