"""Contracts: by ARTICLE, Section and numbered clause (1, 1.1, 1.1(a)).

Recognises definitions ('"X" means ...' and a Definitions section), recitals
(WHEREAS, RECITALS), the signature block (IN WITNESS WHEREOF) and exhibits and
schedules, which become chunk kinds. A clause's heading stays with its body,
and a clause is kept whole with its sub-clauses ((a), (i)) when it fits.
"""

from __future__ import annotations

from ._profiled import ProfiledChunker
from .base import register
from .classifier import Profile


@register
class ContractChunker(ProfiledChunker):
    name = "contract"
    profile = Profile(
        name="contract", legal_roles=True, intact_roles=frozenset({"signature", "recitals"})
    )
