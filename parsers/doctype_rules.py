"""The rules of document typing (``parsers.classify``): weighted, labelled patterns per type,
and the thresholds of the never-other and NDA rules. Data only; the scoring is in classify.

A rule's label is the signal users see when it fires. Keep patterns to the vocabulary of a
document kind in general (any agreement, any solicitation), never to one file's wording;
``python -m bench.classify`` measures them, hidden file names included.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from docsieve.types import DocType


class Rule(NamedTuple):
    """One weighted pattern of a document type; ``label`` is the signal it records."""

    label: str
    pattern: re.Pattern[str]
    weight: float
    # -- name (file stem), title (title or first heading), lead (the first 600 chars: the
    # -- parser's title can come from anywhere, an exhibit's heading at the end, say),
    # -- head (title + first 3,000 chars) or body (counted over the first 12,000 and last
    # -- 4,000 chars, capped at 3 hits) --
    where: str
    # -- one of these substrings (lower case, or as written for case-sensitive patterns) must
    # -- occur before the regex scans up to 16,000 characters; the regexes took ~6 ms a
    # -- document, a fifth of parsing, before this gate --
    gate: tuple[str, ...] = ()
    # -- contract rules: the rule is evidence of an agreement's form (title, parties, signature,
    # -- assent) for the never-other rule; body vocabulary alone is not --
    form: bool = False


_I = re.IGNORECASE
# -- a pattern that opens with a literal is searched for fast; one that opens with \b or an
# -- optional group is tried at every position (10x slower): hence "part(?:y|ies)\b", not
# -- "\bpart(y|ies)\b" --
RFP_RULES = [
    Rule(
        "file name names a solicitation part",
        re.compile(
            r"(^|[^a-z])(rfq|rfp|rfi|pws|soo|sow|solicitation|statement.of.work)([^a-z]|$)", _I
        ),
        3.0,
        "name",
    ),
    Rule(
        "opens as a request for proposal/quotation",
        re.compile(r"request\s+for\s+(proposals?|quot(e|ation)s?|information)|\bRF[PQ]\b"),
        3.0,
        "head",
    ),
    Rule(
        "opens as a solicitation amendment",
        re.compile(
            r"amendment of (the )?solicitation|solicitation amendment|amendment (no\.? ?\d+ )?"
            r"to (the )?(solicitation|rfp|rfq|request for)",
            _I,
        ),
        3.0,
        "head",
    ),
    Rule(
        "opens as a work statement",
        re.compile(r"performance\s+work\s+statement|statement\s+of\s+(work|objectives)", _I),
        3.0,
        "head",
    ),
    Rule(
        "offerors/quoters addressed",
        re.compile(r"\b(offerors?|quoters?|proposers?|bidders?|respondents?)\b", _I),
        1.0,
        "body",
        ("offeror", "quoter", "proposer", "bidder", "respondent"),
    ),
    Rule(
        "proposal/quote due date",
        re.compile(
            r"(proposals?|quot(e|ation)s?|responses?|offers?)\s+(are|is|shall be|must be)"
            r"\s+(due|received|submitted)|closing date|due date",
            _I,
        ),
        1.0,
        "body",
        ("proposal", "quot", "response", "offer", "closing date", "due date"),
    ),
    Rule(
        "evaluation criteria / basis of award",
        re.compile(r"evaluation (criteria|factors)|basis (of|for) award|will be evaluated", _I),
        1.0,
        "body",
        (
            "evaluation criteria",
            "evaluation factors",
            "basis of award",
            "basis for award",
            "will be evaluated",
        ),
    ),
    Rule(
        "contracting officer / solicitation terms",
        re.compile(r"contracting (officer|specialist)|solicitation|procurement officer", _I),
        0.7,
        "body",
        ("contracting officer", "contracting specialist", "solicitation", "procurement officer"),
    ),
]
# -- agreement evidence, kept to the vocabulary of agreements in general (any of CUAD's
# -- 25 types and the NDAs), not to the wording of particular files --
CONTRACT_RULES = [
    Rule(
        "file name names an agreement",
        re.compile(r"agreement|contract|lease|license|nda|addendum|amendment|terms", _I),
        1.5,
        "name",
    ),
    Rule(
        "titled as an agreement or contract terms",
        # -- as a title is written (capitals or Title Case), so that prose such as "the
        # -- contract compliance" in a solicitation's first lines does not count --
        re.compile(
            r"\b(AGREEMENT|CONTRACT|LEASE|ADDENDUM|AMENDMENT|COVENANT|INDENTURE"
            r"|MEMORANDUM OF UNDERSTANDING|LETTER OF INTENT|TERMS AND CONDITIONS"
            r"|TERMS OF (SERVICE|USE))\b"
            r"|\b(?!(The|This|That|Such|Said|Any|Each|An?|Of|And|To)\s)[A-Z][\w&-]*[ \t]+"
            r"(Agreement|Contract|Lease|Addendum|Amendment|Covenant|Indenture|Clauses)\b"
            r"|Memorandum of Understanding|Letter of Intent|Terms and Conditions"
            r"|Terms of (Service|Use)",
        ),
        2.0,
        "lead",
        form=True,
    ),
    Rule(
        "parties named (by and between / entered into / hereinafter)",
        re.compile(
            r"by and (between|among)|entered into (by|as of|on|this|effective)|is made "
            r"(and entered into )?(as of|on|this|effective)|made (as of|this \d)|\bbetween\s*:"
            r"|hereinafter (referred to as|called)|\bparty [ab]\b",
            _I,
        ),
        2.5,
        "head",
        form=True,
    ),
    Rule(
        "FAR/GSAR clause references",
        re.compile(r"\b5[23]\.2\d\d-\d+"),
        1.0,
        "body",
        ("52.2", "53.2"),
    ),
    Rule(
        "recitals (WHEREAS / NOW, THEREFORE / in consideration of)",
        re.compile(r"WHEREAS|NOW,? THEREFORE|WITNESSETH|in consideration of", _I),
        1.0,
        "body",
        ("whereas", "now, therefore", "now therefore", "witnesseth", "in consideration of"),
    ),
    Rule(
        "execution clause (IN WITNESS WHEREOF / duly executed)",
        re.compile(
            r"IN (WITNESS|EVIDENCE) (WHEREOF|THEREOF)|duly (executed|authori[sz]ed)"
            r"|ha(ve|s) (caused this|executed this|signed this)",
            _I,
        ),
        2.0,
        "body",
        (
            "witness whereof",
            "witness thereof",
            "evidence whereof",
            "duly executed",
            "duly authori",
            "caused this",
            "executed this",
            "signed this",
        ),
        form=True,
    ),
    Rule(
        "signature lines (/s/, authorized signatory, signature page, agreed and accepted)",
        re.compile(
            r"/s/|authori[sz]ed signator|signature page|agreed (to )?and accepted"
            r"|accepted and agreed|\(seal\)",
            _I,
        ),
        1.0,
        "body",
        ("/s/", "signator", "signature page", "accepted", "(seal)"),
        form=True,
    ),
    Rule(
        "agreement language (hereby agree, agree as follows)",
        re.compile(
            r"hereby (agree|covenant)|agrees? as follows|parties (hereto )?"
            r"(hereby )?agree|undersigned (hereby )?agree|accepts? and agrees?|agrees? to be bound",
            _I,
        ),
        1.0,
        "body",
        ("agree", "covenant"),
        form=True,
    ),
    Rule(
        'defined term "Agreement"',
        re.compile(
            r"(?:the|this)\s+[\"\u201c]Agreement[\"\u201d]|this (?:Agreement|Amendment"
            r"|Addendum|Lease)\b",
            _I,
        ),
        1.0,
        "body",
        ("agreement", "amendment", "addendum", "lease"),
    ),
    Rule(
        'party roles defined ("Licensee", "Supplier", "Party"...)',
        re.compile(
            r"[\"\u201c](company|licensee|licensor|supplier|customer|buyer|seller|distributor"
            r"|consultant|client|vendor|lessee|lessor|landlord|tenant|franchisee|franchisor"
            r"|part(y|ies)|recipient|owner|purchaser|provider|manufacturer|reseller|agent"
            r"|sponsor|developer|employee|employer|investor|borrower|lender|partner"
            r"|disclos(ing party|er)|receiving party)[\"\u201d]",
            _I,
        ),
        1.0,
        "body",
        ('"', "\u201c"),
    ),
    Rule(
        "parties bound (party ... shall)",
        re.compile(r"part(?:y|ies)\b[^.]{0,80}?\bshall\b", _I),
        0.5,
        "body",
        ("party", "parties"),
    ),
    Rule(
        "amendment language (hereby amended, amended to read)",
        re.compile(
            r"hereby amended|amended (and restated )?(to read|as follows)"
            r"|deleted in (its|their) entirety|in lieu of any (contract )?provisions",
            _I,
        ),
        1.0,
        "body",
        ("amended", "entirety", "in lieu of"),
    ),
    Rule(
        "contract clauses (governing law, indemnification, termination, counterparts)",
        re.compile(
            r"governing law|indemnif|terminat(e|ion) (this|for convenience|for cause)"
            r"|hereunder|hereto|entire agreement|counterparts|severab|force majeure"
            r"|successors and (permitted )?assigns",
            _I,
        ),
        0.7,
        "body",
        (
            "governing law",
            "indemnif",
            "terminat",
            "hereunder",
            "hereto",
            "entire agreement",
            "counterparts",
            "severab",
            "force majeure",
            "successors and",
        ),
    ),
]
SPEC_RULES = [
    Rule(
        "file name names a specification or standard",
        re.compile(r"spec(ification)?s?([^a-z]|$)|standards?|requirements", _I),
        2.0,
        "name",
    ),
    Rule(
        "titled as a specification",
        re.compile(r"specifications?|standards?|technical requirements|requirements document", _I),
        2.0,
        "title",
    ),
    Rule(
        "normative language (shall/must comply, conform to)",
        re.compile(
            r"shall (comply|conform) (with|to)|must (comply|conform)|in accordance "
            r"with (the )?(standard|specification)",
            _I,
        ),
        0.7,
        "body",
        (
            "shall comply",
            "shall conform",
            "must comply",
            "must conform",
            "in accordance with the standard",
            "in accordance with standard",
            "in accordance with the specification",
            "in accordance with specification",
        ),
    ),
    Rule(
        "numbered technical requirements",
        re.compile(r"\b(REQ|FR|NFR|TR)[-_ ]?\d+", 0),
        1.0,
        "body",
        # -- "FR"/"TR" alone pass on every capitalised CONTRACT or TRANSFER: name the next char --
        ("REQ", *(p + c for p in ("FR", "TR") for c in "-_ 0123456789")),
    ),
]
RULES: dict[DocType, list[Rule]] = {
    DocType.RFP: RFP_RULES,
    DocType.CONTRACT: CONTRACT_RULES,
    DocType.SPEC: SPEC_RULES,
}
MIN_SCORE = 2.5
# -- below MIN_SCORE, this much agreement form (rules with form=True) still makes a
# -- contract: an agreement title, a parties clause, an execution clause, or two signs of
# -- signature or assent --
AGREEMENT_FLOOR = 2.0

# -- the NDA refinement (ADR 0002). Title: the lead names a non-disclosure or
# -- confidentiality agreement. Density: hits of NDA_VOCABULARY per 1,000 words of the
# -- scored body: ContractNLI NDAs run 9-70, CUAD contracts 0-33 (confidentiality is one
# -- clause of many, and the dense ones are titled "X Agreement"). Without an NDA title the
# -- threshold sits midway between the densest CUAD development contract whose lead names no
# -- kind of agreement (8.2) and the sparsest untitled NDA of ContractNLI's development half
# -- (15.8, a covenant not to compete). With one, 5 checks that an agreement is about it,
# -- and a document without an agreement's form needs the untitled threshold --
NDA_TITLE = re.compile(
    r"non-?\s?disclosure|confidential(ity)?(\s+(and|&)\s+[\w-]+(\s+[\w-]+)?)?\s+(agreement"
    r"|undertaking|statement)|confidential disclosure agreement|secrecy agreement"
    r"|\b(mutual\s+|m|c)?nda\b|\bcda\b",
    _I,
)
NDA_VOCABULARY = ("confiden", "disclos", "proprietary", "evaluation material", "secret", "secrecy")
NDA_MIN_DENSITY_TITLED = 5.0
NDA_MIN_DENSITY = 12.0
# -- "<kind> agreement" in the lead, for a kind that is not about confidentiality: an
# -- agreement titled as something else (maintenance, reseller...) stays a contract however
# -- much of it is about confidentiality --
KIND_AGREEMENT = re.compile(
    r"\b(?!(this|the|that|such|said|an?|of|and|to|any|other|which|mutual|nda|secrecy"
    r"|confidential(ity)?|(non-?)?disclosure|nondisclosure)\s)[a-z][a-z-]+\s+(agreement|contract)\b"
)
