"""Specifications and work statements: by heading hierarchy and numbered paragraph.

Tables are kept whole when they fit, else split on row boundaries with the
header row repeated at the top of every part.
"""

from __future__ import annotations

from ._profiled import ProfiledChunker
from .base import register
from .classifier import Profile


@register
class SpecChunker(ProfiledChunker):
    name = "spec"
    profile = Profile(name="spec", ucf=True)
