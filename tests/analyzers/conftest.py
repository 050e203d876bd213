"""Fixtures for stage 2: the fake API server, a call store, a profile and selections."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from docsieve.profiles import AnswerField, Profile, Question
from docsieve.selection import DocumentSelection, QuestionSelection, SelectedChunk
from docsieve.settings import Settings, load_settings
from storage.calls_repo import CallStore
from storage.db import open_database
from tests.fakeapi import ANTHROPIC_KEY, FakeAPI

REPO = Path(__file__).resolve().parents[2]

# -- small timings so every fault path runs fast; the 1 s timeout leaves room for a loaded CI --
FAST: dict[str, Any] = {
    "timeout_s": 1.0,
    "max_retries": 3,
    "max_backoff_s": 0.02,
    "backoff_base_s": 0.005,
    "batch_poll_s": 0.01,
    "batch_max_wait_s": 1.0,
    # -- the limiter has its own tests; here it must not wait a minute --
    "requests_per_minute": 10**6,
    "input_tokens_per_minute": 10**9,
    "output_tokens_per_minute": 10**9,
}


@pytest.fixture
def fake() -> Iterator[FakeAPI]:
    with FakeAPI(timeout_sleep_s=1.6) as api:
        yield api


@pytest.fixture
def store(sqlite_url: str) -> Iterator[CallStore]:
    db = open_database(sqlite_url)
    yield CallStore(db)
    db.dispose()


def make_settings(tmp_path: Path, url: str | None, **analyze: Any) -> Settings:
    extra: dict[str, Any] = {}
    if url is not None:
        extra = {"anthropic_api_key": ANTHROPIC_KEY, "anthropic_base_url": url}
    else:
        extra = {"anthropic_api_key": None}
    return load_settings(
        home=tmp_path / "home",
        data_dir=REPO / "data",
        openai_api_key=None,
        analyze={**FAST, **analyze},
        **extra,
    )


@pytest.fixture
def api_settings(tmp_path: Path, fake: FakeAPI) -> Settings:
    return make_settings(tmp_path, fake.url)


@pytest.fixture
def profile() -> Profile:
    return Profile(
        name="contract",
        doc_type="contract",
        questions=[
            Question(
                id="payment",
                question="What is the contract price and when is it due?",
                hints=["price", "payment", "due"],
                fields=[
                    AnswerField(name="amount", type="number", description="total price"),
                    AnswerField(name="due_date", type="date", description="payment due"),
                ],
            ),
            Question(
                id="parties",
                question="Who are the parties to the agreement?",
                hints=["between", "parties"],
                fields=[
                    AnswerField(name="parties", type="list", description="names of the parties")
                ],
            ),
        ],
    )


DOC_TEXTS = [
    (
        "This Services Agreement is made between Acme Corporation and Globex Inc. "
        "on January 5, 2026."
    ),
    (
        "The Customer shall pay the total contract price of $125,000 to the Supplier. "
        "Payment is due on March 31, 2026."
    ),
    "This Agreement is governed by the laws of the State of New York.",
]


def make_selection(i: int = 0, profile_name: str = "contract") -> DocumentSelection:
    chunks = []
    start = 0
    for j, text in enumerate(DOC_TEXTS):
        text = text.replace("125,000", f"{125 + i},000")
        chunks.append(
            SelectedChunk(
                chunk_id=f"d{i}c{j}",
                text=text,
                heading_path=["Agreement", f"Article {j + 1}"],
                page_start=j + 1,
                page_end=j + 1,
                start=start,
                end=start + len(text),
                tokens=len(text.split()),
                score=0.9,
                rank=1,
            )
        )
        start += len(text) + 1
    return DocumentSelection(
        document_sha=f"{i:064x}",
        path=f"doc{i}.txt",
        profile=profile_name,
        scorer="test",
        document_tokens=400,
        questions=[
            QuestionSelection(question_id="payment", threshold=0.5, chunks=[chunks[1], chunks[0]]),
            QuestionSelection(question_id="parties", threshold=0.5, chunks=[chunks[0]]),
        ],
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # -- the SDK warns that claude-sonnet-4-5 (our default model) nears end-of-life --
    for item in items:
        if "tests/analyzers" in str(item.fspath).replace("\\", "/"):
            item.add_marker(
                pytest.mark.filterwarnings("ignore:The model .* is deprecated:DeprecationWarning")
            )
