"""Paid calls of a 10-document ``docsieve run``: clean, after 5 kills, and two processes at once.

Runs ``docsieve run`` as real processes against the local wire-format server
(tests/fakeapi) with an API latency, each scenario on its own fresh database:

- clean: one run to the end;
- kills: five runs killed with SIGKILL while a stage-2 call is in flight, then one to the end;
- concurrent: two runs started together on the same folder (the loser exits 2), then a
  third after them.

It prints, per scenario, the answers the server delivered (paid and received),
the calls it answered after the caller had died (paid, never received: "unknown
outcome" in the call log, counted at their worst case), requests bought twice,
and the call log's view. One temporary Prefect server serves every process.

    python -m bench.resilience [--docs 10] [--latency 1.0] [--database-url URL]

``--database-url`` takes a PostgreSQL URL (each scenario uses its own schema).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.fakeapi import ANTHROPIC_KEY, FakeAPI  # noqa: E402
from tests.flows.conftest import write_contract  # noqa: E402


def _pg_schema_url(base: str) -> str:
    import psycopg
    from sqlalchemy.engine import make_url

    u = make_url(base)
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    dsn = f"host={u.host} port={u.port or 5432} user={u.username} dbname={u.database}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    return u.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False
    )


def _env(prefect_api: str, db_url: str, api_url: str, home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DOCSIEVE_", "ANTHROPIC_"))}
    env.update(
        {
            "PYTHONPATH": str(REPO),
            "PREFECT_API_URL": prefect_api,
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "DOCSIEVE_DATABASE_URL": db_url,
            "DOCSIEVE_HOME": str(home),
            "ANTHROPIC_API_KEY": ANTHROPIC_KEY,
            "ANTHROPIC_BASE_URL": api_url,
            "DOCSIEVE_ANALYZE__TIMEOUT_S": "60",
            "DOCSIEVE_BUDGET__RUN_TOKENS": "10000000",
        }
    )
    return env


def _start(folder: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "flows.cli", "run", str(folder), "--json"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _calls_seen(api: FakeAPI) -> int:
    return len(api.calls("/v1/messages"))


def _scenario(name: str, args: argparse.Namespace, prefect_api: str, root: Path) -> dict[str, Any]:
    work = root / name
    folder = work / "docs"
    folder.mkdir(parents=True)
    for i in range(args.docs):
        write_contract(folder / f"contract_{i:02d}.txt", 700 + i)
    db_url = (
        _pg_schema_url(args.database_url)
        if args.database_url
        else f"sqlite:///{(work / 'ds.db').as_posix()}"
    )
    codes: list[int] = []
    t0 = time.monotonic()
    with FakeAPI(latency_s=args.latency) as api:
        env = _env(prefect_api, db_url, api.url, work / "home")
        if name == "kills":
            for _ in range(5):
                proc = _start(folder, env)
                seen = _calls_seen(api)
                while _calls_seen(api) <= seen and proc.poll() is None:
                    time.sleep(0.05)
                time.sleep(args.latency / 2)  # -- mid-call --
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                codes.append(-9)
        if name == "concurrent":
            a, b = _start(folder, env), _start(folder, env)
            codes += [a.wait(), b.wait()]
        final = _start(folder, env)
        final.wait()
        codes.append(final.returncode)
        records = api.calls("/v1/messages")
        delivered = sum(api.successes.values())
        abandoned = sum(1 for r in records if r.abandoned)
        repeats = api.success_repeats()
    return {
        "scenario": name,
        "exit codes": " ".join(str(c) for c in codes),
        "answers delivered (paid)": delivered,
        "abandoned in flight (paid, unknown outcome)": abandoned,
        "bought twice": repeats,
        **_log_view(db_url),
        "seconds": round(time.monotonic() - t0, 1),
    }


def _log_view(db_url: str) -> dict[str, Any]:
    from sqlmodel import select

    from storage.db import open_database
    from storage.tables_analysis import ModelCallRow
    from storage.tables_ledger import LedgerRow

    db = open_database(db_url)
    with db.session() as s:
        calls = list(s.exec(select(ModelCallRow)))
        ledger = [r for r in s.exec(select(LedgerRow)) if r.stage == "analyze"]
    db.dispose()
    by_status = Counter(c.status for c in calls)
    return {
        "call log": ", ".join(f"{k} {v}" for k, v in sorted(by_status.items())),
        "ledger stage-2 tokens": sum(r.tokens_in + r.tokens_out for r in ledger),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, default=10)
    ap.add_argument("--latency", type=float, default=1.0, help="API latency in seconds")
    ap.add_argument("--database-url", default=None, help="PostgreSQL URL (default: SQLite)")
    ap.add_argument(
        "--prefect-api",
        default=None,
        help="a running Prefect API URL (default: start one)",
    )
    args = ap.parse_args()
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    from contextlib import nullcontext

    from prefect.settings import PREFECT_API_URL
    from prefect.testing.utilities import prefect_test_harness

    rows = []
    with (
        tempfile.TemporaryDirectory(prefix="docsieve-resilience-") as tmp,
        nullcontext() if args.prefect_api else prefect_test_harness(server_startup_timeout=600),
    ):
        api_url = args.prefect_api or str(PREFECT_API_URL.value())
        for name in ("clean", "kills", "concurrent"):
            rows.append(_scenario(name, args, api_url, Path(tmp)))
            print(f"  {name}: done in {rows[-1]['seconds']} s", file=sys.stderr)
    backend = "PostgreSQL" if args.database_url else "SQLite"
    print(f"\n{args.docs} documents, API latency {args.latency} s, {backend}\n")
    keys = list(rows[0])
    for key in keys[1:]:
        print(f"{key:<46}" + "".join(f"{r[key]!s:>26}" for r in rows))
    print(f"{'scenario':<46}" + "".join(f"{r['scenario']:>26}" for r in rows))


if __name__ == "__main__":
    main()
