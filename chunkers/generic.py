"""Any other document: by heading, numbered paragraph and paragraph."""

from __future__ import annotations

from ._profiled import ProfiledChunker
from .base import register
from .classifier import Profile


@register
class GenericChunker(ProfiledChunker):
    name = "generic"
    profile = Profile(name="generic", articles=True)
