"""Candidate sentences for the extractive analyzer, their scores and the answer confidence.

For each question the sentences of its selected sections are scored by:

1. lexical overlap of lemmas (stop words removed) with the question itself (weight 3),
   its hints (2) and description (1), and hint phrases found verbatim (8), each
   weighted by how rare the lemma is among the request's sentences (as a share of the
   largest idf, so scores do not grow with the document), damped for long sentences;
   generic solicitation words ("Government", "offeror") weigh little and never make a
   match alone;
2. the heading: a heading that shares words with the question ("Type of Contract",
   "Questions") vouches for every sentence under it;
3. field type: a question whose fields want a date prefers sentences with one, a
   deadline question a date on a line with a deadline cue ("due", "no later than",
   "Reply By"); amounts MONEY; parties ORG/PERSON; contacts PERSON;
4. cue words: a sentence in another question's own words and not in this one's
   ("Questions ... submitted by" for the submission deadline) is that one's;
5. rivalry: a sentence another question of the request scores higher counts less.

:func:`confidence` turns the best candidate's score, its evidence and the rank stage 1
gave its section into a number in [0, 1]; the analyzer answers only at or above a floor
calibrated on development files (ADR 0005, "Offline answers: when the extractive
analyzer abstains").
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from analyzers.extractive_units import Unit, is_content, lemma
from docsieve.analysis import QuestionSpec
from docsieve.profiles import AnswerField

PARTY = re.compile(
    r"part(y|ies)|\borg|company|vendor|buyer|seller|supplier|contractor|agency|"
    r"customer|client|licens|issuer|owner|name|contact"
)
# -- "each party or person": organisations and people; a contact is a named person --
PARTIES = re.compile(r"\bpart(?:y|ies)\b|compan|organi")
CONTACT = re.compile(r"contact|\bperson\b|\bpeople\b|officer|\bpoc\b")
AMOUNT = re.compile(r"\b(?:amount|price|value|fee|cost|budget|sum|payment|cap|limit)s?\b")
DATE = re.compile(
    r"date|deadline|\bdue\b|\bterm\b|expir|\bstart|\bend\b|effective|\bwhen\b|\btime\b"
)
# -- words every solicitation or contract sentence shares: they weigh little, and a
#    sentence that shares only these with the question is no answer --
_GENERIC_WORDS = (
    "government offeror offerer contractor vendor quoter agency include provide "
    "require following section document information rfq rfp solicitation agreement "
    "contract work quote quotation proposal shall will must may use make state follow "
    "relate apply order service services federal gsa tts 18f"
)
_GENERIC = frozenset(_GENERIC_WORDS.split())
_IDF = 5.5
_W_QUESTION, _W_DESCRIPTION, _W_HINT, _W_PHRASE, _W_GENERIC = 3.0, 1.0, 2.0, 8.0, 0.2
# -- a fitting entity multiplies the score, a missing one divides it --
_FIT, _MISFIT = 2.5, 0.4
# -- a sentence in another question's own words, and not in this one's, is that one's --
_FOREIGN = 0.2
_TZ = re.compile(
    r"[\s,]*(?:\(?\b(?:[ECMP][SD]?T|Eastern|Central|Mountain|Pacific|"
    r"AK[SD]?T|Alaska|UTC|GMT)\b(?:\s+(?:(?:Standard|Daylight|Prevailing)\s+)?[Tt]ime)?\)?)"
)
_CLOCK = re.compile(r"\b\d{1,2}(?::\d{2})?\s?[ap]\.?m\b\.?", re.IGNORECASE)
_JOIN = re.compile(r"[\s,*]*(?:on|at|by|of)?[\s,*]*")
_DEADLINE_CUE = re.compile(
    r"\b(?:due|deadline|(?:no|not) later than|reply by|response date|closing|receipt|"
    r"received|submitted|submission)",
    re.IGNORECASE,
)
# -- confidence = 1 - exp(-score / _SCALE): 0.5 at a score of 24, the floor calibrated on
#    the development half of the RFP labels (bench.extractive, ADR 0005) --
_SCALE = 24.0 / math.log(2.0)
_THIN = 0.5
# -- a sentence from a section stage 1 ranked lower for the question is less sure: on the
#    development half, 96% of the confident answers from the top-ranked section were
#    right, 80% from the others --
_PLACE = 0.7
_LEMMAS: dict[int, dict[str, frozenset[str]]] = {}
_LEMMA_CACHE = 4096


@dataclass(frozen=True)
class Query:
    """A question as the scorer sees it: weighted lemmas, verbatim phrases, wanted entities."""

    weights: dict[str, float]
    phrases: list[tuple[re.Pattern[str], float]]
    labels: frozenset[str]
    # -- the lemmas of the question itself, generic ones included: "quotes" is what tells
    #    a submission deadline from a questions deadline --
    core: frozenset[str]
    # -- a deadline question wants a date after a deadline cue, not a letter's "Date:" --
    deadline: bool


@dataclass(frozen=True)
class Candidate:
    """A scored sentence for one question, with the signals its confidence comes from."""

    unit: Unit
    score: float
    lexical: float
    phrase: bool
    heading: float
    fit: bool | None
    rival: float
    foreign: bool
    shared: int  # -- distinct non-generic question words in the sentence --
    place: int


def lemmas(nlp: Any, text: str) -> frozenset[str]:
    """The content lemmas of a short text (a question, a hint, a heading), cached: the same
    profile's questions come with every document."""
    return lemma_sets(nlp, [text])[0]


def lemma_sets(nlp: Any, texts: list[str]) -> list[frozenset[str]]:
    """:func:`lemmas` of many texts, the uncached ones tagged in one batch."""
    cache = _LEMMAS.setdefault(id(nlp), {})
    todo = list(dict.fromkeys(t for t in texts if t not in cache))
    # -- lemmas need the tagger only: the parser and NER would triple the time --
    for text, doc in zip(todo, nlp.pipe(todo, disable=["parser", "ner"]), strict=True):
        if len(cache) >= _LEMMA_CACHE:
            cache.clear()
        cache[text] = frozenset(lemma(t) for t in doc if is_content(t))
    return [cache[t] for t in texts]


def build_query(nlp: Any, q: QuestionSpec) -> Query:
    """Weighted query lemmas, the hint phrases to look for verbatim, the wanted entities."""
    weights: dict[str, float] = {}
    phrases: list[tuple[re.Pattern[str], float]] = []
    texts = [q.question, q.description, *q.hints]
    sets = dict(zip(texts, lemma_sets(nlp, texts), strict=True))
    for text, w in [
        (q.question, _W_QUESTION),
        (q.description, _W_DESCRIPTION),
        *[(h, _W_HINT) for h in q.hints],
    ]:
        for lem in sets[text]:
            weights[lem] = max(weights.get(lem, 0.0), w)
    for h in q.hints:
        words = h.lower().split()
        if len(words) >= 2:
            phrases.append((phrase_pattern(h), _W_PHRASE))
        elif words and not sets[h]:
            # -- a one-word hint on spaCy's stop list ("between") still counts, as a word --
            phrases.append((re.compile(rf"\b{re.escape(words[0])}\b"), _W_HINT))
    labels: set[str] = set()
    for f in q.fields:
        labels |= field_labels(f)
    core = sets[q.question]
    deadline = "DATE" in labels and bool(core & {"due", "deadline"})
    return Query(weights, phrases, frozenset(labels), core, deadline)


def lexical(query: Query, units: list[Unit]) -> dict[int, float]:
    """Overlap score of each unit (by index) with the question; units sharing nothing
    but generic words are left out."""
    weights = query.weights
    n = len(units)
    df: dict[str, int] = {}
    for u in units:
        for lem in u.lemmas & weights.keys():
            df[lem] = df.get(lem, 0) + 1
    out: dict[int, float] = {}
    for i, u in enumerate(units):
        shared = u.lemmas & weights.keys()
        specific = 0.0
        generic = 0.0
        for lem in shared:
            # -- rarer in the request's sentences, more telling: smoothed idf as a share of
            #    the largest one possible, so that scores (and confidence) do not grow with
            #    the number of sentences; _IDF is a typical request's largest idf --
            idf = _IDF * max(0.1, math.log(1.0 + n / df[lem]) / math.log(1.0 + n))
            if lem in _GENERIC:
                generic += _W_GENERIC * weights[lem] * idf
            else:
                specific += weights[lem] * idf
        verbatim = sum(w for p, w in query.phrases if p.search(u.low))
        if specific == 0.0 and verbatim == 0.0:
            continue
        # -- long sentences share more words by chance --
        out[i] = (specific + generic + verbatim) / (1.0 + len(u.lemmas) / 40.0) ** 0.5
    return out


def heading_overlap(query: Query, heading: frozenset[str]) -> float:
    """Share of the heading's distinctive words that the question uses (0 without one)."""
    words = heading - _GENERIC
    if not words:
        return 0.0
    return len(words & query.weights.keys()) / len(words)


def rank_all(
    queries: list[Query],
    units: list[Unit],
    owns: list[list[str]],
    lex: list[dict[int, float]],
) -> list[list[Candidate]]:
    """Each question's candidates in its own sections (chunk ids in ``owns``), best first."""
    n = len(queries)
    # -- first each question's score of each sentence, then the rivalry between them --
    pre: list[dict[int, tuple[float, bool | None, bool, float]]] = []
    for qi, query in enumerate(queries):
        scored: dict[int, tuple[float, bool | None, bool, float]] = {}
        for i, base in lex[qi].items():
            u = units[i]
            fit = _fits(query, u)
            foreign = any(
                _claims(queries[ri], query, u) and not _claims(query, queries[ri], u)
                for ri in range(n)
                if ri != qi and i in lex[ri]
            )
            head = heading_overlap(query, u.heading)
            score = base * (1.0 + head)
            if fit is not None:
                score *= _FIT if fit else _MISFIT
            if foreign:
                score *= _FOREIGN
            scored[i] = (score, fit, foreign, head)
        pre.append(scored)
    out: list[list[Candidate]] = []
    for qi, query in enumerate(queries):
        cands: list[Candidate] = []
        for i, (score, fit, foreign, head) in pre[qi].items():
            u = units[i]
            if u.section.chunk_id not in owns[qi]:
                # -- other questions' sections only inform idf and rivalry: as discounted
                #    candidates they lowered accuracy on the RFP labels (bench.extractive) --
                continue
            best = max((pre[ri][i][0] for ri in range(n) if ri != qi and i in pre[ri]), default=0)
            rival = best / score if score > 0 else math.inf
            final = score / rival if rival > 1.0 else score
            phrase = any(p.search(u.low) for p, w in query.phrases if w == _W_PHRASE)
            shared = len((u.lemmas & query.weights.keys()) - _GENERIC)
            # -- where stage 1 ranked the sentence's section for this question (0: first) --
            place = owns[qi].index(u.section.chunk_id)
            cands.append(
                Candidate(u, final, lex[qi][i], phrase, head, fit, rival, foreign, shared, place)
            )
        cands.sort(key=lambda c: -c.score)
        out.append(cands)
    return out


def _fits(query: Query, u: Unit) -> bool | None:
    """Whether the sentence holds the entity the question's fields want (None: no want)."""
    if not query.labels:
        return None
    others = query.labels - {"DATE", "TIME"} if query.deadline else query.labels
    if any(e.label_ in others for e in u.span.ents):
        return True
    return query.deadline and any(cued for _, _, cued in date_groups(u))


def date_groups(u: Unit) -> list[tuple[int, int, bool]]:
    """The sentence's dates as (start, end, after a deadline cue): a DATE/TIME entity with
    digits and those right after it, with the time zone ("12:00 PM, Eastern Time, on
    February 24, 2017"); cued when "Reply By:", "due", "no later than"... are on its line."""
    text = u.section.text
    spans = {
        (e.start_char, e.start_char + len(e.text.rstrip()))
        for e in u.span.ents
        if e.label_ in ("DATE", "TIME") and any(c.isdigit() for c in e.text)
    }
    # -- the small model misses clock times such as "4pm" --
    spans |= {(m.start(), m.end()) for m in _CLOCK.finditer(text, u.start, u.end)}
    groups: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if groups and start < groups[-1][1]:
            groups[-1] = (groups[-1][0], max(groups[-1][1], _with_zone(text, end)))
            continue
        if groups:
            gap = text[groups[-1][1] : start]
            if len(gap) <= 12 and _JOIN.fullmatch(gap):
                groups[-1] = (groups[-1][0], _with_zone(text, end))
                continue
        groups.append((start, _with_zone(text, end)))
    out = []
    for s, e in groups:
        # -- the cue is on the date's line: before it in a sentence, after it in a table row --
        line_s = max(u.start, text.rfind("\n", 0, s) + 1)
        line_e = text.find("\n", s, u.end)
        out.append(
            (s, e, bool(_DEADLINE_CUE.search(text[line_s : line_e if line_e >= 0 else u.end])))
        )
    return out


def _with_zone(text: str, end: int) -> int:
    m = _TZ.match(text, end)
    return m.end() if m else end


def phrase_pattern(words: str) -> re.Pattern[str]:
    """A hint as a pattern: case, hyphens and spacing free ("Labor-Hour" for "labor hour")."""
    parts = [re.escape(w) for w in re.split(r"[\s-]+", words.strip().lower()) if w]
    return re.compile(r"[\s-]+".join(parts), re.IGNORECASE)


def _claims(q: Query, rival: Query, u: Unit) -> bool:
    """Whether the sentence uses the words of ``q``'s own question that ``rival`` lacks,
    or one of its hint phrases ("firm fixed price")."""
    if (q.core - rival.weights.keys()) & u.lemmas:
        return True
    return any(p.search(u.low) for p, w in q.phrases if w == _W_PHRASE)


def confidence(c: Candidate) -> float:
    """How sure the best candidate answers the question, in [0, 1]: its score (which
    carries the word and phrase agreement, the heading, the field type and the rivalry)
    on a saturating scale; halved when the sentence shares a single word with the
    question and none of its phrases (thin evidence); lowered by 0.7 for each place
    below the first that stage 1 ranked its section (up to three)."""
    score = c.score if c.shared >= 2 or c.phrase else c.score * _THIN
    score *= _PLACE ** min(c.place, 3)
    return 1.0 - math.exp(-score / _SCALE)


def field_labels(f: AnswerField) -> set[str]:
    """The spaCy entity labels a field's value is made of (empty: no entity fits)."""
    name = f"{f.name} {f.description}".lower()
    if f.type == "date" or (f.type == "string" and DATE.search(name) and not PARTY.search(name)):
        return {"DATE", "TIME"}
    if f.type == "list" and DATE.search(f.name):
        return {"DATE", "TIME"}  # -- "dates": a list of them --
    if f.type == "list" and AMOUNT.search(f.name):
        return {"MONEY"}
    if f.type in ("string", "list") and PARTIES.search(name):
        return {"ORG", "PERSON"}
    if f.type in ("number", "integer"):
        return {"MONEY"} if AMOUNT.search(name) else {"MONEY", "CARDINAL", "PERCENT", "QUANTITY"}
    if f.type in ("string", "list") and CONTACT.search(name):
        return {"PERSON"}  # -- a contact is a named person; a company's name is not one --
    if f.type in ("string", "list") and PARTY.search(name):
        return {"ORG", "PERSON"}
    if f.type == "string" and AMOUNT.search(name):
        return {"MONEY"}
    return set()
