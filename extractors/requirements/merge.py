"""Merge requirement statements that repeat the same obligation.

Two statements are the same obligation when they bind the same party, both
forbid or both require, carry the same numbers (days, pages, amounts), and
their normalised texts (Markdown removed, lower case, letters and digits only)
(the statement alone; an inherited list item must also share its lead-in)
are equal or at least ``SIMILARITY`` alike by RapidFuzz's ``ratio`` (an
Indel-distance similarity, 0-100). Within one file they must also sit under
the same heading: "Please provide name, email, and GitHub profile link." under
"Key Personnel: Product Manager" and again under "Key Personnel: User
Researcher" are two requirements, unless the statement is long (``LONG_WORDS``
words or more): a long sentence repeated in a file's scoring plan is the same
obligation as in its instructions. Across files (an RFQ and its PWS) the heading
does not matter. The first occurrence in package order is kept; the others
become its ``duplicates``.
"""

from __future__ import annotations

import re

from docsieve.requirements import Requirement, plain_text

SIMILARITY = 90.0
LONG_WORDS = 15  # -- a statement this long means the same under any heading --
_NON_WORD = re.compile(r"[^a-z0-9]+")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def normalized(text: str) -> str:
    """The text two duplicates share: plain, lower case, letters and digits only."""
    return _NON_WORD.sub(" ", plain_text(text).lower()).strip()


def _same_lead(a: Requirement, b: Requirement) -> bool:
    """Inherited list items are the same only under the same (or a near-same) lead-in."""
    if not a.inherited:
        return True
    from rapidfuzz import fuzz

    la, lb = normalized(a.lead_in or ""), normalized(b.lead_in or "")
    return la == lb or fuzz.ratio(la, lb) >= SIMILARITY


def _same_context(a: Requirement, b: Requirement, words: int) -> bool:
    la, lb = a.location, b.location
    if la.file != lb.file or words >= LONG_WORDS:
        return True
    return la.heading == lb.heading and la.section == lb.section


def _compatible(a: Requirement, b: Requirement, na: str, nb: str) -> bool:
    return (
        a.party == b.party
        and a.negative == b.negative
        and a.inherited == b.inherited
        and _same_lead(a, b)
        and _NUMBER.findall(na) == _NUMBER.findall(nb)
        and _same_context(a, b, min(len(na.split()), len(nb.split())))
    )


def merge_duplicates(reqs: list[Requirement]) -> list[Requirement]:
    """``reqs`` with duplicates folded into the first occurrence, order kept."""
    n = len(reqs)
    if n < 2:
        return list(reqs)
    norms = [normalized(r.statement) for r in reqs]
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(i: int, j: int) -> None:
        ri, rj = find(i), find(j)
        if ri != rj:
            parent[max(ri, rj)] = min(ri, rj)

    for i, j in _similar_pairs(norms):
        if _compatible(reqs[i], reqs[j], norms[i], norms[j]):
            union(i, j)
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(find(i), []).append(i)
    out: list[Requirement] = []
    for root in sorted(groups):
        members = groups[root]
        head = reqs[members[0]]
        if len(members) > 1:
            dups = tuple(reqs[m].location for m in members[1:])
            head = head.model_copy(update={"duplicates": head.duplicates + dups})
        out.append(head)
    return out


def _similar_pairs(norms: list[str]) -> list[tuple[int, int]]:
    """Index pairs ``i < j`` whose texts are equal or ``SIMILARITY`` alike."""
    try:
        from rapidfuzz import fuzz, process
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise ImportError("duplicate merging needs RapidFuzz: pip install 'rapidfuzz>=3'") from exc
    # -- one representative per distinct text: exact repeats pair up without scoring --
    same: dict[str, list[int]] = {}
    for i, t in enumerate(norms):
        same.setdefault(t, []).append(i)
    groups = list(same.values())
    pairs = [(a, b) for g in groups for k, a in enumerate(g) for b in g[k + 1 :]]
    if len(groups) > 1:
        reps = [norms[g[0]] for g in groups]
        scores = process.cdist(reps, reps, scorer=fuzz.ratio, score_cutoff=SIMILARITY, workers=1)
        rows, cols = (scores >= SIMILARITY).nonzero()
        for x, y in zip(rows.tolist(), cols.tolist(), strict=True):
            if x < y:
                pairs.extend((min(a, b), max(a, b)) for a in groups[x] for b in groups[y])
    return sorted(pairs)


__all__ = ["SIMILARITY", "merge_duplicates", "normalized"]
