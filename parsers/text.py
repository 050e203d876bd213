"""Plain text and Markdown, parsed here for exact spans.

The document text is the file's decoded text with nothing changed: benchmarks
give gold answers as offsets into the file, so every element is a span of it.
Plain text (here): blank-line separated blocks; numbered clauses ("5.2", "(a)",
"ARTICLE IV") and short ALL-CAPS lines become headings or list items.
Markdown: :mod:`parsers.markdown`.
Both: a paragraph longer than ``LONG_PARAGRAPH`` characters (a whole contract on
a few very long lines) is split at inline clause starts after a sentence end,
then between whole sentences (:mod:`parsers.spans`), so later stages get
clause-sized elements.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import ClassVar

from docsieve.errors import InputError
from docsieve.settings import Settings
from docsieve.text import heading_title_ok, is_all_caps_heading, is_bullet, match_number
from docsieve.types import Element, ElementKind, ParsedDocument
from parsers.markdown import parse_markdown
from parsers.spans import LONG_PARAGRAPH, line_spans, split_long, strip_span

_BOMS: list[tuple[bytes, str]] = [
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
]


def decode_text(data: bytes, path: Path) -> tuple[str, str]:
    """Decode file bytes; returns (text, encoding). Raises InputError with the attempts."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(enc), enc
            except UnicodeDecodeError as exc:
                raise InputError(
                    f"text has a {enc} byte-order mark but does not decode as "
                    f"{enc} ({exc.reason} at byte {exc.start})",
                    path=path,
                ) from None
    tried: list[str] = []
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        tried.append(f"utf-8 ({exc.reason} at byte {exc.start})")
    # -- cp1252 decodes almost any byte string; accept it only when the result looks like text --
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as exc:
        tried.append(f"cp1252 ({exc.reason} at byte {exc.start})")
    else:
        bad = sum(1 for c in text if (ord(c) < 32 and c not in "\t\n\r\f") or c == "\x7f")
        if "\x00" not in text and bad <= len(text) * 0.001:
            return text, "cp1252"
        tried.append(f"cp1252 (decodes, but {bad} control characters: not text)")
    raise InputError(
        "text is not decodable: tried " + ", ".join(tried) + "; utf-16 needs a byte-order mark",
        path=path,
    )


def _page_of(offsets: list[int], pos: int) -> int:
    """1-based page from form-feed offsets (plain text rarely has pages)."""
    lo = 0
    for i, off in enumerate(offsets):
        if pos >= off:
            lo = i + 1
    return lo + 1


def _classify_block(text: str, s: int, e: int) -> Element:
    """An element for one stripped span of plain text."""
    body = text[s:e]
    first = body.split("\n", 1)[0].strip()
    num = match_number(first)
    single = "\n" not in body.strip()
    if num is not None:
        rest = first[num.end :]
        short_title = heading_title_ok(rest) and (
            is_all_caps_heading(rest)
            or (len(rest.split()) <= 8 and not rest.rstrip().endswith((".", ";", ",")))
        )
        if single and not num.list_like and (not rest.strip() or short_title):
            return Element(
                kind=ElementKind.HEADING,
                text=body,
                start=s,
                end=e,
                number=num.number,
                level=num.level,
            )
        kind = ElementKind.LIST_ITEM if num.list_like else ElementKind.PARAGRAPH
        return Element(kind=kind, text=body, start=s, end=e, number=num.number, level=num.level)
    if single and is_all_caps_heading(first):
        return Element(kind=ElementKind.HEADING, text=body, start=s, end=e, level=1)
    if is_bullet(first):
        return Element(kind=ElementKind.LIST_ITEM, text=body, start=s, end=e)
    return Element(kind=ElementKind.PARAGRAPH, text=body, start=s, end=e)


def parse_plain(text: str, max_chars: int = LONG_PARAGRAPH) -> list[Element]:
    """Elements of plain text: blocks split on blank lines, then on heading/list lines;
    paragraphs over ``max_chars`` split at inline clause numbers and sentence ends."""
    elements: list[Element] = []
    ff = [m.start() for m in re.finditer("\f", text)]
    block: list[tuple[int, int]] = []

    def flush() -> None:
        if not block:
            return
        # -- a block splits before each line that opens a clause number or a bullet,
        # -- and after a first line that is a heading on its own --
        groups: list[list[tuple[int, int]]] = [[block[0]]]
        for ls, le in block[1:]:
            line = text[ls:le].strip()
            if match_number(line) is not None or is_bullet(line):
                groups.append([(ls, le)])
            else:
                groups[-1].append((ls, le))
        if len(groups[0]) > 1:
            fs, fe = groups[0][0]
            first = text[fs:fe].strip()
            n = match_number(first)
            if is_all_caps_heading(first) or (
                n is not None and not n.list_like and is_all_caps_heading(first[n.end :])
            ):
                groups[0:1] = [[groups[0][0]], groups[0][1:]]
        for g in groups:
            s, e = strip_span(text, g[0][0], g[-1][1])
            if s >= e:
                continue
            for el in split_long(text, _classify_block(text, s, e), max_chars, _classify_block):
                page, end_page = _page_of(ff, el.start), _page_of(ff, el.end)
                elements.append(
                    el.model_copy(
                        update={"page": page, "page_end": end_page if end_page != page else None}
                    )
                )
        block.clear()

    for ls, le in line_spans(text):
        if text[ls:le].strip():
            block.append((ls, le))
        else:
            flush()
    flush()
    return elements


class TextParser:
    """Plain text and Markdown with exact spans into the unchanged file text."""

    name: ClassVar[str] = "text"
    media_types: ClassVar[dict[str, str]] = {
        ".txt": "text/plain",
        ".text": "text/plain",
        ".md": "text/markdown",
        ".markdown": "text/markdown",
    }

    def parse(self, path: Path, data: bytes, settings: Settings) -> ParsedDocument:
        text, encoding = decode_text(data, path)
        if not text.strip():
            raise InputError("the file holds only whitespace, no text", path=path)
        ext = path.suffix.lower()
        media = self.media_types.get(ext, "text/plain")
        elements = parse_markdown(text) if media == "text/markdown" else parse_plain(text)
        warnings = [] if encoding in ("utf-8", "utf-8-sig") else [f"decoded as {encoding}"]
        pages = max((el.last_page for el in elements), default=1)
        heads = [el for el in elements if el.kind in (ElementKind.HEADING, ElementKind.TITLE)]
        # -- a top-level heading names the document better than a bold letterhead line --
        first = next((el for el in heads if el.level == 1), heads[0] if heads else None)
        title = first.text.strip("#*_ ") if first else None
        return ParsedDocument(
            path=str(path),
            sha256="",
            media_type=media,
            parser=self.name,
            text=text,
            pages=pages,
            elements=elements,
            title=title,
            warnings=warnings,
        )
