"""``docsieve train``: mining a real recorded run (stage 2 on the local wire-format server),
then a tiny end-to-end training that writes a model folder the selector loads."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr
from typer.testing import CliRunner, Result

from docsieve.profiles import load_profile
from docsieve.settings import Settings, load_settings
from extractors.feedback import feedback_pairs
from flows.cli import app
from storage.db import open_database
from storage.feedback_repo import stage2_feedback
from tests.fakeapi import ANTHROPIC_KEY, FakeAPI

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.filterwarnings("ignore:The model .* is deprecated:DeprecationWarning")


@pytest.fixture
def fake() -> Iterator[FakeAPI]:
    with FakeAPI() as api:
        yield api


@pytest.fixture
def local_settings(tmp_path: Path) -> Settings:
    """Offline settings with a private SQLite database; no Prefect server needed."""
    return load_settings(
        home=tmp_path / "home",
        data_dir=REPO / "data",
        database_url=f"sqlite:///{(tmp_path / 'ds.db').as_posix()}",
        anthropic_api_key=None,
        openai_api_key=None,
    )


@pytest.fixture
def api_env(local_settings: Settings, fake: FakeAPI, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("DOCSIEVE_DATABASE_URL", local_settings.db_url)
    monkeypatch.setenv("DOCSIEVE_HOME", str(local_settings.home))
    monkeypatch.setenv("ANTHROPIC_API_KEY", ANTHROPIC_KEY)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake.url)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    return CliRunner()


def _ok(result: Result, code: int = 0) -> Result:
    assert result.exit_code == code, (result.output, result.exception)
    return result


def _says(result: Result, text: str) -> bool:
    """``text`` is in the output, whitespace aside: Rich wraps at the test terminal's width."""
    return "".join(text.split()) in "".join(result.output.split())


def test_mine_a_recorded_run(
    contracts: Path, prefect_api: str, api_env: CliRunner, local_settings: Settings
) -> None:
    run = json.loads(_ok(api_env.invoke(app, ["run", str(contracts), "--json"])).stdout)
    assert [d["status"] for d in run["documents"]] == ["analysed"] * 3

    # -- the fake model cites the first section it is sent, for every question --
    db = open_database(local_settings.db_url)
    try:
        with db.session() as s:
            items = stage2_feedback(s, [run["run_id"]])
    finally:
        db.dispose()
    assert items and {i.run_id for i in items} == {run["run_id"]}
    assert len({i.document_sha for i in items}) == 3
    for it in items:
        assert len(it.cited) == 1 and it.uncited and it.question
        assert it.cited[0].chunk_id not in {u.chunk_id for u in it.uncited}
    # -- the units of the cited section that hold the quote (the section's first words) --
    pairs = feedback_pairs(items)
    assert len(pairs) >= len(items)
    cited_text = {sec.text for it in items for sec in it.cited}
    assert all(any(p.positive in t for t in cited_text) for p in pairs)
    # -- the report names the selection model the run used --
    rep = json.loads(_ok(api_env.invoke(app, ["report", str(run["run_id"]), "--json"])).stdout)
    assert rep["select_model"] == local_settings.select.embedding_model


def _analysed_run(settings: Settings, fake_url: str) -> int:
    """One run whose stage 2 went to the wire-format server (no Prefect, no selector)."""
    from analyzers.api import analyze_document
    from docsieve.selection import DocumentSelection, QuestionSelection, SelectedChunk
    from storage import repo
    from storage.calls_repo import CallStore

    texts = [
        "Either party may terminate this Agreement for convenience on sixty days notice.",
        "Customer shall pay Supplier the fee of $10,000 within thirty days of each invoice.",
        "This Agreement is governed by the laws of the State of Delaware.",
    ]
    chunks = [
        SelectedChunk(
            chunk_id=f"c{i}",
            text=t,
            heading_path=[f"{i + 1}."],
            page_start=1,
            page_end=1,
            start=100 * i,
            end=100 * i + len(t),
            tokens=20,
            score=0.5,
            rank=i + 1,
        )
        for i, t in enumerate(texts)
    ]
    profile = load_profile("contract", settings.data_dir)
    selection = DocumentSelection(
        document_sha="e" * 64,
        path="supply.txt",
        profile=profile.name,
        scorer="test",
        document_tokens=300,
        questions=[
            QuestionSelection(question_id=q.id, threshold=0.5, chunks=chunks)
            for q in profile.questions[:2]
        ],
    )
    api = settings.model_copy(
        update={"anthropic_api_key": SecretStr(ANTHROPIC_KEY), "anthropic_base_url": fake_url}
    )
    db = open_database(settings.db_url)
    try:
        with db.session() as s:
            run_id = repo.start_run(s, "run").id or 0
        a = analyze_document(selection, profile, api, store=CallStore(db), run_id=run_id)
        assert a.status == "analysed"
    finally:
        db.dispose()
    return run_id


@pytest.mark.slow  # -- loads MiniLM, trains 2 steps and saves it: about 15 s on 2 idle cores --
def test_train_writes_a_loadable_model(
    contracts: Path, tmp_path: Path, api_env: CliRunner, local_settings: Settings, fake: FakeAPI
) -> None:
    run_id = _analysed_run(local_settings, fake.url)
    labels = tmp_path / "labels.jsonl"
    labels.write_text(
        json.dumps(
            {
                "document": str(contracts / "agreement_0.txt"),
                "question": "Can the agreement be terminated for convenience?",
                "quotes": ["Either party may terminate this Agreement for convenience"],
            }
        )
        + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "model"
    args = ["train", "--labels", str(labels), "--run", str(run_id), "--out", str(out)]
    res = _ok(api_env.invoke(app, [*args, "--steps", "2", "--batch-size", "2", "--json"]))
    summary = json.loads(res.stdout)
    # -- the fake model cites the first section (one sentence) for every question it is
    #    asked: the two questions with sections (a question with none is not sent, it is
    #    "not found by stage 1"): one pair per question; the labelled quote is one unit --
    n_questions = 2
    assert (summary["label_pairs"], summary["run_pairs"], summary["steps"]) == (1, n_questions, 2)
    manifest = json.loads((out / "docsieve_model.json").read_text())
    assert manifest["data"]["runs"] == [run_id] and manifest["seed"] == 0
    assert manifest["data"]["run_pairs"] == n_questions

    # -- the folder is a selection model: config names it, the encoder loads it --
    env = {"DOCSIEVE_SELECT__EMBEDDING_MODEL": str(out)}
    cfg = _ok(api_env.invoke(app, ["config"], env=env))
    assert _says(cfg, f"selection model: {out} (trained") and _says(cfg, "2 steps")
    from extractors.dense import Encoder

    vec = Encoder(str(out), "cpu").encode(["termination for convenience"])
    assert vec.shape == (1, 384) and abs(float((vec**2).sum()) - 1.0) < 1e-3

    # -- refused before any work: the folder exists now --
    again = api_env.invoke(app, ["train", "--from-runs", "--out", str(out)])
    assert again.exit_code == 2 and _says(again, "not empty")


def test_usage_errors_exit_2(tmp_path: Path, api_env: CliRunner) -> None:
    res = api_env.invoke(app, ["train"])
    assert res.exit_code == 2 and _says(res, "give --labels FILE and/or --from-runs")
    res = api_env.invoke(app, ["train", "--labels", str(tmp_path / "nope.jsonl")])
    assert res.exit_code == 2 and _says(res, "labels file not found")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"document": "x.txt", "question": "q", "quotes": ["a"]}\n')
    res = api_env.invoke(app, ["train", "--labels", str(bad), "--out", str(tmp_path / "m")])
    assert res.exit_code == 2 and _says(res, f"{bad}:1: document not found")
    res = api_env.invoke(app, ["train", "--run", "999", "--out", str(tmp_path / "m")])
    assert res.exit_code == 2 and _says(res, "no such run: 999")
    # -- an empty database: nothing to learn from --
    res = api_env.invoke(app, ["train", "--from-runs", "--out", str(tmp_path / "m")])
    assert res.exit_code == 2 and _says(res, "nothing to learn from")
    assert not (tmp_path / "m").exists()
