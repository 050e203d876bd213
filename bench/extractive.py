"""Benchmark of the extractive analyzer: does its quoted sentence answer the question?

    python -m bench.extractive [--limit N] [--baseline REV] [--no-baseline] [--show QID]

Data: the 16 labelled RFP files of ``../shared/data/rfps`` (``labels.jsonl``:
for each file and each of the 12 ``rfp`` profile questions, the answering
passages as character spans into the file text).

For each file: ``parsers.parse_file`` -> ``chunkers.chunk_document`` ->
``extractors.select_document`` (rfp profile, ``hybrid`` scorer) -> the
extractive analyzer on the request stage 2 would send. The selection is done
once and shared, so the analyzers compare on the same sections.

Metrics per question, over the (file, question) pairs that have a gold answer:

* accuracy: the answer is found and its cited quote (located in the file via the
  cited chunk) overlaps a gold passage span;
* ceiling: some chunk selected for the question overlaps a gold span (the best
  any answerer that quotes from the selection could do);
* false found: pairs *without* a gold answer that were still answered.

``--baseline REV`` (default ``625b4fe``, the first extractive analyzer) runs the
analyzer of ``analyzers/local.py`` as committed at REV beside the working
tree's one: the before/after table. ``--reuse`` skips parsing, chunking and
selection (about 2.5 minutes on 2 cores) by reading the last run's, kept in
``bench/results/extractive_prep.pkl``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import pickle
import statistics
import subprocess
import sys
import time
import types
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
RESULTS = REPO / "bench" / "results"
# -- the last commit with the first extractive analyzer (single-sentence word overlap) --
BASELINE = "625b4fe"
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from analyzers import base as abase  # noqa: E402
from analyzers.prompt import build_request  # noqa: E402
from docsieve.analysis import Answer  # noqa: E402
from docsieve.profiles import load_profile  # noqa: E402
from docsieve.selection import DocumentSelection  # noqa: E402
from docsieve.settings import Settings, load_settings  # noqa: E402
from docsieve.types import Chunk  # noqa: E402


@dataclass
class Doc:
    name: str
    path: Path
    text: str
    answerable: set[str] = field(default_factory=set)
    gold: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    chunks: list[Chunk] = field(default_factory=list)
    parsed_text: str = ""
    selection: DocumentSelection | None = None


def load_docs(limit: int | None) -> list[Doc]:
    root = SHARED / "rfps"
    docs: dict[str, Doc] = {}
    for line in (root / "labels.jsonl").read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        name = f"{r['folder']}/{r['file']}"
        if name not in docs:
            with open(root / name, encoding="utf-8") as fh:  # -- the labels' own reading --
                docs[name] = Doc(name, root / name, fh.read())
        d = docs[name]
        if r["has_answer"]:
            d.answerable.add(r["question_id"])
        for ps in r["passages"]:
            d.gold.setdefault(r["question_id"], []).append((ps["start"], ps["end"]))
    out = sorted(docs.values(), key=lambda d: d.name)
    return out[:limit] if limit else out


def to_gold_offset(parsed: str, pos: int) -> int:
    # -- gold offsets read "\r\n" as one character (universal newlines) --
    return pos - parsed.count("\r\n", 0, pos)


def quote_span(doc: Doc, ans: Answer) -> tuple[int, int] | None:
    """The cited quote's span in the labels' text, found through the cited chunk."""
    if not ans.found or not ans.citations:
        return None
    cit = ans.citations[0]
    chunk = next((c for c in doc.chunks if c.id == cit.chunk_id), None)
    if chunk is None or not cit.quote:
        return None
    i = doc.parsed_text.find(cit.quote, chunk.start)
    if i < 0 or i > chunk.end:
        i = doc.parsed_text.find(cit.quote)
    if i < 0:
        return None
    return (to_gold_offset(doc.parsed_text, i), to_gold_offset(doc.parsed_text, i + len(cit.quote)))


def overlaps(span: tuple[int, int], gold: list[tuple[int, int]]) -> bool:
    return any(span[0] < e and s < span[1] for s, e in gold)


def prepare(docs: list[Doc], settings: Settings) -> None:
    from chunkers import chunk_document
    from extractors import get_scorer, select_document
    from parsers import parse_file

    profile = load_profile("rfp", settings.data_dir)
    scorer = get_scorer("hybrid", settings.select)
    for d in docs:
        parsed = parse_file(d.path, settings)
        if parsed.text.replace("\r\n", "\n") != d.text:
            raise SystemExit(f"the parser changed the text of {d.name}: spans would not match")
        d.parsed_text = parsed.text
        _, d.chunks = chunk_document(parsed, settings)
        sha = hashlib.sha256(d.text.encode()).hexdigest()
        d.selection = select_document(sha, d.name, d.chunks, profile, settings, scorer)


def load_baseline(rev: str) -> type[abase.Provider]:
    """The ExtractiveProvider of ``analyzers/local.py`` at ``rev``, without replacing ours."""
    src = subprocess.run(
        ["git", "show", f"{rev}:analyzers/local.py"],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    saved = dict(abase._REGISTRY)
    mod = types.ModuleType("bench_extractive_baseline")
    mod.__file__ = f"{rev}:analyzers/local.py"
    sys.modules[mod.__name__] = mod
    try:
        exec(compile(src, mod.__file__, "exec"), mod.__dict__)
    finally:
        abase._REGISTRY.clear()
        abase._REGISTRY.update(saved)
    cls: type[abase.Provider] = mod.ExtractiveProvider
    return cls


@dataclass
class Result:
    hits: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    false_found: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    seconds: float = 0.0
    quote_chars: list[int] = field(default_factory=list)
    answers: dict[tuple[str, str], Answer] = field(default_factory=dict)


def evaluate(cls: type[abase.Provider], docs: list[Doc], settings: Settings) -> Result:
    profile = load_profile("rfp", settings.data_dir)
    prov = cls(settings, f"spacy:{settings.analyze.spacy_model}")
    res = Result()
    for d in docs:
        assert d.selection is not None
        req = build_request(d.selection, profile, model=prov.model, max_tokens=4096)
        t0 = time.perf_counter()
        resp = prov.execute(req)
        res.seconds += time.perf_counter() - t0
        for a in resp.answers:
            res.answers[(d.name, a.question_id)] = a
            if a.found and a.citations:
                res.quote_chars.append(len(a.citations[0].quote))
            if a.question_id not in d.answerable:
                res.false_found[a.question_id] += int(a.found)
                continue
            span = quote_span(d, a)
            if span is not None and overlaps(span, d.gold.get(a.question_id, [])):
                res.hits[a.question_id] += 1
    return res


def ceiling(docs: list[Doc]) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for d in docs:
        assert d.selection is not None
        for qs in d.selection.questions:
            if qs.question_id not in d.answerable:
                continue
            spans = [
                (to_gold_offset(d.parsed_text, c.start), to_gold_offset(d.parsed_text, c.end))
                for c in qs.chunks
            ]
            if any(overlaps(s, d.gold.get(qs.question_id, [])) for s in spans):
                out[qs.question_id] += 1
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--limit", type=int, default=None, help="first N labelled files only")
    ap.add_argument("--baseline", default=BASELINE, help="git revision of the old analyzer")
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument(
        "--reuse",
        action="store_true",
        help="reuse the last run's parse/chunk/selection (bench/results)",
    )
    ap.add_argument("--show", default=None, help="print the answers to this question id")
    args = ap.parse_args(argv)

    settings = load_settings()
    docs = load_docs(args.limit)
    profile = load_profile("rfp", settings.data_dir)
    qids = [q.id for q in profile.questions]
    labelled = {qid for d in docs for qid in d.answerable} | {qid for d in docs for qid in d.gold}
    missing = labelled - set(qids)
    if missing:
        raise SystemExit(f"label question ids not in the rfp profile: {sorted(missing)}")

    t0 = time.perf_counter()
    cache = RESULTS / "extractive_prep.pkl"
    key = hashlib.sha256("".join(d.name + d.text for d in docs).encode()).hexdigest()
    if args.reuse and cache.is_file():
        saved = pickle.loads(cache.read_bytes())
        if saved["key"] != key:
            raise SystemExit(f"{cache} was made for other files; run without --reuse")
        for d, (chunks, parsed, sel) in zip(docs, saved["docs"], strict=True):
            d.chunks, d.parsed_text, d.selection = chunks, parsed, sel
    else:
        prepare(docs, settings)
        RESULTS.mkdir(parents=True, exist_ok=True)
        cache.write_bytes(
            pickle.dumps(
                {"key": key, "docs": [(d.chunks, d.parsed_text, d.selection) for d in docs]}
            )
        )
    prep_s = time.perf_counter() - t0
    abase._load_builtin()
    runs: list[tuple[str, Result]] = []
    if not args.no_baseline:
        runs.append(
            (f"before ({args.baseline})", evaluate(load_baseline(args.baseline), docs, settings))
        )
    runs.append(("after (working tree)", evaluate(abase._REGISTRY["extractive"], docs, settings)))
    ceil = ceiling(docs)

    n_pos = {q: sum(q in d.answerable for d in docs) for q in qids}
    n_neg = {q: len(docs) - n_pos[q] for q in qids}
    print(
        f"# Extractive analyzer on {len(docs)} labelled RFP files "
        f"(rfp profile, hybrid selection; parse+chunk+select {prep_s:.0f}s)\n"
    )
    head = (
        "| question | n | "
        + " | ".join(f"acc {n}" for n, _ in runs)
        + " | ceiling | "
        + " | ".join(f"false found {n.split()[0]}" for n, _ in runs)
        + " |"
    )
    print(head)
    print("|" + "---|" * (head.count("|") - 1))

    def pct(k: int, n: int) -> str:
        return f"{k}/{n} ({100 * k / n:.0f}%)" if n else "-"

    for q in qids:
        cells = [pct(r.hits[q], n_pos[q]) for _, r in runs]
        ff = [pct(r.false_found[q], n_neg[q]) for _, r in runs]
        print(
            f"| {q} | {n_pos[q]} | "
            + " | ".join(cells)
            + f" | {pct(ceil[q], n_pos[q])} | "
            + " | ".join(ff)
            + " |"
        )
    tot_pos, tot_neg = sum(n_pos.values()), sum(n_neg.values())
    cells = [pct(sum(r.hits.values()), tot_pos) for _, r in runs]
    ff = [pct(sum(r.false_found.values()), tot_neg) for _, r in runs]
    print(
        f"| **all** | {tot_pos} | "
        + " | ".join(cells)
        + f" | {pct(sum(ceil.values()), tot_pos)} | "
        + " | ".join(ff)
        + " |"
    )
    print()
    for n, r in runs:
        print(
            f"{n}: analyzer time {r.seconds:.1f}s for {len(docs)} documents "
            f"({r.seconds / max(1, len(docs)):.2f}s each); quote length median "
            f"{statistics.median(r.quote_chars or [0]):.0f} chars, mean "
            f"{statistics.fmean(r.quote_chars or [0]):.0f}"
        )
    if args.show:
        for d in docs:
            print(f"\n## {d.name} ({'gold' if args.show in d.answerable else 'no gold'})")
            for n, r in runs:
                a = r.answers.get((d.name, args.show))
                if a is None:
                    continue
                span = quote_span(d, a)
                ok = span is not None and overlaps(span, d.gold.get(args.show, []))
                text = a.answer.replace("\n", " ")[:220]
                print(
                    f"- {n.split()[0]} [{'HIT' if ok else 'miss'}] found={a.found} "
                    f"fields={json.dumps(a.fields)[:160]}\n    {text}"
                )


if __name__ == "__main__":
    main()
