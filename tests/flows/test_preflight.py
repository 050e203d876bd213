"""Issue 12's table, the configuration rows: each bad configuration exits 2 with one line
that says how to fix it, before any work (no file read, no run recorded)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private home and database; no keys; no docsieve.toml unless a test writes one."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DOCSIEVE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("DOCSIEVE_DATABASE_URL", f"sqlite:///{tmp_path / 'ds.db'}")
    monkeypatch.setenv("DOCSIEVE_CONFIG", str(tmp_path / "docsieve.toml"))
    for var in ("ANTHROPIC_API_KEY", "OPENAI_API_KEY", "DOCSIEVE_ANTHROPIC_API_KEY"):
        monkeypatch.delenv(var, raising=False)
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text("1. TERM\n\nThis Agreement lasts two years.\n")
    return tmp_path


def _usage(args: list[str], *needles: str) -> str:
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 2, (res.output, res.exception)
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert len(lines) == 1, res.output  # -- one line, no traceback --
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def _no_work(home: Path) -> None:
    # -- refused before the database was opened, so before any file was read --
    assert not (home / "ds.db").exists()


def test_profile_typo_names_the_nearest(env: Path) -> None:
    _usage(["run", str(env / "docs"), "--profile", "rfq"], "unknown profile 'rfq'", "'rfp'")
    _usage(["select", str(env / "docs"), "--profile", "rfq"], "did you mean 'rfp'")
    _no_work(env)


def test_primary_without_its_key(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCSIEVE_ANALYZE__PRIMARY", "anthropic")
    _usage(["run", str(env / "docs")], "no API key", "ANTHROPIC_API_KEY")
    _usage(["analyze"], "no API key")
    _no_work(env)


def test_unknown_provider_in_the_settings_file(env: Path) -> None:
    (env / "docsieve.toml").write_text('[analyze]\nprimary = "antropic"\n')
    _usage(["run", str(env / "docs")], "unknown provider 'antropic'", "'anthropic'")
    res = CliRunner().invoke(app, ["config", "--json"])
    assert res.exit_code == 2 and "did you mean 'anthropic'" in res.output
    _no_work(env)


@pytest.mark.parametrize(
    ("where", "needle"),
    [
        ("toml", "chunk.max_tokenz"),
        ("env", "DOCSIEVE_CHUNK__MAX_TOKEN "),
    ],
)
def test_unknown_setting_names_the_nearest(
    env: Path, monkeypatch: pytest.MonkeyPatch, where: str, needle: str
) -> None:
    if where == "toml":
        (env / "docsieve.toml").write_text("[chunk]\nmax_tokenz = 400\n")
    else:
        monkeypatch.setenv("DOCSIEVE_CHUNK__MAX_TOKEN", "99")
    line = _usage(["run", str(env / "docs")], needle.strip(), "did you mean")
    assert "max_tokens" in line.lower()
    _no_work(env)


def test_invalid_setting_value_is_one_line(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCSIEVE_CHUNK__MAX_TOKENS", "-3")
    _usage(["ingest", str(env / "docs")], "invalid settings", "chunk.max_tokens")


def test_negative_budget(env: Path) -> None:
    _usage(
        ["select", str(env / "docs"), "--profile", "contract", "--budget", "-5"],
        "--budget must be a positive number",
    )
    _no_work(env)


def test_database_url_scheme_gets_a_hint(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCSIEVE_DATABASE_URL", "postgres://me@127.0.0.1/db")
    _usage(["ingest", str(env / "docs")], "postgres://", "postgresql+psycopg://")


def test_unreachable_database_is_one_line(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.fakeapi import closed_port_url

    port = closed_port_url().rsplit(":", 1)[1]
    monkeypatch.setenv("DOCSIEVE_DATABASE_URL", f"postgresql+psycopg://postgres@127.0.0.1:{port}/x")
    res = CliRunner().invoke(app, ["ingest", str(env / "docs")])
    assert res.exit_code == 1, res.output
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and "cannot open database" in lines[0], res.output


def test_serve_checks_path_cron_timezone_and_profile(env: Path) -> None:
    docs = str(env / "docs")
    _usage(["serve", str(env / "missing"), "--cron", "0 6 * * *"], "not a folder")
    _usage(["serve", docs, "--cron", "every monday"], "not a cron expression", "0 6 * * 1-5")
    _usage(["serve", docs, "--cron", "0 6 * * *", "--timezone", "Mars/Base"], "IANA")
    _usage(["serve", docs, "--cron", "0 6 * * *", "--profile", "rfq"], "unknown profile")


def test_debug_shows_the_traceback(env: Path) -> None:
    res = CliRunner().invoke(app, ["--debug", "run", str(env / "docs"), "--profile", "rfq"])
    assert res.exit_code == 2 and "Traceback" in res.output
