"""Text primitives the stages share, each with one owner: this module.

- **Clause markers.** The grammar of the numbers and keywords that open a
  clause or section: "ARTICLE IV", "Section 5.2", "L.3.1", "5.2", "(a)", bullets.
  Parsers read the number that opens a line with :func:`match_number`; the
  chunkers rank blocks with the ``*_MARKER`` patterns, cut elements before
  :data:`CLAUSE_OPENER` lines and keep a block apart when it opens with
  :data:`LEADING_MARKER`. The patterns differ on purpose (each is tuned to its
  question: "is this line a heading?" is not "may a block start here?"), so a
  change to what counts as a marker is made here, for every stage at once.
- **Sentences.** Where a sentence ends, four ways, each for a reason:
  :func:`sentence_spans` (spaCy's rule-based sentencizer) where a block over the
  token budget must be cut; :func:`sentence_ends` (a regular expression that
  knows abbreviations, no spaCy) where the parsers split very long paragraphs;
  :func:`punctuation_pieces` (also after ';' and ':') where the dense scorer
  embeds parts of a long chunk; :func:`parsed_sentence_spans`, the sentences of
  a full spaCy pipeline's parse, where the extractive analyzer has parsed the
  text anyway. They give different cuts: merging them changes measured results.
- **Page ranges.** :func:`format_pages`: "4" or "4-6", as every report shows them.

Token counting is :mod:`docsieve.tokens`'s; running headers and footers are
:mod:`docsieve.running`'s.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

# -- clause markers: one line ------------------------------------------------------------

_WORD_NUM = r"(?:[IVXLC]+|\d+(?:\.\d+)*[A-Za-z]?|[A-Z])"
_KEYWORD = re.compile(
    rf"^(?P<kw>ARTICLE|Article|SECTION|Section|PART|Part|SCHEDULE|Schedule|EXHIBIT|Exhibit|"
    rf"APPENDIX|Appendix|ATTACHMENT|Attachment|ANNEX|Annex|CHAPTER|Chapter|§)\s*"
    rf"(?P<num>{_WORD_NUM})(?=[\s.:\-\u2013\u2014)]|$)\.?"
)
# -- "L.3.1", "C.2" (UCF solicitation sections) --
_LETTER_DOTTED = re.compile(r"^(?P<num>[A-Z]\.\d+(?:\.\d+)*)\.?(?=\s|$)")
# -- "5.2", "5.2.1." --
_DOTTED = re.compile(r"^(?P<num>\d{1,3}(?:\.\d{1,3})+)\.?(?=\s|$)")
# -- "5." or "5)" --
_SIMPLE = re.compile(r"^(?P<num>\d{1,3})[.)](?=\s|$)")
# -- "IV." --
_ROMAN = re.compile(r"^(?P<num>[IVX]{1,6})\.(?=\s|$)")
# -- "A." --
_LETTER = re.compile(r"^(?P<num>[A-Z])\.(?=\s|$)")
# -- "a." --
_LOWER = re.compile(r"^(?P<num>[a-z])\.(?=\s)")
# -- "(a)", "(iv)", "(1)", "(A)" --
_PAREN = re.compile(r"^\((?P<num>[a-z]{1,2}|[ivxl]{1,5}|\d{1,3}|[A-Z]{1,2})\)(?=\s|$)")
_BULLET = re.compile(r"^[\u2022\u25cf\u25aa\u25e6\u2023\u2043\u2219\-*•·○▪]\s+")

# -- first characters of the keywords above ("ARTICLE", "Section", "§"...) and of "IV." --
_KEYWORD_OR_ROMAN_FIRST = frozenset("ASPEC\u00a7IVX")

_TOP_KEYWORDS = {
    "article",
    "part",
    "chapter",
    "schedule",
    "exhibit",
    "appendix",
    "attachment",
    "annex",
}


@dataclass(frozen=True)
class Numbering:
    number: str  # -- as written, e.g. "ARTICLE IV", "5.2", "(a)" --
    level: int
    end: int  # -- offset in the line just after the number --
    list_like: bool  # -- "(a)", "5)", bullets: list items rather than section headings --


def match_number(line: str) -> Numbering | None:
    """The clause or section number that opens ``line`` (already left-stripped)."""
    # -- called on every line of every document: dispatch on the first character so that
    # -- only the patterns that can match it are tried (same results as trying them all) --
    first = line[:1]
    if not first:
        return None
    if first.islower():  # -- only "a." opens with a lower-case letter --
        if line[1:2] != ".":
            return None
        m = _LOWER.match(line)
        return Numbering(m.group("num") + ".", 3, m.end(), True) if m else None
    if first == "(":
        return _paren(line)
    if first.isdigit():
        return _digits(line)
    if line[1:2] != "." and first not in _KEYWORD_OR_ROMAN_FIRST:
        return None  # -- "The ...", "Company ...": no keyword, roman numeral or "A." --
    m = _KEYWORD.match(line)
    if m:
        kw = m.group("kw").lower()
        num = m.group("num")
        level = 1 if kw in _TOP_KEYWORDS else (1 + num.count(".") if "." in num else 2)
        return Numbering(f"{m.group('kw')} {num}", level, m.end(), False)
    m = _LETTER_DOTTED.match(line)
    if m:
        num = m.group("num")
        return Numbering(num, num.count(".") + 1, m.end(), False)
    m = _ROMAN.match(line)
    if m:
        return Numbering(m.group("num"), 1, m.end(), False)
    m = _LETTER.match(line)
    if m:
        return Numbering(m.group("num"), 2, m.end(), False)
    return None


def _digits(line: str) -> Numbering | None:
    """ "5.2", "5.2.1." or "5." / "5)" at the start of ``line``."""
    m = _DOTTED.match(line)
    if m:
        num = m.group("num")
        return Numbering(num, num.count(".") + 1, m.end(), False)
    m = _SIMPLE.match(line)
    if m:
        return Numbering(m.group("num"), 1, m.end(), line[len(m.group("num"))] == ")")
    return None


def _paren(line: str) -> Numbering | None:
    """ "(a)", "(iv)", "(1)", "(A)" at the start of ``line``."""
    m = _PAREN.match(line)
    if m:
        num = m.group("num")
        level = 4 if re.fullmatch(r"[ivxl]+", num) and num not in {"i", "v", "x", "l"} else 3
        return Numbering(f"({num})", level, m.end(), True)
    return None


def is_bullet(line: str) -> bool:
    return _BULLET.match(line) is not None


PAGE_NUMBER = re.compile(
    r"^(?:page\s+)?[-\u2013\u2014]?\s*(?:\d{1,4}|[ivxlcdm]{1,7})\s*[-\u2013\u2014]?(?:\s*(?:of|/)\s*\d{1,4})?$",
    re.IGNORECASE,
)

# -- clause markers: blocks of a document (the chunkers) --------------------------------

EXHIBIT_MARKER = re.compile(
    r"^((?i:exhibit|schedule|annex|appendix|attachment|addendum))\s+"
    r"((?:[A-Z]{1,2}|\d{1,3}|[IVX]{1,5})(?:[.\-]\d+)*[A-Za-z]?)\b"
    r"(?:\s*(?:[-:\u2013\u2014.]\s*)?(.*))?$"
)
# -- capitalised: "article 9.4.1. shall not apply" in running text is no ARTICLE heading --
ARTICLE_MARKER = re.compile(
    r"^(A(?i:rticle)|P(?i:art))\s+([IVXLC]+|\d+)\b[\s.:\-\u2013\u2014]*(.*)$"
)
# -- uniform contract format: "SECTION C - DESCRIPTION/SPECIFICATIONS" --
UCF_MARKER = re.compile(r"^section\s+([A-M])\b(?![.\d])[\s.:\-\u2013\u2014]*(.*)$", re.IGNORECASE)
SECTION_MARKER = re.compile(
    r"^(?:section|sec\.|§)\s*(\d{1,3}(?:\.\d{1,3})*)\.?"
    r"(?=[\s:\-\u2013\u2014]|$)[\s.:\-\u2013\u2014]*(.*)$",
    re.IGNORECASE,
)
NUMBER_MARKER = re.compile(
    r"^(\d{1,3}(?:\.\d{1,3})+|\d{1,3}(?=[.)]))[.)]?(?=\s|$)\s*(.*)$", re.DOTALL
)
LETTER_NUMBER_MARKER = re.compile(r"^([A-M](?:\.\d{1,3})+)\.?(?=\s)\s*(.*)$", re.DOTALL)
PAREN_MARKER = re.compile(r"^\(([a-z]{1,4}|[A-Z]|\d{1,2})\)\s*(.*)$", re.DOTALL)
DOTTED_LETTER_MARKER = re.compile(r"^([a-z]|[ivx]{1,4})\.\s+(?=[A-Z(“\"])(.*)$", re.DOTALL)
ROMAN_NUMERAL = re.compile(r"^(?=[ivxlc]+$)m{0,3}(c[md]|d?c{0,3})(x[cl]|l?x{0,3})(i[xv]|v?i{0,3})$")

# -- a line that may open a new block inside an element --
CLAUSE_OPENER = re.compile(
    r"(?:\d{1,3}(?:\.\d{1,3})*[.)]?\s+[A-Z(\"“]|\([a-zA-Z]{1,4}\)\s|\(\d{1,2}\)\s|"
    r"(?:article|section|exhibit|schedule|annex|appendix)\s+\w|[A-M]\.\d|[#*•\-\u2013]\s|"
    r"whereas\b|in witness whereof)",
    re.IGNORECASE,
)
# -- text that opens with a clause, list or section marker of its own --
LEADING_MARKER = re.compile(
    r"^\s*(?:\d{1,3}(?:\.\d{1,3})*[.)]?(?=\s|$)|\([a-zA-Z0-9]{1,4}\)|"
    r"[a-zA-Z]\.\s|(?:article|section|exhibit|schedule|annex|appendix|"
    r"attachment|part)\s+\w|[A-M]\.\d|[#*\u2022\-\u2013]\s|§|"
    r"whereas\b|witnesseth\b|in witness whereof)",
    re.IGNORECASE,
)
# -- a clause number opening a clause in running text, right after a sentence end --
INLINE_CLAUSE = re.compile(
    r"[.:;?!][\"'\u201d\u2019]?(?:\s+(?:and|or))?\s+(?P<start>"
    r"(?:ARTICLE|Article|SECTION|Section)\s+(?:[IVXLC]+|\d{1,3}(?:\.\d{1,3})*)\.?(?=[\s:])"
    r"|\d{1,3}(?:\.\d{1,3})+\.?(?=\s+[A-Z(\"\u201c])"
    r"|\d{1,3}\.(?=\s+[A-Z\"\u201c])"
    r"|\((?:[a-z]{1,2}|[ivxl]{1,5}|\d{1,3}|[A-Z]{1,2})\)(?=\s)"
    r")"
)

# -- heading-like lines -------------------------------------------------------------------

_WS = re.compile(r"\s+")


def collapse_whitespace(s: str) -> str:
    """``s`` with each run of whitespace made one space, and stripped."""
    return _WS.sub(" ", s).strip()


def is_all_caps_heading(line: str, max_words: int = 14) -> bool:
    """A short line without a lower-case letter ("DEFINITIONS", "TERM AND TERMINATION")."""
    s = line.strip()
    if not s or len(s) > 120 or len(s.split()) > max_words:
        return False
    letters = [c for c in s if c.isalpha()]
    if len(letters) < 3:
        return False
    return all(not c.islower() for c in letters)


def is_mostly_caps_heading(text: str) -> bool:
    """Up to 12 words with over 85% of their letters capitals: the chunkers' looser
    test, which lets a few lower-case letters pass."""
    if len(text) > 160 or not text[:3].strip()[:1].isupper():
        return False  # -- the cheap rejections first: this runs on every line --
    t = collapse_whitespace(text)
    words = t.split()
    if not 1 <= len(words) <= 12 or len(t) > 100 or t.endswith((",", ";")):
        return False
    letters = [c for c in t if c.isalpha()]
    return len(letters) >= 4 and sum(c.isupper() for c in letters) / len(letters) > 0.85


def heading_title_ok(rest: str, max_words: int = 14) -> bool:
    """The text after a number is short and title-like, not a running sentence."""
    s = rest.strip().rstrip(".:")
    if not s or len(s) > 120:
        return False
    if len(s.split()) > max_words:
        return False
    # -- a sentence ends with a period after lower-case words; titles rarely do --
    return not (rest.rstrip().endswith((",", ";")))


# -- sentences ----------------------------------------------------------------------------


@lru_cache(maxsize=1)
def sentencizer() -> Any:
    """A blank English spaCy pipeline with the rule-based ``sentencizer``.

    It needs no model download and runs at well over a million characters a
    second, which keeps chunking cheap next to parsing.
    """
    try:
        import spacy
    except ImportError as exc:  # pragma: no cover - spacy is a core dependency
        raise ImportError("spaCy is needed to split sentences: pip install 'spacy>=3.8'") from exc
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    # -- long contracts: a single oversized block can be a few hundred kB --
    nlp.max_length = 10_000_000
    return nlp


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` offsets of the sentences of ``text``, covering it without gaps.

    Each sentence keeps its trailing whitespace, so the spans tile ``text``.
    """
    if not text.strip():
        return [(0, len(text))] if text else []
    doc = sentencizer()(text)
    starts = [s.start_char for s in doc.sents]
    if not starts or starts[0] != 0:
        starts = [0, *starts]
    ends = [*starts[1:], len(text)]
    return [(s, e) for s, e in zip(starts, ends, strict=True) if e > s]


def sentence_starts(text: str) -> set[int]:
    """Offsets in ``text`` where :func:`sentence_spans` starts a sentence."""
    return {s for s, _ in sentence_spans(text)}


def parsed_sentence_spans(doc: Any) -> list[tuple[int, int]]:
    """``(start, end)`` of the sentences of a spaCy ``Doc`` run through a full pipeline
    (its parser decides), without trailing whitespace: for a reader that needs the
    parse anyway, such as the extractive analyzer's lemmas and entities."""
    return [(s.start_char, s.end_char) for s in doc.sents]


# -- a sentence end: ./!/? (and closing quotes or brackets), space, then a capital or digit --
SENTENCE_END = re.compile(r"[.!?][\"'\u201d\u2019)\]]*\s+(?=[\"\u201c(]?[A-Z0-9])")
# -- words whose trailing period does not end a sentence --
_ABBREVIATION_LIST = (
    "no nos inc co corp ltd llc l.l.c mr mrs ms dr st vs v sec art para fig u.s e.g i.e "
    "etc approx jan feb mar apr jun jul aug sep sept oct nov dec n.a s.a b.v n.v p.c p.a "
    "l.p ph.d jr sr cf viz ave ref tel"
)
ABBREVIATIONS = frozenset(_ABBREVIATION_LIST.split())


def ends_sentence(text: str, dot: int) -> bool:
    """Whether the character at ``dot`` ends a sentence (not "Inc.", "U.S.", "J.")."""
    if text[dot] != ".":
        return True
    k = dot
    while k > 0 and not text[k - 1].isspace() and text[k - 1] not in '("\u201c':
        k -= 1
    word = text[k:dot].lower()
    if not word:
        return True
    if word in ABBREVIATIONS:
        return False
    # -- an initial ("J.") or a dotted abbreviation ("U.S") --
    return not (len(word) == 1 and word.isalpha()) and not (
        "." in word and word[-1].isalpha() and len(word) <= 6
    )


def sentence_ends(text: str, start: int, end: int) -> list[int]:
    """Offsets inside ``text[start:end]`` where the next sentence begins (after the space
    that follows a sentence end), by :data:`SENTENCE_END` and :func:`ends_sentence`."""
    return [
        m.end()
        for m in SENTENCE_END.finditer(text, start, end)
        if m.end() < end and ends_sentence(text, m.start())
    ]


_PUNCTUATION_BREAK = re.compile(r"(?<=[.;:!?])\s+|\n\s*\n")


def punctuation_pieces(text: str) -> list[str]:
    """``text`` cut at the whitespace after '.', ';', ':', '!' or '?' and at blank lines,
    without that whitespace and without empty pieces: cheap, and a piece may be a
    clause rather than a whole sentence."""
    return [t for t in _PUNCTUATION_BREAK.split(text) if t.strip()]


# -- page ranges --------------------------------------------------------------------------


def format_pages(start: int, end: int) -> str:
    """A page range as shown to people and models: "4" or "4-6"."""
    return str(start) if start == end else f"{start}-{end}"
