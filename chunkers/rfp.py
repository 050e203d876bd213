"""Solicitations (RFP, RFQ, RFI): by uniform contract format section and requirement.

Honours SECTION A-M and their numbered paragraphs (C.1, L.2.3), "Instructions
to Offerors", "Evaluation Factors", statements of work and their numbered
requirements. Deadlines (a due/no-later-than phrase with a date or time) and
submission instructions are kept intact: such a section is one chunk when it
fits, rather than one chunk per paragraph.
"""

from __future__ import annotations

from ._profiled import ProfiledChunker
from .base import register
from .classifier import Profile


@register
class RfpChunker(ProfiledChunker):
    name = "rfp"
    profile = Profile(
        name="rfp", ucf=True, rfp_roles=True, intact_roles=frozenset({"instructions", "deadline"})
    )
