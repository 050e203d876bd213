"""Settings: sources, precedence, validation and masking."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from docsieve.settings import load_settings


def test_defaults_use_sqlite_in_home(tmp_path: Path) -> None:
    s = load_settings(home=tmp_path)
    assert s.db_url == f"sqlite:///{tmp_path.as_posix()}/docsieve.db"
    assert s.analyze.primary is None and s.anthropic_api_key is None


def test_env_nested_and_toml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "docsieve.toml"
    cfg.write_text("[chunk]\nmax_tokens = 300\n[select]\nbatch_size = 8\n")
    monkeypatch.setenv("DOCSIEVE_CONFIG", str(cfg))
    monkeypatch.setenv("DOCSIEVE_SELECT__BATCH_SIZE", "16")
    s = load_settings()
    assert s.chunk.max_tokens == 300  # -- from the file --
    assert s.select.batch_size == 16  # -- environment beats the file --
    assert load_settings(select={"batch_size": 4}).select.batch_size == 4  # -- arguments win --


def test_provider_sdk_variables_are_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-abcdefgh9876")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "http://127.0.0.1:9")
    s = load_settings()
    assert s.anthropic_api_key is not None
    assert s.anthropic_base_url == "http://127.0.0.1:9"
    masked = s.masked()
    assert "abcdefgh" not in str(masked) and masked["anthropic_api_key"].endswith("9876")


def test_database_password_is_masked() -> None:
    s = load_settings(database_url="postgresql+psycopg://bob:hunter2@db.example/docs")
    assert "hunter2" not in str(s.masked())


def test_invalid_chunk_sizes_rejected() -> None:
    with pytest.raises(ValidationError, match="min_tokens"):
        load_settings(chunk={"max_tokens": 100, "min_tokens": 200})
