"""Stage 1b: document-type-aware chunking.

``chunk_document`` picks a chunker (explicit name, else the ``chunk.chunker``
setting, else the detected document type) and returns its chunks. Chunkers
register by name in :mod:`chunkers.base`: contract, rfp, spec and generic.
"""

from __future__ import annotations

from docsieve.settings import Settings
from docsieve.types import Chunk, DocType, ParsedDocument

from . import contract, generic, rfp, spec  # noqa: F401  -- registers the built-ins
from .base import Chunker, available_chunkers, chunk_id, get_chunker, options_hash, register

__all__ = [
    "Chunker",
    "available_chunkers",
    "chunk_document",
    "chunk_id",
    "chunker_for",
    "get_chunker",
    "options_hash",
    "register",
]

_BY_TYPE = {
    DocType.CONTRACT: "contract",
    DocType.NDA: "contract",
    DocType.RFP: "rfp",
    DocType.SPEC: "spec",
    DocType.OTHER: "generic",
}


def chunker_for(doc: ParsedDocument, settings: Settings, chunker: str | None = None) -> str:
    """The chunker name for ``doc``: explicit, else configured, else by document type."""
    if chunker:
        return chunker
    if settings.chunk.chunker:
        return settings.chunk.chunker
    if doc.doc_type is not None:
        return _BY_TYPE.get(doc.doc_type.doc_type, "generic")
    return "generic"


def chunk_document(
    doc: ParsedDocument, settings: Settings, chunker: str | None = None
) -> tuple[str, list[Chunk]]:
    """Chunk ``doc``; returns ``(chunker name, chunks)``."""
    name = chunker_for(doc, settings, chunker)
    impl = get_chunker(name, settings.chunk, settings.encoding)
    return name, impl.chunk(doc)
