"""Training pairs for ``docsieve train``: from labelled files and from stage 2's citations.

The selector scores sentence units (``extractors.units``) against a question's
query (question and description), so every pair is (query, evidence unit, units
of the same document that are not evidence).

Labels (``docs/training.md``): a JSONL file, one object per line,
``{"document": "...", "question": "...", "description": "...", "quotes": [...],
"spans": [[start, end], ...]}``. :func:`load_labels` checks every line and
raises :class:`~docsieve.errors.ConfigError` naming ``file:line`` and what is
wrong. :func:`label_pairs` reads each document once with the parsers a run
uses and finds the evidence: spans are character offsets into the extracted
text with ``\r\n`` counted as one character (for ``.txt`` and ``.md`` files,
``open(path, encoding="utf-8").read()``); quotes are found exactly, else with
whitespace collapsed. Each unit holding evidence is a positive; the negatives
are the units without evidence that share most words with the question.

Stage 2: :func:`feedback_pairs` turns :class:`~docsieve.feedback.CitedQuestion`
s (mined by ``storage.feedback_repo``) into pairs: the units of a cited section
that hold the answer's quote are positives; the negatives are units of the
sections stage 2 was sent but did not cite, those that share most words with
the question first.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from docsieve.analysis import Section
from docsieve.errors import ConfigError, DocsieveError, nearest
from docsieve.feedback import CitedQuestion

if TYPE_CHECKING:
    from docsieve.settings import Settings
    from extractors.train import TrainPair

LABEL_KEYS = ("document", "question", "description", "quotes", "spans")
NEGATIVES = 4
# -- a unit is evidence when it holds this many characters of it (or half of itself) --
MIN_OVERLAP = 30
# -- a cited section without a usable quote counts whole only when it is this short --
SHORT_SECTION = 2
ELLIPSIS = "\u2026"
_WORD = re.compile(r"[a-z0-9]+")
_STOP_WORDS = (
    "the and for are any its this that with from shall will may such each other than "
    "what which who when where how does"
)
_STOP = frozenset(_STOP_WORDS.split(" "))


@dataclass(frozen=True)
class LabelRecord:
    """One valid line of a labels file; ``where`` is ``file:line`` for messages."""

    where: str
    document: Path
    question: str
    description: str
    quotes: tuple[str, ...]
    spans: tuple[tuple[int, int], ...]


def load_labels(path: Path) -> list[LabelRecord]:
    """Every record of a JSONL labels file; the first bad line raises ConfigError."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read labels file: {exc}", path=str(path)) from None
    out = []
    for n, line in enumerate(lines, start=1):
        if line.strip():
            out.append(parse_label(line, f"{path}:{n}", path.parent))
    if not out:
        raise ConfigError(f"{path}: no labels (the file is empty)", path=str(path))
    return out


def parse_label(line: str, where: str, base: Path) -> LabelRecord:
    """One line of a labels file; ``document`` is relative to ``base`` unless absolute."""

    def bad(msg: str) -> ConfigError:
        return ConfigError(f"{where}: {msg}", where=where)

    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        raise bad(f"not valid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(obj, dict):
        raise bad(f"expected a JSON object, got {type(obj).__name__}")
    for key in obj:
        if key not in LABEL_KEYS:
            near = nearest(str(key), LABEL_KEYS)
            hint = f" (did you mean {near!r}?)" if near else f" (valid: {', '.join(LABEL_KEYS)})"
            raise bad(f"unknown key {key!r}{hint}")
    doc, question = obj.get("document"), obj.get("question")
    if not isinstance(doc, str) or not doc.strip():
        raise bad('"document" must be a non-empty string (a file path)')
    if not isinstance(question, str) or not question.strip():
        raise bad('"question" must be a non-empty string')
    description = obj.get("description", "")
    if not isinstance(description, str):
        raise bad('"description" must be a string')
    quotes = obj.get("quotes", [])
    if not isinstance(quotes, list) or not all(isinstance(q, str) and q.strip() for q in quotes):
        raise bad('"quotes" must be a list of non-empty strings')
    spans = _spans(obj.get("spans", []), bad)
    if not quotes and not spans:
        raise bad('no evidence: give "quotes" or "spans" (or both)')
    path = Path(doc)
    path = path if path.is_absolute() else base / path
    if not path.is_file():
        raise bad(f"document not found: {path}")
    return LabelRecord(where, path, question.strip(), description.strip(), tuple(quotes), spans)


def _spans(value: Any, bad: Any) -> tuple[tuple[int, int], ...]:
    if not isinstance(value, list):
        raise bad('"spans" must be a list of [start, end] pairs')
    out = []
    for i, s in enumerate(value, start=1):
        ok = (
            isinstance(s, list)
            and len(s) == 2
            and all(isinstance(x, int) and not isinstance(x, bool) for x in s)
        )
        if not ok or not 0 <= s[0] < s[1]:
            raise bad(f'"spans" item {i} must be [start, end] with 0 <= start < end, got {s!r}')
        out.append((s[0], s[1]))
    return tuple(out)


@dataclass
class LabelledDocument:
    """A document as a run reads it: its text, ``\r\n`` read as ``\n``."""

    path: Path
    text: str


def read_document(path: Path, settings: Settings) -> LabelledDocument:
    """The document's text as the parsers extract it, newlines as Python reads them."""
    from parsers import parse_file

    # -- universal newlines: labels count "\r\n" as one character, the parser keeps it --
    return LabelledDocument(path, parse_file(path, settings).text.replace("\r\n", "\n"))


def units_of(text: str) -> list[tuple[int, int]]:
    """The sentence units the selector scores (``extractors.units``), as offsets."""
    try:
        from extractors.units import sentence_units
    except ImportError:  # -- before the unit selector lands: the same sentences, unmerged --
        from docsieve.text import sentence_spans

        out = []
        for s, e in sentence_spans(text):
            while s < e and text[s].isspace():
                s += 1
            while e > s and text[e - 1].isspace():
                e -= 1
            if e > s:
                out.append((s, e))
        return out
    return sentence_units(text)


def find_quote(text: str, quote: str) -> tuple[int, int] | None:
    """Where ``quote`` occurs in ``text``: exactly, else with runs of whitespace matched loosely."""
    i = text.find(quote)
    if i >= 0:
        return i, i + len(quote)
    words = quote.split()
    if not words:
        return None
    m = re.search(r"\s+".join(re.escape(w) for w in words), text)
    return (m.start(), m.end()) if m else None


def evidence_spans(rec: LabelRecord, doc: LabelledDocument) -> list[tuple[int, int]]:
    """The record's spans and located quotes; ConfigError when one does not fit the text."""
    out = []
    for s, e in rec.spans:
        if e > len(doc.text):
            raise ConfigError(
                f"{rec.where}: span [{s}, {e}] is past the end of the document text "
                f"({len(doc.text)} characters)",
                where=rec.where,
            )
        out.append((s, e))
    for q in rec.quotes:
        found = find_quote(doc.text, q)
        if found is None:
            short = q if len(q) <= 60 else q[:57] + "..."
            raise ConfigError(f"{rec.where}: quote not found in the document: {short!r}")
        out.append(found)
    return out


def split_units(
    units: Sequence[tuple[int, int]], spans: Iterable[tuple[int, int]]
) -> tuple[list[int], set[int]]:
    """(evidence units, units touched at all) for evidence ``spans``: a unit is evidence
    when it holds at least ``MIN_OVERLAP`` characters of the spans or half of itself."""
    spans = list(spans)
    pos, touched = [], set()
    for i, (s, e) in enumerate(units):
        ov = sum(max(0, min(e, b) - max(s, a)) for a, b in spans)
        if ov > 0:
            touched.add(i)
        if ov >= min(MIN_OVERLAP, 0.5 * (e - s)):
            pos.append(i)
    return pos, touched


def query_text(question: str, description: str = "") -> str:
    """The query of a question as the selector reads it: the question, then its description."""
    return " ".join(p for p in (question.strip(), description.strip()) if p)


def words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if len(w) > 2 and w not in _STOP}


def hard_negatives(query: str, candidates: Sequence[str], n: int) -> list[str]:
    """The ``n`` candidates sharing most words with ``query`` (ties: in order)."""
    q = words(query)
    ranked = sorted(range(len(candidates)), key=lambda i: -len(q & words(candidates[i])))
    return [candidates[i] for i in ranked[:n]]


def label_pairs(
    records: Sequence[LabelRecord], settings: Settings, *, negatives: int = NEGATIVES
) -> list[TrainPair]:
    """Pairs from labels: each document is parsed once; one pair per evidence unit."""
    from extractors.train import TrainPair

    by_doc: dict[Path, list[LabelRecord]] = {}
    for r in records:
        by_doc.setdefault(r.document.resolve(), []).append(r)
    pairs: list[TrainPair] = []
    for path, recs in by_doc.items():
        try:
            doc = read_document(path, settings)
        except DocsieveError as exc:
            raise ConfigError(f"{recs[0].where}: cannot read the document: {exc}") from exc
        units = units_of(doc.text)
        texts = [doc.text[s:e] for s, e in units]
        # -- one question may be labelled on several lines: all its evidence counts --
        by_q: dict[tuple[str, str], list[tuple[int, int]]] = {}
        for r in recs:
            by_q.setdefault((r.question, r.description), []).extend(evidence_spans(r, doc))
        for (question, description), spans in by_q.items():
            query = query_text(question, description)
            pos, touched = split_units(units, spans)
            others = [t for i, t in enumerate(texts) if i not in touched]
            negs = tuple(hard_negatives(query, others, negatives))
            pairs += [TrainPair(query, texts[i], negs, group=query) for i in pos]
    return pairs


def section_units(text: str) -> list[str]:
    """The units of a section as stage 2 got it, the trimming's ellipses taken out."""
    out = []
    for s, e in units_of(text):
        t = text[s:e].replace(ELLIPSIS, " ").strip()
        if t:
            out.append(t)
    return out


def cited_units(section: Section, quotes: Sequence[str]) -> list[str]:
    """The units of a cited section that hold one of its quotes; all of them when the
    section is short (``SHORT_SECTION`` units) and no quote is found in it."""
    text = section.text
    units = units_of(text)
    spans = [f for q in quotes if (f := find_quote(text, q)) is not None]
    if spans:
        hit = [i for i, (s, e) in enumerate(units) if any(min(e, b) > max(s, a) for a, b in spans)]
    else:
        hit = list(range(len(units))) if len(units) <= SHORT_SECTION else []
    out = []
    for i in hit:
        t = text[units[i][0] : units[i][1]].replace(ELLIPSIS, " ").strip()
        if t:
            out.append(t)
    return out


def feedback_pairs(
    items: Sequence[CitedQuestion], *, negatives: int = NEGATIVES
) -> list[TrainPair]:
    """Pairs from stage 2: the cited evidence against the sections sent but not cited."""
    from extractors.train import TrainPair

    pairs: list[TrainPair] = []
    for it in items:
        query = query_text(it.question, it.description)
        # -- the question's own selection comes first in ``uncited``: the hardest --
        pool = [u for sec in it.uncited for u in section_units(sec.text)]
        negs = tuple(hard_negatives(query, pool, negatives))
        for sec in it.cited:
            pairs += [
                TrainPair(query, u, negs, group=query)
                for u in cited_units(sec, it.quotes.get(sec.chunk_id, []))
            ]
    return pairs
