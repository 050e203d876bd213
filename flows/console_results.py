"""What the CLI prints about results: answers per document, runs, the compliance matrix.

Part of :mod:`flows.console` (which re-exports these functions), apart for size.
Answers and statements are printed as Rich ``Text``, never as markup, so a
document's "[red]" or "[/]" is shown as written.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from rich.markup import escape
from rich.table import Column, Table
from rich.text import Text

from flows.console import out

if TYPE_CHECKING:
    from reports.answers import AnswerView, DocumentAnswers
    from reports.compliance import ComplianceSection
    from storage.results_repo import RunListing


def _answer_cell(a: AnswerView, full: bool) -> Text:
    from reports.answers import shorten

    if not a.found:
        cell = Text("not found", style="dim")
        if a.candidates:
            labels = list(dict.fromkeys(c.label for c in a.candidates))[:2]
            cell.append("; look at " + ", ".join(labels), style="dim")
        return cell
    # -- Text, not markup: an answer holding "[red]" or "[/]" is shown as written --
    cell = Text(a.answer if full else shorten(a.answer, 220))
    for name, value in a.field_text().items():
        if value == a.answer.strip():  # -- the field the answer was made of: said once --
            continue
        cell.append(f"\n{name}: ", style="bold")
        cell.append(value if full else shorten(value, 120))
    return cell


def _cited(a: AnswerView, full: bool) -> Text:
    cell = Text()
    for i, c in enumerate(a.citations if full else a.citations[:3]):
        cell.append(("\n" if i else "") + c.label)
        if c.quote and not c.quote_verified:
            cell.append(" (quote not verified)", style="yellow")
        if full and c.quote:
            cell.append(f"\n  “{c.quote}”", style="dim")
    if not full and len(a.citations) > 3:
        cell.append(f"\n+{len(a.citations) - 3} more", style="dim")
    return cell


def print_answers(results: list[DocumentAnswers], full: bool = False) -> None:
    """Per document, per question: the answer, its key fields and where it was found."""
    for d in results:
        served = f"{d.provider}/{d.model}" + (" (offline, extractive)" if d.extractive else "")
        table = Table(
            Column("question", no_wrap=True),
            Column("answer", ratio=3),
            Column("cited", ratio=2),
            title=f"[bold]{escape(' '.join(d.label.split()))}[/bold]",
            caption=f"{d.status} by {escape(served)}",
            show_lines=True,
        )
        for a in d.answers:
            table.add_row(a.question_id, _answer_cell(a, full), _cited(a, full))
        out.print(table)


def print_show(results: list[DocumentAnswers], as_json: bool) -> None:
    if as_json:
        print(json.dumps([d.model_dump(mode="json") for d in results], indent=2))
        return
    if not results:
        out.print("no answers match")
    print_answers(results, full=True)


def print_runs(runs: list[RunListing], as_json: bool) -> None:
    if as_json:
        print(json.dumps([r.model_dump(mode="json") for r in runs], indent=2))
        return
    table = Table("run", "kind", "status", "started (UTC)", "docs", "analysed", "outcomes", "root")
    for r in runs:
        table.add_row(
            str(r.run_id),
            r.kind,
            r.status,
            r.started_at.strftime("%Y-%m-%d %H:%M"),
            str(r.documents),
            str(r.analysed),
            ", ".join(f"{n} {k}" for k, n in sorted(r.counts.items())),
            Text(r.root or ""),
        )
    out.print(table)


def print_requirements(sec: ComplianceSection, as_json: bool) -> None:
    if as_json:
        print(sec.model_dump_json(indent=2))
        return
    cols: list[Column | str] = [
        Column("id", no_wrap=True),
        Column("where", overflow="fold"),
        "party",
        "category",
    ]
    table = Table(*cols, Column("requirement", ratio=3), title=escape(sec.label))
    for r in sec.rows:
        where = " ".join(x for x in (r.section, r.heading) if x)
        table.add_row(
            r.id, Text(f"{r.file}\n{where}\np. {r.page}"), r.party, r.category, Text(r.statement)
        )
    out.print(table)
    counts = ", ".join(f"{n} {k}" for k, n in sorted(sec.by_category.items()))
    out.print(f"{len(sec.rows)} requirements in {len(sec.files)} files: {counts or 'none'}")
    for sk in sec.skipped:
        out.print(Text(f"skipped {sk.path}: {sk.reason}", style="dim"))
