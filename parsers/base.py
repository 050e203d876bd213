"""The parser contract and the registry of parsers by name.

A parser turns one file's bytes into a :class:`~docsieve.types.ParsedDocument`.
It does not classify (``parsers.classify`` does) and does not read the file
itself: ``parsers.parse_file`` reads, hashes and guards the input first, so every
parser sees bytes that passed the size limits.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import ClassVar, Protocol, runtime_checkable

from docsieve.errors import UnknownNameError
from docsieve.settings import Settings
from docsieve.types import ParsedDocument


@runtime_checkable
class Parser(Protocol):
    """Turns a file's bytes into a document with elements and spans."""

    name: ClassVar[str]
    media_types: ClassVar[dict[str, str]]  # -- extension (".pdf") -> media type --

    def parse(self, path: Path, data: bytes, settings: Settings) -> ParsedDocument:
        """Parse ``data`` (the content of ``path``). Raises ``InputError`` for bad input."""
        ...


_REGISTRY: dict[str, Callable[[], Parser]] = {}


def register(name: str, factory: Callable[[], Parser]) -> None:
    """Make a parser available under ``name``."""
    _REGISTRY[name] = factory


def get_parser(name: str) -> Parser:
    """The parser registered as ``name``; an unknown name lists the valid ones."""
    try:
        factory = _REGISTRY[name]
    except KeyError:
        raise UnknownNameError("parser", name, list(_REGISTRY)) from None
    return factory()


def parser_names() -> list[str]:
    return sorted(_REGISTRY)


def parser_for_extension(ext: str) -> Parser | None:
    """The first registered parser that handles ``ext`` (lower case, with the dot)."""
    for factory in _REGISTRY.values():
        parser = factory()
        if ext in parser.media_types:
            return parser
    return None
