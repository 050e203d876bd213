"""Benchmark: PDF parsing speed on the CUAD contracts, against two references.

    python -m bench.ingest [--limit N] [--unstructured-files M] [--root DIR]

Measured in one process, after a warm-up file each (imports excluded); the
floor and docsieve run file by file, alternately, so both see the same load:

- the floor: raw PyMuPDF ``page.get_text()`` over the same files;
- docsieve: ``parsers.parse_file`` (read, hash, guard, parse, tables, classify);
- unstructured ``partition_pdf(strategy="fast")`` + ``chunk_by_title`` on the
  first M files only (default 20), since it is slow; docsieve is timed again on
  that subset so the ratio compares the same pages.

Prints pages/s, the ratios, and counts by status and document type.
Needs the ``dev`` extra's PDF packages for unstructured's PDF path; without them the
unstructured row says why it was skipped.
"""

from __future__ import annotations

import argparse
import os
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_ROOT = REPO.parent / "shared" / "data" / "cuad" / "contracts_pdf"


def _timed(fn: Callable[[], int]) -> tuple[int, float]:
    t0 = time.perf_counter()
    pages = fn()
    return pages, time.perf_counter() - t0


def raw_floor(files: list[Path]) -> int:
    import pymupdf

    pages = 0
    for f in files:
        with pymupdf.open(f) as doc:
            for page in doc:
                page.get_text()
                pages += 1
    return pages


def docsieve_parse(files: list[Path], status: Counter[str] | None = None,
                   types: Counter[str] | None = None, tables: bool = True) -> int:
    import parsers
    from docsieve.errors import InputError
    from docsieve.settings import Settings

    settings = Settings(parse={"detect_tables": tables})
    pages = 0
    for f in files:
        try:
            doc = parsers.parse_file(f, settings)
        except InputError as exc:
            if status is not None:
                status[exc.status] += 1
            continue
        pages += doc.pages
        if status is not None:
            status["ok"] += 1
        if types is not None and doc.doc_type is not None:
            types[doc.doc_type.doc_type.value] += 1
    return pages


def unstructured_fast(files: list[Path]) -> int:
    from parsers.unstructured_parser import _offline_unstructured

    _offline_unstructured()
    os.environ.setdefault("UNSTRUCTURED_DISABLE_NOTICE", "1")
    import pymupdf
    from unstructured.chunking.title import chunk_by_title
    from unstructured.partition.pdf import partition_pdf

    pages = 0
    for f in files:
        chunk_by_title(partition_pdf(filename=str(f), strategy="fast", languages=["eng"]))
        with pymupdf.open(f) as doc:
            pages += doc.page_count
    return pages


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", type=Path, default=DEFAULT_ROOT)
    ap.add_argument("--limit", type=int, default=None, help="first N files (sorted)")
    ap.add_argument("--no-tables", action="store_true",
                    help="time docsieve with settings.parse.detect_tables off")
    ap.add_argument("--unstructured-files", type=int, default=20,
                    help="files for the unstructured reference (0 to skip)")
    args = ap.parse_args(argv)

    files = sorted(p for p in args.root.iterdir() if p.suffix.lower() == ".pdf")
    if args.limit:
        files = files[: args.limit]
    if not files:
        raise SystemExit(f"no PDFs under {args.root}")

    # -- warm-up: imports and first-use costs stay out of the timings --
    raw_floor(files[:1])
    docsieve_parse(files[:1])

    # -- file by file, floor then docsieve, so both see the same machine load --
    rows: list[tuple[str, int, int, float]] = []
    status: Counter[str] = Counter()
    types: Counter[str] = Counter()
    pages_raw = pages_ours = 0
    t_raw = t_ours = 0.0
    for f in files:
        p, t = _timed(lambda f=f: raw_floor([f]))  # type: ignore[misc]
        pages_raw, t_raw = pages_raw + p, t_raw + t
        p, t = _timed(lambda f=f: docsieve_parse([f], status, types,  # type: ignore[misc]
                                                 not args.no_tables))
        pages_ours, t_ours = pages_ours + p, t_ours + t
    rows.append(("PyMuPDF page.get_text() (floor)", len(files), pages_raw, t_raw))
    rows.append(("docsieve parse_file" + (" (tables off)" if args.no_tables else ""),
                 len(files), pages_ours, t_ours))

    uns_note = ""
    sub = files[: args.unstructured_files]
    t_uns = t_sub = 0.0
    if sub:
        try:
            unstructured_fast(sub[:1])
            pages_uns, t_uns = _timed(lambda: unstructured_fast(sub))
            pages_sub, t_sub = _timed(lambda: docsieve_parse(sub))
            rows.append((f"unstructured partition_pdf fast + chunk_by_title (first {len(sub)})",
                         len(sub), pages_uns, t_uns))
            rows.append((f"docsieve parse_file (same first {len(sub)})", len(sub), pages_sub,
                         t_sub))
        except ImportError as exc:
            uns_note = f"unstructured reference skipped: {exc} (pip install -e '.[dev]')"

    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"PDF ingest speed: {args.root}")
    for col in ("method", "files", "pages", "seconds", "pages/s"):
        table.add_column(col, justify="left" if col == "method" else "right")
    for name, n, pages, secs in rows:
        table.add_row(name, str(n), str(pages), f"{secs:.2f}", f"{pages / secs:.1f}")
    console = Console()
    console.print(table)
    # -- per-page time ratios: pages differ slightly when a file fails --
    ours_pp = t_ours / max(pages_ours, 1)
    console.print(f"docsieve / floor time per page: {ours_pp / (t_raw / pages_raw):.2f}x "
                  "(target <= 2x)")
    if t_uns and t_sub:
        console.print(f"unstructured / docsieve time on the same {len(sub)} files: "
                      f"{t_uns / t_sub:.1f}x (target >= 10x)")
    if uns_note:
        console.print(uns_note)
    console.print("status: " + ", ".join(f"{k} {v}" for k, v in sorted(status.items())))
    console.print("doc_type: " + ", ".join(f"{k} {v}" for k, v in sorted(types.items())))


if __name__ == "__main__":
    main()
