"""Benchmark of document typing: how often ``parsers.classify`` gives each file its type.

    python -m bench.classify [--limit N] [--no-pdf]

Sets (``../shared/data``) and the type each file should get:

* CUAD: all 208 contracts as PDF (what users hand docsieve) and as text -> ``contract``.
  Development files when ``sha1(text file name) % 10 < 7`` (the split of ``bench.selection``),
  held out otherwise; the rules were tuned on development files only. Target >= 99%.
* ContractNLI: the 61 NDAs (text files) -> ``nda``, also shown in the halves of
  ``bench.calibrate`` (``sha1 % 10 < 5``: development). Target >= 99%.
* RFPs: the 16 labelled solicitation files of ``rfps/labels.jsonl`` -> ``rfp``.
* The other files of the RFP folders (QASPs, NDA forms, clause addenda, amendments,
  READMEs, LICENSEs...) have no label: listed with the type they get, for information.

Each file is parsed once with ``parsers.parse_file`` (which classifies) and classified
twice more, timed: as named, and with its file name hidden (``document.pdf``). CUAD and
ContractNLI file names often name the contract type; most users' files do not, so the
second pass shows what the text alone decides.

Prints, for both passes: per set the files, the accuracy and the predicted types (a
confusion table); every misclassified file with its signals; the unlabelled files with
their types; and the cost of classification per file next to ``parse_file``'s.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bench.selection import SHARED, is_test, is_test_half
from docsieve.errors import InputError
from docsieve.settings import Settings
from docsieve.types import DocType, DocTypeGuess

TYPES = list(DocType)
TARGET = 0.99


@dataclass
class Item:
    path: Path
    group: str  # the row of the tables
    want: DocType | None  # None: unlabelled, for information
    guess: DocTypeGuess | None = None  # as named
    blind: DocTypeGuess | None = None  # file name hidden
    error: str | None = None
    seconds: dict[str, float] = field(default_factory=dict)


def cuad_items(pdf: bool, limit: int | None) -> list[Item]:
    root = SHARED / "cuad"
    # -- a PDF's split follows its text file's name, as in bench.selection (a few differ) --
    txt_of: dict[str, str] = {}
    with open(root / "annotations_spans.jsonl", encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            txt_of[Path(r["pdf"]).name] = Path(r["file"]).name
    items = []
    for path in sorted((root / "contracts_txt").glob("*.txt"))[:limit]:
        split = "held-out" if is_test(path.name) else "dev"
        items.append(Item(path, f"CUAD text, {split}", DocType.CONTRACT))
    if pdf:
        for path in sorted((root / "contracts_pdf").iterdir())[:limit]:
            split = "held-out" if is_test(txt_of.get(path.name, path.name)) else "dev"
            items.append(Item(path, f"CUAD PDF, {split}", DocType.CONTRACT))
    return items


def nda_items(limit: int | None) -> list[Item]:
    paths = sorted((SHARED / "contractnli" / "docs_txt").glob("*.txt"))[:limit]
    return [
        Item(p, f"ContractNLI, {'held-out' if is_test_half(p.name) else 'dev'} half", DocType.NDA)
        for p in paths
    ]


def rfp_items(limit: int | None) -> list[Item]:
    root = SHARED / "rfps"
    with open(root / "labels.jsonl", encoding="utf-8") as fh:
        labelled = {root / r["folder"] / r["file"] for r in map(json.loads, fh)}
    items = [Item(p, "RFP labelled", DocType.RFP) for p in sorted(labelled)[:limit]]
    others = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix != ".jsonl")
    items += [Item(p, "RFP folders, unlabelled", None) for p in others if p not in labelled]
    return items[: None if limit is None else 2 * limit]


def classify_all(items: list[Item], settings: Settings) -> None:
    import parsers
    from parsers.classify import classify

    for it in items:
        t0 = time.perf_counter()
        try:
            doc = parsers.parse_file(it.path, settings)
        except InputError as exc:
            it.error = str(exc)
            continue
        t1 = time.perf_counter()
        it.guess = classify(doc)
        t2 = time.perf_counter()
        it.blind = classify(doc.model_copy(update={"path": str(it.path.with_stem("document"))}))
        it.seconds = {"parse": t1 - t0, "classify": t2 - t1}


def _row(cells: list[str], widths: list[int]) -> str:
    first = cells[0].ljust(widths[0])
    return "  ".join([first, *(c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True))])


def confusion(items: list[Item], blind: bool) -> tuple[list[str], bool]:
    """The table's lines, and whether each wanted type meets the target over all its files."""
    groups: dict[str, list[Item]] = {}
    for it in items:
        groups.setdefault(it.group, []).append(it)
    widths = [28, 5, 7, 9] + [8] * len(TYPES)
    head = ["set", "files", "right", "accuracy", *[t.value for t in TYPES]]
    lines, ok = [_row(head, widths)], True
    wanted: dict[DocType, list[Item]] = {}
    for name, group in sorted(groups.items()):
        if group[0].want is not None:
            wanted.setdefault(group[0].want, []).extend(group)
        lines.append(_line(name, group, blind, widths))
    for want, group in wanted.items():
        lines.append(_line(f"all, want {want.value}", group, blind, widths))
        ok &= _accuracy(group, blind) >= TARGET
    return lines, ok


def _guess(it: Item, blind: bool) -> DocTypeGuess | None:
    return it.blind if blind else it.guess


def _accuracy(group: list[Item], blind: bool) -> float:
    right = sum(1 for it in group if (g := _guess(it, blind)) and g.doc_type == it.want)
    return right / len(group) if group else 0.0


def _line(name: str, group: list[Item], blind: bool, widths: list[int]) -> str:
    counts = Counter(g.doc_type for it in group if (g := _guess(it, blind)))
    failed = sum(1 for it in group if it.error)
    labelled = group[0].want is not None
    right = sum(1 for it in group if (g := _guess(it, blind)) and g.doc_type == it.want)
    cells = [
        name,
        str(len(group)),
        str(right) if labelled else "-",
        f"{_accuracy(group, blind):.1%}" if labelled else "-",
        *[str(counts.get(t, 0)) for t in TYPES],
    ]
    return _row(cells, widths) + (f"  ({failed} failed to parse)" if failed else "")


def misclassified(items: list[Item], blind: bool) -> list[str]:
    out = []
    for it in items:
        g = _guess(it, blind)
        if it.want is None or (g is not None and g.doc_type == it.want):
            continue
        got = g.doc_type.value if g else f"parse error: {it.error}"
        signals = "; ".join(g.signals) if g else ""
        out.append(f"  {it.group}: {it.path.name} -> {got} (want {it.want.value})\n      {signals}")
    return out or ["  none"]


def unlabelled(items: list[Item]) -> list[str]:
    out = []
    for it in items:
        if it.want is not None:
            continue
        rel = it.path.relative_to(SHARED / "rfps")
        if it.guess is None:
            out.append(f"  {'failed':8} {rel}: {it.error}")
            continue
        hidden = (
            ""
            if it.blind and it.blind.doc_type == it.guess.doc_type
            else (f" (name hidden: {it.blind.doc_type.value})" if it.blind else "")
        )
        signals = "; ".join(it.guess.signals[:4])
        out.append(f"  {it.guess.doc_type.value:8} {rel}{hidden}\n      {signals}")
    return out


def cost(items: list[Item]) -> list[str]:
    out = []
    for kind, pdf in (("PDF", True), ("text", False)):
        timed = [
            it.seconds for it in items if it.seconds and (it.path.suffix.lower() == ".pdf") == pdf
        ]
        if not timed:
            continue
        cls = sorted(s["classify"] * 1000 for s in timed)
        parse = sorted(s["parse"] * 1000 for s in timed)
        out.append(
            f"{kind} files ({len(cls)}): classification mean {statistics.mean(cls):.2f} ms, "
            f"p95 {cls[int(0.95 * (len(cls) - 1))]:.2f} ms, max {cls[-1]:.2f} ms; parse_file "
            f"(which classifies once more) mean {statistics.mean(parse):.1f} ms; classification "
            f"is {sum(cls) / sum(parse):.1%} of it"
        )
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--limit", type=int, default=None, help="files per set (smoke runs)")
    ap.add_argument("--no-pdf", action="store_true", help="skip the CUAD PDFs (the slow part)")
    args = ap.parse_args(argv)
    if not (SHARED / "cuad").is_dir():
        print(f"no data at {SHARED}: see ../shared/data/README.md")
        return 2
    items = cuad_items(not args.no_pdf, args.limit) + nda_items(args.limit)
    items += rfp_items(args.limit)
    t0 = time.perf_counter()
    classify_all(items, Settings())
    print(f"{len(items)} files parsed and classified in {time.perf_counter() - t0:.0f} s\n")
    all_ok = True
    for blind, title in ((False, "as named"), (True, "file names hidden")):
        lines, ok = confusion(items, blind)
        all_ok &= ok
        print(f"## Document types, {title} (target >= {TARGET:.0%} for each wanted type)\n")
        print("\n".join(lines))
        print(f"\nMisclassified ({title}):")
        print("\n".join(misclassified(items, blind)) + "\n")
    print("## Unlabelled RFP-folder files (for information)\n")
    print("\n".join(unlabelled(items)) + "\n")
    print("## Cost\n")
    print("\n".join(cost(items)))
    return 0 if all_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
