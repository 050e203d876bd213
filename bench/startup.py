"""Start-up cost of the ``docsieve`` command: ``--help``, a no-op ingest, a small ingest.

    python -m bench.startup [--repeat 3] [--skip-temporary]

Each command runs as a subprocess in a scratch folder (its own home, database and
local Prefect server), ``--repeat`` times; the table shows the median wall time and
the median CPU time (user + sys of the child), since on a shared 2-core machine the
wall time mostly measures the neighbours: CPU time is what a quiet machine would
take, give or take I/O. Rows:

- ``--help``: imports only (target <= 1 s);
- ``ingest`` of an unchanged file: the no-op fast path, no Prefect (target <= 3 s);
- ``ingest`` of a changed file with the local server already running (a Prefect flow
  run that the UI keeps);
- the same on Prefect's temporary per-command server (the old default), unless
  ``--skip-temporary``;
- ``server start`` cold: the one-time cost of the local server.

The load average is printed with the table: figures taken under load are not
comparable with quiet ones.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "data" / "samples" / "18f_epermit_api_rfq.md"


def _run(cmd: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float, int]:
    """Wall seconds, child CPU seconds, exit code."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, proc.returncode


def _env(home: Path, server: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DOCSIEVE_", "PREFECT_API"))}
    env.update(
        PYTHONPATH=str(REPO),
        DOCSIEVE_HOME=str(home),
        DOCSIEVE_PREFECT_SERVER=server,
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
    )
    return env


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--skip-temporary", action="store_true")
    args = ap.parse_args()
    docsieve = [sys.executable, "-m", "flows.cli"]
    work = Path(tempfile.mkdtemp(prefix="docsieve-startup-"))
    rows: list[tuple[str, list[tuple[float, float, int]], str]] = []
    try:
        docs = work / "docs"
        docs.mkdir()
        doc = docs / SAMPLE.name
        shutil.copy(SAMPLE, doc)
        local = _env(work / "home", "local")

        rows.append(
            ("server start (cold, once)", [_run([*docsieve, "server", "start"], work, local)], "")
        )
        rows.append(
            ("--help", [_run([*docsieve, "--help"], work, local) for _ in range(args.repeat)], "1")
        )
        _run([*docsieve, "ingest", str(docs)], work, local)  # -- first ingest: parses --
        rows.append(
            (
                "ingest, unchanged file (no-op)",
                [_run([*docsieve, "ingest", str(docs)], work, local) for _ in range(args.repeat)],
                "3",
            )
        )

        def changed(env: dict[str, str]) -> tuple[float, float, int]:
            with doc.open("a") as fh:
                fh.write(f"\nRevision {time.time_ns()}.\n")
            return _run([*docsieve, "ingest", str(docs)], work, env)

        rows.append(
            (
                "ingest, changed file, local server",
                [changed(local) for _ in range(args.repeat)],
                "",
            )
        )
        if not args.skip_temporary:
            temp = _env(work / "home-temp", "temporary")
            rows.append(
                (
                    "ingest, changed file, temporary server",
                    [changed(temp) for _ in range(args.repeat)],
                    "",
                )
            )
        _run([*docsieve, "server", "stop"], work, local)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    load = os.getloadavg()
    print(f"\nload average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} on {os.cpu_count()} cores")
    print(f"{'command':42} {'wall s':>8} {'CPU s':>8} {'target s':>9} {'exit':>5}")
    for name, runs, target in rows:
        wall = statistics.median(r[0] for r in runs)
        cpu = statistics.median(r[1] for r in runs)
        codes = ",".join(sorted({str(r[2]) for r in runs}))
        print(f"{name:42} {wall:8.2f} {cpu:8.2f} {target or '-':>9} {codes:>5}")


if __name__ == "__main__":
    main()
