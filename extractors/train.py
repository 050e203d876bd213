"""Fine-tuning of the stage-1 relevance encoder, and the model folder it writes.

The encoder is a bi-encoder (mean-pooled, L2-normalised, like the packaged
all-MiniLM-L6-v2). :func:`fine_tune` trains it on :class:`TrainPair` s with a
contrastive loss in the style of MultipleNegativesRanking: each query must score
its own positive above every other passage of the batch (the other pairs'
positives and every hard negative), at ``scale`` x cosine. Pairs with the same
``group`` (the same question asked of another document) do not count as each
other's negatives: their positives answer the same question.

Reproducible: ``torch.manual_seed(seed)``, a data order drawn from
``random.Random(seed)``, no dropout-free shortcuts. Cheap on 2 CPU cores: the
embeddings and the lowest ``freeze_layers`` transformer layers can be frozen
(autograd then stops below them), and sequences are cut at ``max_seq_len``.

The folder written (:func:`fine_tune`, :func:`save_model`) is what
``select.embedding_model`` points to: ``model.safetensors`` (fp16), the config,
the tokenizer, ``sentence_bert_config.json`` (the inference length) and
``docsieve_model.json`` (:data:`MANIFEST`: base, seed, data, steps, seconds).
:func:`read_manifest` reads it back for reports and ``docsieve config``.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

MANIFEST = "docsieve_model.json"
MANIFEST_FORMAT = 1


@dataclass(frozen=True)
class TrainPair:
    """One training example: a query, a passage that answers it, passages that do not
    (hard negatives, best taken from the same document). ``group`` names the question
    the query asks (default: the query itself); pairs of one group never serve as each
    other's in-batch negatives."""

    query: str
    positive: str
    negatives: tuple[str, ...] = ()
    group: str = ""

    @property
    def key(self) -> str:
        return self.group or self.query


@dataclass(frozen=True)
class TrainConfig:
    """The knobs of :func:`fine_tune`; stored in the manifest."""

    seed: int = 0
    steps: int | None = None  # -- None: ``epochs`` passes over the pairs --
    epochs: int = 1
    batch_size: int = 16
    max_seq_len: int = 128
    lr: float = 3e-5
    warmup: float = 0.1  # -- fraction of the steps with a linear warm-up --
    scale: float = 20.0  # -- cosine x scale are the logits (temperature 0.05) --
    negatives_per_pair: int = 1
    freeze_embeddings: bool = True
    freeze_layers: int = 0
    inference_max_len: int = 256
    threads: int | None = None


@dataclass
class TrainResult:
    path: Path
    steps: int
    seconds: float
    losses: list[float] = field(default_factory=list)


def pairs_digest(pairs: Sequence[TrainPair]) -> str:
    """sha256 of the training pairs, in order: names the data in the manifest."""
    h = hashlib.sha256()
    for p in pairs:
        h.update(json.dumps([p.query, p.positive, list(p.negatives), p.group]).encode())
    return h.hexdigest()


def _batches(n: int, cfg: TrainConfig) -> list[list[int]]:
    """Index batches: shuffled passes over ``range(n)`` by ``random.Random(seed)``."""
    rng = random.Random(cfg.seed)
    total = cfg.steps if cfg.steps is not None else max(1, cfg.epochs * n // cfg.batch_size)
    out: list[list[int]] = []
    order: list[int] = []
    while len(out) < total:
        if len(order) < cfg.batch_size:
            nxt = list(range(n))
            rng.shuffle(nxt)
            order.extend(nxt)
        out.append(order[: cfg.batch_size])
        del order[: cfg.batch_size]
    return out


def resolve_base(base: str | Path) -> str:
    """A packaged model name -> its folder (``extractors.dense.resolve_model_path``)."""
    from extractors.dense import resolve_model_path

    return resolve_model_path(str(base))


def load_base(base: str | Path) -> tuple[Any, Any]:
    """(tokenizer, model) of ``base`` from local files, as float32 on the CPU."""
    try:
        from transformers import AutoModel, AutoTokenizer
    except ImportError as exc:  # pragma: no cover
        raise ImportError("training needs torch and transformers: pip install -e .") from exc
    path = resolve_base(base)
    tok = AutoTokenizer.from_pretrained(path, local_files_only=True)
    model = AutoModel.from_pretrained(path, local_files_only=True).float()
    return tok, model


def mean_pool(model: Any, enc: dict[str, Any]) -> Any:
    """L2-normalised mean of the last hidden states over the attention mask."""
    import torch

    hidden = model(**enc).last_hidden_state
    mask = enc["attention_mask"].unsqueeze(-1).to(hidden.dtype)
    pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
    return torch.nn.functional.normalize(pooled, dim=-1)


def _freeze(model: Any, cfg: TrainConfig) -> None:
    if cfg.freeze_embeddings and hasattr(model, "embeddings"):
        for p in model.embeddings.parameters():
            p.requires_grad = False
    layers = getattr(getattr(model, "encoder", None), "layer", [])
    for layer in list(layers)[: cfg.freeze_layers]:
        for p in layer.parameters():
            p.requires_grad = False


def contrastive_loss(q: Any, p: Any, n: Any | None, keys: list[str], scale: float) -> Any:
    """MultipleNegativesRanking loss: row i of ``q`` against every positive and every
    negative of the batch, its own positive the target; positives of pairs with the
    same key as i (the same question, another document) are masked out."""
    import torch

    cands = p if n is None or n.shape[0] == 0 else torch.cat([p, n], 0)
    logits = scale * q @ cands.T
    b = q.shape[0]
    same = torch.tensor(
        [[keys[i] == keys[j] and i != j for j in range(b)] for i in range(b)], dtype=torch.bool
    )
    mask = torch.zeros_like(logits, dtype=torch.bool)
    mask[:, :b] = same
    logits = logits.masked_fill(mask, float("-inf"))
    return torch.nn.functional.cross_entropy(logits, torch.arange(b))


def fine_tune(
    pairs: Sequence[TrainPair],
    *,
    base: str | Path,
    out_dir: Path,
    config: TrainConfig | None = None,
    data: dict[str, Any] | None = None,
    progress: Callable[[int, int, float], None] | None = None,
    **overrides: Any,
) -> Path:
    """Fine-tune ``base`` on ``pairs`` and write the model folder ``out_dir``.

    ``config`` (or keyword ``overrides`` of :class:`TrainConfig` fields: ``seed``,
    ``steps``, ``batch_size``, ``max_seq_len``, ``freeze_layers``...) sets the run;
    ``data`` describes the training data in the manifest (split, sources).
    ``progress(step, steps, loss)`` is called after each step. Returns ``out_dir``.
    """
    return train(
        pairs, base=base, out_dir=out_dir, config=config, data=data, progress=progress, **overrides
    ).path


def train(
    pairs: Sequence[TrainPair],
    *,
    base: str | Path,
    out_dir: Path,
    config: TrainConfig | None = None,
    data: dict[str, Any] | None = None,
    progress: Callable[[int, int, float], None] | None = None,
    **overrides: Any,
) -> TrainResult:
    """:func:`fine_tune`, returning the steps, the time and the loss of each step."""
    import dataclasses

    import torch

    if not pairs:
        raise ValueError("no training pairs")
    cfg = dataclasses.replace(config or TrainConfig(), **overrides)
    t0 = time.time()
    torch.manual_seed(cfg.seed)
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    tok, model = load_base(base)
    _freeze(model, cfg)
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    batches = _batches(len(pairs), cfg)
    opt = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=0.01)
    warm = max(1, int(cfg.warmup * len(batches)))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warm, max(0.0, (len(batches) - s) / (len(batches) - warm + 1)))
    )
    rng = random.Random(cfg.seed + 1)

    def enc(texts: list[str]) -> Any:
        e = tok(
            texts, padding=True, truncation=True, max_length=cfg.max_seq_len, return_tensors="pt"
        )
        return mean_pool(model, dict(e))

    losses: list[float] = []
    for step, idx in enumerate(batches, start=1):
        batch = [pairs[i] for i in idx]
        negs = [
            n
            for p in batch
            for n in (
                rng.sample(p.negatives, cfg.negatives_per_pair)
                if len(p.negatives) > cfg.negatives_per_pair
                else p.negatives
            )
        ]
        q = enc([p.query for p in batch])
        # -- positives and negatives in one pass: one padding, one forward --
        passages = enc([p.positive for p in batch] + negs)
        loss = contrastive_loss(
            q, passages[: len(batch)], passages[len(batch) :], [p.key for p in batch], cfg.scale
        )
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        sched.step()
        losses.append(float(loss.detach()))
        if progress is not None:
            progress(step, len(batches), losses[-1])
    model.eval()
    seconds = time.time() - t0
    manifest = {
        "format": MANIFEST_FORMAT,
        "kind": "bi-encoder, mean pooling, cosine",
        "base": str(base),
        "seed": cfg.seed,
        "config": dataclasses.asdict(cfg),
        "steps": len(batches),
        "pairs": len(pairs),
        "pairs_sha256": pairs_digest(pairs),
        "data": data or {},
        "train_seconds": round(seconds, 1),
        "final_loss": round(sum(losses[-50:]) / len(losses[-50:]), 4),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "torch": torch.__version__,
    }
    save_model(model, tok, out_dir, manifest, cfg.inference_max_len)
    return TrainResult(out_dir, len(batches), seconds, losses)


def save_model(
    model: Any, tokenizer: Any, out_dir: Path, manifest: dict[str, Any], max_len: int = 256
) -> None:
    """Write the model folder: fp16 safetensors, config, tokenizer, manifest."""
    import copy

    out_dir.mkdir(parents=True, exist_ok=True)
    half = copy.deepcopy(model).half()
    half.save_pretrained(out_dir, safe_serialization=True)
    tokenizer.save_pretrained(out_dir)
    (out_dir / "sentence_bert_config.json").write_text(
        json.dumps({"max_seq_length": max_len, "do_lower_case": False}) + "\n", encoding="utf-8"
    )
    (out_dir / MANIFEST).write_text(
        json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )


def read_manifest(path: str | Path) -> dict[str, Any] | None:
    """The manifest of a model folder written by :func:`fine_tune`, or None."""
    f = Path(path) / MANIFEST
    if not f.is_file():
        return None
    try:
        data: dict[str, Any] = json.loads(f.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data


def encode(model: Any, tokenizer: Any, texts: Iterable[str], max_len: int = 256) -> Any:
    """Embeddings (n, dim) float32 numpy of ``texts`` with a loaded model (eval mode)."""
    import torch

    items = list(texts)
    with torch.inference_mode():
        e = tokenizer(items, padding=True, truncation=True, max_length=max_len, return_tensors="pt")
        return mean_pool(model.float().eval(), dict(e)).numpy()
