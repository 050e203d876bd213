"""The document x question matrix: one row per document (or package), one column per question.

Each cell holds the short answer or its key field (see
:func:`reports.answers.shape_answers`) and the citations it rests on. The HTML
report links each cell to its answer; the CSV and XLSX exports flatten the
matrix, and give every structured field a column of its own (``question.field``)
so no format drops one.
"""

from __future__ import annotations

from collections.abc import Sequence

from reports.answers import DocumentAnswers, format_value
from reports.exports import Cell

NOT_FOUND = "not found"


def field_names(
    results: Sequence[DocumentAnswers], questions: Sequence[str]
) -> dict[str, list[str]]:
    """For each question, every field name any document's answer holds, first seen first."""
    names: dict[str, dict[str, None]] = {q: {} for q in questions}
    for d in results:
        for a in d.answers:
            for name in a.fields:
                names.setdefault(a.question_id, {}).setdefault(name, None)
    return {q: list(n) for q, n in names.items()}


def cell_text(d: DocumentAnswers, question: str) -> str:
    a = d.answer(question)
    if a is None:
        return ""
    return a.key if a.found else NOT_FOUND


def cited(d: DocumentAnswers, question: str) -> str:
    """The citations of one cell, '; '-joined, unverified quotes marked."""
    a = d.answer(question)
    if a is None:
        return ""
    return "; ".join(
        c.label + (" (quote not verified)" if c.quote and not c.quote_verified else "")
        for c in a.citations
    )


def matrix_table(
    results: Sequence[DocumentAnswers], questions: Sequence[str]
) -> tuple[list[str], list[list[Cell]]]:
    """The matrix as one flat table: per question its cell, its fields and its citations."""
    fields = field_names(results, questions)
    headers = ["document", "files"]
    for q in questions:
        headers += [q, *(f"{q}.{f}" for f in fields.get(q, [])), f"{q} cited"]
    rows: list[list[Cell]] = []
    for d in results:
        row: list[Cell] = [d.label, "; ".join(d.files)]
        for q in questions:
            a = d.answer(q)
            row.append(cell_text(d, q))
            row += [format_value(a.fields.get(f)) if a else "" for f in fields.get(q, [])]
            row.append(cited(d, q))
        rows.append(row)
    return headers, rows


def matrix_groups(
    results: Sequence[DocumentAnswers],
) -> list[tuple[str, list[str], list[DocumentAnswers]]]:
    """One matrix per profile: ``(profile, its questions, its documents)``, so a run over
    RFPs and contracts shows two readable tables rather than one with mostly empty cells."""
    from reports.answers import question_ids

    groups: dict[str, list[DocumentAnswers]] = {}
    for d in results:
        groups.setdefault(d.profile, []).append(d)
    return [(p, question_ids(docs), docs) for p, docs in groups.items()]
