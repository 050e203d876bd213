"""Offline token counting and profile loading."""

from __future__ import annotations

from pathlib import Path

import pytest

from docsieve.errors import ConfigError, UnknownKeyError
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


def test_profile_key_typo_fails_naming_the_key(tmp_path: Path) -> None:
    bad = tmp_path / "typo.toml"
    bad.write_text(
        'name = "x"\ndoc_type = "contract"\n[[questions]]\nid = "law"\n'
        'question = "Which law?"\n[[questions]]\nid = "term"\nquestion = "How long?"\n'
        'hint = ["term", "renewal"]\n'
    )
    with pytest.raises(UnknownKeyError) as err:
        load_profile(bad, tmp_path)
    msg = str(err.value)
    assert "questions[1].hint" in msg and "did you mean questions[1].hints?" in msg
    assert "\n" not in msg and str(bad) in msg


def test_profile_typo_in_answer_field_and_top_level(tmp_path: Path) -> None:
    nested = tmp_path / "nested.toml"
    nested.write_text(
        'name = "x"\ndoc_type = "contract"\n[[questions]]\nid = "law"\nquestion = "Which law?"\n'
        '[[questions.fields]]\nname = "law"\ntyp = "string"\n'
    )
    with pytest.raises(ConfigError, match=r"questions\[0\]\.fields\[0\]\.typ .*questions\[0\]"):
        load_profile(nested, tmp_path)
    top = tmp_path / "top.toml"
    top.write_text(
        'name = "x"\ndoc_type = "contract"\ndescriptoin = "y"\n'
        '[[questions]]\nid = "law"\nquestion = "Which law?"\n'
    )
    with pytest.raises(ConfigError, match="did you mean description"):
        load_profile(top, tmp_path)
