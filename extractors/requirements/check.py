"""The "never a cut sentence" rule for requirement rows, and the hand-check score.

Used by the tests and by ``bench.requirements``. It looks only at the parsed
text around a row's span, not at how the extractor found it, so it can catch
the extractor's mistakes. A row is whole when:

1. **Span.** ``normalize_ws(text[start:end]) == statement``, and the span
   neither starts nor ends inside a word.
2. **Start.** The text before ``start`` on its line is only indentation, a
   quote mark, a list or clause marker and an inline title ("a.  *Format.*"),
   or ends a sentence (``. ! ? : ;``, then closing quotes, brackets or emphasis),
   or closes an HTML tag or a table cell. When the statement opens its line,
   the line above is blank, ends a sentence, or is a heading, a table row, an
   HTML tag or a setext underline.
3. **End.** The statement ends with ``. ! ? : ;`` (closing marks allowed), or
   it ends an HTML or table cell, or it ends its line and the next line does not
   go on with it: the next line is blank, or opens a list item, heading, table
   row or HTML tag. Whatever follows, a statement ending on a comma or a
   connective ("of", "that", "the", "between"...) is cut.
4. **Trigger.** The statement contains its trigger (``modal``); a merged
   duplicate contains a trigger (it may say "must" where the row says "shall");
   an inherited list item's lead-in contains one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from docsieve.requirements import Location, Requirement, normalize_ws
from extractors.requirements.triggers import find_trigger

_CLOSERS = "\"'\u201d\u2019)]*_ \t\r\u200b"
_MARKER = (
    r"(?:[-*+\u2022\u25cf\u25cb\u25aa\u25e6\u00b7\u2023\u2043\uf0b7]|o(?=\s)|"
    r"\(?(?:\d{1,3}(?:\.\d{1,3})*|[a-zA-Z]|[ivxlIVXL]{2,5})[.)]|\d{1,3}(?:\.\d{1,3})+)"
)
_TITLE = r"(?:(\*\*|__|\*|_)[^\n]{1,120}?\1\s*[.:\-\u2013\u2014]?)"
_PREFIX_OK = re.compile(rf"[\s>]*(?:{_MARKER}\s+)?(?:{_TITLE}\s*)?")
_ENDS_SENTENCE = re.compile(r"[.!?:;][\"'\u201d\u2019)\]*_]*\s+$")
_OPENS_BLOCK = re.compile(rf"^[ \t>]*(?:{_MARKER}\s|#|\||<|(\*\*|__)\S)")
_UNDERLINE = re.compile(r"^\s*(?:-{3,}|={3,})\s*$")
_FINAL = re.compile(r"[.!?:;]$")
_LIST_JOIN = re.compile(r"[;,]\s*(?:and|or)\s*,?$", re.I)
# -- a statement ending on a comma or a connective stops mid-sentence, whatever follows --
_OPEN_END = re.compile(
    r"(?:,|\b(?:of|to|that|the|a|an|for|with|by|in|than|whether|if|when|which|where|"
    r"at|on|from|under|between|exceed|exceeds|either|both))$",
    re.I,
)


def _prev_line(text: str, line_start: int) -> str | None:
    """The line before the one starting at ``line_start``; None at the document start."""
    if line_start == 0:
        return None
    end = line_start - 1
    return text[text.rfind("\n", 0, end) + 1 : end]


def _start_ok(text: str, start: int) -> bool:
    line_start = text.rfind("\n", 0, start) + 1
    prefix = text[line_start:start]
    if _ENDS_SENTENCE.search(prefix) or prefix.rstrip().endswith((">", "|")):
        return True
    if not _PREFIX_OK.fullmatch(prefix):
        return False
    if prefix.strip():
        return True  # -- after a list marker or an inline title --
    prev = _prev_line(text, line_start)
    if prev is None or not prev.strip():
        return True
    p = prev.rstrip()
    return bool(
        _FINAL.search(p.rstrip(_CLOSERS))
        or p.endswith((">", "|"))
        or _UNDERLINE.match(p)
        or p.lstrip().startswith(("#", "|", "<"))
        or re.fullmatch(r"\s*(\*\*|__)[^*_]+\1:?\s*", p)
        or (bool(p.strip()) and bool(_PREFIX_OK.fullmatch(p)))
    )


def _end_ok(text: str, start: int, end: int) -> bool:
    body = text[start:end].rstrip(_CLOSERS)
    if _FINAL.search(body):
        return True
    nl = text.find("\n", end)
    rest = text[end : len(text) if nl < 0 else nl]
    nxt_end = text.find("\n", nl + 1) if nl >= 0 else -1
    nxt = "" if nl < 0 else text[nl + 1 : nxt_end if nxt_end >= 0 else len(text)]
    if _LIST_JOIN.search(body) and (not nxt.strip() or _OPENS_BLOCK.match(nxt)):
        return True  # -- a list item: "...; and", "...; or," --
    if _OPEN_END.search(body):
        return False
    if rest.lstrip(_CLOSERS).startswith(("<", "|")):
        return True  # -- the end of an HTML or table cell --
    if rest.strip(_CLOSERS):
        return False
    line_start = text.rfind("\n", 0, start) + 1
    if nl < 0 or "|" in text[line_start:start]:
        return True  # -- the end of the text, or the last cell of a table row --
    return not nxt.strip() or bool(_OPENS_BLOCK.match(nxt))


def cut_reason(text: str, req: Requirement, loc: Location | None = None) -> str | None:
    """Why the row ``req`` is not a whole statement of ``text`` (its document), or None.

    ``loc``: check one of ``req.duplicates`` instead of ``req.location``. A duplicate
    may word its trigger differently ("must" for "shall"): it must hold a trigger.
    """
    where = loc or req.location
    s, e = where.start, where.end
    if not 0 <= s < e <= len(text):
        return "span outside the text"
    statement = req.statement if loc is None else normalize_ws(text[s:e])
    if normalize_ws(text[s:e]) != statement:
        return "span does not match the statement"
    if (s > 0 and text[s - 1].isalnum() and text[s].isalnum()) or (
        e < len(text) and text[e - 1].isalnum() and text[e].isalnum()
    ):
        return "span starts or ends inside a word"
    if not _start_ok(text, s):
        return "starts inside a sentence"
    if not _end_ok(text, s, e):
        return "ends inside a sentence"
    if req.inherited:
        if not req.lead_in or find_trigger(req.lead_in) is None:
            return "inherited item without a lead-in trigger"
        return None
    if loc is not None:
        return None if find_trigger(statement) is not None else "no trigger in the duplicate"
    words = " ".join(statement.replace("*", " ").lower().split())
    if req.modal.lower() not in words:
        return f"trigger {req.modal!r} not in the statement"
    return None


@dataclass(frozen=True)
class HandScore:
    """A file's rows against a hand-made list of its requirement statements."""

    required: int  # -- statements the matrix must list --
    found: int  # -- of those, covered by a row (or a row's merged duplicate) --
    rows: int
    false_positives: tuple[str, ...]  # -- rows covering no listed statement --
    judged_party: int
    wrong_party: tuple[tuple[str, str, str], ...]  # -- (quote, row's, hand's) --
    judged_category: int
    wrong_category: tuple[tuple[str, str, str], ...]

    @property
    def recall(self) -> float:
        return self.found / self.required if self.required else 1.0

    @property
    def precision(self) -> float:
        return (self.rows - len(self.false_positives)) / self.rows if self.rows else 1.0


def score_against(
    text: str, reqs: Sequence[Requirement], hand: Sequence[Mapping[str, Any]]
) -> HandScore:
    """Score ``reqs`` (rows of the document ``text``) against ``hand``.

    Each hand statement is ``{"kind": "required" | "acceptable", "quote", "party",
    "category"}``: ``quote`` is a unique substring where the statement (or list
    item) starts; a row covers it when the quote's start lies in the row's span.
    An "acceptable" statement (borderline) is neither a miss nor, when listed, a
    false positive. ``party`` / ``category`` are compared where not None.
    """
    spans = [(r, loc) for r in reqs for loc in (r.location, *r.duplicates)]
    covered: set[str] = set()
    found = required = judged_party = judged_category = 0
    wrong_party: list[tuple[str, str, str]] = []
    wrong_category: list[tuple[str, str, str]] = []
    for s in hand:
        at = text.index(s["quote"])
        hits = [r for r, loc in spans if loc.start <= at < loc.end]
        covered.update(r.key for r in hits)
        if s["kind"] != "required":
            continue
        required += 1
        if not hits:
            continue
        found += 1
        if s.get("party"):
            judged_party += 1
            if hits[0].party.value != s["party"]:
                wrong_party.append((s["quote"], hits[0].party.value, s["party"]))
        if s.get("category"):
            judged_category += 1
            if hits[0].category.value != s["category"]:
                wrong_category.append((s["quote"], hits[0].category.value, s["category"]))
    return HandScore(
        required=required,
        found=found,
        rows=len(reqs),
        false_positives=tuple(r.statement for r in reqs if r.key not in covered),
        judged_party=judged_party,
        wrong_party=tuple(wrong_party),
        judged_category=judged_category,
        wrong_category=tuple(wrong_category),
    )
