"""Document type detection: contract, nda, rfp, spec or other, with the signals that decided it.

A small, explainable scorer: weighted regular expressions (``parsers.doctype_rules``)
over the file name, the title, the lead (first 600 characters), the opening of the text
and capped counts over the body. Each hit is recorded as a signal so users can see why.
Two rules sit on top of the scores (ADR 0002):

* an agreement is never ``other``: a document whose own text carries agreement
  evidence (an agreement title, named parties, a signature block...) is a contract
  at worst, even when no type reaches the minimum score;
* an NDA is an agreement whose subject is confidentiality: titled as a
  non-disclosure or confidentiality agreement, or dense in confidentiality
  vocabulary while its lead names no other kind of agreement.

``override_doc_type`` records a user's decision instead.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

from docsieve.types import DocType, DocTypeGuess, ElementKind, ParsedDocument
from parsers.doctype_rules import (
    AGREEMENT_FLOOR,
    KIND_AGREEMENT,
    MIN_SCORE,
    NDA_MIN_DENSITY,
    NDA_MIN_DENSITY_TITLED,
    NDA_TITLE,
    NDA_VOCABULARY,
    RULES,
    Rule,
)

# -- the case-insensitive rules, lower-cased and run case-sensitively over lower-cased text:
# -- the same hits, 2-10x faster in CPython's re. Patterns with an upper-case escape
# -- (\S, \W) would change meaning when lower-cased and keep the original --
_LOWERED: dict[str, re.Pattern[str]] = {
    rule.label: re.compile(rule.pattern.pattern.lower())
    for rules in RULES.values()
    for rule in rules
    if rule.pattern.flags & re.IGNORECASE and not re.search(r"\\[A-Z]", rule.pattern.pattern)
}


class _Texts(NamedTuple):
    """The places rules look (see ``Rule.where``), as written and lower-cased."""

    raw: dict[str, str]
    lower: dict[str, str]


def _texts(doc: ParsedDocument) -> _Texts:
    title = doc.title or next(
        (e.text for e in doc.elements if e.kind in (ElementKind.TITLE, ElementKind.HEADING)), ""
    )
    text = doc.text
    raw = {
        "name": Path(doc.path).stem,
        "title": title,
        "lead": text[:600],
        "head": title + "\n" + text[:3000],
        # -- the opening and the end (where the signature block is) say most --
        "body": text if len(text) <= 16000 else text[:12000] + "\n" + text[-4000:],
    }
    return _Texts(raw, {k: v.lower() for k, v in raw.items()})


def _score(rules: list[Rule], t: _Texts) -> tuple[float, float, list[str]]:
    """(score, the part of it from agreement-form rules, signals) of one type's rules."""
    score = form = 0.0
    signals: list[str] = []
    for rule in rules:
        fast = _LOWERED.get(rule.label)
        hay = t.raw[rule.where] if fast is None else t.lower[rule.where]
        if rule.gate and not any(g in hay for g in rule.gate):
            continue
        found = (fast or rule.pattern).finditer(hay)
        # -- a body rule counts up to 3 hits; elsewhere, one hit says it --
        hits = sum(1 for _ in zip(range(3 if rule.where == "body" else 1), found, strict=False))
        if hits:
            score += rule.weight * hits
            form += rule.weight * hits if rule.form else 0.0
            signals.append(rule.label if rule.where != "body" else f"{rule.label} (x{hits})")
    return score, form, signals


def _nda_evidence(t: _Texts, agreement: bool) -> list[str] | None:
    """The signals that make this document an NDA, or None when it is not one.

    A title naming a non-disclosure agreement is enough with some confidentiality
    vocabulary (more when the text lacks an agreement's form, ``agreement``); without one,
    the document must be an agreement dense in that vocabulary whose lead names no other
    kind of agreement ("Maintenance Agreement").
    """
    # -- a document without an agreement's form (a solicitation's NDA form) must carry the NDA
    # -- name in its title, not just in its first lines (a list of attachments) --
    title = NDA_TITLE.search(t.raw["lead"] if agreement else t.raw["title"])
    if title is None and not agreement:
        return None
    body = t.lower["body"]
    words = len(body.split()) or 1
    density = 1000 * sum(body.count(w) for w in NDA_VOCABULARY) / words
    vocab = f"confidentiality vocabulary {density:.1f} per 1,000 words"
    if title is not None:
        # -- without the form of an agreement, as dense as an untitled NDA --
        if density >= (NDA_MIN_DENSITY_TITLED if agreement else NDA_MIN_DENSITY):
            return [f"nda: titled {title.group(0)!r}", f"nda: {vocab}"]
        return None
    if density < NDA_MIN_DENSITY:
        return None
    if KIND_AGREEMENT.search(t.lower["lead"]) is not None:
        return None
    return [f"nda: {vocab}, and the lead names no other kind of agreement"]


def classify(doc: ParsedDocument) -> DocTypeGuess:
    """Guess the document type from its text, title and file name."""
    t = _texts(doc)
    scored = {dtype: _score(rules, t) for dtype, rules in RULES.items()}
    ranked = sorted(scored, key=lambda d: scored[d][0], reverse=True)
    best, runner_up = ranked[0], ranked[1]
    top, second = scored[best][0], scored[runner_up][0]
    contract, form, contract_signals = scored[DocType.CONTRACT]
    # -- the form of an agreement in the text itself: a file name or a few clause words alone
    # -- make nothing a contract --
    agreement = form >= AGREEMENT_FLOOR
    nda = _nda_evidence(t, agreement and (best == DocType.CONTRACT or top < MIN_SCORE))
    if nda is not None:
        beside = "" if best == DocType.CONTRACT else f"; {best.value} scored {top:.1f}"
        sig = [f"nda: confidentiality is its subject (contract score {contract:.1f}{beside})"]
        sig += nda
        return DocTypeGuess(
            doc_type=DocType.NDA,
            confidence=_confidence(top, second),
            signals=sig + contract_signals,
        )
    if top < MIN_SCORE:
        if agreement:
            sig = [
                f"contract: an agreement's form {form:.1f} (score {contract:.1f} is below "
                f"{MIN_SCORE}, but an agreement is never other)",
                *contract_signals,
            ]
            return DocTypeGuess(doc_type=DocType.CONTRACT, confidence=0.3, signals=sig)
        return DocTypeGuess(
            doc_type=DocType.OTHER,
            confidence=round(1 - top / MIN_SCORE * 0.5, 3),
            signals=[f"no type scored {MIN_SCORE} or more (best: {best.value} {top:.1f})"]
            + scored[best][2],
        )
    sig = [f"{best.value} score {top:.1f} vs {runner_up.value} {second:.1f}", *scored[best][2]]
    return DocTypeGuess(doc_type=best, confidence=_confidence(top, second), signals=sig)


def _confidence(top: float, second: float) -> float:
    confidence = max(0.0, min(1.0, (top - second) / (top + 1.0) + 0.25 * (second == 0)))
    return round(max(confidence, 0.3), 3)


def override_doc_type(doc: ParsedDocument, doc_type: DocType | str) -> ParsedDocument:
    """A copy of ``doc`` that records a user's choice of type."""
    dtype = DocType(doc_type)
    previous = doc.doc_type
    signals = ["set by the user"]
    if previous is not None and not previous.overridden:
        signals.append(f"detected: {previous.doc_type.value} ({previous.confidence:.2f})")
    guess = DocTypeGuess(doc_type=dtype, confidence=1.0, signals=signals, overridden=True)
    return doc.model_copy(update={"doc_type": guess})
