"""Document type detection: contract, rfp, spec or other, with the signals that decided it.

A small, explainable scorer: weighted regular expressions over the title, the
file name and the opening of the text (plus a few whole-text counts). Each hit
is recorded as a signal so users can see why; ``override_doc_type`` records a
user's decision instead.
"""

from __future__ import annotations

import re
from pathlib import Path

from docsieve.types import DocType, DocTypeGuess, ElementKind, ParsedDocument

_I = re.IGNORECASE
# -- (label, pattern, weight, where): where is "name", "head" (title + first 3,000 chars),
# -- or "body" (counted over the first 12,000 and last 4,000 chars, capped at 3 hits) --
_RULES: dict[DocType, list[tuple[str, re.Pattern[str], float, str]]] = {
    DocType.RFP: [
        (
            "file name names a solicitation part",
            re.compile(
                r"(^|[^a-z])(rfq|rfp|rfi|pws|soo|sow|solicitation|statement.of.work)"
                r"([^a-z]|$)",
                _I,
            ),
            3.0,
            "name",
        ),
        (
            "opens as a request for proposal/quotation",
            re.compile(r"request\s+for\s+(proposals?|quot(e|ation)s?|information)|\bRF[PQ]\b"),
            3.0,
            "head",
        ),
        (
            "opens as a work statement",
            re.compile(r"performance\s+work\s+statement|statement\s+of\s+(work|objectives)", _I),
            3.0,
            "head",
        ),
        (
            "offerors/quoters addressed",
            re.compile(r"\b(offerors?|quoters?|proposers?|bidders?|respondents?)\b", _I),
            1.0,
            "body",
        ),
        (
            "proposal/quote due date",
            re.compile(
                r"(proposals?|quot(e|ation)s?|responses?|offers?)\s+(are|is|shall be|must be)"
                r"\s+(due|received|submitted)|closing date|due date",
                _I,
            ),
            1.0,
            "body",
        ),
        (
            "evaluation criteria / basis of award",
            re.compile(r"evaluation (criteria|factors)|basis (of|for) award|will be evaluated", _I),
            1.0,
            "body",
        ),
        (
            "contracting officer / solicitation terms",
            re.compile(r"contracting (officer|specialist)|solicitation|procurement officer", _I),
            0.7,
            "body",
        ),
    ],
    DocType.CONTRACT: [
        (
            "file name names an agreement",
            re.compile(r"agreement|contract|lease|license|nda|addendum|terms", _I),
            1.5,
            "name",
        ),
        (
            "titled as an agreement or contract terms",
            re.compile(
                r"\b(agreement|contract|lease|addendum|terms and conditions"
                r"|clauses)\b",
                _I,
            ),
            2.0,
            "title",
        ),
        ("FAR/GSAR clause references", re.compile(r"\b5[23]\.2\d\d-\d+"), 1.0, "body"),
        (
            "parties named (by and between / entered into)",
            re.compile(
                r"by and between|entered into (as of|on|this)|is made (and entered )?"
                r"(as of|on|this)",
                _I,
            ),
            2.5,
            "head",
        ),
        (
            "recitals (WHEREAS / NOW, THEREFORE)",
            re.compile(r"\bWHEREAS\b|NOW,? THEREFORE", _I),
            1.0,
            "body",
        ),
        (
            "signature block (IN WITNESS WHEREOF)",
            re.compile(r"IN WITNESS WHEREOF|duly (executed|authorized)", _I),
            2.0,
            "body",
        ),
        (
            'defined term "Agreement"',
            re.compile(r"\(?(the|this)\s+[\"\u201c]Agreement[\"\u201d]|this Agreement", _I),
            1.0,
            "body",
        ),
        (
            "parties bound (the parties ... shall)",
            re.compile(r"\b(the|both|each|either) part(y|ies)\b[^.]{0,80}\bshall\b", _I),
            0.5,
            "body",
        ),
        (
            "contract clauses (governing law, indemnification, termination)",
            re.compile(
                r"governing law|indemnif|terminat(e|ion) (this|for convenience|for cause)"
                r"|hereunder|hereto",
                _I,
            ),
            0.7,
            "body",
        ),
    ],
    DocType.SPEC: [
        (
            "file name names a specification or standard",
            re.compile(r"spec(ification)?s?([^a-z]|$)|standards?|requirements", _I),
            2.0,
            "name",
        ),
        (
            "titled as a specification",
            re.compile(
                r"specifications?|standards?|technical requirements|requirements "
                r"document",
                _I,
            ),
            2.0,
            "title",
        ),
        (
            "normative language (shall/must comply, conform to)",
            re.compile(
                r"shall (comply|conform) (with|to)|must (comply|conform)|in accordance "
                r"with (the )?(standard|specification)",
                _I,
            ),
            0.7,
            "body",
        ),
        (
            "numbered technical requirements",
            re.compile(r"\b(REQ|FR|NFR|TR)[-_ ]?\d+", 0),
            1.0,
            "body",
        ),
    ],
}
_MIN_SCORE = 2.5
# -- words one of which a body rule's match must contain (lower case; upper case for the
# -- case-sensitive rules). A plain substring test rules a pattern out before its regex
# -- scans up to 16,000 characters: the regexes took ~6 ms a document, a fifth of parsing --
_GATES: dict[str, tuple[str, ...]] = {
    "offerors/quoters addressed": ("offeror", "quoter", "proposer", "bidder", "respondent"),
    "proposal/quote due date": (
        "proposal",
        "quot",
        "response",
        "offer",
        "closing date",
        "due date",
    ),
    "evaluation criteria / basis of award": (
        "evaluation criteria",
        "evaluation factors",
        "basis of award",
        "basis for award",
        "will be evaluated",
    ),
    "contracting officer / solicitation terms": (
        "contracting officer",
        "contracting specialist",
        "solicitation",
        "procurement officer",
    ),
    "FAR/GSAR clause references": ("52.2", "53.2"),
    "recitals (WHEREAS / NOW, THEREFORE)": ("whereas", "now, therefore", "now therefore"),
    "signature block (IN WITNESS WHEREOF)": (
        "in witness whereof",
        "duly executed",
        "duly authorized",
    ),
    'defined term "Agreement"': ("agreement",),
    "parties bound (the parties ... shall)": ("party", "parties"),
    "contract clauses (governing law, indemnification, termination)": (
        "governing law",
        "indemnif",
        "terminat",
        "hereunder",
        "hereto",
    ),
    "normative language (shall/must comply, conform to)": (
        "shall comply",
        "shall conform",
        "must comply",
        "must conform",
        "in accordance with the standard",
        "in accordance with standard",
        "in accordance with the specification",
        "in accordance with specification",
    ),
    "numbered technical requirements": ("REQ", "FR", "TR"),
}

# -- the case-insensitive body rules, lower-cased and run case-sensitively over the lower-cased
# -- body: the same hits, 2-10x faster in CPython's re. Patterns with an upper-case escape
# -- (\S, \W) would change meaning when lower-cased and keep the original --
_LOWERED: dict[str, re.Pattern[str]] = {
    label: re.compile(pattern.pattern.lower())
    for rules in _RULES.values()
    for label, pattern, _, where in rules
    if where == "body"
    and pattern.flags & re.IGNORECASE
    and not re.search(r"\\[A-Z]", pattern.pattern)
}


def classify(doc: ParsedDocument) -> DocTypeGuess:
    """Guess the document type from its text, title and file name."""
    name = Path(doc.path).stem
    head_title = doc.title or next(
        (e.text for e in doc.elements if e.kind in (ElementKind.TITLE, ElementKind.HEADING)), ""
    )
    head = head_title + "\n" + doc.text[:3000]
    # -- the opening and the end (where the signature block is) say most --
    text = doc.text
    body = text if len(text) <= 16000 else text[:12000] + "\n" + text[-4000:]
    scores: dict[DocType, float] = {t: 0.0 for t in _RULES}
    signals: dict[DocType, list[str]] = {t: [] for t in _RULES}
    lower = body.lower()
    for dtype, rules in _RULES.items():
        for label, pattern, weight, where in rules:
            if where == "body":
                fast = _LOWERED.get(label)
                hay = body if pattern.flags & re.IGNORECASE == 0 else lower
                gate = _GATES.get(label)
                if gate is not None and not any(g in hay for g in gate):
                    continue
                found = fast.finditer(lower) if fast is not None else pattern.finditer(body)
                hits = min(3, sum(1 for _ in zip(range(3), found, strict=False)))
                if hits:
                    scores[dtype] += weight * hits
                    signals[dtype].append(f"{label} (x{hits})")
            else:
                target = {"name": name, "head": head, "title": head_title}[where]
                if pattern.search(target):
                    scores[dtype] += weight
                    signals[dtype].append(label)
    ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
    (best, top), (_, second) = ranked[0], ranked[1]
    if top < _MIN_SCORE:
        return DocTypeGuess(
            doc_type=DocType.OTHER,
            confidence=round(1 - top / _MIN_SCORE * 0.5, 3),
            signals=[f"no type scored {_MIN_SCORE} or more (best: {best.value} {top:.1f})"],
        )
    confidence = max(0.0, min(1.0, (top - second) / (top + 1.0) + 0.25 * (second == 0)))
    confidence = round(max(confidence, 0.3), 3)
    sig = [f"{best.value} score {top:.1f} vs {ranked[1][0].value} {second:.1f}"] + signals[best]
    return DocTypeGuess(doc_type=best, confidence=confidence, signals=sig)


def override_doc_type(doc: ParsedDocument, doc_type: DocType | str) -> ParsedDocument:
    """Record a user's choice of type on ``doc`` (in place, also returned)."""
    dtype = DocType(doc_type)
    previous = doc.doc_type
    signals = ["set by the user"]
    if previous is not None and not previous.overridden:
        signals.append(f"detected: {previous.doc_type.value} ({previous.confidence:.2f})")
    doc.doc_type = DocTypeGuess(doc_type=dtype, confidence=1.0, signals=signals, overridden=True)
    return doc
