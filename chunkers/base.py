"""The chunker contract and its registry.

A chunker turns one :class:`~docsieve.types.ParsedDocument` into a list of
:class:`~docsieve.types.Chunk`. Implementations register by name
(``@register``) and are looked up with :func:`get_chunker`; an unknown name
raises :class:`~docsieve.errors.UnknownNameError` listing the valid ones.
"""

from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from typing import ClassVar, TypeVar

from docsieve.errors import UnknownNameError
from docsieve.settings import ChunkSettings
from docsieve.types import Chunk, ParsedDocument


class Chunker(ABC):
    """Splits a parsed document into chunks within ``options``' token budget."""

    name: ClassVar[str]

    def __init__(self, options: ChunkSettings, encoding: str = "cl100k_base") -> None:
        self.options = options
        self.encoding = encoding

    @abstractmethod
    def chunk(self, doc: ParsedDocument) -> list[Chunk]:
        """The chunks of ``doc``, in document order, indexed from 0."""


_REGISTRY: dict[str, type[Chunker]] = {}
C = TypeVar("C", bound=type[Chunker])


def register(cls: C) -> C:
    """Class decorator: make ``cls`` available under ``cls.name``."""
    _REGISTRY[cls.name] = cls
    return cls


def available_chunkers() -> list[str]:
    """Registered chunker names, sorted."""
    return sorted(_REGISTRY)


def get_chunker(
    name: str, options: ChunkSettings | None = None, encoding: str = "cl100k_base"
) -> Chunker:
    """An instance of the chunker called ``name``."""
    try:
        cls = _REGISTRY[name]
    except KeyError:
        raise UnknownNameError("chunker", name, available_chunkers()) from None
    return cls(options or ChunkSettings.model_validate({}), encoding)


def options_hash(name: str, options: ChunkSettings, encoding: str = "cl100k_base") -> str:
    """Stable key of a chunk set: chunker name, its options and the token encoding.

    # -- the chunker override (``options.chunker``) is excluded: it only picks
    #    the name, which is already part of the key --
    """
    payload = {
        "chunker": name,
        "encoding": encoding,
        "options": options.model_dump(mode="json", exclude={"chunker"}),
    }
    blob = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def chunk_id(doc_sha256: str, chunker: str, start: int, end: int) -> str:
    """Stable chunk id: the same document, chunker and span give the same id."""
    return hashlib.sha256(f"{doc_sha256}:{chunker}:{start}:{end}".encode()).hexdigest()[:24]
