"""Settings: sources, precedence, validation and masking."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from docsieve.errors import ConfigError, UnknownKeyError
from docsieve.settings import NOT_SETTINGS, ChunkSettings, load_settings


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


def test_env_typo_in_a_group_fails_naming_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    # -- pydantic-settings alone drops this variable and leaves max_tokens at 320 --
    monkeypatch.setenv("DOCSIEVE_CHUNK__MAX_TOKEN", "99")
    with pytest.raises(UnknownKeyError) as err:
        load_settings()
    msg = str(err.value)
    assert "DOCSIEVE_CHUNK__MAX_TOKEN " in msg and "did you mean DOCSIEVE_CHUNK__MAX_TOKENS?" in msg
    assert "\n" not in msg
    monkeypatch.delenv("DOCSIEVE_CHUNK__MAX_TOKEN")
    monkeypatch.setenv("docsieve_chunk__max_tokens", "99")  # -- names are case-insensitive --
    assert load_settings().chunk.max_tokens == 99


def test_env_typo_at_top_level_and_unknown_group(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCSIEVE_HOEM", "/tmp/x")
    with pytest.raises(ConfigError, match="did you mean DOCSIEVE_HOME\\?"):
        load_settings()
    monkeypatch.delenv("DOCSIEVE_HOEM")
    monkeypatch.setenv("DOCSIEVE_SELCT__DEVICE", "cpu")
    with pytest.raises(ConfigError, match="did you mean DOCSIEVE_SELECT\\?"):
        load_settings()


def test_env_switches_that_are_not_settings_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in NOT_SETTINGS:
        monkeypatch.setenv(var, "1")
    monkeypatch.setenv("DOCSIEVE_BENCH_FILL", "0.5")
    monkeypatch.delenv("DOCSIEVE_CONFIG")  # -- it names the settings file --
    assert load_settings().chunk.max_tokens == 320


def test_toml_typo_fails_naming_the_file_and_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = tmp_path / "docsieve.toml"
    cfg.write_text("[chunk]\nmax_token = 300\n")
    monkeypatch.setenv("DOCSIEVE_CONFIG", str(cfg))
    with pytest.raises(
        UnknownKeyError, match=f"chunk.max_token in {cfg}; did you mean chunk.max_tokens"
    ):
        load_settings()
    cfg.write_text("[chunks]\nmax_tokens = 300\n")
    with pytest.raises(UnknownKeyError, match="did you mean chunk\\?"):
        load_settings()


def test_argument_typo_fails() -> None:
    with pytest.raises(
        UnknownKeyError, match=r"select\.batchsize in the arguments; .* select\.batch_size"
    ):
        load_settings(select={"batchsize": 4})
    with pytest.raises(ValidationError, match="extra_forbidden"):
        ChunkSettings(max_token=100)
