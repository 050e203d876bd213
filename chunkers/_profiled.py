"""A chunker that runs the shared engine under one structure profile."""

from __future__ import annotations

from typing import ClassVar

from docsieve.types import Chunk, ParsedDocument

from .base import Chunker
from .classifier import Profile
from .engine import Engine


class ProfiledChunker(Chunker):
    """Base of the built-in chunkers: they differ only in their :class:`Profile`."""

    profile: ClassVar[Profile]

    def chunk(self, doc: ParsedDocument) -> list[Chunk]:
        return Engine(self.name, self.profile, self.options, self.encoding).run(doc)
