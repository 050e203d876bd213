"""The CLI surface on an offline run: run, report (exports), cost, replay, select,
analyze, chunk, config; and the scheduled deployment."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from docsieve.settings import Settings, load_settings
from flows.cli import app


@pytest.fixture
def cli_env(flow_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("DOCSIEVE_DATABASE_URL", flow_settings.db_url)
    monkeypatch.setenv("DOCSIEVE_HOME", str(flow_settings.home))
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    return CliRunner()


def _ok(result, code: int = 0):
    assert result.exit_code == code, (result.output, result.exception)
    return result


def test_run_report_cost_replay(contracts: Path, tmp_path: Path, cli_env: CliRunner) -> None:
    run = json.loads(_ok(cli_env.invoke(app, ["run", str(contracts), "--json"])).stdout)
    run_id = run["run_id"]
    assert [d["status"] for d in run["documents"]] == ["analysed"] * 3
    # -- every run leaves its HTML report in the home folder --
    assert Path(run["report_html"]).name == f"run-{run_id}.html"
    assert 'id="matrix"' in Path(run["report_html"]).read_text(encoding="utf-8")
    assert 0 < run["selected_fraction"] < 1

    out = tmp_path / "export"
    rep = json.loads(
        _ok(cli_env.invoke(app, ["report", str(run_id), "--json", "--export", str(out)])).stdout
    )
    assert rep["funnel"]["document"]["tokens"] > rep["funnel"]["select"]["tokens"] > 0
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(
        [
            f"run-{run_id}.md",
            f"run-{run_id}.json",
            f"run-{run_id}.html",
            f"run-{run_id}-documents.csv",
            f"run-{run_id}-answers.csv",
            f"run-{run_id}-matrix.csv",
            f"run-{run_id}.xlsx",
        ]
    )
    md = (out / f"run-{run_id}.md").read_text()
    assert "## Answers" in md and "p. 1" in md
    answers = (out / f"run-{run_id}-answers.csv").read_text().splitlines()
    assert answers[0].startswith("document,question_id") and len(answers) > 3
    assert "agreement_0.txt" in answers[1]
    from openpyxl import load_workbook

    wb = load_workbook(out / f"run-{run_id}.xlsx")
    assert wb.sheetnames == ["Matrix", "Answers", "Documents"]
    assert wb["Matrix"].max_row == 4  # -- a header and one row per document --
    assert "<svg" in (out / f"run-{run_id}.html").read_text()
    _ok(cli_env.invoke(app, ["report"]))  # -- latest run, Rich output --

    cost = json.loads(_ok(cli_env.invoke(app, ["cost", "--json", "--volume", "500"])).stdout)
    assert cost["documents"] == 3 and cost["volume_per_month"] == 500
    assert cost["stage1_seconds_per_doc"] > 0
    # -- a re-run of the same files: each unique document still counts once --
    _ok(cli_env.invoke(app, ["run", str(contracts), "--fresh", "--json"]))
    again = json.loads(_ok(cli_env.invoke(app, ["cost", "--json"])).stdout)
    assert again["documents"] == 3

    replay = json.loads(_ok(cli_env.invoke(app, ["replay", str(run_id), "--json"])).stdout)
    assert replay["mode"] == "log" and len(replay["documents"]) == 3
    assert all(d["identical"] for d in replay["documents"])

    _ok(cli_env.invoke(app, ["report", "999"]), 2)

    # -- the stored answers: per document and question, named by file, cited by heading --
    args = ["show", str(run_id), "--doc", "AGREEMENT_1", "--question", "governing_law_disputes"]
    shown = json.loads(_ok(cli_env.invoke(app, [*args, "--json"])).stdout)
    assert [d["label"] for d in shown] == ["agreement_1.txt"]
    (law,) = shown[0]["answers"]
    assert law["question_id"] == "governing_law_disputes"
    if law["found"]:
        assert "New York" in law["answer"] + json.dumps(law["fields"])
        assert law["citations"] and all(c["pages"] for c in law["citations"])
        assert any("GOVERNING LAW" in c["heading"] for c in law["citations"])
    text = _ok(cli_env.invoke(app, ["show", "--question", "governing_law_disputes"])).stdout
    assert "agreement_0.txt" in text and "governing_law" in text
    _ok(cli_env.invoke(app, ["show", "--question", "no_such_question"]), 2)

    listed = json.loads(_ok(cli_env.invoke(app, ["runs", "--json"])).stdout)
    # -- latest first; the --fresh re-run above is a run of its own --
    ids = [r["run_id"] for r in listed]
    assert ids == sorted(ids, reverse=True) and run_id in ids and len(ids) >= 2
    (mine,) = [r for r in listed if r["run_id"] == run_id]
    assert mine["status"] == "completed"
    assert mine["documents"] == 3 and mine["analysed"] == 3
    assert "completed" in _ok(cli_env.invoke(app, ["runs"])).stdout


def test_run_ends_with_the_answers(contracts: Path, cli_env: CliRunner) -> None:
    text = _ok(cli_env.invoke(app, ["run", str(contracts)])).stdout
    tail = text[text.index("token funnel") :]
    for name in ("agreement_0.txt", "agreement_1.txt", "agreement_2.txt"):
        assert name in tail
    assert "governing_law" in tail and ", p. 1" in tail
    assert "docsieve show" in tail


def test_version_and_completion(cli_env: CliRunner) -> None:
    from importlib.metadata import version

    assert (
        _ok(cli_env.invoke(app, ["--version"])).stdout.strip() == f"docsieve {version('docsieve')}"
    )
    assert "--install-completion" in _ok(cli_env.invoke(app, ["--help"])).stdout


def test_select_analyze_chunk(contracts: Path, cli_env: CliRunner) -> None:
    sel = json.loads(
        _ok(
            cli_env.invoke(
                app,
                ["select", str(contracts), "--profile", "contract", "--budget", "150", "--json"],
            )
        ).stdout
    )
    doc = sel["documents"][0]
    assert doc["selected_tokens"] <= 150 and doc["selected_tokens"] < doc["document_tokens"]
    section = next(s for q in doc["questions"] for s in q["sections"])
    assert set(section) >= {"chunk_id", "text", "score", "tokens", "pages", "span"}
    text = Path(doc["path"]).read_text()
    assert text[section["span"][0] : section["span"][1]].strip()[:20] in text

    analysed = json.loads(
        _ok(cli_env.invoke(app, ["analyze", str(sel["run_id"]), "--json"])).stdout
    )
    assert len(analysed["analyses"]) == 3

    chunks = json.loads(_ok(cli_env.invoke(app, ["chunk", doc["path"], "--json"])).stdout)
    assert chunks and all(
        {"text", "heading_path", "pages", "span", "tokens"} <= set(c) for c in chunks
    )
    from flows.runtime import database
    from storage import repo

    with database(load_settings()).session() as s:
        chunk_run = repo.get_run(s, repo.latest_run_id(s, "chunk") or 0)
        assert chunk_run is not None and chunk_run.status == "completed"  # -- chunk runs end --
    # -- `report` without an id wants a `run`: select and chunk runs have no answers --
    res = cli_env.invoke(app, ["report"])
    assert res.exit_code == 2 and "no `docsieve run` yet" in res.output
    _ok(cli_env.invoke(app, ["select", str(contracts), "--profile", "nope"]), 2)


def test_config_masks_secrets(cli_env: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-verysecretvalue-1234")
    res = _ok(cli_env.invoke(app, ["config", "--json"]))
    assert "verysecret" not in res.stdout and json.loads(res.stdout)["anthropic_api_key"]


def test_scheduled_deployment_has_the_cron() -> None:
    from flows.serve import deployment

    dep = deployment("/srv/inbox", "0 6 * * 1-5", "contract", "Europe/Paris")
    assert dep.name.startswith("docsieve-inbox-")  # -- named after its folder --
    assert deployment("/srv/other/inbox", "0 6 * * *").name != dep.name
    assert dep.parameters == {"root": "/srv/inbox", "profile": "contract"}
    assert dep.schedules[0].schedule.cron == "0 6 * * 1-5"
    assert dep.schedules[0].schedule.timezone == "Europe/Paris"
