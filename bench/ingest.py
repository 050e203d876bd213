"""Benchmark: PDF parsing speed on the CUAD contracts, against two references.

    python -m bench.ingest [--limit N] [--unstructured-files M] [--root DIR]

Measured in one process, after a warm-up file each (imports excluded); the
floor and docsieve run file by file, alternately, so both see the same load:

- the floor: raw PyMuPDF ``page.get_text()`` over the same files;
- docsieve: ``parsers.parse_file`` (read, hash, guard, parse, tables, classify);
- unstructured ``partition_pdf(strategy="fast")`` + ``chunk_by_title`` on the
  first M files only (default 20), since it is slow; docsieve is timed again on
  that subset so the ratio compares the same pages;
- ``docsieve ingest`` itself: ``flows.ingest.ingest_flow`` (the path the CLI
  runs: discovery, one Prefect task per file, hash, parse, classify, token count,
  storage) over a temporary folder holding the same files (hard links or copies),
  into a fresh temporary SQLite database. Prefect's temporary server is started
  and a one-file warm-up flow run (into its own database) finishes before the
  clock starts, so server start-up and imports are not counted. The flow cannot
  alternate with the floor file by file, so the floor is timed again over all
  files right after it and the ingest ratio uses that time.

Prints pages/s, the ratios, and counts by status and document type.
``--no-ingest`` skips the flow row (it needs the ``prefect`` server extra).
Needs the ``dev`` extra's PDF packages for unstructured's PDF path; without them the
unstructured row says why it was skipped.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
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


def docsieve_parse(
    files: list[Path],
    status: Counter[str] | None = None,
    types: Counter[str] | None = None,
    tables: bool = True,
) -> int:
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


def _link_or_copy(files: list[Path], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for f in files:
        try:
            os.link(f, folder / f.name)
        except OSError:  # -- another file system: copy --
            shutil.copy2(f, folder / f.name)


def docsieve_ingest(files: list[Path]) -> tuple[int, float, Counter[str]]:
    """Pages, seconds and statuses of ``ingest_flow`` over ``files`` into a fresh database.

    Runs inside ``prefect_test_harness`` (a temporary Prefect server, as the CLI
    gets); the clock covers only the timed flow call, after a warm-up flow.
    """
    from flows.runtime import configure_process_environment

    configure_process_environment()  # -- Prefect reads its settings on import --
    from prefect.testing.utilities import prefect_test_harness

    from docsieve.settings import Settings, load_settings
    from flows import states
    from flows.ingest import ingest_flow

    with tempfile.TemporaryDirectory(prefix="docsieve-bench-") as tmp:
        base = Path(tmp)
        _link_or_copy(files[:1], base / "warmup")
        _link_or_copy(files, base / "docs")

        def settings(name: str) -> Settings:
            return load_settings(
                home=base / "home", database_url=f"sqlite:///{(base / name).as_posix()}"
            )

        with prefect_test_harness(server_startup_timeout=120):
            states.call(ingest_flow, str(base / "warmup"), settings("warmup.db"))
            run_settings = settings("ingest.db")
            t0 = time.perf_counter()
            # -- a failed file makes the flow's state Failed; the summary comes back anyway --
            summary = states.call(ingest_flow, str(base / "docs"), run_settings)
            secs = time.perf_counter() - t0
    status: Counter[str] = Counter(r.status.value for r in summary.results)
    pages = sum(r.pages or 0 for r in summary.results)
    return pages, secs, status


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", type=Path, default=DEFAULT_ROOT)
    ap.add_argument("--limit", type=int, default=None, help="first N files (sorted)")
    ap.add_argument(
        "--no-tables",
        action="store_true",
        help="time docsieve with settings.parse.detect_tables off",
    )
    ap.add_argument(
        "--unstructured-files",
        type=int,
        default=20,
        help="files for the unstructured reference (0 to skip)",
    )
    ap.add_argument(
        "--no-ingest",
        action="store_true",
        help="skip the `docsieve ingest` (Prefect flow + storage) row",
    )
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
        p, t = _timed(
            lambda f=f: docsieve_parse(
                [f],
                status,
                types,  # type: ignore[misc]
                not args.no_tables,
            )
        )
        pages_ours, t_ours = pages_ours + p, t_ours + t
    rows.append(("PyMuPDF page.get_text() (floor)", len(files), pages_raw, t_raw))
    rows.append(
        (
            "docsieve parse_file" + (" (tables off)" if args.no_tables else ""),
            len(files),
            pages_ours,
            t_ours,
        )
    )

    uns_note = ""
    sub = files[: args.unstructured_files]
    t_uns = t_sub = 0.0
    if sub:
        try:
            unstructured_fast(sub[:1])
            pages_uns, t_uns = _timed(lambda: unstructured_fast(sub))
            pages_sub, t_sub = _timed(lambda: docsieve_parse(sub))
            rows.append(
                (
                    f"unstructured partition_pdf fast + chunk_by_title (first {len(sub)})",
                    len(sub),
                    pages_uns,
                    t_uns,
                )
            )
            rows.append(
                (f"docsieve parse_file (same first {len(sub)})", len(sub), pages_sub, t_sub)
            )
        except ImportError as exc:
            uns_note = f"unstructured reference skipped: {exc} (pip install -e '.[dev]')"

    ingest_note = ""
    t_ing = t_raw2 = 0.0
    pages_ing = pages_raw2 = 0
    ing_status: Counter[str] = Counter()
    if not args.no_ingest:
        try:
            pages_ing, t_ing, ing_status = docsieve_ingest(files)
            rows.append(("docsieve ingest (ingest_flow, SQLite)", len(files), pages_ing, t_ing))
            # -- the floor again, right after the flow, under the same machine load --
            pages_raw2, t_raw2 = _timed(lambda: raw_floor(files))
            rows.append(
                (
                    "PyMuPDF page.get_text() (floor, again after ingest)",
                    len(files),
                    pages_raw2,
                    t_raw2,
                )
            )
        except ImportError as exc:
            ingest_note = f"ingest row skipped: {exc}"

    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"PDF ingest speed: {args.root}")
    for col in ("method", "files", "pages", "seconds", "pages/s"):
        table.add_column(col, justify="left" if col == "method" else "right")
    for name, n, pages, secs in rows:
        table.add_row(name, str(n), str(pages), f"{secs:.2f}", f"{pages / secs:.1f}")
    console = Console(width=110)
    console.print(table)
    # -- per-page time ratios: pages differ slightly when a file fails --
    ours_pp = t_ours / max(pages_ours, 1)
    console.print(
        f"docsieve / floor time per page: {ours_pp / (t_raw / pages_raw):.2f}x (target <= 2x)"
    )
    if t_ing and pages_ing and t_raw2:
        console.print(
            f"docsieve ingest / floor time per page: "
            f"{(t_ing / pages_ing) / (t_raw2 / pages_raw2):.2f}x (floor timed right "
            f"after the flow); ingest statuses: "
            + ", ".join(f"{k} {v}" for k, v in sorted(ing_status.items()))
        )
    if ingest_note:
        console.print(ingest_note)
    if t_uns and t_sub:
        console.print(
            f"unstructured / docsieve time on the same {len(sub)} files: "
            f"{t_uns / t_sub:.1f}x (target >= 10x)"
        )
    if uns_note:
        console.print(uns_note)
    console.print("status: " + ", ".join(f"{k} {v}" for k, v in sorted(status.items())))
    console.print("doc_type: " + ", ".join(f"{k} {v}" for k, v in sorted(types.items())))


if __name__ == "__main__":
    main()
