"""The marker classifier: each block's rank, label and role under a profile.

A block's *rank* says how high it sits in the document's hierarchy, from its
leading marker (the grammar is :mod:`docsieve.text`'s):

====  =======================================================
rank  markers
====  =======================================================
0     EXHIBIT / SCHEDULE / ANNEX / APPENDIX / ATTACHMENT
1     ARTICLE IV, PART 2, uniform contract format SECTION A-M
2     Section 5, ``5.``, ALL-CAPS headings
3-5   ``5.2``, ``5.2.1``, ``5.2.1.1`` (and ``C.2``, ``L.2.1``)
6     ``(a)``, ``a.``
7     ``(iv)``, ``iv.``
8     ``(A)``, ``(1)``
====  =======================================================


Blocks without a marker are body text (rank ``None``). A :class:`Profile`
says which markers a document type honours and which roles (definitions,
recitals, signature, deadline...) it recognises.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from docsieve.text import (
    ARTICLE_MARKER,
    DOTTED_LETTER_MARKER,
    EXHIBIT_MARKER,
    LETTER_NUMBER_MARKER,
    NUMBER_MARKER,
    PAREN_MARKER,
    ROMAN_NUMERAL,
    SECTION_MARKER,
    UCF_MARKER,
    collapse_whitespace,
    is_mostly_caps_heading,
)

SUBCLAUSE_RANK = 6  # -- ranks from here down are sub-clauses: kept with their clause --

_DEFINITION = re.compile(
    r"""^["“']?[A-Z][^"”]{0,80}["”']\s*(?:\([^)]*\)\s*)?(?:shall\s+)?"""
    r"""(?:mean|means|has the meaning|shall have|refers|includes)\b"""
)
_DEADLINE_WORDS = re.compile(
    r"\b(due|deadline|no later than|not later than|closing date|"
    r"must be (?:received|submitted)|submitted by|submission date)\b",
    re.IGNORECASE,
)
_DATE_TIME = re.compile(
    r"\b(?:\d{1,2}:\d{2}|\d{1,2}\s*(?:a\.?m\.?|p\.?m\.?)|"
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2}|"
    r"\d{1,2}/\d{1,2}/\d{2,4})\b",
    re.IGNORECASE,
)

_UCF_ROLES = {"B": "pricing", "C": "sow", "L": "instructions", "M": "evaluation"}
_LABEL_ROLES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\bdefinitions?\b|\binterpretation\b", re.I), "definitions"),
    (re.compile(r"\brecitals?\b|\bbackground\b|\bpreamble\b", re.I), "recitals"),
    (
        re.compile(r"\binstructions?\b|\bsubmi(?:ssion|ttal)s?\b|\bproposal preparation\b", re.I),
        "instructions",
    ),
    (re.compile(r"\bevaluation\b|\bbasis (?:of|for) award\b", re.I), "evaluation"),
    (
        re.compile(
            r"\bstatement of (?:work|objectives)\b|\bperformance work statement\b|"
            r"\bscope of work\b|\bPWS\b|\bSOW\b|\bSOO\b",
            re.I,
        ),
        "sow",
    ),
    (
        re.compile(r"\bdeadlines?\b|\bschedule of events\b|\bimportant dates\b|\btimeline\b", re.I),
        "deadline",
    ),
]


@dataclass(frozen=True)
class Profile:
    """What one document type honours when deriving structure."""

    name: str
    articles: bool = True  # ARTICLE / PART
    ucf: bool = False  # uniform contract format SECTION A-M, C.1, L.2.3
    legal_roles: bool = False  # definitions, recitals, signature blocks
    rfp_roles: bool = False  # instructions, evaluation, SOW, deadlines, requirements
    caps_headings: bool = True
    # -- role whose node is kept whole when it fits, rather than split into its clauses --
    intact_roles: frozenset[str] = frozenset()


def _short_label(number: str, rest: str, limit: int = 8) -> str:
    """``number`` plus a title: the text up to the first period if short, else a few words."""
    rest = collapse_whitespace(rest[:240])
    head = re.split(r"(?<=[a-z\)])[.:](?:\s|$)", rest, maxsplit=1)[0]
    words = head.split()
    if len(words) > limit:
        head = " ".join(words[:limit]) + "…"
    return f"{number} {head}".strip() if number else head


_MD_LEAD = re.compile(r"^(?:[\s#>]|<!--.*?-->)+")


def _depth_rank(number: str) -> int:
    """Rank of a clause number: '5' -> 2, '5.2' -> 3, '5.2.1' -> 4; '1.0' counts as '1'."""
    parts = number.split(".")
    while len(parts) > 1 and parts[-1] in ("0", "00"):
        parts.pop()
    return 2 + min(len(parts) - 1, 3)


class Classifier:
    """Gives blocks their rank, label and role under one profile."""

    def __init__(self, profile: Profile, trust_levels: bool = False) -> None:
        self.p = profile
        self.trust_levels = trust_levels
        self._last_letter = ""
        self._seen_clause = False

    def classify(
        self, text: str, is_heading: bool, level: int | None
    ) -> tuple[int | None, str | None, str | None]:
        """``(rank, label, role)`` of a block whose text is ``text``."""
        out = self._classify(text, is_heading, level)
        if out[0] is not None and 1 <= out[0] < SUBCLAUSE_RANK:
            self._seen_clause = True
        return out

    def _classify(
        self, text: str, is_heading: bool, level: int | None
    ) -> tuple[int | None, str | None, str | None]:
        bold = text.lstrip("#> \t").startswith(("**", "__"))
        t = _MD_LEAD.sub("", text).replace("**", "").replace("__", "").strip()
        rank, label, role = self._classify_plain(t, is_heading, level)
        if (
            role is None
            and self.p.rfp_roles
            and not is_heading
            and _DEADLINE_WORDS.search(t)
            and _DATE_TIME.search(t)
        ):
            role = "deadline"  # -- kept intact: never split away from its clause --
        if self.trust_levels and rank is not None:
            if is_heading and level:
                # -- Markdown says how deep a heading is; believe it --
                rank = max(1, min(level, 5))
            elif not is_heading and 2 <= rank < SUBCLAUSE_RANK and not bold:
                # -- a numbered list item in Markdown sits under the heading above it --
                rank = min(8, SUBCLAUSE_RANK + rank - 2)
        return rank, label, role

    def _classify_plain(
        self, t: str, is_heading: bool, level: int | None
    ) -> tuple[int | None, str | None, str | None]:
        p = self.p
        first = t.split("\n", 1)[0].strip()
        short = len(t) < 160 and t.count("\n") <= 2
        role: str | None = None
        # -- an EDGAR filing label ("Exhibit 10.11") above the title is no exhibit section --
        if (
            (m := EXHIBIT_MARKER.match(first))
            and (short or is_heading)
            and self._seen_clause
            and not re.fullmatch(r"\d+\.\d+[A-Za-z]?", m.group(2))
            and not (m.group(3) or "")[:1].islower()
            and len(t.split()) <= 14
        ):
            kind = m.group(1).lower()
            role = "schedule" if kind in ("schedule", "annex", "appendix") else "exhibit"
            return 0, collapse_whitespace(first)[:80], role
        if p.articles and (m := ARTICLE_MARKER.match(first)):
            label = _short_label(f"{m.group(1).upper()} {m.group(2)}", m.group(3))
            return 1, label, self._label_role(label)
        if p.ucf and (m := UCF_MARKER.match(first)):
            letter = m.group(1).upper()
            label = _short_label(f"SECTION {letter}", m.group(2))
            return 1, label, _UCF_ROLES.get(letter) or self._label_role(label)
        if p.legal_roles:
            up = t[:40].upper()
            if up.startswith("IN WITNESS WHEREOF") or (
                short and re.match(r"^(signatures?|signature page|executed by)\b", first, re.I)
            ):
                return 1, "Signatures", "signature"
            if short and re.match(r"^(recitals|background|witnesseth)\b", first, re.I):
                return 2, collapse_whitespace(first)[:60], "recitals"
            if up.startswith("WHEREAS"):
                return None, None, "recitals"
            if _DEFINITION.match(t):
                return None, None, "definitions"
        if m := SECTION_MARKER.match(first):
            number = m.group(1)
            label = _short_label(f"Section {number}", m.group(2))
            return _depth_rank(number), label, self._label_role(label)
        if p.ucf and (m := LETTER_NUMBER_MARKER.match(t)):
            number = m.group(1)
            label = _short_label(number, m.group(2))
            return _depth_rank(number), label, self._label_role(label)
        if m := NUMBER_MARKER.match(t):
            number = m.group(1)
            rest = m.group(2)
            if not rest or rest[0].isupper() or rest[0] in "(\"“'[*_":
                label = _short_label(number, rest)
                return _depth_rank(number), label, self._label_role(label)
        if m := (PAREN_MARKER.match(t) or DOTTED_LETTER_MARKER.match(t)):
            tag = m.group(1)
            rest = m.group(2).lstrip()
            if tag.isdigit() and rest[:1].islower():
                # -- "thirty\n(30) days": a number in words, not a clause marker --
                return None, None, None
            rank = self._paren_rank(tag)
            return rank, _short_label(f"({tag})", m.group(2)), None
        if is_heading:
            label = collapse_whitespace(t)[:100]
            rank = max(1, min(level or 2, 5))
            return rank, label, self._label_role(label)
        if p.caps_headings and short and is_mostly_caps_heading(t):
            return 2, collapse_whitespace(t)[:100], self._label_role(t)
        return None, None, role

    def _paren_rank(self, tag: str) -> int:
        if tag.isdigit() or (len(tag) == 1 and tag.isupper()):
            return 8
        low = tag.lower()
        expected_next = chr(ord(self._last_letter) + 1) if self._last_letter else "a"
        if len(low) == 1 and (low == expected_next or not ROMAN_NUMERAL.match(low)):
            self._last_letter = low
            return 6
        if ROMAN_NUMERAL.match(low):
            return 7
        self._last_letter = low[-1]
        return 6

    def _label_role(self, label: str) -> str | None:
        if not label:
            return None
        for pattern, role in _LABEL_ROLES:
            if pattern.search(label[:120]):
                if role in ("definitions", "recitals") and not self.p.legal_roles:
                    continue
                if (
                    role in ("instructions", "evaluation", "sow", "deadline")
                    and not self.p.rfp_roles
                ):
                    continue
                return role
        return None
