"""Benchmark of stage 1c selection: evidence recall against token fraction.

    python -m bench.selection [--limit N] [--chunker auto|pipeline|fallback] [--calibrate]

Data (``../shared/data``): CUAD, ContractNLI (61 dev NDAs), RFPs (16 labelled
files). Metrics, per set:

* evidence recall: gold-span characters covered by the union of the chunks
  selected for the document (micro-averaged over documents);
* token fraction: selected tokens (union over questions) / document tokens,
  summed over documents (cl100k_base).

Splits (by file name, so they never change): CUAD files are held out (``test``)
when ``sha1(file name) % 10 >= 7``; ContractNLI and RFP files when
``sha1(file name) % 10 >= 5``. The head and the thresholds
(``python -m bench.calibrate``) see only the other (development) files, and every
figure here is on held-out files.

Budget curve: the shipped selector (calibrated threshold, caps, clause
expansion) with its document budget set to a fraction of each document and the
spare budget filled round-robin by rank (``DOCSIEVE_BENCH_CURVE=loose``: no
threshold and no caps instead; ``DOCSIEVE_BENCH_FILL`` overrides the fill floor).
Threshold curve: the selector with default budgets and its threshold moved.
``--split train [--offset N]`` runs on development documents, for tuning only.

Embeddings are cached in ``bench/results/embeddings.db`` (git-ignored), so a
second run embeds nothing.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import itertools
import json
import os
import re
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
RESULTS = REPO / "bench" / "results"
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from docsieve.profiles import Profile, Question, load_profile  # noqa: E402
from docsieve.settings import Settings, load_settings  # noqa: E402
from docsieve.tokens import count_many, get_encoding  # noqa: E402
from docsieve.types import Chunk  # noqa: E402
from extractors.dense import DenseScorer, load_encoder  # noqa: E402
from extractors.fusion import fuse, hybrid_matrix  # noqa: E402
from extractors.head import Head, load_head  # noqa: E402
from extractors.lexical import BM25Scorer  # noqa: E402
from extractors.select import (  # noqa: E402
    Threshold,
    question_queries,
    select_document,
    threshold_for,
)

# -- contract profile question -> CUAD categories (the gold of that question) --
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
    "confidentiality": [],
}


# -- budget curve: "fill" (the shipped selector, spare budget filled by rank) or
#    "loose" (no threshold, no caps); FILL overrides the calibrated fill floor --
CURVE = os.environ.get("DOCSIEVE_BENCH_CURVE", "fill")
FILL = float(os.environ["DOCSIEVE_BENCH_FILL"]) if "DOCSIEVE_BENCH_FILL" in os.environ else None
TAUS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7)


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
    windows: list[Chunk] = field(default_factory=list)
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
    for c, n in zip(out, counts, strict=True):
        c.tokens = n
    return out


def window_chunks(text: str, sha: str, size: int = 300) -> list[Chunk]:
    """Fixed windows of ``size`` tokens (LegalBench-RAG's naive baseline)."""
    enc = get_encoding()
    ids = enc.encode(text, disallowed_special=())
    _, offsets = enc.decode_with_offsets(ids)
    out = []
    for i, a in enumerate(range(0, len(ids), size)):
        b = min(a + size, len(ids))
        s = offsets[a]
        e = offsets[b] if b < len(ids) else len(text)
        out.append(
            Chunk(
                id=f"{sha[:12]}-w{i}",
                index=i,
                text=text[s:e],
                page_start=1,
                page_end=1,
                start=s,
                end=e,
                tokens=b - a,
                chunker="window300",
            )
        )
    return out


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
        else:
            d.chunks = fallback_chunks(d.text, sha)
        d.windows = window_chunks(d.text, sha)
        d.tokens = sum(w.tokens for w in d.windows)
    return (
        "pipeline (parsers.parse_file + chunkers.chunk_document)"
        if use_pipe
        else "fallback paragraph splitter (bench-internal)"
    )


# ---------------------------------------------------------------- scoring


@dataclass
class Scores:
    dense: np.ndarray  # (queries, chunks)
    bm25: np.ndarray
    tokens: np.ndarray
    qv: np.ndarray  # (queries, dim): query embeddings
    cv: np.ndarray  # (chunks, dim): chunk embeddings
    head: Head | None  # -- the shipped head for this encoder, as the product loads it --


def queries_of(profile: Profile) -> tuple[list[str], list[tuple[int, int]]]:
    flat: list[str] = []
    groups = []
    for q in profile.questions:
        qs = question_queries(q)
        groups.append((len(flat), len(flat) + len(qs)))
        flat.extend(qs)
    return flat, groups


def aggregate(m: np.ndarray, groups: list[tuple[int, int]]) -> np.ndarray:
    from extractors.select import HINT_SHARE

    out = np.zeros((len(groups), m.shape[1]), dtype=np.float32)
    for gi, (a, b) in enumerate(groups):
        out[gi] = m[a] if b - a == 1 else (1 - HINT_SHARE) * m[a] + HINT_SHARE * m[a + 1 : b].max(0)
    return out


def score_docs(docs: list[Doc], profile: Profile, dense: DenseScorer, attr: str) -> list[Scores]:
    flat, _ = queries_of(profile)
    bm = BM25Scorer()
    if attr == "windows":  # -- the naive baseline: each window embedded whole --
        dense = DenseScorer(dense.encoder, dense.cache, long_chunk_tokens=0)
    head = load_head(dense.encoder.name)
    out = []
    for d in docs:
        ch = getattr(d, attr)
        cos, qv, cv = dense.score_with_embeddings(flat, ch)
        out.append(
            Scores(
                cos,
                bm.score(flat, ch),
                np.array([c.tokens for c in ch], dtype=np.float32),
                qv,
                cv,
                head,
            )
        )
    return out


def question_matrix(sc: Scores, groups: list[tuple[int, int]], kind: str) -> np.ndarray:
    if kind == "dense":
        return aggregate(sc.dense, groups)
    if kind == "bm25":
        return aggregate(sc.bm25, groups)
    if kind == "hybrid-fixed":
        return aggregate(fuse(sc.dense, sc.bm25), groups)
    return aggregate(hybrid_matrix(sc.dense, sc.bm25, sc.tokens, sc.head, sc.qv, sc.cv), groups)


def select_chunks(
    d: Doc,
    profile: Profile,
    settings: Settings,
    scores: np.ndarray,
    threshold: Threshold | None,
    budget_tokens: int | None = None,
) -> list[Chunk]:
    """The shipped selector on precomputed question scores: the union of its chunks."""
    sel = select_document(
        "x",
        d.name,
        d.chunks,
        profile,
        settings,
        scores=scores,
        threshold=threshold,
        budget_tokens=budget_tokens,
    )
    ids = {c.chunk_id for c in sel.union_chunks()}
    return [c for c in d.chunks if c.id in ids]


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
    per_cat: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))

    def add(self, d: Doc, cats: list[str], chosen: list[Chunk]) -> None:
        spans = [(c.start, c.end) for c in chosen]
        allgold = [s for c in cats for s in d.gold.get(c, [])]
        g, h = covered(allgold, spans, len(d.text))
        self.gold += g
        self.hit += h
        self.sel_tokens += sum(c.tokens for c in {c.id: c for c in chosen}.values())
        self.doc_tokens += d.tokens
        for c in cats:
            if d.gold.get(c):
                g, h = covered(d.gold[c], spans, len(d.text))
                self.per_cat[c][0] += g
                self.per_cat[c][1] += h

    @property
    def recall(self) -> float:
        return self.hit / self.gold if self.gold else 1.0

    @property
    def fraction(self) -> float:
        return self.sel_tokens / self.doc_tokens if self.doc_tokens else 0.0

    def cell(self) -> str:
        return f"{self.recall:.3f} @ {self.fraction:.3f}"


def topk(m: np.ndarray, k: int) -> list[int]:
    idx: set[int] = set()
    for row in m:
        idx.update(int(i) for i in np.argsort(-row, kind="stable")[:k])
    return sorted(idx)


# ---------------------------------------------------------------- runs


@dataclass
class Task:
    title: str
    docs: list[Doc]
    profile: Profile
    cats: dict[str, list[str]]  # question id -> gold categories
    target: float | None = None  # -- the target token fraction --


def run_task(task: Task, dense: DenseScorer, settings: Settings, out: list[str]) -> dict:
    flat, groups = queries_of(task.profile)
    cat_list = sorted({c for cs in task.cats.values() for c in cs})
    t0 = time.time()
    sc_chunks = score_docs(task.docs, task.profile, dense, "chunks")
    sc_windows = score_docs(task.docs, task.profile, dense, "windows")
    t_score = time.time() - t0
    rows: list[tuple[str, str, str, str]] = []

    def tally_for(pick) -> Tally:  # type: ignore[no-untyped-def]
        t = Tally()
        for d, sc, sw in zip(task.docs, sc_chunks, sc_windows, strict=True):
            chunks = pick(d, sc, sw)
            t.add(d, cat_list, chunks)
        return t

    def selector(budget_frac: float | None, loose: bool = False):  # type: ignore[no-untyped-def]
        s = (
            settings
            if not loose or CURVE != "loose"
            else settings.model_copy(
                update={
                    "select": settings.select.model_copy(
                        update={"max_chunks_per_question": 10_000, "question_budget_tokens": 10**9}
                    )
                }
            )
        )

        def pick(d: Doc, sc: Scores, sw: Scores) -> list[Chunk]:
            m = question_matrix(sc, groups, "hybrid")
            thr = None if sc.head else threshold_for("hybrid-fixed")
            if loose and CURVE == "loose":
                # -- curve: no floor, no relative cut: the budget alone decides, so the
                #    curve is never capped by the threshold --
                thr = Threshold(-1e9, 1e9)
            elif loose:
                # -- curve: the shipped selector (calibrated threshold and caps), its
                #    spare budget filled round-robin by rank with no fill floor --
                t0 = threshold_for("hybrid", profile=task.profile.name)
                thr = Threshold(t0.floor, t0.margin, FILL if FILL is not None else t0.fill_floor)
            return select_chunks(
                d, task.profile, s, m, thr, int(budget_frac * d.tokens) if budget_frac else None
            )

        return pick

    main = tally_for(selector(None))
    rows.append(("selector (hybrid, calibrated threshold, default budgets)", "-", main.cell(), ""))
    if task.target:
        t = tally_for(selector(task.target))
        rows.append(
            (f"selector, document budget {task.target:.2f} x document tokens", "-", t.cell(), "")
        )
    for kind in ("hybrid", "hybrid-fixed", "bm25", "dense"):
        for k in (1, 2, 4):
            t = tally_for(
                lambda d, sc, sw, kind=kind, k=k: [
                    d.chunks[i] for i in topk(question_matrix(sc, groups, kind), k)
                ]
            )
            rows.append((f"{kind} top-k on chunks", str(k), t.cell(), ""))
    for k in (1, 2, 4):
        t = tally_for(
            lambda d, sc, sw, k=k: [
                d.windows[i] for i in topk(question_matrix(sw, groups, "dense"), k)
            ]
        )
        rows.append(("dense top-k on 300-token windows", str(k), t.cell(), ""))
    for k in (1, 2, 4):
        t = tally_for(
            lambda d, sc, sw, k=k: [
                d.windows[i] for i in topk(question_matrix(sw, groups, "hybrid"), k)
            ]
        )
        rows.append(("hybrid top-k on 300-token windows", str(k), t.cell(), ""))
    rows.append(("whole document", "-", "1.000 @ 1.000", ""))
    curve = []
    for f in (0.05, 0.10, 0.15, 0.20, 0.30, 0.45):
        t = tally_for(selector(f, loose=True))
        curve.append((f, t))
    # -- threshold curve: the shipped selector (default budgets) with its threshold
    #    (floor = fill floor = tau) moved: how much it takes when it decides itself --
    tcurve = []
    for tau in TAUS:
        t = tally_for(
            lambda d, sc, sw, tau=tau: select_chunks(
                d,
                task.profile,
                settings,
                question_matrix(sc, groups, "hybrid"),
                Threshold(tau, 1.0, tau),
            )
        )
        tcurve.append((tau, t))

    out.append(f"\n## {task.title}\n")
    out.append(
        f"{len(task.docs)} documents, {sum(d.tokens for d in task.docs):,} tokens, "
        f"{sum(len(d.chunks) for d in task.docs):,} chunks; "
        f"{len(task.profile.questions)} questions ({len(flat)} queries); "
        f"scoring {t_score:.1f}s"
    )
    out.append("\n| method | k | recall @ fraction |\n|---|---|---|")
    for r in rows:
        out.append(f"| {r[0]} | {r[1]} | {r[2]} |")
    out.append(
        "\nBudget curve (document budget = fraction x document tokens; "
        + (
            "no threshold, no caps"
            if CURVE == "loose"
            else "the shipped selector: calibrated threshold, caps, clause expansion, "
            "spare budget filled round-robin by rank"
        )
        + "):\n"
    )
    out.append("| budget | recall @ fraction |\n|---|---|")
    for f, t in curve:
        out.append(f"| {f:.2f} | {t.cell()} |")
    cal = threshold_for("hybrid", profile=task.profile.name)
    out.append(
        f"\nThreshold curve (the selector with default budgets, floor = fill floor "
        f"= threshold; calibrated for this profile: {cal.floor:g}):\n"
    )
    out.append("| threshold | recall @ fraction |\n|---|---|")
    for tau, t in tcurve:
        out.append(f"| {tau:.2f} | {t.cell()} |")
    out.append("\nPer category (selector, default budgets | budget 0.15 | budget 0.45):\n")
    out.append(
        "| category | gold chars | recall | recall@0.15 | recall@0.45 |\n|---|---|---|---|---|"
    )
    c15 = dict(curve)[0.15]
    c45 = dict(curve)[0.45]
    for c in cat_list:
        g, h = main.per_cat.get(c, [0, 0])
        if not g:
            continue
        g15, h15 = c15.per_cat.get(c, [0, 0])
        g45, h45 = c45.per_cat.get(c, [0, 0])
        out.append(
            f"| {c} | {g} | {h / g:.3f} | {h15 / max(g15, 1):.3f} | {h45 / max(g45, 1):.3f} |"
        )
    return {"main": main, "curve": curve, "thresholds": tcurve}


def cuad_all_profile() -> tuple[Profile, dict[str, list[str]]]:
    qs = []
    cats = {}
    for i, (cat, desc) in enumerate(cuad_categories()):
        qid = f"c{i:02d}_" + re.sub(r"[^a-z0-9]+", "_", cat.lower()).strip("_")
        qs.append(Question(id=qid, question=f"{cat}: {desc}"))
        cats[qid] = [cat]
    return Profile(name="cuad39", doc_type="contract", questions=qs), cats


def throughput(dense: DenseScorer, docs: list[Doc]) -> str:
    texts = [c.contextualized + " " for d in docs for c in d.chunks][:256]
    enc = dense.encoder
    t0 = time.time()
    enc.encode(texts)
    dt = time.time() - t0
    return (
        f"dense scorer ({enc.name}, {enc.device}, batch {enc.batch_size}): "
        f"{len(texts) / dt:.1f} chunks/s on {len(texts)} real chunks "
        f"(torch threads {__import__('torch').get_num_threads()})"
    )


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.selection")
    ap.add_argument("--limit", type=int, default=None, help="documents per set")
    ap.add_argument("--chunker", choices=["auto", "pipeline", "fallback"], default="auto")
    ap.add_argument("--sets", default="cuad,cuad39,nda,rfp")
    ap.add_argument(
        "--chunk-max-tokens",
        type=int,
        default=None,
        help="chunk.max_tokens for the pipeline chunkers (default: settings)",
    )
    ap.add_argument("--tag", default="", help="suffix of the results file")
    ap.add_argument(
        "--split",
        choices=["test", "train"],
        default="test",
        help="held-out documents (test) or development documents (train: "
        "for tuning only; reports use test)",
    )
    ap.add_argument(
        "--offset",
        type=int,
        default=0,
        help="skip the first N CUAD documents of the split (validation "
        "of a head trained on the first ones)",
    )
    ap.add_argument(
        "--calibrate",
        action="store_true",
        help="tune extractors/calibration.json on the CUAD train split",
    )
    args = ap.parse_args(argv)
    RESULTS.mkdir(parents=True, exist_ok=True)
    settings = load_settings(data_dir=REPO / "data")
    if args.chunk_max_tokens:
        settings = settings.model_copy(
            update={
                "chunk": settings.chunk.model_copy(
                    update={
                        "max_tokens": args.chunk_max_tokens,
                        "min_tokens": min(settings.chunk.min_tokens, args.chunk_max_tokens // 4),
                    }
                )
            }
        )
    from storage.db import open_database
    from storage.selection_repo import SqlEmbeddingCache

    db = open_database(f"sqlite:///{(RESULTS / 'embeddings.db').as_posix()}")
    dense = DenseScorer(
        load_encoder(
            settings.select.embedding_model, settings.select.device, settings.select.batch_size
        ),
        SqlEmbeddingCache(db),
    )
    t_start = time.time()
    if args.calibrate:
        from bench.calibrate import calibrate

        calibrate(settings, dense, args.limit, args.chunker)
        return
    out: list[str] = ["# bench.selection", ""]
    sets = args.sets.split(",")
    how = ""
    results = {}
    if "cuad" in sets or "cuad39" in sets:
        cuad = load_cuad(args.split, args.limit, args.offset)
        how = make_chunks(cuad, args.chunker, settings)
        if "cuad" in sets:
            prof = load_profile("contract", settings.data_dir)
            results["cuad"] = run_task(
                Task(
                    f"CUAD, contract profile ({args.split} split)", cuad, prof, CONTRACT_MAP, 0.15
                ),
                dense,
                settings,
                out,
            )
            print("\n".join(out), flush=True)
        if "cuad39" in sets:
            prof39, cats39 = cuad_all_profile()
            n = len(out)
            results["cuad39"] = run_task(
                Task(
                    f"CUAD, 39 categories as questions ({args.split} split)",
                    cuad,
                    prof39,
                    cats39,
                    0.15,
                ),
                dense,
                settings,
                out,
            )
            print("\n".join(out[n:]), flush=True)
    if "nda" in sets:
        nda = load_nda(args.limit, args.split)
        how = make_chunks(nda, args.chunker, settings)
        prof = load_profile("nda", settings.data_dir)
        n = len(out)
        results["nda"] = run_task(
            Task(
                f"ContractNLI NDAs, 17 hypotheses ({args.split} half)",
                nda,
                prof,
                {
                    q.id.replace("nda_", "nda-"): [q.id.replace("nda_", "nda-")]
                    for q in prof.questions
                },
                0.45,
            ),
            dense,
            settings,
            out,
        )
        print("\n".join(out[n:]), flush=True)
    if "rfp" in sets:
        rfp = load_rfp(args.limit, args.split)
        how = make_chunks(rfp, args.chunker, settings)
        prof = load_profile("rfp", settings.data_dir)
        n = len(out)
        results["rfp"] = run_task(
            Task(
                f"RFPs, rfp profile ({args.split} half of the 16 labelled files)",
                rfp,
                prof,
                {q.id: [q.id] for q in prof.questions},
                0.45,
            ),
            dense,
            settings,
            out,
        )
        print("\n".join(out[n:]), flush=True)
        out.append("\n" + throughput(dense, rfp))
    out.append(
        f"\nchunking: {how}; splits: CUAD test = sha1(file name) % 10 >= 7, "
        f"ContractNLI and RFP test = sha1(file name) % 10 >= 5 (the rest trains "
        f"the head and calibrates the thresholds); total {time.time() - t_start:.0f}s"
    )
    print("\n".join(out[-2:]))
    (RESULTS / f"selection{args.tag}.md").write_text("\n".join(out) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
