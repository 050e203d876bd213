"""Shared text heuristics: clause numbers, heading levels and heading-like lines.

Used by the PDF and plain-text parsers so that "ARTICLE IV", "Section 5.2",
"L.3.1", "1.1" and "(a)" are recognised the same way in every format.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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


def is_all_caps_heading(line: str, max_words: int = 14) -> bool:
    """A short line in capitals ("DEFINITIONS", "TERM AND TERMINATION")."""
    s = line.strip()
    if not s or len(s) > 120 or len(s.split()) > max_words:
        return False
    letters = [c for c in s if c.isalpha()]
    if len(letters) < 3:
        return False
    return all(not c.islower() for c in letters)


def heading_title_ok(rest: str, max_words: int = 14) -> bool:
    """The text after a number is short and title-like, not a running sentence."""
    s = rest.strip().rstrip(".:")
    if not s or len(s) > 120:
        return False
    if len(s.split()) > max_words:
        return False
    # -- a sentence ends with a period after lower-case words; titles rarely do --
    return not (rest.rstrip().endswith((",", ";")))


PAGE_NUMBER = re.compile(
    r"^(?:page\s+)?[-\u2013\u2014]?\s*(?:\d{1,4}|[ivxlcdm]{1,7})\s*[-\u2013\u2014]?(?:\s*(?:of|/)\s*\d{1,4})?$",
    re.IGNORECASE,
)
