"""Benchmark of the compliance matrix (stage 1): requirements of every real solicitation.

    python -m bench.requirements [--root DIR] [--files]

Data: every solicitation folder of ``../shared/data/rfps``, each one package.
Every file of a folder is parsed with ``parsers.parse_file`` (a file type it
does not read is counted as unreadable), then ``extract_requirements`` runs
once on the package. Printed, as Markdown tables:

* per folder: files parsed, files the extractor skipped (README, LICENSE,
  questions and answers), rows, merged duplicates, rows per category, cut rows,
  crashes, and parse and extract seconds. *Cut rows* applies
  ``extractors.requirements.check.cut_reason`` to every row and every merged
  duplicate: it must be 0, and so must crashes;
* with ``--files``: rows per file;
* the hand check (``tests/extractors/data/requirements_handcheck.json``, two
  files listed statement by statement): recall, precision, obligated party and
  category against the hand list.

spaCy's sentencizer is loaded once before the timings (its first load alone
takes seconds) and reported apart.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from pathlib import Path

from docsieve.errors import InputError
from docsieve.requirements import Category, RequirementSet
from docsieve.settings import Settings
from docsieve.types import ParsedDocument

REPO = Path(__file__).resolve().parents[1]
DEFAULT_ROOT = REPO.parent / "shared" / "data" / "rfps"
HANDCHECK = REPO / "tests" / "extractors" / "data" / "requirements_handcheck.json"
CATEGORIES = [c.value for c in Category]
SHORT = {
    "security/insurance": "sec/ins",
    "submission": "subm",
    "technical": "tech",
    "management": "mgmt",
    "pricing": "price",
    "reporting": "report",
    "terms": "terms",
}
COUNTS = ["files", "skipped", "unreadable", "rows", "dups"]


def _parse_folder(folder: Path) -> tuple[list[ParsedDocument], int, float]:
    import parsers

    t = time.perf_counter()
    docs: list[ParsedDocument] = []
    unreadable = 0
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        try:
            docs.append(parsers.parse_file(path, Settings()))
        except InputError:
            unreadable += 1
    return docs, unreadable, time.perf_counter() - t


def _cut_rows(rs: RequirementSet, docs: list[ParsedDocument]) -> list[str]:
    from extractors.requirements import cut_reason

    texts = {d.path: d.text for d in docs}
    out = []
    for r in rs.requirements:
        for loc in (None, *r.duplicates):
            why = cut_reason(texts[(loc or r.location).path], r, loc)
            if why:
                out.append(f"{r.id} {(loc or r.location).file}: {why}")
    return out


def run_folders(root: Path, per_file: bool) -> None:
    from extractors.requirements import extract_requirements

    head = (
        "| folder | files | skipped | unreadable | rows | merged dups | "
        + " | ".join(SHORT[c] for c in CATEGORIES)
        + " | cut | crashes | parse s | extract s |"
    )
    print(head)
    print("|" + "---|" * (head.count("|") - 1))
    totals: Counter[str] = Counter()
    file_rows: list[tuple[str, str, int]] = []
    cut_all: list[str] = []
    t_parse = t_extract = 0.0
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        docs, unreadable, dt_parse = _parse_folder(folder)
        t = time.perf_counter()
        try:
            rs = extract_requirements(docs, root=folder)
        except Exception as exc:  # -- a benchmark counts crashes instead of stopping --
            totals["crashes"] += 1
            print(f"| {folder.name} | {len(docs)} | | {unreadable} | crash: {exc!r} |")
            continue
        dt = time.perf_counter() - t
        cut = _cut_rows(rs, docs)
        cut_all += cut
        cats = rs.count_by("category")
        dups = sum(len(r.duplicates) for r in rs.requirements)
        row = [len(rs.files), len(rs.skipped), unreadable, len(rs.requirements), dups]
        row += [cats.get(c, 0) for c in CATEGORIES] + [len(cut), 0]
        print(f"| {folder.name} | " + " | ".join(map(str, row)) + f" | {dt_parse:.1f} | {dt:.1f} |")
        for key, value in zip(COUNTS, row, strict=False):
            totals[key] += value
        for c in CATEGORIES:
            totals[c] += cats.get(c, 0)
        totals["cut"] += len(cut)
        t_parse += dt_parse
        t_extract += dt
        file_rows += [(folder.name, f, n) for f, n in sorted(rs.count_by("file").items())]
    total = [totals[k] for k in COUNTS]
    total += [totals[c] for c in CATEGORIES] + [totals["cut"], totals["crashes"]]
    print("| **all** | " + " | ".join(map(str, total)) + f" | {t_parse:.1f} | {t_extract:.1f} |")
    for line in cut_all:
        print("cut:", line)
    if per_file:
        print("\n| folder | file | rows |\n|---|---|---|")
        for folder_name, f, n in file_rows:
            print(f"| {folder_name} | {f} | {n} |")


def run_handcheck(root: Path) -> None:
    import parsers
    from extractors.requirements import extract_requirements
    from extractors.requirements.check import score_against

    entries = json.loads(HANDCHECK.read_text(encoding="utf-8"))["files"]
    print("\n| hand-checked file | listed | found | recall | rows | false pos. | precision "
          "| party right | category right |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|")
    for e in entries:
        path = root / e["folder"] / e["file"]
        if not path.exists():
            print(f"| {e['file']} | (missing) |")
            continue
        doc = parsers.parse_file(path, Settings())
        s = score_against(doc.text, extract_requirements([doc]).requirements, e["statements"])
        party = f"{s.judged_party - len(s.wrong_party)}/{s.judged_party}"
        cat = f"{s.judged_category - len(s.wrong_category)}/{s.judged_category}"
        print(
            f"| {e['folder']}/{e['file']} | {s.required} | {s.found} | {s.recall:.3f} | "
            f"{s.rows} | {len(s.false_positives)} | {s.precision:.3f} | {party} | {cat} |"
        )


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", type=Path, default=DEFAULT_ROOT)
    ap.add_argument("--files", action="store_true", help="also print rows per file")
    args = ap.parse_args(argv)
    if not args.root.is_dir():
        raise SystemExit(f"no solicitations under {args.root}")
    from docsieve.text import sentence_spans

    t = time.perf_counter()
    sentence_spans("Warm up. The sentencizer loads once.")
    print(f"spaCy sentencizer load: {time.perf_counter() - t:.1f} s (not in the timings)\n")
    run_folders(args.root, args.files)
    run_handcheck(args.root)


if __name__ == "__main__":
    main()
