"""Typed answer fields for the extractive analyzer: read from the answering sentence, or empty.

Each profile field gets one *kind* from its type, name and description
(:func:`field_kind`), and each kind one reader:

- ``date``: an ISO date (``date`` fields); ``when``: the date, time and time zone as
  written ("4:00 pm Alaska Prevailing Time on 3/26/2021"), for deadline-like strings;
  ``dates``: every date of the sentence (a list named like "dates");
- ``number``, ``money``, ``amounts``: an amount, as a number, as written, or all of them;
- ``parties``: the organisations and people the sentence names; ``contacts``: "Name,
  role, e-mail" for each named person of the sentence (and of the list it introduces);
- ``channel``: where and how to send ("GitHub (https://github.com/...)", "e-mail to
  x@agency.gov", "eBuy");
- ``period``: what follows "the period of performance is/includes ..." in the sentence,
  else its first duration; ``place``: a place (governing law, forum);
- ``award``: the basis of award ("best value trade-off", "lowest price technically
  acceptable"), from the sentence or else its section;
- ``factors``: evaluation factor names in the sentence's section ("Factor 1: Technical
  Approach", or the items of a list that a sentence naming factors introduces);
- ``clauses``: FAR/GSAR clause numbers in the sentence's section;
- ``values``: the question's hints that name a value ("firm fixed price", "labor hour",
  "background investigation") as written in the sentence; ``enum``: the allowed value
  the sentence names;
- ``items``: the items of the list the sentence introduces ("Volumes required:"), when
  the sentence is about the field, else ``values``;
- ``free`` (a summary or description) and anything unread: empty.

A reader that finds nothing leaves the field empty (``None``): a wrong value is worse
than none, and spaCy entities are never dumped into a field.
"""

from __future__ import annotations

import re
from typing import Any

from analyzers.extractive_match import (
    AMOUNT,
    CONTACT,
    DATE,
    PARTIES,
    PARTY,
    date_groups,
    phrase_pattern,
)
from analyzers.extractive_units import LINK, Unit, list_after, list_end, plain
from docsieve.analysis import QuestionSpec
from docsieve.profiles import AnswerField

_CHANNEL = re.compile(r"channel|where|method|deliver|\bsubmi|\bsend")
_FACTOR = re.compile(r"factor|criteri")
_AWARD = re.compile(r"award")
_CLAUSE = re.compile(r"clause")
_PERIOD = re.compile(r"period|duration|\bterm\b")
_PLACE = re.compile(r"\blaw\b|jurisdiction|venue|forum|court|country|location|place")
_FREE = re.compile(r"summary|overview|describ|narrative|what is being")

_LEAD = re.compile(
    r"^(?:(?:no\s+)?(?:later|earlier)\s+than|before|after|by|on|at)\s+", re.IGNORECASE
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}", re.IGNORECASE)
_URL = re.compile(r"https?://[^\s)\]*>\\]+")
_CHANNELS = re.compile(
    r"\b(GitHub|e-?Buy|Google Forms?|(?:web |online )?portal|e-?mail|fax|hand[- ]deliver\w*"
    r"|(?:RFQ |Price |Technical )?(?:Response|Submission|Evaluation) Form)\b",
    re.IGNORECASE,
)
_ROLE = re.compile(
    r"(Contracting Officer(?:\u2019s|'s)? (?:Technical )?Representative"
    r"|Alternate Contracting Officer"
    r"|(?:Senior |Lead )?Contracting Officer|Contract(?:ing)? Specialist|Procurement Officer"
    r"|Product Owner|Project Manager|Technical Point of Contact|Point of Contact)",
    re.IGNORECASE,
)
_PERIOD_OF = re.compile(
    r"\b(?:period of performance|pop|ordering period|term of the (?:bpa|contract|agreement)"
    r"|this (?:contract|order|agreement) (?:is|shall be) (?:for|effective))\b"
    r"[^.;:]*?\b(?:is|are|will be|shall be|consists? of|includes?|will include|will consist of)"
    r"\s+(.{3,160}?)\s*(?:[.;]\s|[.;]?$)",
    re.IGNORECASE | re.DOTALL,
)
_AWARD_BASIS = re.compile(
    r"\b(best[- ]value(?:\s+(?:trade[- ]?offs?|using trade[- ]?offs?|continuum))?"
    r"|lowest[- ]price[d]?,? technically[- ]acceptable|LPTA"
    r"|highest[- ]technically[- ]rated(?: offer(?:or)?s?)?(?: with a fair and reasonable price)?"
    r"|trade[- ]?off process)\b",
    re.IGNORECASE,
)
_FACTOR_NAME = re.compile(
    r"\bFactor\s+\d+\s*[:.\-\u2013]\s*(?:\*+)?([A-Z][^\n.:*]{2,70}?)(?:\*+)?\s*(?:[.:\n]|$)"
)
_CLAUSE_NO = re.compile(
    r"\b(?:(FAR|DFARS|GSAR|GSAM)\s+(?:Clause\s+)?)?(5[0-9]{1,2}\.[0-9]{3}-[0-9]{1,3})\b"
)
_DURATION = re.compile(
    r"(?:\w+[\s-]+)*?(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|twelve)"
    r"(?:\s*\(\d+\))?[\s-]+(?:\w+[\s-]+)?(?:years?|months?|weeks?|days?)",
    re.IGNORECASE,
)
_FACTOR_INTRO = re.compile(r"(?:factors?|criteria)\b[^\n]*[:.]\**[ \t]*\n", re.IGNORECASE)


def field_kind(f: AnswerField) -> str:
    """How a field is read from a sentence (see the module docstring)."""
    text = f"{f.name} {f.description}".lower()
    if f.type in ("date", "number", "integer", "enum", "boolean"):
        return {"integer": "number", "boolean": "none"}.get(f.type, f.type)
    listed = f.type == "list"
    if PARTIES.search(text):
        return "parties"
    if CONTACT.search(text):
        return "contacts"
    if listed and DATE.search(f.name):
        return "dates"
    if listed and AMOUNT.search(f.name):
        return "amounts"
    if listed and _FACTOR.search(text):
        return "factors"
    if listed and _CLAUSE.search(text):
        return "clauses"
    if not listed and DATE.search(f.name) and not _PERIOD.search(f.name):
        return "when"
    if not listed and _PERIOD.search(text):
        return "period"
    if not listed and DATE.search(text) and not PARTY.search(text):
        return "when"
    if PARTY.search(text):
        return "parties"
    if not listed and _AWARD.search(text):
        return "award"
    if not listed and _CHANNEL.search(text):
        return "channel"
    if not listed and AMOUNT.search(text):
        return "money"
    if not listed and _PLACE.search(text):
        return "place"
    if _FREE.search(text):
        return "free"
    return "items" if listed else "values"


def fill_fields(q: QuestionSpec, unit: Unit) -> dict[str, Any]:
    """Every field of ``q``, read from the answering sentence (``None`` when unread)."""
    out: dict[str, Any] = {}
    for f in q.fields:
        value = _READERS.get(field_kind(f), _nothing)(f, unit, q)
        out[f.name] = value if value not in ("", []) else None
    return out


def short_answer(q: QuestionSpec, values: dict[str, Any]) -> str:
    """The filled fields as a short answer ("due: ...; how: ..."), or "" when none is."""
    parts = []
    for f in q.fields:
        v = values.get(f.name)
        if v is None:
            continue
        text = "; ".join(str(x) for x in v) if isinstance(v, list) else str(v)
        parts.append(text if len(q.fields) == 1 else f"{f.name}: {text}")
    return "; ".join(parts)


# -- readers --


def _nothing(f: AnswerField, unit: Unit, q: QuestionSpec) -> None:
    return None


def _date(f: AnswerField, unit: Unit, q: QuestionSpec) -> str | None:
    when = when_text(unit)
    if when is None:
        return None
    try:
        from dateutil import parser as dparser
    except ImportError:  # pragma: no cover - dateutil comes with pandas/prefect
        return None
    try:
        return dparser.parse(when, fuzzy=True).date().isoformat()
    except (ValueError, OverflowError, TypeError, AttributeError):
        return None


def _when(f: AnswerField, unit: Unit, q: QuestionSpec) -> str | None:
    return when_text(unit)


def when_text(unit: Unit) -> str | None:
    """The sentence's date and time as written; of several, the first after a deadline
    cue ("Reply By:", "no later than"), not a letter's "Date:"."""
    groups = date_groups(unit)
    if not groups:
        return None
    s, e, _ = next((g for g in groups if g[2]), groups[0])
    when = plain(unit.section.text[s:e])
    # -- "no later than 12:00 PM": the entity often takes the preposition with it --
    return _LEAD.sub("", when) or when


def _number(f: AnswerField, unit: Unit, q: QuestionSpec) -> float | int | None:
    name = f"{f.name} {f.description}".lower()
    labels = ("MONEY",) if AMOUNT.search(name) else ("MONEY", "CARDINAL", "PERCENT", "QUANTITY")
    ent = next((e for e in unit.span.ents if e.label_ in labels), None)
    if ent is None:
        return None
    m = re.search(r"\d[\d,]*(\.\d+)?", ent.text)
    if not m:
        return None
    value = float(m.group(0).replace(",", ""))
    low = ent.text.lower()
    value *= 1e9 if "billion" in low else 1e6 if "million" in low else 1.0
    return int(value) if f.type == "integer" else value


def _money(f: AnswerField, unit: Unit, q: QuestionSpec) -> str | None:
    ent = next((e for e in unit.span.ents if e.label_ == "MONEY"), None)
    return plain(ent.text) if ent is not None else None


def _enum(f: AnswerField, unit: Unit, q: QuestionSpec) -> str | None:
    return next((v for v in f.values or [] if phrase_pattern(v).search(unit.low)), None)


def _contacts(f: AnswerField, unit: Unit, q: QuestionSpec) -> list[str] | None:
    """'Name, role, e-mail' per named person, read line by line so that each e-mail and
    role stays with its person."""
    start, end = unit.start, list_end(unit)
    doc = unit.span.doc
    text = unit.section.text
    out: list[str] = []
    for ent in doc.ents:
        if ent.label_ != "PERSON" or ent.start_char < start or ent.end_char > end:
            continue
        words = plain(ent.text).strip(" ,;:").split()
        while words and words[-1].isupper() and len(words[-1]) > 1:
            words.pop()  # -- "Esther Kim GSA": the agency is no part of the name --
        name = " ".join(words)
        if not 2 <= len(words) <= 4 or not all(w[:1].isupper() for w in words):
            continue
        line_s = text.rfind("\n", start, ent.start_char) + 1
        line_e = text.find("\n", ent.end_char, end)
        line = text[max(line_s, start) : line_e if line_e >= 0 else end]
        role = _ROLE.search(line)
        mails = [m for m in _EMAIL.findall(line) if words[-1].lower()[:4] in m.lower()]
        parts = [name] + ([plain(role.group(1))] if role else []) + mails[:1]
        entry = ", ".join(parts)
        if entry not in out:
            out.append(entry)
    return out or None


def _channel(f: AnswerField, unit: Unit, q: QuestionSpec) -> str | None:
    text = LINK.sub(lambda m: f"{m.group(1)} {m.group(2)}", unit.text)
    mail = next(iter(_EMAIL.findall(text)), None)
    seen: dict[str, str] = {}
    for m in _CHANNELS.finditer(text):
        seen.setdefault(m.group(1).lower().replace("-", ""), plain(m.group(1)))
    names = [n for k, n in seen.items() if k != "email" or not mail]
    url = next((u.rstrip(".,;*\\") for u in _URL.findall(text) if "mailto" not in u), None)
    out = ", ".join(names)
    if mail:
        out = f"{out}, e-mail to {mail}" if out else f"e-mail to {mail}"
    if url and names:
        out = f"{out} ({url})"
    return out or None


def _period(f: AnswerField, unit: Unit, q: QuestionSpec) -> str | None:
    """What the sentence says the period is ("a base period of 4 months (16 weeks)"), else
    its first duration ("five (5) years")."""
    m = _PERIOD_OF.search(unit.text)
    if m is not None:
        value = plain(m.group(1)).rstrip(" .,;")
        if 1 <= len(value.split()) <= 25:
            return value
    ent = next(
        (e for e in unit.span.ents if e.label_ == "DATE" and _DURATION.fullmatch(e.text.strip())),
        None,
    )
    return plain(ent.text) if ent is not None else None


def _parties(f: AnswerField, unit: Unit, q: QuestionSpec) -> str | list[str] | None:
    """The organisations and people the sentence names ("Acme Corporation")."""
    names: list[str] = []
    for e in unit.span.ents:
        if e.label_ not in ("ORG", "PERSON"):
            continue
        # -- the small model often tags "Acme Corp and Globex Inc." as one ORG --
        names += [p.strip(" ,;") for p in re.split(r"\s+and\s+|;\s*", plain(e.text))]
    names = list(dict.fromkeys(n for n in names if len(n) > 1))
    if not names:
        return None
    return names if f.type == "list" else names[0]


def _dates(f: AnswerField, unit: Unit, q: QuestionSpec) -> list[str] | None:
    """Every date of the sentence, each with its time and zone, as written."""
    text = unit.section.text
    return [_LEAD.sub("", plain(text[s:e])) for s, e, _ in date_groups(unit)] or None


def _amounts(f: AnswerField, unit: Unit, q: QuestionSpec) -> list[str] | None:
    return [plain(e.text) for e in unit.span.ents if e.label_ == "MONEY"] or None


def _place(f: AnswerField, unit: Unit, q: QuestionSpec) -> str | None:
    ent = next((e for e in unit.span.ents if e.label_ in ("GPE", "LOC")), None)
    return plain(ent.text) if ent is not None else None


def _award(f: AnswerField, unit: Unit, q: QuestionSpec) -> str | None:
    m = _AWARD_BASIS.search(plain(unit.text)) or _AWARD_BASIS.search(plain(unit.section.text))
    return m.group(1) if m else None


def _factors(f: AnswerField, unit: Unit, q: QuestionSpec) -> list[str] | None:
    """Named factors ("Factor 1: Technical Approach") in the sentence's section, else the
    items of a list that a sentence naming factors or criteria introduces there."""
    text = unit.section.text
    names = [plain(m.group(1)).strip(" .:") for m in _FACTOR_NAME.finditer(text)]
    if not names:
        for m in _FACTOR_INTRO.finditer(text):
            names = list_after(text, m.end(), short=True)
            if names:
                break
    names = list(dict.fromkeys(n for n in names if n))
    return names or None


def _clauses(f: AnswerField, unit: Unit, q: QuestionSpec) -> list[str] | None:
    found = [f"{m.group(1) or 'FAR'} {m.group(2)}" for m in _CLAUSE_NO.finditer(unit.section.text)]
    return list(dict.fromkeys(found))[:20] or None


def _values(f: AnswerField, unit: Unit, q: QuestionSpec) -> str | list[str] | None:
    """The question's value-naming hints found in the sentence, as written there."""
    asked = set(re.findall(r"[a-z0-9]+", f"{q.question} {f.name} {f.description}".lower()))
    found: list[str] = []
    seen = plain(unit.text)
    for h in q.hints:
        words = set(re.findall(r"[a-z0-9]+", h.lower()))
        if not words or words <= asked:
            continue  # -- a hint made of the question's own words names no value --
        m = phrase_pattern(h).search(seen)
        if m:
            found.append(m.group(0))
    found = list(dict.fromkeys(found))
    if not found:
        return None
    return found if f.type == "list" else ", ".join(found)


def _items(f: AnswerField, unit: Unit, q: QuestionSpec) -> list[str] | None:
    """The items of the list that the sentence introduces ("Volumes required:"), when the
    sentence is about the field ("volumes", "forms", "deliverables")."""
    if not unit.text.rstrip("*_ ").endswith(":"):
        return None
    about = {w[:5] for w in re.findall(r"[a-z]{4,}", f"{f.name} {f.description}".lower())}
    if not about & {w[:5] for w in re.findall(r"[a-z]{4,}", unit.low)}:
        return None
    return list_after(unit.section.text, unit.end, short=False) or None


_READERS: dict[str, Any] = {
    "date": _date,
    "when": _when,
    "number": _number,
    "money": _money,
    "enum": _enum,
    "contacts": _contacts,
    "channel": _channel,
    "period": _period,
    "award": _award,
    "factors": _factors,
    "clauses": _clauses,
    "values": _values,
    "items": lambda f, unit, q: _items(f, unit, q) or _values(f, unit, q),
    "parties": _parties,
    "place": _place,
    "dates": _dates,
    "amounts": _amounts,
}


def _has_digit(text: str) -> bool:
    return any(c.isdigit() for c in text)
