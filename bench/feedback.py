"""Does learning from stage 2 help? Recall before and after ``docsieve train --from-runs``.

    python -m bench.feedback [--train-files 12] [--eval-files 8] [--steps 80] [--budget 0.15]

On CUAD development files (``sha1(file name) % 10 < 7``; the held-out files of
``bench.selection`` are never read), split into two halves by ``sha1(file name) % 2``:

1. **Simulated runs** on the first half (``--train-files``): each file goes through
   the product's stages (``flows.stages``: ingest, chunk, select with the model in
   use) and stage 2 is a provider (``gold``) that answers every question by citing
   the sections it was sent that hold the lawyers' spans, quoting them; it goes
   through the real ``Analyzer`` (fallback chain, answer validation, call log,
   stored analyses), so the database holds what a run with an API model holds.
2. **Training** through ``flows.train.train_selector`` with ``from_runs`` on that run:
   the code behind ``docsieve train --from-runs`` (mining, pairs, fine-tuning).
3. **Evaluation** on the other half (``--eval-files``): the selector with the base
   model, then with the trained one, same settings, with its default policy and with
   each document's budget set to ``--budget`` of its tokens (a new model moves the
   score scale, so the default policy may send more or less); evidence recall (gold
   characters inside the text selected for the document, micro-averaged), token
   fraction (selected / document tokens), and questions whose evidence exists that got
   nothing selected.

The questions are a plain profile (``--categories``; default the 15 CUAD categories
behind the shipped contract profile): "What does the contract say about X?" and the
category's CUAD description, no hints. The sizes and steps are chosen so that the
defaults finish within about 20 minutes on 2 busy cores; the last run's times are printed.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

from analyzers.base import Provider, register  # noqa: E402
from docsieve.analysis import AnalysisRequest, ProviderResponse, Usage  # noqa: E402
from docsieve.profiles import Profile, Question  # noqa: E402
from docsieve.settings import Settings, load_settings  # noqa: E402

CATEGORIES = [
    "Expiration Date",
    "Renewal Term",
    "Notice Period To Terminate Renewal",
    "Termination For Convenience",
    "Cap On Liability",
    "Uncapped Liability",
    "Insurance",
    "Anti-Assignment",
    "Change Of Control",
    "Exclusivity",
    "Non-Compete",
    "Ip Ownership Assignment",
    "License Grant",
    "Governing Law",
    "Audit Rights",
]
Spans = list[tuple[int, int]]


@dataclass
class Doc:
    name: str
    path: Path
    gold: dict[str, Spans] = field(default_factory=dict)  # -- question id -> spans --


def bucket(name: str, mod: int) -> int:
    return int(hashlib.sha1(Path(name).name.encode()).hexdigest(), 16) % mod


def qid(category: str) -> str:
    return category.lower().replace(" ", "_").replace("-", "_")


def plain_profile(categories: list[str]) -> Profile:
    desc: dict[str, str] = {}
    with open(SHARED / "cuad" / "category_descriptions.csv", encoding="utf-8-sig") as fh:
        for row in csv.reader(fh):
            if row and row[0].startswith("Category: "):
                desc[row[0][len("Category: ") :].strip().lower()] = row[1][len("Description: ") :]
    qs = [
        Question(
            id=qid(c),
            question=f"What does the contract say about {c.lower()}?",
            description=desc.get(c.lower(), "").strip(),
        )
        for c in categories
    ]
    return Profile(name="cuad-plain", doc_type="contract", questions=qs)


def load_docs(categories: list[str]) -> tuple[list[Doc], list[Doc]]:
    """CUAD development files with gold for ``categories``: (first half, second half)."""
    wanted = {c.lower(): qid(c) for c in categories}
    docs: dict[str, Doc] = {}
    for line in (SHARED / "cuad" / "annotations_spans.jsonl").read_text("utf-8").splitlines():
        r = json.loads(line)
        if bucket(r["file"], 10) >= 7:  # -- held out by bench.selection: never read here --
            continue
        d = docs.setdefault(r["file"], Doc(r["file"], SHARED / "cuad" / r["file"]))
        key = wanted.get(r["category"].lower())
        if key and r["has_clause"]:
            spans = [(s[0], s[1]) for c in r["clauses"] for s in c.get("spans", [])]
            d.gold.setdefault(key, []).extend(spans)
    with_gold = sorted((d for d in docs.values() if d.gold), key=lambda d: d.name)
    return (
        [d for d in with_gold if bucket(d.name, 2) == 0],
        [d for d in with_gold if bucket(d.name, 2) == 1],
    )


def raw_offsets(parsed: str) -> list[int]:
    """Offsets of the parsed text for each universal-newline offset (CUAD's spans)."""
    out = []
    for i, ch in enumerate(parsed):
        if ch == "\r" and parsed[i + 1 : i + 2] == "\n":
            continue
        out.append(i)
    out.append(len(parsed))
    return out


@register
class GoldStage2(Provider):
    """A simulated stage 2 that cites, per question, the sections holding gold evidence."""

    name = "gold"
    offline = True
    # -- chunk id -> question id -> passages of gold evidence inside that chunk --
    evidence: ClassVar[dict[str, dict[str, list[str]]]] = {}

    def execute(self, request: AnalysisRequest) -> ProviderResponse:
        from analyzers.prompt import local_token_count, validate_answers

        answers: dict[str, Any] = {}
        for q in request.questions:
            cites = []
            for sec in request.sections:
                quote = next(
                    (p for p in self.evidence.get(sec.chunk_id, {}).get(q.id, []) if p in sec.text),
                    None,
                )
                if quote is not None:
                    cites.append({"chunk_id": sec.chunk_id, "quote": quote})
            answers[q.id] = {
                "found": bool(cites),
                "answer": "(the cited clauses)" if cites else "",
                "fields": {f.name: None for f in q.fields},
                "citations": cites,
            }
        parsed = validate_answers({"answers": answers}, request, provider=self.name)
        n = local_token_count(request, self.settings.encoding)
        return ProviderResponse(
            provider=self.name,
            model=self.model,
            answers=parsed,
            usage=Usage(input_tokens=n, output_tokens=0),
            raw_response={"answers": answers},
        )


def note_evidence(chunks: list[Any], text: str, doc: Doc) -> None:
    """What the simulated stage 2 may quote from each chunk: gold inside it, whole and by
    sentence unit (trimming may keep only some of a long passage)."""
    from extractors.feedback import units_of

    for c in chunks:
        for q, spans in doc.gold.items():
            for a, b in spans:
                s, e = max(a, c.start), min(b, c.end)
                if e - s < 20:
                    continue
                piece = text[s:e]
                parts = [piece] + [piece[x:y] for x, y in units_of(piece)]
                bucket_ = GoldStage2.evidence.setdefault(c.id, {}).setdefault(q, [])
                bucket_ += [p.strip() for p in parts if len(p.strip()) >= 20]


def simulate_runs(db: Any, settings: Settings, profile: Profile, docs: list[Doc]) -> int:
    """One run over ``docs``: the product's stages, stage 2 answered by ``gold``."""
    from analyzers.api import Analyzer
    from flows import resources, stages
    from storage import repo
    from storage.calls_repo import CallStore

    with db.session() as s:
        run = repo.start_run(s, "run", root="bench.feedback", settings_json=settings.masked())
        run_id = run.id or 0
    scorer = resources.scorer(settings)
    with Analyzer(settings, CallStore(db), specs=["gold:oracle"]) as analyzer:
        for d in docs:
            res = stages.ingest_file(db, settings, run_id, d.path)
            if res.document_id is None:
                continue
            with db.session() as s:
                parsed = repo.load_parsed(s, res.document_id)
            gold = to_parsed(d, parsed.text)
            if gold is None:
                continue
            chunked = stages.chunk_stage(db, settings, res.document_id, parsed)
            note_evidence(chunked.chunks, parsed.text, gold)
            sel, _ = stages.select_stage(
                db, settings, run_id, res.document_id, parsed, chunked.chunks, profile,
                scorer=scorer,
            )  # fmt: skip
            analyzer.analyze(sel, profile, run_id=run_id, document_id=res.document_id)
    return run_id


def to_parsed(d: Doc, parsed: str) -> Doc | None:
    """``d`` with its gold spans moved onto the parsed text's offsets (CRLF files)."""
    raw = d.path.read_text(encoding="utf-8")
    if parsed.replace("\r\n", "\n") != raw:
        print(f"  skipped {d.name}: the parser changed its text")
        return None
    if "\r\n" not in parsed:
        return d
    m = raw_offsets(parsed)
    return Doc(d.name, d.path, {q: [(m[a], m[b]) for a, b in sp] for q, sp in d.gold.items()})


@dataclass
class Tally:
    gold: int = 0
    hit: int = 0
    selected: int = 0
    tokens: int = 0
    empty: int = 0  # -- questions with gold in the document and nothing selected --
    questions: int = 0

    @property
    def recall(self) -> float:
        return self.hit / self.gold if self.gold else 1.0

    @property
    def fraction(self) -> float:
        return self.selected / self.tokens if self.tokens else 0.0


def evaluate(
    db: Any,
    settings: Settings,
    profile: Profile,
    docs: list[Doc],
    scorer: Any,
    budget_fraction: float | None = None,
) -> Tally:
    """The selector of ``settings`` on ``docs`` (a fresh select run); recall and fraction.
    ``budget_fraction``: each document's budget is that fraction of its tokens."""
    from flows import stages
    from storage import repo

    t = Tally()
    with db.session() as s:
        run_id = repo.start_run(s, "select", root="bench.feedback").id or 0
    for d in docs:
        res = stages.ingest_file(db, settings, run_id, d.path)
        if res.document_id is None:
            continue
        with db.session() as s:
            parsed = repo.load_parsed(s, res.document_id)
        gold = to_parsed(d, parsed.text)
        if gold is None:
            continue
        chunks = stages.chunk_stage(db, settings, res.document_id, parsed).chunks
        budget = int(budget_fraction * (res.tokens or 0)) if budget_fraction else None
        sel, _ = stages.select_stage(
            db,
            settings,
            run_id,
            res.document_id,
            parsed,
            chunks,
            profile,
            scorer=scorer,
            budget_tokens=budget,
        )
        kept = [
            sp
            for c in sel.union_chunks()
            for sp in (getattr(c, "spans", None) or [(c.start, c.end)])
        ]
        mask = bytearray(len(parsed.text) + 1)
        for a, b in kept:
            mask[a:b] = b"\x01" * (b - a)
        for q in sel.questions:
            spans = gold.gold.get(q.question_id, [])
            if not spans:
                continue
            t.questions += 1
            t.empty += not q.chunks
            covered: set[int] = set()
            for a, b in spans:
                covered.update(range(a, b))
            t.gold += len(covered)
            t.hit += sum(mask[i] for i in covered)
        t.selected += sel.selected_tokens
        t.tokens += sel.document_tokens
    return t


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--train-files", type=int, default=12)
    ap.add_argument("--eval-files", type=int, default=8)
    ap.add_argument("--steps", type=int, default=80)
    ap.add_argument(
        "--budget", type=float, default=0.15, help="second policy: this fraction per document"
    )
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--categories", default=",".join(CATEGORIES))
    ap.add_argument("--work", type=Path, default=None, help="keep the database and model here")
    args = ap.parse_args(argv)

    from flows.train import TrainPlan, current_model, train_selector
    from storage.db import open_database

    cats = [c.strip() for c in args.categories.split(",") if c.strip()]
    profile = plain_profile(cats)
    first, second = load_docs(cats)
    train_docs, eval_docs = first[: args.train_files], second[: args.eval_files]
    work = args.work or Path(tempfile.mkdtemp(prefix="docsieve-feedback-"))
    work.mkdir(parents=True, exist_ok=True)
    settings = load_settings(
        home=work / "home",
        database_url=f"sqlite:///{(work / 'bench.db').as_posix()}",
        anthropic_api_key=None,
        openai_api_key=None,
    )
    db = open_database(settings.db_url)
    base = current_model(settings)
    print(f"base model {base}; {len(train_docs)} files for runs, {len(eval_docs)} held out")

    t0 = time.time()
    run_id = simulate_runs(db, settings, profile, train_docs)
    t_runs = time.time() - t0
    print(f"simulated run {run_id}: {t_runs:.0f} s")

    t0 = time.time()
    plan = TrainPlan(
        out_dir=work / "model",
        base=base,
        from_runs=True,
        run_ids=[run_id],
        options={"seed": args.seed, "steps": args.steps, "batch_size": args.batch_size},
    )
    summary = train_selector(plan, settings, progress=lambda *_: None)
    t_train = time.time() - t0
    print(
        f"trained {summary.run_pairs} pairs from {summary.runs_questions} cited questions, "
        f"{summary.steps} steps: {t_train:.0f} s, final loss {summary.final_loss:.3f}"
    )

    from extractors import get_scorer
    from storage.selection_repo import SqlEmbeddingCache

    rows = []
    for label, model in (("base", base), ("trained", str(summary.out_dir))):
        s2 = settings.model_copy(
            update={"select": settings.select.model_copy(update={"embedding_model": model})}
        )
        scorer = get_scorer(s2.select.scorer, s2.select, embedding_cache=SqlEmbeddingCache(db))
        for policy, frac in (("default", None), (f"budget {args.budget}", args.budget)):
            t0 = time.time()
            t = evaluate(db, s2, profile, eval_docs, scorer, frac)
            rows.append((label, policy, t, time.time() - t0))
    print(
        f"\nCUAD development files, second half ({len(eval_docs)} files, "
        f"{rows[0][2].questions} questions with evidence); plain profile of {len(cats)} "
        f"categories; trained on run {run_id} over {len(train_docs)} files of the first half\n"
    )
    print("| model | selection | evidence recall | token fraction | nothing selected | eval s |")
    print("|---|---|---|---|---|---|")
    for label, policy, t, sec in sorted(rows, key=lambda r: (r[1], r[0])):
        print(
            f"| {label} | {policy} | {t.recall:.3f} | {t.fraction:.3f} "
            f"| {t.empty}/{t.questions} | {sec:.0f} |"
        )
    print(
        f"\nseed {args.seed}, {args.steps} steps x {args.batch_size} pairs; "
        f"runs {t_runs:.0f} s, training {t_train:.0f} s; work folder {work}"
    )
    db.dispose()


if __name__ == "__main__":
    main()
