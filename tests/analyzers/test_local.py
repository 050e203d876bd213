"""The local transformers provider: a tiny random model built on disk, never downloaded."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzers import Analyzer
from docsieve.profiles import Profile
from tests.analyzers.conftest import make_selection, make_settings


def _tiny_model(path: Path) -> Path:
    tokenizers = pytest.importorskip("tokenizers")
    transformers = pytest.importorskip("transformers")
    vocab = {
        c: i
        for i, c in enumerate(
            [
                "[UNK]",
                "[EOS]",
                *sorted(
                    set(
                        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                        "0123456789{}[]\":,.-_ <>=/?$'"
                    )
                ),
            ]
        )
    }
    tok = tokenizers.Tokenizer(tokenizers.models.WordLevel(vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = tokenizers.pre_tokenizers.Split("", "isolated")
    fast = transformers.PreTrainedTokenizerFast(
        tokenizer_object=tok, unk_token="[UNK]", eos_token="[EOS]", pad_token="[EOS]"
    )
    cfg = transformers.GPT2Config(
        vocab_size=len(vocab),
        n_positions=8192,
        n_embd=16,
        n_layer=1,
        n_head=2,
        eos_token_id=1,
        pad_token_id=1,
    )
    transformers.GPT2LMHeadModel(cfg).save_pretrained(path)
    fast.save_pretrained(path)
    return path


def test_local_model_output_is_validated_then_degrades(tmp_path: Path, profile: Profile) -> None:
    path = _tiny_model(tmp_path / "tiny")
    settings = make_settings(
        tmp_path, None, primary="local", local_model_path=str(path), max_output_tokens=8
    )
    with Analyzer(settings, None) as an:
        a = an.analyze(make_selection(0), profile)
    # -- a random model writes no JSON: one repair, then the graceful error --
    assert a.status == "degraded"
    assert [s.outcome for s in a.steps][:3] == ["invalid", "repair", "invalid"]
    assert a.steps[0].kind == "malformed_json"
    assert a.reason and "local" in a.reason


def test_local_without_a_path_is_a_config_error(tmp_path: Path, profile: Profile) -> None:
    settings = make_settings(tmp_path, None, primary="local", secondary="extractive")
    with Analyzer(settings, None) as an:
        a = an.analyze(make_selection(0), profile)
    assert a.status == "analysed" and a.provider == "extractive"
    assert a.steps[0].outcome == "skipped" and "local_model_path" in a.steps[0].message
