"""The category of a requirement and the part of the solicitation it sits in.

- *Category* (who on the proposal team owns it): each distinct keyword of a
  category counts 2 in the statement and 1 in its innermost heading. The
  highest score wins; ties go to the more specific category (security/insurance,
  pricing, reporting, terms, management, submission, technical). Without any
  keyword, the part's category (instructions and evaluation: submission, SOW:
  technical, terms: terms; else technical). "submission" is the proposal's: it
  is never given to a contractor's duty.
- *Part*: the innermost section heading that names one ("Quotation
  Instructions", "Basis of Award", "Terms and Conditions", "Deliverables"),
  else the file's part from its name or title (a PWS is SOW, an NDA terms, a
  QASP other, an RFQ instructions).
"""

from __future__ import annotations

import re

from docsieve.requirements import Category, Part, Party

_CATEGORY_WORDS: list[tuple[Category, re.Pattern[str]]] = [
    (
        Category.SECURITY_INSURANCE,
        re.compile(
            r"\b(?:secur\w*|clearances?|background\s+(?:checks?|investigations?)|suitability|"
            r"insur\w*|bond(?:s|ing)?|piv|hspd-?12|badges?|non-?disclosure|nda|"
            r"confidential\w*|privacy|pii|personally\s+identifiable|fisma|fedramp|ato|"
            r"authority\s+to\s+operate|encrypt\w*|vulnerabilit\w*|incidents?|breach\w*|"
            r"nist|800-53|authenticat\w*|access\s+control|scan(?:s|ning)?|owasp|nessus|"
            r"findings?|threats?|compromise)\b",
            re.I,
        ),
    ),
    (
        Category.PRICING,
        re.compile(
            r"\b(?:pric\w*|costs?|rates?|invoic\w*|payments?|pay|paid|clins?|"
            r"labor\s+categor\w*|discounts?|fees?|dollars?|not-to-exceed|nte|"
            r"firm[\s-]fixed[\s-]price|labor[\s-]hours?|reimburs\w*|billing|funds?|funding)\b|\$",
            re.I,
        ),
    ),
    (
        Category.REPORTING,
        re.compile(
            r"\b(?:reports?|report(?:ed|ing)?\s+(?:to|on)|"
            r"notif(?:y|ies|ied|ication)\s+(?:the\s+|in\s+writing\s+)?(?:co|cor|acor|contracting|"
            r"government|gsa|tts|state|department|procurement)|status|briefings?|metrics|"
            r"progress|inform\s+the|demos?|demonstrations?|sprint\s+reviews?)\b",
            re.I,
        ),
    ),
    (
        Category.TERMS,
        re.compile(
            r"\b(?:clauses?|far|gsar|dfars|terminat\w*|warrant\w*|indemn\w*|liabilit\w*|"
            r"disputes?|governing\s+law|jurisdiction|intellectual\s+property|data\s+rights|"
            r"rights\s+in\s+data|licen[cs]e[sd]?|licensing|ownership|public\s+domain|"
            r"option\s+to\s+extend|modifications?|terms\s+and\s+conditions|audit\w*|"
            r"records|conflicts?\s+of\s+interest|organizational\s+conflict\w*|"
            r"personal\s+services|title\s+to|assign(?:ment)?s?\s+of|agreements?|"
            r"representations?|compl(?:y|iance)\s+with|contracting\s+officer|"
            r"authoriz\w*|changes?\s+to\s+the\s+(?:contract|order))\b",
            re.I,
        ),
    ),
    (
        Category.MANAGEMENT,
        re.compile(
            r"\b(?:key\s+personnel|personnel|staff\w*|r[ée]sum[ée]s?|project\s+managers?|"
            r"program\s+managers?|technical\s+leads?|product\s+leads?|teaming|"
            r"subcontract\w*|transition\w*|kick-?off|meetings?|"
            r"(?:project|work|delivery|master)\s+schedules?|competenc\w*|"
            r"management\s+plans?|staffing\s+plans?|project\s+plans?|quality\s+control|"
            r"quality\s+assurance|communicat\w*|coordinat\w*|points?\s+of\s+contact|"
            r"substitut\w*|training|(?:core|work|business)\s+hours|place\s+of\s+performance|"
            r"labor\s+mix|roles\s+and\s+responsibilities)\b",
            re.I,
        ),
    ),
    (
        Category.SUBMISSION,
        re.compile(
            r"\b(?:submi\w*|quot(?:e|es|ation|ations|er|ers)|proposals?|offers?|"
            r"responses?|respond|page\s+limits?|pages?|font\w*|format\w*|cover\s+(?:page|letter)|"
            r"volumes?|files?|attachments?|e-?mail\w*|ebuy|deadline|due|no\s+later\s+than|"
            r"received|oral\s+(?:presentations?|interviews?)|participants?|signed|"
            r"valid\s+for|late|electronically|closing\s+date)\b",
            re.I,
        ),
    ),
    (
        Category.TECHNICAL,
        re.compile(
            r"\b(?:systems?|software|code|develop\w*|design\w*|test\w*|deploy\w*|"
            r"user\s+research|research|data|apis?|accessib\w*|508|agile|sprints?|"
            r"repositor\w*|open\s+source|platforms?|cloud|technical|architecture|"
            r"performance\s+standards?|applications?|prototypes?|features?|infrastructure|"
            r"alerts?|dependenc\w*|uptime|integrat\w*|schedules?)\b",
            re.I,
        ),
    ),
]
_PRIORITY = [c for c, _ in _CATEGORY_WORDS]
_PART_CATEGORY = {
    Part.INSTRUCTIONS: Category.SUBMISSION,
    Part.EVALUATION: Category.SUBMISSION,
    Part.SOW: Category.TECHNICAL,
    Part.TERMS: Category.TERMS,
}


def _distinct(pattern: re.Pattern[str], text: str) -> int:
    """How many different keywords of ``pattern`` occur in ``text`` ("license" twice is one)."""
    return len({m.group(0).lower() for m in pattern.finditer(text)})


def category_of(
    statement: str, headings: list[str], part: Part | None, party: Party | None = None
) -> Category:
    """The category with the highest keyword score; ties go to the more specific one.

    "submission" is the proposal's: a contractor's duty to submit a deliverable is
    scored as reporting, management or technical instead.
    """
    scores: dict[Category, float] = {}
    inner = headings[-1] if headings else ""
    for cat, pattern in _CATEGORY_WORDS:
        if cat == Category.SUBMISSION and party == Party.CONTRACTOR:
            continue
        score = 2.0 * _distinct(pattern, statement) + _distinct(pattern, inner)
        if score:
            scores[cat] = score
    default = _PART_CATEGORY.get(part) if part else None
    if not scores:
        # -- no keyword in the statement or its heading: the part's category --
        if default is None or (default == Category.SUBMISSION and party == Party.CONTRACTOR):
            return Category.TECHNICAL
        return default
    top = max(scores.values())
    return next(c for c in _PRIORITY if scores.get(c) == top)


# -- part ---------------------------------------------------------------------------------

_PART_HEADINGS: list[tuple[Part, re.Pattern[str]]] = [
    # -- "Invoice Submission", "Delivery Instructions": not instructions to offerors --
    (Part.TERMS, re.compile(r"\binvoic\w*|\bpayments?\b|\bbilling\b", re.I)),
    (Part.SOW, re.compile(r"\bdeliver(?:y|ables?)\b", re.I)),
    (
        Part.INSTRUCTIONS,
        re.compile(
            r"\binstructions?\b|\bsubmi(?:ssion|ttal)s?\b|\bproposal\s+(?:preparation|format|"
            r"content|requirements|due)\b|\bquot(?:e|ation)\s+(?:format|content|requirements|"
            r"instructions)\b|\boral\s+(?:presentations?|interviews?)\b|\bsection\s+l\b|"
            r"\bhow\s+to\s+(?:apply|submit|respond)\b|\bresponse\s+(?:format|requirements)\b|"
            r"\bquestions\b|\bcover\s+page\b|\bpage\s+limits?\b|\bprice\s+quotation\b",
            re.I,
        ),
    ),
    (
        Part.EVALUATION,
        re.compile(
            r"\bevaluat\w*|\bbasis\s+(?:of|for)\s+award\b|\baward\s+(?:criteria|decision)\b|"
            r"\bsection\s+m\b|\bscoring\b|\bselection\s+(?:process|criteria)\b|\bbest\s+value\b",
            re.I,
        ),
    ),
    (
        Part.TERMS,
        re.compile(
            r"\bterms\b|\bconditions\b|\bclauses?\b|\bprovisions?\b|\bFAR\b|\bGSAR\b|"
            r"\bspecial\s+contract\s+requirements\b|\bsection\s+[hi]\b|\binvoic\w*|"
            r"\bpayment\b|\bdata\s+rights\b|\bintellectual\s+property\b|\bnon-?disclosure\b|"
            r"\bwarrant\w*|\btermination\b|\bagreement\b",
            re.I,
        ),
    ),
    (
        Part.SOW,
        re.compile(
            r"\bstatement\s+of\s+(?:work|objectives)\b|\bperformance\s+work\s+statement\b|"
            r"\bscope\b|\b(?:sow|pws|soo)\b|\btasks?\b|\bdeliverables?\b|\bobjectives?\b|"
            r"\b(?:operational|technical|functional|security)\s+requirements\b|^requirements$|"
            r"\bplace\s+(?:and\s+hours\s+)?of\s+performance\b|\btransition\b",
            re.I,
        ),
    ),
]

_FILE_PARTS: list[tuple[Part, re.Pattern[str]]] = [
    (Part.OTHER, re.compile(r"qasp|quality\s*assurance|roles\s*and\s*responsibilities", re.I)),
    (
        Part.INSTRUCTIONS,
        re.compile(
            r"oral[\s_-]*presentation|instructions|template|checklist|form\s*questions", re.I
        ),
    ),
    (
        Part.SOW,
        re.compile(
            r"\b(?:pws|sow|soo)|(?<![a-z])(?:pws|sow|soo)|work[\s_-]*statement|"
            r"statement[\s_-]*of[\s_-]*(?:work|objectives)",
            re.I,
        ),
    ),
    (
        Part.TERMS,
        re.compile(
            r"nda|non-?disclosure|clauses|addendum|terms|agreement|federal\s+requirements", re.I
        ),
    ),
    (Part.INSTRUCTIONS, re.compile(r"rfq|rfp|request\s+for|solicitation", re.I)),
]


def part_of_heading(label: str) -> Part | None:
    for part, pattern in _PART_HEADINGS:
        if pattern.search(label):
            return part
    return None


def part_of_file(name: str, title: str | None = None) -> Part | None:
    """The part a whole file is, from its name (then its title): a PWS is SOW, an NDA terms."""
    for text in (name, title or ""):
        for part, pattern in _FILE_PARTS:
            if pattern.search(text):
                return part
    return None
