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
chunks also: boundaries inside a sentence ("mid-sentence cuts", the rule is
:func:`classify_boundary`; a second table counts every boundary by class), and
speed.

A last table checks the rfp chunker on the labelled RFP passages of
``../shared/data/rfps/labels.jsonl`` (offsets into the Markdown files, which
``doc.text`` reproduces): integrity and overhead, compared by span.

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
RFPS = REPO.parent / "shared" / "data" / "rfps"
_MD_MARKS = re.compile(r"^[\s#>]+")
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
    mid_sentence: int | None = None  # -- boundaries inside a sentence; checked for docsieve --

    def row(self) -> list[str]:
        q = statistics.quantiles(self.overhead, n=4) if len(self.overhead) > 1 else [0, 0, 0]
        integ = self.intact / self.gold if self.gold else 0.0
        mean = statistics.fmean(self.tokens) if self.tokens else 0.0
        return [
            self.name,
            str(self.docs),
            str(self.chunks),
            f"{mean:.0f}",
            f"{integ:.3f}",
            f"{statistics.median(self.overhead) if self.overhead else 0:.2f}",
            f"{q[0]:.2f}-{q[2]:.2f}",
            str(self.over_max),
            str(self.running),
            "n/a" if self.mid_sentence is None else str(self.mid_sentence),
        ]


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


def score(
    sc: Scores,
    chunk_texts: list[str],
    chunk_tokens: list[int],
    golds: list[str],
    gold_tokens: list[int],
    max_tokens: int | None,
    running: set[str],
) -> None:
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
            run = sum(chunk_tokens[i : j + 1])
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


# -- the sentence check's rule, stated once ------------------------------------------------
# -- text that stops inside a sentence: a word, a comma (before closing quotes too), an open
#    bracket, '§' or '&' (not '_': a form's blank line ends a field) --
_OPEN_BEFORE = re.compile(r"""(?:[^\W_]|[,(\[§&]|,["'\u201d\u2019]+)\s*$""")
# -- a period that spaCy's tokenizer keeps inside an abbreviation ("C.F.R.", "No."): a cut
#    after it is mid-sentence when the text goes on with a number, '§' or a lower-case word --
_ABBREV_BEFORE = re.compile(r"(?:\b(?:[A-Z]\.){2,}|\b(?:No|Nos|Sec|Art|Para|Code|Stat|Reg)\.)\s*$")
_GOES_ON = re.compile(r"\s*(?:§|\d|[a-z])")
_MARKER_AFTER = re.compile(
    r"\s*(?:\(?[a-zA-Z0-9]{1,4}[.)]\s|\d{1,3}(?:\.\d{1,3})*\.?\s+[A-Z(“\"]|"
    r"[•●○▪\-*\u2013]\s|(?:article|section|exhibit|schedule|annex|"
    r"appendix|attachment)\s+\w)",
    re.IGNORECASE,
)
CUT_CLASSES = [
    "spaCy start",
    "sentence > max",
    "table row",
    "closed",
    "list item",
    "heading line",
    "mid-sentence",
]


def classify_boundary(
    text: str, a: Any, b: Any, nlp: Any, max_tokens: int, row_edges: set[int]
) -> str:
    """Why the boundary between chunks ``a`` and ``b`` is (or is not) inside a sentence.

    In order, the first that holds:

    - ``spaCy start``: spaCy's sentencizer starts a sentence there (it runs on a
      window around the boundary, with the dropped text between the two chunks,
      a running footer at a page break, blanked);
    - ``sentence > max``: the boundary lies inside one sentence longer than
      ``max_tokens``, the only cut the rules allow;
    - ``table row``: the boundary is at a table's edge or between its rows (rows
      are units, not sentences);
    - ``closed``: the text before ends with sentence-final or list punctuation
      (``. ! ? : ;``, also where spaCy folds the period into an abbreviation
      token such as "Inc.", unless "C.F.R."-like or "No." is followed by a
      number, '§' or a lower-case word) or with a non-text symbol (a form's
      ``____`` or ``|``, a bullet, '%');
    - ``list item``: the text after opens with a list or clause marker
      ("(b)", "3.02.", "8 ASSIGNMENT", a bullet, "Section 4");
    - ``heading line``: the text before ends with a word (not a comma) at a
      line break, and its last line, or the first line after, is heading-like:
      at most 14 (12) words and no final punctuation;
    - else ``mid-sentence``: a true violation of "no boundary inside a sentence".
    """
    from docsieve.tokens import count_tokens

    def window_at(reach: int) -> tuple[str, int]:
        lo, hi = max(0, a.end - reach), min(len(text), b.start + reach)
        gap = "".join(c if c.isspace() else " " for c in text[a.end : b.start])
        return text[lo : a.end] + gap + text[b.start : hi], b.start - lo

    window, target = window_at(600)
    if any(
        not window[min(s.start_char, target) : max(s.start_char, target)].strip()
        for s in nlp(window).sents
    ):
        return "spaCy start"
    # -- is this one sentence over the maximum? look wider to see all of it --
    window, target = window_at(4000)
    sent = next((s for s in nlp(window).sents if s.start_char <= target < s.end_char), None)
    if sent is not None and count_tokens(sent.text) > max_tokens:
        return "sentence > max"
    if b.start in row_edges or a.end in row_edges:
        return "table row"
    before = text[max(0, a.end - 300) : a.end].rstrip()
    after = text[b.start : b.start + 300]
    if not (
        _OPEN_BEFORE.search(before) or (_ABBREV_BEFORE.search(before) and _GOES_ON.match(after))
    ):
        return "closed"
    if _MARKER_AFTER.match(after):
        return "list item"
    gap = text[a.end : b.start]
    if "\n" in gap and re.search(r"\w\s*$", before):
        last = before.rsplit("\n", 1)[-1].strip()
        first = after.split("\n", 1)[0].strip()
        if len(last.split()) <= 14 or (
            "\n" in after and len(first.split()) <= 12 and not re.search(r"[.,;:!?]$", first)
        ):
            return "heading line"
    return "mid-sentence"


def sentence_check(
    doc: Any, chunks: list[Any], max_tokens: int, counts: dict[str, int], cuts: list[str], keep: int
) -> None:
    """Classify every boundary between ``chunks`` (see :func:`classify_boundary`)."""
    from docsieve.text import sentencizer

    nlp = sentencizer()
    text = doc.text
    row_edges: set[int] = set()
    for e in doc.elements:
        if e.kind == "table":
            row_edges.update((e.start, e.end))
            row_edges.update(x for r in e.rows or [] for x in (r.start, r.end))
    for a, b in itertools.pairwise(chunks):
        if b.start < a.end:
            continue  # -- table parts with a repeated header overlap nothing; skip --
        kind = classify_boundary(text, a, b, nlp, max_tokens, row_edges)
        counts[kind] += 1
        if kind == "mid-sentence" and len(cuts) < keep:
            cuts.append(
                f"{Path(doc.path).name[:50]} @{b.start}: "
                f"{text[max(0, a.end - 90) : a.end]!r} | {text[b.start : b.start + 60]!r}"
            )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=None, help="first N PDFs (sorted by name)")
    ap.add_argument(
        "--unstructured-limit",
        type=int,
        default=25,
        help="PDFs for the unstructured baseline (slow); 0 to skip",
    )
    ap.add_argument("--max-tokens", type=int, default=None)
    ap.add_argument("--min-tokens", type=int, default=None)
    ap.add_argument("--no-sentence-check", action="store_true")
    ap.add_argument(
        "--show-cuts",
        type=int,
        default=10,
        help="print up to N mid-sentence boundaries with their context",
    )
    ap.add_argument("--no-rfp", action="store_true", help="skip the RFP passage table")
    ap.add_argument(
        "--unstructured-path",
        default="/tmp/uinf",
        help="folder holding unstructured-inference and its light dependencies, "
        "installed with pip --no-deps --target (see the module docstring)",
    )
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
        pdfs = pdfs[: args.limit]
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
    cut_counts: dict[str, int] = dict.fromkeys(CUT_CLASSES, 0)
    cuts: list[str] = []
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
        score(
            ours,
            [c.text for c in chunks],
            [c.tokens for c in chunks],
            gnorm,
            gtok,
            max_tokens,
            running,
        )
        dropped = [
            doc.text[e.start : e.end]
            for e in doc.elements
            if e.kind in ("header", "footer", "page_number") and len(e.text) > 6
        ]
        for c in chunks:
            for dtext in dropped:
                if dtext.strip() and dtext in c.text:
                    hf_inside += 1
                    break
        if not args.no_sentence_check:
            before = cut_counts["mid-sentence"]
            sentence_check(doc, chunks, max_tokens, cut_counts, cuts, args.show_cuts)
            if n < args.unstructured_limit:
                ours_sub.mid_sentence = (
                    (ours_sub.mid_sentence or 0) + cut_counts["mid-sentence"] - before
                )

        toks = enc.encode_ordinary(raw)
        wins = [enc.decode(toks[i : i + 300]) for i in range(0, len(toks), 300)]
        score(
            fixed,
            wins,
            [len(toks[i : i + 300]) for i in range(0, len(toks), 300)],
            gnorm,
            gtok,
            None,
            running,
        )
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
                score(
                    ours_sub,
                    [c.text for c in chunks],
                    [c.tokens for c in chunks],
                    gnorm,
                    gtok,
                    max_tokens,
                    running,
                )
            except Exception as exc:
                failures.append(f"{pdf.name} (unstructured): {type(exc).__name__}: {exc}")
        print(f"\r{n + 1}/{len(pdfs)} {pdf.name[:60]:<60}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)

    if not args.no_sentence_check:
        ours.mid_sentence = cut_counts["mid-sentence"]
    head = [
        "method",
        "docs",
        "chunks",
        "mean tok",
        "integrity",
        "overhead med",
        "overhead q1-q3",
        ">max",
        "running-line chunks",
        "mid-sentence cuts",
    ]
    rows = [head, ours.row(), fixed.row(), rec.row()]
    if uns.docs:
        rows += [uns.row(), ours_sub.row()]
    print(
        f"\nCUAD chunking benchmark: {len(pdfs)} PDFs, {pages} pages, "
        f"{ours.gold} gold spans located ({unlocated} exact_unique spans not found in the "
        f"PDF text, left out); max_tokens={max_tokens}, min_tokens={settings.chunk.min_tokens}"
    )
    print("chunkers used: " + ", ".join(f"{k}={v}" for k, v in sorted(by_chunker.items())))
    print_table(rows)
    if not args.no_sentence_check:
        print(
            f"\ndocsieve boundaries between chunks, by the sentence check's rule "
            f"(see classify_boundary; only 'mid-sentence' violates it), "
            f"{sum(cut_counts.values())} in all:"
        )
        print_table([CUT_CLASSES, [str(cut_counts[k]) for k in CUT_CLASSES]])
        for c in cuts:
            print("  mid-sentence: " + c)
    print(f"chunks holding a dropped header/footer element's text: {hf_inside}")
    print("\nspeed (pages/s):")
    chunk_pct = 100 * t_chunk / t_parse if t_parse else 0
    print(f"  raw PyMuPDF get_text : {pages / t_raw:8.1f}" if t_raw else "")
    print(f"  parse_file           : {pages / t_parse:8.1f}" if t_parse else "")
    print(
        f"  parse + chunk        : {pages / (t_parse + t_chunk):8.1f}" if t_parse + t_chunk else ""
    )
    print(f"  chunking alone       : {pages / t_chunk:8.1f}" if t_chunk else "")
    print(f"  chunking overhead    : {chunk_pct:7.1f}% of parse time (target <= 50%)")
    if uns_pages:
        print(f"  unstructured fast + chunk_by_title: {uns_pages / t_uns:8.1f} ({uns.docs} docs)")
    if failures:
        print(f"\n{len(failures)} failures:")
        for f in failures[:20]:
            print("  " + f)
    if not args.no_rfp:
        rfp_table(settings)
    del count_tokens
    return 0


def print_table(rows: list[list[str]]) -> None:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for i, r in enumerate(rows):
        print(" | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)))
        if i == 0:
            print("-+-".join("-" * w for w in widths))


def rfp_table(settings: Any) -> None:
    """Labelled RFP passages (``../shared/data/rfps/labels.jsonl``) against the rfp chunker.

    The passages' offsets point into the Markdown files (read in text mode, a
    CRLF counts as one character), and ``doc.text`` is the file's text, so spans
    compare directly (leading '#'/'>' marks and surrounding whitespace trimmed,
    as element spans leave them out): a passage is intact when one chunk's
    span holds it; its overhead is the tokens of the chunks its span touches over
    its own tokens.
    """
    from chunkers import chunk_document
    from docsieve.tokens import count_tokens
    from parsers import parse_file

    labels = RFPS / "labels.jsonl"
    if not labels.is_file():
        print(f"\nno RFP labels at {labels}: RFP table skipped")
        return
    spans: dict[str, list[tuple[int, int]]] = defaultdict(list)
    with open(labels, encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            for p in rec.get("passages") or []:
                spans[f"{rec['folder']}/{rec['file']}"].append((p["start"], p["end"]))
    sc = Scores("rfp chunker")
    sc.mid_sentence = None
    mismatched: list[str] = []
    sizes: list[int] = []
    fitting = [0, 0]  # -- passages within max_tokens, and of those wholly in one chunk --
    t0 = time.perf_counter()
    for rel, passages in sorted(spans.items()):
        path = RFPS / rel
        try:
            doc = parse_file(path, settings)
            _, chunks = chunk_document(doc, settings, "rfp")
        except Exception as exc:  # -- one bad file never stops the benchmark --
            print(f"  {rel}: {type(exc).__name__}: {exc}")
            continue
        with open(path, encoding="utf-8", newline="") as fh:
            raw = fh.read()
        if doc.text != raw:
            mismatched.append(rel)
            continue
        # -- the labels count a CRLF as one character (the file read in text mode) --
        import bisect

        crlf = [m.start() - i for i, m in enumerate(re.finditer("\r\n", raw))]
        mapped = [
            (s + bisect.bisect_left(crlf, s), e + bisect.bisect_left(crlf, e)) for s, e in passages
        ]
        # -- Markdown heading and quote marks before a passage lie outside element spans
        #    (a heading element starts at its text): compare the passages without them --
        passages = []
        for s, e in mapped:
            seg = doc.text[s:e]
            lead = len(seg) - len(_MD_MARKS.sub("", seg, count=1))
            passages.append((s + lead, s + max(lead, len(seg.rstrip()))))
        sc.docs += 1
        sc.chunks += len(chunks)
        sc.tokens.extend(c.tokens for c in chunks)
        sc.over_max += sum(c.tokens > settings.chunk.max_tokens for c in chunks)
        for s, e in passages:
            sc.gold += 1
            n = count_tokens(doc.text[s:e])
            sizes.append(n)
            whole = any(c.start <= s and e <= c.end for c in chunks)
            if whole:
                sc.intact += 1
            if n <= settings.chunk.max_tokens:
                fitting[0] += 1
                fitting[1] += whole
            run = sum(c.tokens for c in chunks if c.end > s and c.start < e)
            if n:
                sc.overhead.append(run / n)
    print(
        f"\nRFP labelled passages: {sc.gold} passages in {sc.docs} Markdown files "
        f"({time.perf_counter() - t0:.1f}s); integrity = share of passages wholly inside "
        f"one chunk; overhead = tokens of the chunks a passage touches / its tokens"
    )
    print_table(
        [
            [
                "method",
                "files",
                "chunks",
                "mean tok",
                "integrity",
                "overhead med",
                "overhead q1-q3",
                ">max",
            ],
            sc.row()[:8],
        ]
    )
    if sizes:
        print(
            f"  passage tokens: median {statistics.median(sizes):.0f}; "
            f"{len(sizes) - fitting[0]} passages are longer than max_tokens and cannot lie in "
            f"one chunk; integrity of the {fitting[0]} that fit: "
            f"{fitting[1] / max(1, fitting[0]):.3f}"
        )
    if mismatched:
        print(f"  left out, doc.text differs from the file text: {', '.join(mismatched)}")


if __name__ == "__main__":
    raise SystemExit(main())
