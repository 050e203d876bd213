"""Spreadsheet exports: CSV text and XLSX workbooks, every cell safe to open.

A cell that begins with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage
return, which some spreadsheets skip before reading one of those) is read as a
formula by Excel and LibreOffice: ``=HYPERLINK(...)`` from a hostile document
would run in the reviewer's spreadsheet. :func:`safe_cell` prefixes such text
with an apostrophe, the spreadsheets' own "this is text" mark (OWASP's advice
for CSV injection). Numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from docsieve.requirements import ComplianceRow

if TYPE_CHECKING:
    from reports.compliance import ComplianceSection
    from reports.model import RunReport

Cell = str | int | float | bool | None
Sheet = tuple[Sequence[str], Iterable[Sequence[Cell]]]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# -- Excel's limit on one cell; a longer text is refused by openpyxl --
XLSX_CELL_CHARS = 32767


def safe_cell(value: Any) -> Cell:
    """``value`` as a spreadsheet cell that cannot be read as a formula."""
    if value is None or isinstance(value, bool | int | float):
        return value
    text = str(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


def to_csv(headers: Sequence[str], rows: Iterable[Sequence[Cell]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow([safe_cell(h) for h in headers])
    for row in rows:
        w.writerow([safe_cell(v) for v in row])
    return buf.getvalue()


def write_xlsx(path: Path, sheets: dict[str, Sheet]) -> Path:
    """One workbook, a sheet per entry: bold frozen header, filters, wrapped long text."""
    try:
        from openpyxl import Workbook
        from openpyxl.styles import Alignment, Font
        from openpyxl.utils import get_column_letter
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise RuntimeError("XLSX export needs openpyxl: pip install openpyxl") from exc

    wb = Workbook()
    wb.remove(wb.active)
    for title, (headers, rows) in sheets.items():
        ws = wb.create_sheet(title=title[:31])
        ws.append([safe_cell(h) for h in headers])
        widths = [len(h) for h in headers]
        for row in rows:
            cells = [_xlsx(v) for v in row]
            ws.append(cells)
            for i, v in enumerate(cells):
                widths[i] = max(widths[i], min(60, len(str(v or ""))))
        for cell in ws[1]:
            cell.font = Font(bold=True)
        ws.freeze_panes = "A2"
        if ws.max_row > 1:
            ws.auto_filter.ref = ws.dimensions
        wrap = Alignment(wrap_text=True, vertical="top")
        for i, w in enumerate(widths, 1):
            ws.column_dimensions[get_column_letter(i)].width = max(8, w + 2)
            if w >= 60:
                for (cell,) in ws.iter_rows(min_row=2, min_col=i, max_col=i):
                    cell.alignment = wrap
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _xlsx(value: Any) -> Cell:
    cell = safe_cell(value)
    if isinstance(cell, str):
        # -- control characters are refused by the XLSX format; tabs and newlines stay --
        cell = "".join(ch for ch in cell if ch in "\t\n" or ch >= " ")[:XLSX_CELL_CHARS]
    return cell


def _compliance_rows(sections: list[ComplianceSection]) -> list[list[Cell]]:
    # -- the package column lets several solicitations share one sheet --
    return [[sec.label, *row.values()] for sec in sections for row in sec.rows]


COMPLIANCE_HEADERS = ["Package", *ComplianceRow.headers()]


def compliance_csv(sections: list[ComplianceSection]) -> str:
    """The compliance matrix: one row per requirement, the team's three columns empty."""
    return to_csv(COMPLIANCE_HEADERS, _compliance_rows(sections))


def compliance_sheet(sections: list[ComplianceSection]) -> Sheet:
    return COMPLIANCE_HEADERS, _compliance_rows(sections)


def write_compliance_xlsx(path: Path, sections: list[ComplianceSection]) -> Path:
    return write_xlsx(path, {"Compliance matrix": compliance_sheet(sections)})


def write_report_files(rep: RunReport, folder: Path) -> list[str]:
    """Every export of a run into ``folder``; returns the file names written."""
    from reports import render

    rid = rep.run_id
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        f"run-{rid}.md": render.to_markdown(rep),
        f"run-{rid}.json": render.to_json(rep),
        f"run-{rid}-documents.csv": render.documents_csv(rep),
        f"run-{rid}-answers.csv": render.answers_csv(rep),
        f"run-{rid}-matrix.csv": render.matrix_csv(rep),
        f"run-{rid}.html": render.to_html(rep),
    }
    if rep.compliance:
        files[f"run-{rid}-compliance.csv"] = compliance_csv(rep.compliance)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    write_xlsx(folder / f"run-{rid}.xlsx", report_sheets(rep))
    return [*files, f"run-{rid}.xlsx"]


def report_sheets(rep: RunReport) -> dict[str, Sheet]:
    """The workbook of a run: the matrix, the answers, the documents, the compliance matrix."""
    from reports import render
    from reports.matrix import matrix_table

    sheets: dict[str, Sheet] = {
        "Matrix": matrix_table(rep.results, rep.questions),
        "Answers": (render.ANSWER_HEADERS, render.answer_rows(rep)),
        "Documents": render.documents_rows(rep),
    }
    if rep.compliance:
        sheets["Compliance matrix"] = compliance_sheet(rep.compliance)
    return sheets


def write_html(rep: RunReport, folder: Path) -> Path:
    """The run's HTML report as ``folder/run-N.html`` (what ``docsieve run`` leaves behind)."""
    from reports import render

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"run-{rep.run_id}.html"
    path.write_text(render.to_html(rep), encoding="utf-8")
    return path
