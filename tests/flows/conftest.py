"""Fixtures for the flow tests: one Prefect test server per session, synthetic documents."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from docsieve.settings import Settings, load_settings

REPO = Path(__file__).resolve().parents[2]

CLAUSES = [
    (
        "1. TERM",
        "This Agreement commences on {d} and continues for {n} years. It renews "
        "automatically for successive one-year terms unless either party gives ninety "
        "days written notice of non-renewal.",
    ),
    (
        "2. PAYMENT",
        "Customer shall pay Supplier the fee of ${fee},000 within thirty days of "
        "each invoice. Supplier may audit Customer's records once per year.",
    ),
    (
        "3. TERMINATION",
        "Either party may terminate this Agreement for convenience on sixty "
        "days notice, or immediately for a material breach that is not cured "
        "within thirty days.",
    ),
    (
        "4. LIMITATION OF LIABILITY",
        "Neither party's aggregate liability shall exceed the fees "
        "paid in the twelve months before the claim.",
    ),
    (
        "5. CONFIDENTIALITY",
        "Each party shall keep the other party's Confidential Information "
        "secret and use it only to perform this Agreement.",
    ),
    (
        "6. GOVERNING LAW",
        "This Agreement is governed by the laws of the State of {state}, and "
        "disputes go to the courts of {state}.",
    ),
]
STATES = ["Delaware", "New York", "Texas", "California", "Ohio"]


def write_contract(path: Path, i: int) -> Path:
    """A short, distinct supply agreement (each file's text differs, so hashes differ)."""
    body = [
        f"SUPPLY AGREEMENT NO. {1000 + i}",
        f'This Supply Agreement is made between Acme Corp {i} ("Customer") and '
        f'Widget Works {i} LLC ("Supplier").',
    ]
    for head, text in CLAUSES:
        body += [
            head,
            text.format(
                d=f"January {i % 28 + 1}, 2025",
                n=i % 4 + 1,
                fee=10 + i,
                state=STATES[i % len(STATES)],
            ),
        ]
    body += [
        "IN WITNESS WHEREOF, the parties have signed this Agreement.",
        f"Acme Corp {i}  By: ____  Widget Works {i} LLC  By: ____",
    ]
    path.write_text("\n\n".join(body) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def contracts(tmp_path: Path) -> Path:
    folder = tmp_path / "contracts"
    folder.mkdir()
    for i in range(3):
        write_contract(folder / f"agreement_{i}.txt", i)
    return folder


@pytest.fixture(scope="session")
def prefect_api() -> Iterator[str]:
    """A temporary Prefect server for the whole session; yields its API URL."""
    from prefect.settings import PREFECT_API_URL
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=600):
        yield str(PREFECT_API_URL.value())


@pytest.fixture
def flow_settings(tmp_path: Path, prefect_api: str) -> Settings:
    """Offline settings (no API key) with a private SQLite database."""
    return load_settings(
        home=tmp_path / "home",
        data_dir=REPO / "data",
        database_url=f"sqlite:///{(tmp_path / 'ds.db').as_posix()}",
        anthropic_api_key=None,
        openai_api_key=None,
    )
