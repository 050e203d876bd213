"""Benchmark: peak memory and time of one long PDF through the pipeline (issue 13, row 12).

    python -m bench.memory [--pages 2000] [--cli] [--stages ingest,chunk,select,analyze]

Generates a PDF of ``--pages`` pages with PyMuPDF (a contract: running header and
footer, page numbers, an ARTICLE heading every few pages, numbered clauses of
several sentences, so every parser and chunker path is exercised), then runs the
pipeline on it in a child process, into a fresh SQLite database, offline (no API
key: stage 2 is the extractive analyzer):

- default: the stages in plain Python (``flows.stages``: ingest, chunk, select with
  the configured scorer, analyze), each stage's seconds and the child's peak RSS
  after it (``ru_maxrss`` only grows, so the stage where it jumps is the one that
  raised the peak);
- ``--cli``: ``docsieve run`` itself (Prefect's temporary server included).

The peak is ``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss`` of the parent after
the child exits: the largest resident set of the child or any process it started.
Target: under 1 GiB for 2,000 pages through ``docsieve run``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
GiB = 1024**3

_SENTENCES = [
    "The Supplier shall deliver the Services described in Schedule {a} in accordance with "
    "the Service Levels and the reasonable instructions of the Customer.",
    "The Customer shall pay each undisputed invoice within thirty ({n}) days of receipt, "
    "and late amounts bear interest at {r} percent per annum.",
    "Either party may terminate this Agreement on {n} days written notice if the other party "
    "commits a material breach that is not remedied within that period.",
    "Neither party's aggregate liability under this Agreement shall exceed the fees paid in "
    "the twelve months preceding the event giving rise to the claim.",
    "Each party shall keep the Confidential Information of the other party secret and use it "
    "only for the purposes of this Agreement.",
    "This Agreement is governed by the laws of the State of Delaware, and each party submits "
    "to the exclusive jurisdiction of its courts.",
]


def make_pdf(path: Path, pages: int) -> Path:
    """A ``pages``-page contract PDF with headings, clauses, running header and footer."""
    import pymupdf

    doc = pymupdf.open()
    article = 0
    for p in range(pages):
        page = doc.new_page()
        page.insert_text((72, 40), "MASTER SERVICES AGREEMENT - CONFIDENTIAL", fontsize=8)
        y = 80.0
        if p % 4 == 0:
            article += 1
            page.insert_text((72, y), f"ARTICLE {article}. SERVICES AND PAYMENT", fontsize=14)
            y += 30
        for c in range(4):
            body = " ".join(
                s.format(a=chr(65 + (p + i) % 26), n=30 + (p + c) % 60, r=1 + (p + i) % 9)
                for i, s in enumerate(_SENTENCES[c : c + 3])
            )
            rect = pymupdf.Rect(72, y, 540, y + 150)
            page.insert_textbox(rect, f"{article}.{(p % 4) * 4 + c + 1} {body}", fontsize=10)
            y += 160
        page.insert_text((290, 780), f"Page {p + 1}", fontsize=8)
    doc.save(path, garbage=1, deflate=True)
    doc.close()
    return path


def _maxrss_bytes(usage: resource.struct_rusage) -> int:
    return int(usage.ru_maxrss) * 1024  # -- Linux reports KiB --


def child_stages(pdf: Path, db_url: str, stages_wanted: list[str], home: Path) -> None:
    """Run the stages in this process; print one JSON line per stage."""
    from docsieve.settings import load_settings
    from flows import resources, stages
    from flows.runtime import configure_process_environment, database
    from storage import repo

    configure_process_environment()
    settings = load_settings(home=home, database_url=db_url, anthropic_api_key=None)
    db = database(settings)

    def report(stage: str, seconds: float, **extra: object) -> None:
        rss = _maxrss_bytes(resource.getrusage(resource.RUSAGE_SELF))
        print(json.dumps({"stage": stage, "seconds": seconds, "maxrss": rss, **extra}), flush=True)

    report("start", 0.0)
    with db.session() as s:
        run_id = repo.start_run(s, "run", root=str(pdf)).id or 0
    t0 = time.perf_counter()
    res = stages.ingest_file(db, settings, run_id, pdf)
    report("ingest", time.perf_counter() - t0, status=res.status.value, pages=res.pages)
    if res.document_id is None or "chunk" not in stages_wanted:
        return
    doc_id = res.document_id
    with db.session() as s:
        doc = repo.load_parsed(s, doc_id)
    t0 = time.perf_counter()
    chunked = stages.chunk_stage(db, settings, doc_id, doc)
    report("chunk", time.perf_counter() - t0, chunks=len(chunked.chunks))
    if "select" not in stages_wanted:
        return
    profile = stages.profile_for(doc, settings, None)
    t0 = time.perf_counter()
    scorer = resources.scorer(settings)
    sel, _ = stages.select_stage(
        db, settings, run_id, doc_id, doc, chunked.chunks, profile, scorer=scorer
    )
    report("select", time.perf_counter() - t0, selected_tokens=sel.selected_tokens)
    if "analyze" not in stages_wanted:
        return
    main, cheaper = resources.analyzers(settings)
    stages.ensure_budgets(db, settings, run_id, doc_id)
    t0 = time.perf_counter()
    outcome = stages.analyze_stage(db, run_id, doc_id, sel, profile, main, cheaper)
    status = outcome.analysis.status if outcome.analysis else "none"
    report("analyze", time.perf_counter() - t0, status=status)


def _run_child(cmd: list[str], env: dict[str, str]) -> tuple[float, int, list[dict[str, object]]]:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, cwd=REPO, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - t0
    peak = _maxrss_bytes(resource.getrusage(resource.RUSAGE_CHILDREN))
    if proc.returncode not in (0, 3):
        sys.stderr.write(proc.stdout[-3000:] + proc.stderr[-3000:])
        raise SystemExit(f"child failed with exit code {proc.returncode}")
    rows = []
    for line in proc.stdout.splitlines():
        if line.startswith('{"stage"'):
            rows.append(json.loads(line))
    return seconds, peak, rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pages", type=int, default=2000)
    ap.add_argument("--cli", action="store_true", help="run `docsieve run` instead of the stages")
    ap.add_argument("--stages", default="ingest,chunk,select,analyze")
    ap.add_argument("--keep", type=Path, help="write the PDF here (and reuse it if present)")
    ap.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        pdf, db_url, wanted, home = args.child
        child_stages(Path(pdf), db_url, wanted.split(","), Path(home))
        return

    env = dict(os.environ)
    env.update(
        PYTHONPATH=str(REPO),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
    )
    for key in ("ANTHROPIC_API_KEY", "DOCSIEVE_ANTHROPIC_API_KEY", "OPENAI_API_KEY"):
        env.pop(key, None)
    with tempfile.TemporaryDirectory(prefix="docsieve-mem-") as tmp:
        work = Path(tmp)
        folder = work / "docs"
        folder.mkdir()
        pdf = folder / f"long_{args.pages}.pdf"
        t0 = time.perf_counter()
        if args.keep and args.keep.exists():
            pdf.write_bytes(args.keep.read_bytes())
        else:
            make_pdf(pdf, args.pages)
            if args.keep:
                args.keep.write_bytes(pdf.read_bytes())
        gen = time.perf_counter() - t0
        size_mb = pdf.stat().st_size / 1e6
        db_url = f"sqlite:///{(work / 'bench.db').as_posix()}"
        home = work / "home"
        if args.cli:
            env.update(DOCSIEVE_HOME=str(home), DOCSIEVE_DATABASE_URL=db_url)
            cmd = [sys.executable, "-m", "flows.cli", "run", str(folder), "--json"]
            mode = "docsieve run"
        else:
            cmd = [sys.executable, "-m", "bench.memory", "--child", str(pdf), db_url]
            cmd += [args.stages, str(home)]
            mode = "stages " + args.stages
        seconds, peak, rows = _run_child(cmd, env)

    print(f"\n{args.pages}-page PDF ({size_mb:.1f} MB, generated in {gen:.1f} s); {mode}\n")
    if rows:
        print(f"| {'stage':<8} | {'seconds':>8} | {'peak RSS after (MiB)':>20} | detail")
        print(f"|{'-' * 10}|{'-' * 10}|{'-' * 22}|{'-' * 30}")
        shown = ("stage", "seconds", "maxrss")
        for r in rows:
            detail = ", ".join(f"{k}={v}" for k, v in r.items() if k not in shown)
            mib = float(r["maxrss"]) / 2**20  # type: ignore[arg-type]
            print(f"| {r['stage']:<8} | {r['seconds']:>8.1f} | {mib:>20.0f} | {detail}")
        print()
    verdict = "PASS" if peak < GiB else "FAIL"
    print(f"| {'what':<28} | {'value':>12} |")
    print(f"|{'-' * 30}|{'-' * 14}|")
    print(f"| {'wall time (child), s':<28} | {seconds:>12.1f} |")
    print(f"| {'peak RSS (children), MiB':<28} | {peak / 2**20:>12.0f} |")
    print(f"| {'target < 1 GiB':<28} | {verdict:>12} |")


if __name__ == "__main__":
    main()
