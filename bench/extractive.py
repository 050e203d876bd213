"""Benchmark of the offline extractive analyzer: precision when it answers, and coverage.

    python -m bench.extractive [--limit N] [--baseline REV] [--no-baseline] [--reuse]
                               [--show QID]

Data: the 16 labelled RFP files of ``../shared/data/rfps`` (``labels.jsonl``:
for each file and each of the 12 ``rfp`` profile questions, whether the file
answers it and the answering passages as character spans). They are split as
``bench.selection`` splits them (``is_test_half``: ``sha1(file name) % 10 >= 5``
is held out): the analyzer's weights and its abstention threshold were tuned on
the development half only; the held-out half is the measurement.

For each file: ``parsers.parse_file`` -> ``chunkers.chunk_document`` ->
``extractors.select_document`` with the configured scorer (``select.scorer``,
whatever stage 1 ships) -> the extractive analyzer on the request stage 2 would
send. The selection is done once and shared, so the analyzers compare on the
same sections.

Per split and analyzer, over (file, question) pairs:

* precision: of the answers given (``found``), the share whose cited sentence
  overlaps a labelled passage; answering a question the file does not answer
  counts as a wrong answer;
* coverage: the share of answerable pairs answered (right or wrong); recall: the
  share answered right;
* ceiling: the share of answerable pairs where some chunk selected for the question
  overlaps a labelled passage (the best any answerer quoting from the selection can do).

Then the calibration sweep (development half: precision and coverage at each
confidence floor, the shipped one marked), per-question figures, and checks on the
answers given: quotes cut mid-word, quotes that repeat the answer, filled fields.
``--baseline REV`` (default ``a9f370e``, the analyzer before issue 11) runs
``analyzers/extractive.py`` as committed at REV beside the working tree's.
``--reuse`` skips parsing, chunking and selection by reading the last run's,
kept in ``bench/results/extractive_prep.pkl``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import pickle
import subprocess
import sys
import time
import types
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
RESULTS = REPO / "bench" / "results"
# -- the analyzer before issue 11: best sentence, spaCy entities, no abstention --
BASELINE = "a9f370e"
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from analyzers import base as abase  # noqa: E402
from analyzers.extractive import CONFIDENCE_FLOOR  # noqa: E402
from analyzers.prompt import build_request  # noqa: E402
from bench.selection import is_test_half  # noqa: E402
from docsieve.analysis import Answer  # noqa: E402
from docsieve.profiles import load_profile  # noqa: E402
from docsieve.selection import DocumentSelection  # noqa: E402
from docsieve.settings import Settings, load_settings  # noqa: E402
from docsieve.types import Chunk  # noqa: E402

SPLITS = ("dev", "held-out")
SWEEP = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)


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
    # -- the questions for which some selected chunk overlaps a labelled passage --
    reach: set[str] = field(default_factory=set)

    @property
    def split(self) -> str:
        return "held-out" if is_test_half(self.name) else "dev"


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


def cited(ans: Answer) -> tuple[str, str] | None:
    """(chunk id, sentence) of the answer's evidence: the citation's quote, or the answer
    itself when the analyzer answers with the sentence (an extractive answer is verbatim);
    for an abstention, the best candidate's sentence (what the sweep would answer)."""
    if ans.citations:
        c = ans.citations[0]
        return (c.chunk_id, c.quote or (ans.answer if ans.extractive else ""))
    if ans.candidates:
        return (ans.candidates[0].chunk_id, ans.candidates[0].quote)
    return None


def quote_span(doc: Doc, chunk_id: str, quote: str) -> tuple[int, int] | None:
    """The cited sentence's span in the labels' text, found through the cited chunk."""
    chunk = next((c for c in doc.chunks if c.id == chunk_id), None)
    if chunk is None or not quote:
        return None
    i = doc.parsed_text.find(quote, chunk.start)
    if i < 0 or i > chunk.end:
        i = doc.parsed_text.find(quote)
    if i < 0:
        return None
    return (to_gold_offset(doc.parsed_text, i), to_gold_offset(doc.parsed_text, i + len(quote)))


def overlaps(span: tuple[int, int], gold: list[tuple[int, int]]) -> bool:
    return any(span[0] < e and s < span[1] for s, e in gold)


def prepare(docs: list[Doc], settings: Settings) -> None:
    from chunkers import chunk_document
    from extractors import get_scorer, select_document
    from parsers import parse_file

    profile = load_profile("rfp", settings.data_dir)
    # -- whatever stage 1 ships: the scorer and selection the pipeline would use --
    scorer = get_scorer(settings.select.scorer, settings.select)
    for d in docs:
        parsed = parse_file(d.path, settings)
        if parsed.text.replace("\r\n", "\n") != d.text:
            raise SystemExit(f"the parser changed the text of {d.name}: spans would not match")
        d.parsed_text = parsed.text
        _, d.chunks = chunk_document(parsed, settings)
        sha = hashlib.sha256(d.text.encode()).hexdigest()
        d.selection = select_document(sha, d.name, d.chunks, profile, settings, scorer)


def load_baseline(rev: str) -> type[abase.Provider]:
    """The ExtractiveProvider of ``analyzers/extractive.py`` at ``rev``, without replacing
    ours in the registry."""
    src = subprocess.run(
        ["git", "show", f"{rev}:analyzers/extractive.py"],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    saved = dict(abase._REGISTRY)
    mod = types.ModuleType("bench_extractive_baseline")
    mod.__file__ = f"{rev}:analyzers/extractive.py"
    sys.modules[mod.__name__] = mod
    try:
        exec(compile(src, mod.__file__, "exec"), mod.__dict__)
    finally:
        abase._REGISTRY.clear()
        abase._REGISTRY.update(saved)
    cls: type[abase.Provider] = mod.ExtractiveProvider
    return cls


@dataclass
class Pair:
    """One (file, question) as an analyzer answered it."""

    doc: Doc
    qid: str
    answer: Answer
    hit: bool  # -- its (or its best candidate's) sentence overlaps a labelled passage --

    @property
    def answerable(self) -> bool:
        return self.qid in self.doc.answerable


@dataclass
class Run:
    name: str
    pairs: list[Pair]
    seconds: float


def evaluate(name: str, cls: type[abase.Provider], docs: list[Doc], settings: Settings) -> Run:
    profile = load_profile("rfp", settings.data_dir)
    prov = cls(settings, f"spacy:{settings.analyze.spacy_model}")
    pairs: list[Pair] = []
    seconds = 0.0
    for d in docs:
        assert d.selection is not None
        req = build_request(d.selection, profile, model=prov.model, max_tokens=4096)
        t0 = time.perf_counter()
        resp = prov.execute(req)
        seconds += time.perf_counter() - t0
        for a in resp.answers:
            ev = cited(a)
            span = quote_span(d, *ev) if ev else None
            hit = span is not None and overlaps(span, d.gold.get(a.question_id, []))
            pairs.append(Pair(d, a.question_id, a, hit and a.question_id in d.answerable))
    return Run(name, pairs, seconds)


@dataclass
class Score:
    answerable: int = 0
    unanswerable: int = 0
    found: int = 0
    found_answerable: int = 0
    right: int = 0
    false_found: int = 0
    ceiling: int = 0

    @property
    def precision(self) -> float | None:
        return self.right / self.found if self.found else None

    def cells(self) -> list[str]:
        return [
            f"{self.answerable}+{self.unanswerable}",
            _ratio(self.right, self.found),
            _ratio(self.found_answerable, self.answerable),
            _ratio(self.right, self.answerable),
            _ratio(self.false_found, self.unanswerable),
            _ratio(self.ceiling, self.answerable),
        ]


def score(pairs: Iterable[Pair], floor: float | None = None) -> Score:
    """Counts over ``pairs``; ``floor`` re-decides ``found`` from the confidence."""
    s = Score()
    for p in pairs:
        found = p.answer.found
        if floor is not None:
            found = p.answer.confidence is not None and p.answer.confidence >= floor
        if p.answerable:
            s.answerable += 1
            s.found_answerable += found
            s.right += found and p.hit
            s.ceiling += p.qid in p.doc.reach
        else:
            s.unanswerable += 1
            s.false_found += found
        s.found += found
    return s


def ceiling_hits(doc: Doc) -> set[str]:
    """The questions for which some selected chunk overlaps a labelled passage."""
    assert doc.selection is not None
    out = set()
    for qs in doc.selection.questions:
        spans = [
            (to_gold_offset(doc.parsed_text, c.start), to_gold_offset(doc.parsed_text, c.end))
            for c in qs.chunks
        ]
        if any(overlaps(s, doc.gold.get(qs.question_id, [])) for s in spans):
            out.add(qs.question_id)
    return out


def _ratio(k: int, n: int) -> str:
    return f"{k}/{n} ({k / n:.2f})" if n else "-"


def _table(head: list[str], rows: list[list[str]]) -> None:
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for r in rows:
        print("| " + " | ".join(r) + " |")
    print()


def _word_cut(doc: Doc, chunk_id: str, quote: str) -> bool:
    """Whether the quote starts or ends inside a word of its chunk."""
    chunk = next((c for c in doc.chunks if c.id == chunk_id), None)
    if chunk is None or not quote:
        return False
    i = doc.parsed_text.find(quote, chunk.start)
    if i < 0:
        return True
    j = i + len(quote)
    before = doc.parsed_text[i - 1] if i > 0 else " "
    after = doc.parsed_text[j] if j < len(doc.parsed_text) else " "
    return (before.isalnum() and quote[0].isalnum()) or (after.isalnum() and quote[-1].isalnum())


def checks(run: Run) -> list[str]:
    found = [p for p in run.pairs if p.answer.found]
    cut = repeat = 0
    for p in found:
        for c in p.answer.citations:
            cut += _word_cut(p.doc, c.chunk_id, c.quote)
            repeat += bool(c.quote) and c.quote.strip() == p.answer.answer.strip()
    fields = [v for p in found for v in p.answer.fields.values()]
    filled = sum(v is not None for v in fields)
    return [
        run.name,
        str(len(found)),
        str(cut),
        str(repeat),
        _ratio(filled, len(fields)),
        f"{run.seconds / max(1, len({p.doc.name for p in run.pairs})):.2f}",
    ]


def prepare_or_reuse(docs: list[Doc], settings: Settings, reuse: bool) -> float:
    t0 = time.perf_counter()
    cache = RESULTS / "extractive_prep.pkl"
    # -- a changed selector configuration makes the kept selection stale --
    key = hashlib.sha256(
        ("".join(d.name + d.text for d in docs) + settings.select.model_dump_json()).encode()
    ).hexdigest()
    if reuse and cache.is_file():
        saved = pickle.loads(cache.read_bytes())
        if saved["key"] != key:
            raise SystemExit(f"{cache} was made for other files or settings; run without --reuse")
        for d, (chunks, parsed, sel) in zip(docs, saved["docs"], strict=True):
            d.chunks, d.parsed_text, d.selection = chunks, parsed, sel
    else:
        prepare(docs, settings)
        RESULTS.mkdir(parents=True, exist_ok=True)
        data = {"key": key, "docs": [(d.chunks, d.parsed_text, d.selection) for d in docs]}
        cache.write_bytes(pickle.dumps(data))
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--limit", type=int, default=None, help="first N labelled files only")
    ap.add_argument("--baseline", default=BASELINE, help="git revision of the old analyzer")
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument(
        "--reuse", action="store_true", help="reuse the last run's parse/chunk/selection"
    )
    ap.add_argument("--show", default=None, help="print the answers to this question id")
    args = ap.parse_args(argv)

    settings = load_settings()
    docs = load_docs(args.limit)
    qids = [q.id for q in load_profile("rfp", settings.data_dir).questions]
    missing = {q for d in docs for q in d.answerable | d.gold.keys()} - set(qids)
    if missing:
        raise SystemExit(f"label question ids not in the rfp profile: {sorted(missing)}")
    prep_s = prepare_or_reuse(docs, settings, args.reuse)
    for d in docs:
        d.reach = ceiling_hits(d)
    abase._load_builtin()
    runs: list[Run] = []
    if not args.no_baseline:
        base = load_baseline(args.baseline)
        runs.append(evaluate(f"before ({args.baseline})", base, docs, settings))
    runs.append(evaluate("after", abase._REGISTRY["extractive"], docs, settings))
    after = runs[-1]

    n_files = {s: sum(d.split == s for d in docs) for s in SPLITS}
    print(
        f"# Extractive analyzer on {len(docs)} labelled RFP files "
        f"({n_files['dev']} dev, {n_files['held-out']} held out; rfp profile, "
        f"{settings.select.scorer} selection; parse+chunk+select {prep_s:.0f}s)\n"
    )
    print("Pairs are answerable+unanswerable (file, question); 'right' = the cited sentence")
    print("overlaps a labelled passage. Target: precision >= 0.9 on the held-out half.\n")
    head = ["split", "analyzer", "pairs", "precision", "coverage", "recall", "false found"]
    rows = []
    for split in SPLITS:
        for r in runs:
            sc = score(p for p in r.pairs if p.doc.split == split)
            rows.append([split, r.name, *sc.cells()[:5]])
    _table(head, rows)
    ceil = [
        [s, _ratio(sc.ceiling, sc.answerable)]
        for s in SPLITS
        for sc in [score(p for p in after.pairs if p.doc.split == s)]
    ]
    _table(["split", "selection ceiling"], ceil)

    print(f"## Calibration sweep (dev half; shipped floor {CONFIDENCE_FLOOR})\n")
    dev = [p for p in after.pairs if p.doc.split == "dev"]
    sweep = []
    for floor in sorted({*SWEEP, CONFIDENCE_FLOOR}):
        sc = score(dev, floor)
        mark = " (shipped)" if floor == CONFIDENCE_FLOOR else ""
        sweep.append([f"{floor:.2f}{mark}", *sc.cells()[1:5]])
    _table(["confidence floor", "precision", "coverage", "recall", "false found"], sweep)

    print("## Per question (after): precision / coverage\n")
    rows = []
    for q in qids:
        cells = [q]
        for split in SPLITS:
            sc = score(p for p in after.pairs if p.doc.split == split and p.qid == q)
            cells += [_ratio(sc.right, sc.found), _ratio(sc.found_answerable, sc.answerable)]
        rows.append(cells)
    _table(
        ["question", "dev precision", "dev coverage", "held-out precision", "held-out coverage"],
        rows,
    )

    print("## Answers given: quotes and fields\n")
    _table(
        [
            "analyzer",
            "answers",
            "quotes cut mid-word",
            "quotes = answer",
            "fields filled",
            "s/file",
        ],
        [checks(r) for r in runs],
    )
    if args.show:
        show(args.show, docs, runs)


def show(qid: str, docs: list[Doc], runs: list[Run]) -> None:
    for d in docs:
        print(f"\n## {d.name} ({d.split}; {'answerable' if qid in d.answerable else 'no answer'})")
        for r in runs:
            p = next((p for p in r.pairs if p.doc is d and p.qid == qid), None)
            if p is None:
                continue
            a = p.answer
            conf = f" conf={a.confidence:.2f}" if a.confidence is not None else ""
            print(
                f"- {r.name.split()[0]} [{'HIT' if p.hit else 'miss'}] found={a.found}{conf} "
                f"fields={json.dumps(a.fields)[:200]}\n    {a.answer.replace(chr(10), ' ')[:240]}"
            )


if __name__ == "__main__":
    main()
