"""The RFP compliance matrix, stage 1: every requirement statement of a solicitation package.

:func:`extract_requirements` reads the parsed files of one package (an RFQ, its
PWS, attachments) and returns a :class:`~docsieve.requirements.RequirementSet`:
each "shall / must / will / is required to" statement, or instruction in the
imperative, with its file, section, page, exact span, obligated party, category
and part, and the places where the same obligation repeats merged into one row.
No model and no API: word rules over the structure the chunkers derive
(``chunkers.structure.derive_blocks``). See docs/adr/0009-compliance-matrix.md.

Modules: ``walker`` (sections, paragraphs, lead-ins), ``units`` (sentences and
titles), ``triggers``, ``party``, ``labels`` (category and part), ``merge``
(duplicates) and ``check`` (the "never a cut sentence" rule).

How a statement is cut (never mid-sentence):
- text blocks are split into *units*: a paragraph or list item after its marker
  and inline title ("a.  *Format.*"), a table cell, an HTML text run;
- units are split into sentences (spaCy's rule-based sentencizer, as the
  chunkers do), rejoined where the next one opens in lower case or the first
  ends on an abbreviation;
- a sentence with a trigger that ends in ':' is a *lead-in*: when its list items
  are short (median ``SHORT_ITEM_WORDS`` words or fewer) and carry no trigger of
  their own, the lead-in and its items are one statement; otherwise each item
  without its own trigger is a row of its own that inherits the trigger. A
  sentence that stops mid-way ("... will exceed 75 percent of") takes its list
  items up to the one that ends it; without such a list it is left out.

Files skipped with a reason: README/LICENSE, and questions-and-answers files.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Sequence
from pathlib import Path, PurePath

from chunkers.structure import PageMap
from docsieve.requirements import Location, Requirement, RequirementSet, SkippedFile, normalize_ws
from docsieve.types import ParsedDocument
from extractors.requirements.check import cut_reason
from extractors.requirements.merge import merge_duplicates
from extractors.requirements.walker import Candidate, DocWalker, section_ref, titles

__all__ = ["cut_reason", "extract_requirements", "skip_reason"]

_NOT_SOLICITATION = re.compile(r"^(?:readme|license|licence|changelog|contributing)\b", re.I)
_QA_NAME = re.compile(
    r"questions?[\s_-]*(?:and|&)[\s_-]*answers?|\bq\s*&\s*a\b|\bq[_-]?and[_-]?a\b|\bfaqs?\b", re.I
)
_Q_LINE = re.compile(r"^[\s*#>]*(?:q|question)\s*(?:\d+\s*)?[:.]\s", re.I | re.M)
_A_LINE = re.compile(r"^[\s*#>]*(?:a|answer|response)\s*(?:\d+\s*)?:\s", re.I | re.M)


def skip_reason(doc: ParsedDocument) -> str | None:
    """Why ``doc`` is no source of requirements, or None."""
    name = PurePath(doc.path).name
    if _NOT_SOLICITATION.match(name):
        return "not a solicitation document (README/LICENSE)"
    if _QA_NAME.search(name):
        return "questions and answers: answers restate requirements, they add none"
    if len(_Q_LINE.findall(doc.text)) >= 5 and len(_A_LINE.findall(doc.text)) >= 5:
        return "questions and answers (Q:/A: lines)"
    return None


def _location(c: Candidate, pages: PageMap) -> Location:
    names = titles(c.sections)
    return Location(
        path=c.doc.path,
        file=c.file,
        document_sha=c.doc.sha256,
        page_start=pages.page(c.start),
        page_end=max(pages.page(c.start), pages.page(c.end - 1)),
        start=c.start,
        end=c.end,
        section=section_ref(c.sections),
        heading=names[-1] if names else None,
        section_path=tuple(
            " ".join(x for x in (s.number, s.title) if x) for s in c.sections if s.number or s.title
        ),
    )


def _root_of(docs: Sequence[ParsedDocument]) -> Path:
    parents = [str(Path(d.path).resolve().parent) for d in docs]
    return Path(os.path.commonpath(parents)) if parents else Path(".")


def extract_requirements(
    docs: Sequence[ParsedDocument], root: Path | str | None = None
) -> RequirementSet:
    """The requirement statements of one solicitation package, duplicates merged.

    ``docs`` are the package's parsed files, in the order rows should follow;
    ``root`` is the package folder (default: the files' common folder), which
    ``Location.file`` is relative to. Deterministic: the same files give the
    same set.
    """
    base = Path(root).resolve() if root is not None else _root_of(docs)
    files: list[str] = []
    skipped: list[SkippedFile] = []
    reqs: list[tuple[Candidate, Requirement]] = []
    for doc in docs:
        path = Path(doc.path).resolve()
        rel = path.relative_to(base).as_posix() if path.is_relative_to(base) else path.name
        reason = skip_reason(doc)
        if reason is not None:
            skipped.append(SkippedFile(path=rel, reason=reason))
            continue
        files.append(rel)
        pages = PageMap(doc)
        for c in DocWalker(doc, rel).run():
            reqs.append((c, _requirement(c, _location(c, pages))))
    merged = merge_duplicates([r for _, r in reqs])
    numbered = tuple(r.model_copy(update={"id": f"R{i:04d}"}) for i, r in enumerate(merged, 1))
    return RequirementSet(
        root=str(base), files=tuple(files), skipped=tuple(skipped), requirements=numbered
    )


def _requirement(c: Candidate, loc: Location) -> Requirement:
    key = hashlib.sha256(f"{c.doc.sha256}:{c.start}:{c.end}".encode()).hexdigest()[:16]
    return Requirement(
        id="",
        key=key,
        statement=normalize_ws(c.doc.text[c.start : c.end]),
        modal=c.trig.modal,
        negative=c.trig.negative,
        inherited=c.inherited,
        lead_in=c.lead_in,
        party=c.party,
        category=c.category,
        part=c.part,
        location=loc,
    )
