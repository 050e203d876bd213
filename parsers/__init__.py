"""Stage 1a: read files into :class:`~docsieve.types.ParsedDocument`.

Public API:

- :func:`parse_file` reads, guards, parses and classifies one file;
  :func:`read_checked` opens and vets it once (no time-of-check to time-of-use
  gap) and :func:`parse_opened` parses what it read;
- :func:`discover` walks a folder safely;
- :func:`classify` / :func:`override_doc_type` for the document type;
- :mod:`parsers.base` holds the ``Parser`` contract and the registry
  ("pymupdf", "unstructured", "text").
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

from docsieve.errors import InputError
from docsieve.settings import Settings
from docsieve.types import DocStatus, DocType, DocTypeGuess, ParsedDocument
from parsers.base import Parser, get_parser, parser_for_extension, parser_names, register
from parsers.classify import classify, override_doc_type
from parsers.discover import Found, discover
from parsers.pdf import PdfParser
from parsers.reading import OpenedFile, read_checked
from parsers.text import TextParser
from parsers.unstructured_parser import UnstructuredParser

register(PdfParser.name, PdfParser)
register(UnstructuredParser.name, UnstructuredParser)
register(TextParser.name, TextParser)

__all__ = [
    "DocType",
    "DocTypeGuess",
    "Found",
    "OpenedFile",
    "ParsedDocument",
    "Parser",
    "check_zip",
    "classify",
    "discover",
    "get_parser",
    "override_doc_type",
    "parse_file",
    "parse_fingerprint",
    "parse_opened",
    "parser_names",
    "read_checked",
]

_ZIP_TYPES = {".docx"}


def check_zip(data: bytes, path: Path, settings: Settings) -> None:
    """Refuse a zip-based file (DOCX) whose directory promises a decompression bomb."""
    limits = settings.parse
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise InputError(
            f"corrupt {path.suffix.lstrip('.').upper()} file: not a valid zip archive ({exc})",
            path=path,
        ) from None
    total = sum(i.file_size for i in infos)
    if total > limits.max_uncompressed_bytes:
        raise InputError(
            f"decompression bomb: {total} bytes uncompressed > "
            f"max_uncompressed_bytes {limits.max_uncompressed_bytes}",
            path=path,
            kind="limit",
        )
    packed = max(1, sum(i.compress_size for i in infos))
    # -- small archives compress well by nature; the ratio matters only when they expand much --
    if total > 1024 * 1024 and total / packed > limits.max_compression_ratio:
        raise InputError(
            f"decompression bomb: compression ratio {total / packed:.0f} > "
            f"max_compression_ratio {limits.max_compression_ratio:g}",
            path=path,
            kind="limit",
        )
    if path.suffix.lower() == ".docx" and "word/document.xml" not in {i.filename for i in infos}:
        raise InputError("corrupt DOCX file: the archive has no word/document.xml", path=path)


def parse_fingerprint(settings: Settings) -> str:
    """Names the parse settings: a file refused for a limit is read again when they change."""
    return hashlib.sha256(settings.parse.model_dump_json().encode()).hexdigest()


def _parser_for(path: Path, settings: Settings) -> Parser:
    ext = path.suffix.lower()
    parser = parser_for_extension(ext) if ext in settings.parse.extensions else None
    if parser is None:
        raise InputError(
            f"unsupported file type '{ext or '(none)'}'", path=path, status=DocStatus.SKIPPED.value
        )
    return parser


def parse_file(path: Path, settings: Settings, root: Path | None = None) -> ParsedDocument:
    """Read (once, see :func:`read_checked`), guard, parse and classify one file.

    ``root`` (a real path) is where the opened file must lie. Bad input raises ``InputError``.
    """
    path = Path(path)
    _parser_for(path, settings)
    return parse_opened(read_checked(path, settings, root), settings)


def parse_opened(opened: OpenedFile, settings: Settings) -> ParsedDocument:
    """Guard, parse and classify the bytes of a file already read by :func:`read_checked`."""
    path, data = opened.path, opened.data
    parser = _parser_for(path, settings)
    if not data:
        raise InputError("empty file (0 bytes)", path=path)
    if path.suffix.lower() in _ZIP_TYPES:
        check_zip(data, path, settings)
    parsed = parser.parse(path, data, settings)
    doc = parsed.model_copy(update={"path": str(path), "sha256": opened.sha256})
    if not doc.text.strip():
        raise InputError("no text found in the document", path=path)
    update: dict[str, object] = {"doc_type": classify(doc)}
    lost = doc.text.count("\ufffd")
    if lost:
        # -- U+FFFD stands where a decoder met bytes it could not read: the text is not whole --
        update["warnings"] = [
            *doc.warnings,
            f"{lost} character(s) could not be decoded and were replaced by U+FFFD",
        ]
    return doc.model_copy(update=update)
