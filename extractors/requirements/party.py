"""Who a requirement binds: the offeror, the contractor, the Government or another party.

Read from the words before the trigger (the subject), in this order:
1. a passive with a named agent ("shall be owned by the DOS");
2. a passive evaluation verb without one ("will be evaluated", "will not be
   considered"): the Government acts;
3. a party named in the subject after the last comma ("..., the Contractor
   shall"); a pronoun subject ("then they must") takes the clause's first party;
   an empty subject ("The CO, or the COR, will") the clause's last party;
   a possessive ("the offeror's presentation will") counts only as a noun;
4. a noun the party owns, in the subject's head ("the quotation" is the
   offeror's, "the deliverables" the contractor's, "award" the Government's);
5. the part's default: offerors in the instructions and evaluation, the
   contractor elsewhere.
"""

from __future__ import annotations

import re

from docsieve.requirements import Part, Party
from extractors.requirements.triggers import Trigger

_GOV = (
    r"(?:gsa\s+)?tts\s+(?:product|technical)\s+lead|government|gsa|tts|18f|agency|contracting\s+officer(?:['\u2019]s\s+representative)?|"
    r"co|cor|acor|contract(?:ing)?\s+specialist|procurement\s+officer|product\s+owner|"
    r"(?:the\s+)?state(?:\s+of\s+alaska)?|department|dhss|dos|dol|usda|forest\s+service|"
    r"evaluators?|evaluation\s+(?:team|committee|panel|board)|pec|we|us|our"
)
_OFFEROR = (
    r"offerors?|quoters?|bidders?|proposers?|respondents?|a?bpa\s+holders?|"
    r"contract\s+holders?|interested\s+parties|you|your"
)
_CONTRACTOR = (
    r"contractors?|subcontractors?|awardees?|key\s+personnel|personnel|project\s+manager|"
    r"product\s+(?:lead|manager)|technical\s+lead|staff|team\s+members?|employees?"
)
_VENDOR = r"vendors?|firms?|companies|company"
_PARTY_WORD = re.compile(
    rf"\b(?:(?P<gov>{_GOV})|(?P<off>{_OFFEROR})|(?P<con>{_CONTRACTOR})|(?P<ven>{_VENDOR}))"
    r"(?:['\u2019]s?)?\b",
    re.IGNORECASE,
)
# -- "CO", "COR", "DOS", "US", "STATE" only count in capitals ("co-located", "us" as a word
#    are rare, but "state" as a verb and "dos" are not) --
_CAPS_ONLY = {"co", "cor", "acor", "dos", "dol", "us", "pec", "gsa", "tts", "usda", "dhss"}

_OFFEROR_NOUNS = re.compile(
    r"\b(?:quot(?:e|es|ation|ations)|proposals?|offers?|responses?|submissions?|submittals?|"
    r"bids?|r[ée]sum[ée]s?|volumes?|pages?|fonts?|cover\s+(?:page|letter)|narratives?|"
    r"summar(?:y|ies)|questions?|attachments?|files?|references?|case\s+stud(?:y|ies)|"
    r"oral\s+presentations?|presenters?|participants?)\b",
    re.IGNORECASE,
)
_CONTRACTOR_NOUNS = re.compile(
    r"\b(?:deliverables?|reports?|plans?|code|system|software|applications?|products?|"
    r"solutions?|documentation|work|services?|invoices?|training|progress|repositor(?:y|ies)|"
    r"prototypes?|tools?|notifications?|data|substitutes?|replacements?|candidates?|"
    r"individuals?|teams?)\b",
    re.IGNORECASE,
)
_GOV_NOUNS = re.compile(r"\b(?:awards?|evaluations?|payments?|decisions?)\b", re.I)
# -- a noun phrase's head comes before its first preposition: "Invoices for final payment" --
_PREPOSITION = re.compile(
    r"\b(?:of|for|in|to|with|from|under|on|at|by|regarding|concerning|associated)\b", re.I
)
_PASSIVE = re.compile(
    r"^\s+(?:not\s+)?be\s+(?:\w+ly\s+)?(?P<verb>evaluated|reviewed|rated|assessed|considered|"
    r"scored|ranked|awarded|accepted|rejected|paid|reimbursed|selected|eliminated|"
    r"provided|given|introduced|disqualified|compared|examined|answered|posted|published|"
    r"asked)\b",
    re.IGNORECASE,
)
_BY_AGENT = re.compile(r"^[^.;]{0,60}?\bby\s+(?:the\s+|an?\s+)?(\w+(?:\s+\w+)?)", re.IGNORECASE)
# -- any passive with its agent: "shall be owned by the DOS" --
_ANY_PASSIVE_BY = re.compile(
    r"^\s+(?:not\s+)?be\s+(?:\w+ly\s+)?\w+(?:ed|en|wn)\b[^.;,]{0,40}?\bby\s+"
    r"(?:the\s+|an?\s+)?(\w+(?:\s+\w+)?)",
    re.IGNORECASE,
)
# -- links and URLs hold ':' and '.' that are no clause breaks: blanked, offsets kept --
_LINK = re.compile(r"\]\([^)\s]*\)|https?://\S+")


def _party_of(m: re.Match[str], part: Part | None) -> Party | None:
    word = m.group(0).rstrip("'\u2019s").lower()
    if word.split()[0] in _CAPS_ONLY and not m.group(0)[:2].isupper():
        return None
    if m.group("gov"):
        return Party.GOVERNMENT
    if m.group("off"):
        return Party.OFFEROR
    if m.group("con"):
        return Party.CONTRACTOR
    return Party.OFFEROR if part in (Part.INSTRUCTIONS, Part.EVALUATION) else Party.CONTRACTOR


def _last_party(window: str, part: Part | None) -> tuple[Party, bool] | None:
    """The party named last in ``window`` and whether it is a possessive ("offeror's")."""
    found = None
    for m in _PARTY_WORD.finditer(window):
        party = _party_of(m, part)
        if party is not None:
            found = (party, m.group(0)[-2:] in ("'s", "\u2019s") or m.group(0)[-1:] in "'\u2019")
    return found


_RELATIVE_CLAUSE = re.compile(r"\b(?:who|whom|whose|which|that)\b", re.I)
_PRONOUN_SUBJECT = re.compile(r"^\s*(?:then\s+)?(?:they|it|he|she|he/she|s/he)\s*$", re.I)


def party_of(sentence: str, trig: Trigger, part: Part | None, default: Party) -> tuple[Party, str]:
    """``(party, how)``: who must act, and how that was told.

    ``how`` is "imperative", "passive" (an evaluation verb: the Government acts),
    "word" (a party named in the subject: "the Contractor", "offerors", "the
    Government", a Government noun such as "award"), "noun" (a thing the party
    owns: "the quotation", "the deliverables"), "pronoun" (a bare pronoun subject
    with no antecedent in the sentence: the caller takes the previous sentence's
    party) or "default" (the part's default, ``default``).
    """
    if trig.imperative:
        return default, "imperative"
    sentence = _LINK.sub(lambda m: " " * len(m.group(0)), sentence)
    after = sentence[trig.end :]
    if trig.modal.endswith("responsibility of"):
        # -- "Travel expenses ... are the responsibility of the contractor": the object --
        named = _last_party(after[:40], part)
        if named is not None:
            return named[0], "word"
    by = _ANY_PASSIVE_BY.match(after)
    named_agent = _last_party(by.group(1), part) if by else None
    if named_agent is not None:
        return named_agent[0], "word"
    passive = _PASSIVE.match(after)
    if passive:
        agent = _BY_AGENT.match(after[passive.end() :])
        named = _last_party(agent.group(1), part) if agent else None
        if named is not None:
            return named[0], "word"
        if passive.group("verb").lower() not in ("provided", "given"):
            return Party.GOVERNMENT, "passive"
    prefix = sentence[: trig.start]
    clause = re.split(r"[;:]", prefix)[-1]
    tail = clause.rsplit(",", 1)[-1]
    if _PRONOUN_SUBJECT.match(tail):
        # -- "If potential Offerors intend ..., then they must": the antecedent comes first --
        first = next((p for m in _PARTY_WORD.finditer(clause) if (p := _party_of(m, part))), None)
        if first is not None:
            return first, "word"
        return default, "pronoun"  # -- "They will contribute ...": the sentence before tells --
    # -- a subject of two words or more after the last comma is the subject; an empty one
    #    ("The CO, or the COR, will ...") sends the search back over the whole clause --
    windows = (tail,) if len(tail.split()) >= 2 else (tail, clause)
    # -- "contractor employees who required access to GSA facilities must": the relative
    #    clause is not the subject; but in "Note that each Offeror will" the part after
    #    "that" is, so the whole window is tried when the part before names no one --
    cut = [_RELATIVE_CLAUSE.split(w, maxsplit=1)[0] for w in windows]
    tries = [c for c, w in zip(cut, windows, strict=True) if c.strip() and c != w]
    for window in (*tries, *windows):
        named = _last_party(window, part)
        if named is not None:
            who, possessive = named
            if passive:
                # -- "Each offeror will be provided the questions": someone else provides --
                return (Party.GOVERNMENT if who != Party.GOVERNMENT else default), "word"
            return who, "noun" if possessive else "word"
        noun = _noun_party(window, part)
        if noun is not None:
            return noun
    return default, "default"


def _noun_party(window: str, part: Part | None) -> tuple[Party, str] | None:
    """The party a subject noun belongs to: in the noun phrase's head (before its first
    preposition) if it has one, else anywhere in ``window``, the noun nearest the trigger."""
    prep = _PREPOSITION.search(window)
    heads = [window[: prep.start()], window] if prep else [window]
    for text in heads:
        if _GOV_NOUNS.search(text):
            return Party.GOVERNMENT, "word"
        off = [m.start() for m in _OFFEROR_NOUNS.finditer(text)]
        con = [m.start() for m in _CONTRACTOR_NOUNS.finditer(text)]
        if off or con:
            if max(off, default=-1) > max(con, default=-1):
                # -- a page or a file in the work statement is the work's, not the proposal's --
                sow = part in (Part.SOW, Part.TERMS, Part.OTHER)
                return (Party.CONTRACTOR if sow else Party.OFFEROR), "noun"
            return Party.CONTRACTOR, "noun"
    return None


def default_party(part: Part | None, file_part: Part | None) -> Party:
    """Who a requirement with no subject binds: offerors in the instructions and
    evaluation, the contractor elsewhere."""
    p = part or file_part
    return Party.OFFEROR if p in (Part.INSTRUCTIONS, Part.EVALUATION) else Party.CONTRACTOR
