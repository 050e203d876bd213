"""Chunking benchmark on lawyer-annotated CUAD contracts (issue 3).

    python -m bench.chunking [--limit N] [--unstructured-limit M] [--max-tokens T]

For each CUAD PDF (the real input): raw PyMuPDF extraction, ``parse_file``, and
``chunk_document`` are timed. Gold spans are the ``exact_unique`` clauses of
``annotations_spans.jsonl`` (``text_file[start:end]``); they are located in
chunk text after reducing both to lowercase letters and digits. Spans that
cannot be found in the PDF's raw text at all are left out (and counted).

Metrics per method: clause integrity (share of gold spans wholly inside one
chunk), overhead (tokens of the smallest run of consecutive chunks holding the
span / the span's tokens: median and quartiles), mean chunk tokens, chunks over
the maximum, and chunks holding a running header/footer line. For docsieve's
chunks also: boundaries inside a sentence (spaCy), and speed.

Baselines in the same run: 300-token windows over PyMuPDF page text,
LangChain's RecursiveCharacterTextSplitter (1000 characters) over the same
text, and unstructured's ``chunk_by_title`` over ``partition_pdf(strategy=
"fast")`` on the first M documents (it is slow; the subset is printed).

unstructured's PDF path imports ``unstructured-inference``, whose declared
dependencies would replace the pinned torch. Install it and the few modules it
imports on the ``fast`` path beside the environment, without dependencies:

    pip install pdfminer.six pi-heif
    pip install --no-deps --target /tmp/uinf unstructured-inference \
        opencv-python-headless pandas onnx ml_dtypes matplotlib contourpy cycler \
        fonttools kiwisolver pyparsing

Without them the unstructured row is skipped and the failures are listed.
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import statistics
import sys
import time
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
CUAD = REPO.parent / "shared" / "data" / "cuad"
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def norm(s: str) -> str:
    """Lowercase letters and digits only: line breaks, hyphens and quotes do not matter."""
    return _NON_ALNUM.sub("", unicodedata.normalize("NFKC", s).lower())


@dataclass
class Scores:
    name: str
    docs: int = 0
    chunks: int = 0
    tokens: list[int] = field(default_factory=list)
    intact: int = 0
    gold: int = 0
    overhead: list[float] = field(default_factory=list)
    over_max: int = 0
    running: int = 0

    def row(self) -> list[str]:
        q = statistics.quantiles(self.overhead, n=4) if len(self.overhead) > 1 else [0, 0, 0]
        integ = self.intact / self.gold if self.gold else 0.0
        mean = statistics.fmean(self.tokens) if self.tokens else 0.0
        return [self.name, str(self.docs), str(self.chunks), f"{mean:.0f}", f"{integ:.3f}",
                f"{statistics.median(self.overhead) if self.overhead else 0:.2f}",
                f"{q[0]:.2f}-{q[2]:.2f}", str(self.over_max), str(self.running)]


def load_gold() -> dict[str, list[str]]:
    """PDF file name -> gold span texts (``exact_unique`` clauses)."""
    gold: dict[str, list[str]] = defaultdict(list)
    texts: dict[str, str] = {}
    with open(CUAD / "annotations_spans.jsonl", encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            if not rec.get("has_clause"):
                continue
            for cl in rec["clauses"]:
                if cl.get("match") != "exact_unique":
                    continue
                if rec["file"] not in texts:
                    texts[rec["file"]] = (CUAD / rec["file"]).read_text(encoding="utf-8")
                for s, e in cl["spans"]:
                    gold[Path(rec["pdf"]).name].append(texts[rec["file"]][s:e])
    return gold


def score(sc: Scores, chunk_texts: list[str], chunk_tokens: list[int], golds: list[str],
          gold_tokens: list[int], max_tokens: int | None, running: set[str]) -> None:
    """Add one document's chunks to ``sc``."""
    sc.docs += 1
    sc.chunks += len(chunk_texts)
    sc.tokens.extend(chunk_tokens)
    if max_tokens is not None:
        sc.over_max += sum(n > max_tokens for n in chunk_tokens)
    if running:
        for t in chunk_texts:
            if any(norm(line) in running for line in t.splitlines() if line.strip()):
                sc.running += 1
    normed = [norm(t) for t in chunk_texts]
    bounds: list[int] = []
    pos = 0
    for t in normed:
        pos += len(t)
        bounds.append(pos)
    concat = "".join(normed)
    import bisect

    for g, gt in zip(golds, gold_tokens, strict=True):
        sc.gold += 1
        if any(g in t for t in normed):
            sc.intact += 1
        best: int | None = None
        start = concat.find(g)
        tries = 0
        while start >= 0 and tries < 8:
            i = bisect.bisect_right(bounds, start)
            j = bisect.bisect_left(bounds, start + len(g))
            run = sum(chunk_tokens[i:j + 1])
            best = run if best is None else min(best, run)
            start = concat.find(g, start + 1)
            tries += 1
        if best is not None and gt:
            sc.overhead.append(best / gt)
        elif gt:
            # -- the span's text is not in the chunks (dropped or mangled): the whole doc --
            sc.overhead.append(sum(chunk_tokens) / gt)


def running_lines(page_texts: list[str]) -> set[str]:
    """Normalised lines that open or close at least half the pages (3 or more): running text."""
    if len(page_texts) < 3:
        return set()
    counts: dict[str, int] = defaultdict(int)
    for t in page_texts:
        lines = [ln for ln in t.splitlines() if ln.strip()]
        keys = {re.sub(r"\d+", "", norm(ln)) for ln in lines[:2] + lines[-2:]}
        for k in keys:
            if len(k) >= 8:
                counts[k] += 1
    need = max(3, len(page_texts) // 2)
    return {k for k, n in counts.items() if n >= need}


def sentence_violations(text: str, chunks: list[Any], max_tokens: int) -> tuple[int, int, int]:
    """Boundaries not at a spaCy sentence start: (strict, outside structural breaks, checked).

    spaCy's sentencizer runs on a window around each boundary, with the dropped
    text between the two chunks (a running footer at a page break) blanked. A
    structural break is a blank line (paragraph break), or a line break after a
    heading-like line (no final punctuation), a lead-in (':', ';', 'and') or
    before a clause marker. A boundary inside a sentence longer than
    ``max_tokens`` is allowed by the rules and not counted.
    """
    from chunkers.sentences import _nlp
    from docsieve.tokens import count_tokens

    nlp = _nlp()
    strict = loose = checked = 0

    def window_at(a: Any, b: Any, reach: int) -> tuple[str, int]:
        lo, hi = max(0, a.end - reach), min(len(text), b.start + reach)
        gap = "".join(c if c.isspace() else " " for c in text[a.end:b.start])
        return text[lo:a.end] + gap + text[b.start:hi], b.start - lo

    for a, b in itertools.pairwise(chunks):
        if b.start < a.end:
            continue  # -- table parts with a repeated header overlap nothing; skip --
        checked += 1
        window, target = window_at(a, b, 600)
        doc = nlp(window)
        if any(not window[min(s.start_char, target):max(s.start_char, target)].strip()
               for s in doc.sents):
            continue
        # -- is this one sentence over the maximum? look wider to see all of it --
        window, target = window_at(a, b, 4000)
        sent = next((s for s in nlp(window).sents if s.start_char <= target < s.end_char), None)
        if sent is not None and count_tokens(sent.text) > max_tokens:
            continue
        strict += 1
        before = text[max(0, a.end - 600):a.end].rstrip().rsplit("\n", 1)[-1].strip()
        after = text[b.start:b.start + 40]
        gap = text[a.end:b.start]
        structural = "\n" in gap and (
            (re.search(r"\n[ \t]*\n", gap) is not None and not before.endswith(","))
            or (len(before.split()) <= 14 and not re.search(r"[.!?,;]$", before))
            or re.match(r"\(?[a-zA-Z0-9]{1,4}[.)]\s|\d+(\.\d+)+\s|[•\-*]\s", after) is not None
            or re.search(r"[:;]$|\b(and|or)$", before) is not None)
        if not structural:
            loose += 1
    return strict, loose, checked


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=None, help="first N PDFs (sorted by name)")
    ap.add_argument("--unstructured-limit", type=int, default=25,
                    help="PDFs for the unstructured baseline (slow); 0 to skip")
    ap.add_argument("--max-tokens", type=int, default=None)
    ap.add_argument("--min-tokens", type=int, default=None)
    ap.add_argument("--no-sentence-check", action="store_true")
    ap.add_argument("--unstructured-path", default="/tmp/uinf",
                    help="folder holding unstructured-inference and its light dependencies, "
                         "installed with pip --no-deps --target (see the module docstring)")
    args = ap.parse_args(argv)

    import pymupdf

    if args.unstructured_limit and Path(args.unstructured_path).is_dir():
        sys.path.insert(0, args.unstructured_path)

    from chunkers import chunk_document
    from docsieve.settings import load_settings
    from docsieve.tokens import count_many, count_tokens, get_encoding
    from parsers import parse_file

    overrides: dict[str, Any] = {}
    if args.max_tokens:
        overrides["max_tokens"] = args.max_tokens
    if args.min_tokens is not None:
        overrides["min_tokens"] = args.min_tokens
    settings = load_settings(chunk=overrides) if overrides else load_settings()
    max_tokens = settings.chunk.max_tokens
    enc = get_encoding(settings.encoding)

    pdfs = sorted((CUAD / "contracts_pdf").iterdir(), key=lambda p: p.name)
    if args.limit:
        pdfs = pdfs[:args.limit]
    gold = load_gold()

    from langchain_text_splitters import RecursiveCharacterTextSplitter

    recursive = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=0)
    ours = Scores("docsieve (by type)")
    ours_sub = Scores("docsieve, unstructured subset")
    fixed = Scores("fixed 300-token windows")
    rec = Scores("recursive 1000 chars")
    uns = Scores("unstructured chunk_by_title")
    t_raw = t_parse = t_chunk = 0.0
    pages = 0
    unlocated = 0
    sent_strict = sent_loose = sent_checked = 0
    hf_inside = 0
    by_chunker: dict[str, int] = defaultdict(int)
    failures: list[str] = []
    t_uns = 0.0
    uns_pages = 0

    for n, pdf in enumerate(pdfs):
        t0 = time.perf_counter()
        with pymupdf.open(pdf) as d:
            page_texts = [p.get_text() for p in d]
        t_raw += time.perf_counter() - t0
        raw = "\n".join(page_texts)
        raw_norm = norm(raw)
        golds_all = gold.get(pdf.name, [])
        golds = []
        for g in golds_all:
            ng = norm(g)
            if ng and ng in raw_norm:
                golds.append((ng, g))
            else:
                unlocated += 1
        gnorm = [g for g, _ in golds]
        gtok = count_many([g for _, g in golds]) if golds else []
        running = running_lines(page_texts)
        try:
            t0 = time.perf_counter()
            doc = parse_file(pdf, settings)
            t_parse += time.perf_counter() - t0
            t0 = time.perf_counter()
            name, chunks = chunk_document(doc, settings)
            t_chunk += time.perf_counter() - t0
        except Exception as exc:  # -- one bad file never stops the benchmark --
            failures.append(f"{pdf.name}: {type(exc).__name__}: {exc}")
            continue
        pages += doc.pages
        by_chunker[name] += 1
        score(ours, [c.text for c in chunks], [c.tokens for c in chunks], gnorm, gtok,
              max_tokens, running)
        dropped = [doc.text[e.start:e.end] for e in doc.elements
                   if e.kind in ("header", "footer", "page_number") and len(e.text) > 6]
        for c in chunks:
            for dtext in dropped:
                if dtext.strip() and dtext in c.text:
                    hf_inside += 1
                    break
        if not args.no_sentence_check:
            s1, s2, s3 = sentence_violations(doc.text, chunks, max_tokens)
            sent_strict += s1
            sent_loose += s2
            sent_checked += s3

        toks = enc.encode_ordinary(raw)
        wins = [enc.decode(toks[i:i + 300]) for i in range(0, len(toks), 300)]
        score(fixed, wins, [len(toks[i:i + 300]) for i in range(0, len(toks), 300)], gnorm,
              gtok, None, running)
        parts = recursive.split_text(raw)
        score(rec, parts, count_many(parts), gnorm, gtok, None, running)

        if n < args.unstructured_limit:
            try:
                from parsers.unstructured_parser import _offline_unstructured

                _offline_unstructured()
                from unstructured.chunking.title import chunk_by_title
                from unstructured.partition.pdf import partition_pdf

                t0 = time.perf_counter()
                els = partition_pdf(filename=str(pdf), strategy="fast")
                uchunks = chunk_by_title(els, max_characters=2000, combine_text_under_n_chars=500)
                t_uns += time.perf_counter() - t0
                uns_pages += doc.pages
                utexts = [c.text for c in uchunks]
                score(uns, utexts, count_many(utexts), gnorm, gtok, None, running)
                score(ours_sub, [c.text for c in chunks], [c.tokens for c in chunks], gnorm,
                      gtok, max_tokens, running)
            except Exception as exc:
                failures.append(f"{pdf.name} (unstructured): {type(exc).__name__}: {exc}")
        print(f"\r{n + 1}/{len(pdfs)} {pdf.name[:60]:<60}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)

    head = ["method", "docs", "chunks", "mean tok", "integrity", "overhead med",
            "overhead q1-q3", ">max", "running-line chunks"]
    rows = [head, ours.row(), fixed.row(), rec.row()]
    if uns.docs:
        rows += [uns.row(), ours_sub.row()]
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    print(f"\nCUAD chunking benchmark: {len(pdfs)} PDFs, {pages} pages, "
          f"{ours.gold} gold spans located ({unlocated} exact_unique spans not found in the "
          f"PDF text, left out); max_tokens={max_tokens}, min_tokens={settings.chunk.min_tokens}")
    print("chunkers used: " + ", ".join(f"{k}={v}" for k, v in sorted(by_chunker.items())))
    for i, r in enumerate(rows):
        print(" | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)))
        if i == 0:
            print("-+-".join("-" * w for w in widths))
    if not args.no_sentence_check:
        print(f"\nboundaries between chunks checked: {sent_checked}; not at a spaCy sentence "
              f"start (one sentence over the maximum excepted): {sent_strict}; of those not at "
              f"a paragraph break, heading line or list item: {sent_loose}")
    print(f"chunks holding a dropped header/footer element's text: {hf_inside}")
    print("\nspeed (pages/s):")
    chunk_pct = 100 * t_chunk / t_parse if t_parse else 0
    print(f"  raw PyMuPDF get_text : {pages / t_raw:8.1f}" if t_raw else "")
    print(f"  parse_file           : {pages / t_parse:8.1f}" if t_parse else "")
    print(f"  parse + chunk        : {pages / (t_parse + t_chunk):8.1f}"
          if t_parse + t_chunk else "")
    print(f"  chunking alone       : {pages / t_chunk:8.1f}" if t_chunk else "")
    print(f"  chunking overhead    : {chunk_pct:7.1f}% of parse time (target <= 50%)")
    if uns_pages:
        print(f"  unstructured fast + chunk_by_title: {uns_pages / t_uns:8.1f} "
              f"({uns.docs} docs)")
    if failures:
        print(f"\n{len(failures)} failures:")
        for f in failures[:20]:
            print("  " + f)
    del count_tokens
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
