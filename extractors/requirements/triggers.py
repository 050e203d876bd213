"""What makes a sentence a requirement: its trigger, and the sentences that have one but are not.

- A *trigger* is shall, must, will, should, "is required to", "is expected to",
  "is responsible for", "is the responsibility of", "agrees to", or an instruction in the
  imperative ("Provide ...", "Please submit ..."). The strongest trigger of a
  sentence is its trigger: shall/must/required/responsible/agrees before will,
  will before should/expected; the first of that strength.
- Not triggers: negated duties ("is not required to", "will not be responsible
  for": scope exclusions), "will be able to" (a capability), "will"/"should" in a
  relative clause ("a system that will ..."), "may agree to" (an option).
- Excluded although triggered: questions, definitions ("X means ...", "shall
  mean"), table-of-contents lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TRIGGER = re.compile(
    r"\b(?:"
    r"(?P<modal>shall|must|will|should)(?P<neg>\s+(?:not|never)\b)?"
    r"|(?P<req>(?:is|are|be|being|was|were)\s+(?:also\s+|\w+ly\s+)?(?P<rneg>not\s+)?"
    r"(?:required|obligated|expected|responsible)(?:\s+to\b|\s+for\b)?"
    r"|(?:is|are)\s+(?P<tneg>not\s+)?to\s+be(?=\s+\w+(?:ed|en|wn)\b))"
    r"|(?P<agree>agrees?\s+to)"
    r"|(?P<resp>(?:is|are)\s+(?:the\s+)?(?:full\s+|sole\s+)?responsibility\s+of)"
    r")\b",
    re.IGNORECASE,
)
_CAPABILITY = re.compile(r"^\s+be\s+able\b")
_RELATIVE = re.compile(r"\b(?:that|which|who)\s*$")
_NOT_BEFORE = re.compile(r"\bnot\s*(?:be\s*)?$")
_MAY_BEFORE = re.compile(r"\b(?:may|can|might|could)\b")
_MAY_JUST_BEFORE = re.compile(r"\b(?:may|can|might|could)\s*$")
_STRENGTH = {"shall": 3, "must": 3, "required": 3, "obligated": 3, "responsible": 3, "agree": 3}
_WEAK = {"will": 2, "should": 1, "expected": 1}

# -- verbs that open an instruction to the reader: "Provide your price quotation ..." --
IMPERATIVE_VERBS = frozenset(
    {
        *("provide", "submit", "include", "describe", "identify", "demonstrate", "explain"),
        *("list", "attach", "complete", "sign", "address", "ensure", "indicate", "specify"),
        *("discuss", "upload", "send", "email", "e-mail", "deliver", "label", "limit"),
        *("propose", "present", "detail", "outline", "prepare", "furnish", "return"),
        *("certify", "acknowledge", "confirm", "summarize", "state", "tell", "answer"),
    }
)
_IMPERATIVE = re.compile(
    r"^(?P<please>please\s+)?(?P<verb>[a-z][a-z\-]+)\s+(?!of\b|is\b|are\b|was\b)",
    re.IGNORECASE,
)


# -- every word a trigger needs, anywhere: text without one holds no requirement --
_ANY_TRIGGER_WORD = re.compile(
    r"\b(?:shall|must|will|should|required|obligated|expected|responsible|agrees?|to\s+be|"
    + "|".join(sorted(IMPERATIVE_VERBS))
    + r")\b",
    re.IGNORECASE,
)


def may_hold_trigger(text: str) -> bool:
    """False when no sentence of ``text`` can have a trigger: saves splitting it."""
    return _ANY_TRIGGER_WORD.search(text.replace("*", " ")) is not None


@dataclass(frozen=True)
class Trigger:
    """The trigger of one sentence: offsets in the sentence, its words and its strength."""

    start: int
    end: int
    modal: str  # -- normalised: "shall", "must not", "is required to", "submit" --
    strength: int  # -- 3 shall/must/required, 2 will, 1 should/expected, 3 imperative --
    negative: bool
    imperative: bool = False


def find_trigger(sentence: str) -> Trigger | None:
    """The strongest trigger of ``sentence`` (the first of that strength), or None.

    Negated duties ("is not required to", "will not be responsible for") are not
    triggers: they say what nobody has to do.
    """
    # -- "will **not** be": emphasis marks must not hide a word; same length keeps offsets --
    sentence = sentence.replace("*", " ")
    best: Trigger | None = None
    for m in _TRIGGER.finditer(sentence):
        words = " ".join(m.group(0).lower().split())
        before = sentence[max(0, m.start() - 24) : m.start()].lower()
        if m.group("modal"):
            key = m.group("modal").lower()
            neg = bool(m.group("neg"))
            tail = sentence[m.end() : m.end() + 40].lower()
            if key in ("will", "should") and neg and "responsible" in tail[:30]:
                continue  # -- "will not be responsible for": a scope exclusion --
            if _CAPABILITY.match(tail):
                continue  # -- "will be able to": a capability, not a duty --
            if key in ("will", "should") and _RELATIVE.search(before):
                continue  # -- "a system that will ...": describes a thing, binds no one --
            strength = _STRENGTH.get(key) or _WEAK[key]
        elif m.group("req"):
            if m.group("rneg") or _NOT_BEFORE.search(before) or _MAY_JUST_BEFORE.search(before):
                continue  # -- "is not required to", "may be required to": no duty --
            kind = next(
                (k for k in ("required", "obligated", "expected", "responsible") if k in words),
                "required",  # -- "are to be billed" --
            )
            strength = _STRENGTH.get(kind) or _WEAK[kind]
            neg = bool(m.group("tneg"))
        elif m.group("resp"):
            strength, neg = _STRENGTH["responsible"], False
        else:
            if _MAY_BEFORE.search(before):
                continue  # -- "may mutually agree to": an option, not a promise --
            strength, neg = _STRENGTH["agree"], False
        if best is None or strength > best.strength:
            best = Trigger(m.start(), m.end(), words, strength, neg)
    if best is None or best.strength < 3:
        imp = imperative(sentence)
        if imp is not None:
            return imp
    return best


def imperative(sentence: str) -> Trigger | None:
    """A sentence that opens with an instruction verb ("Provide ...", "Please submit ...")."""
    m = _IMPERATIVE.match(sentence)
    if not m:
        return None
    verb = m.group("verb").lower()
    if verb not in IMPERATIVE_VERBS:
        return None
    # -- "List of Key Personnel", "Complete proposals" (a noun or adjective) stay out: the
    #    verb must be capitalised at the sentence start and be followed by a lower-case word --
    nxt = sentence[m.end() : m.end() + 1]
    if not m.group("please") and not (sentence[:1].isupper() and (nxt.islower() or nxt == "")):
        return None
    return Trigger(m.start("verb"), m.end("verb"), verb, 3, False, imperative=True)


# -- exclusions -------------------------------------------------------------------------

_DEFINITION = re.compile(
    r"^\W*[\"\u201c']?[A-Z][\w\s\-/()\u2019']{0,60}?[\"\u201d']?\s*(?:,\s*)?"
    r"(?:means|shall\s+mean|shall\s+have\s+the\s+meaning|has\s+the\s+meaning|"
    r"is\s+defined\s+as|shall\s+refer\s+to|refers\s+to)\b"
)
_MEANING = re.compile(r"\bshall\s+(?:mean|have\s+the\s+meanings?|refer\s+to)\b", re.IGNORECASE)
_TOC_LEADER = re.compile(r"(?:\.\s?){4,}\s*\d+\s*$|\.{4,}|…{2,}")


def exclusion(sentence: str) -> str | None:
    """Why ``sentence`` is not a requirement even though it has a trigger, or None."""
    s = sentence.rstrip(" *_\"'\u201d\u2019)")
    if s.endswith("?"):
        return "question"
    if _DEFINITION.match(sentence) or _MEANING.search(sentence):
        return "definition"
    if _TOC_LEADER.search(sentence):
        return "table of contents"
    return None


def binds(trig: Trigger, how: str) -> bool:
    """Whether a sentence with ``trig`` is a requirement, given how its party was found.

    "will" states a fact as often as a duty, and "is responsible for" describes
    roles ("Customers of cloud.gov are responsible for building their own
    applications"): they count only with a named party or an evaluation verb
    ("Late quotations will not be considered"). "should" and "is expected to"
    need at least a subject noun; shall/must/required bind whoever the part's
    default is.
    """
    if trig.modal.startswith(("will", "be ")) or "responsible" in trig.modal:
        return how in ("word", "passive", "imperative")
    if trig.strength < 3:
        return how != "default"
    return True
