"""Offline token counting and profile loading."""

from __future__ import annotations

from pathlib import Path

import pytest

from docsieve.errors import ConfigError
from docsieve.profiles import load_profile
from docsieve.tokens import count_many, count_tokens


def test_cl100k_counts_offline() -> None:
    # -- known cl100k_base counts: "hello world" is 2 tokens --
    assert count_tokens("hello world") == 2
    assert count_tokens("") == 0
    assert count_tokens("<|endoftext|>") > 1  # -- special markers are plain text here --
    assert count_many(["hello world", "a"]) == [2, 1]


def test_unknown_profile_lists_shipped(tmp_path: Path) -> None:
    (tmp_path / "profiles").mkdir()
    (tmp_path / "profiles" / "mine.toml").write_text(
        'name = "mine"\ndoc_type = "contract"\n[[questions]]\nid = "law"\nquestion = "Which law?"\n'
    )
    assert load_profile("mine", tmp_path).questions[0].id == "law"
    with pytest.raises(ConfigError, match="shipped profiles: mine"):
        load_profile("nope", tmp_path)


def test_invalid_profile_is_a_config_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\ndoc_type = "contract"\nquestions = []\n')
    with pytest.raises(ConfigError, match="at least one question"):
        load_profile(bad, tmp_path)
