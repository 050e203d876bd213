"""Plain text and Markdown, parsed here for exact spans.

The document text is the file's decoded text with nothing changed: benchmarks
give gold answers as offsets into the file, so every element is a span of it.
Plain text: blank-line separated blocks; numbered clauses ("5.2", "(a)",
"ARTICLE IV") and short ALL-CAPS lines become headings or list items.
Markdown: ATX and setext headings, list items, pipe tables (one ``TableRow``
per row) and paragraphs.
Both: a paragraph longer than ``LONG_PARAGRAPH`` characters (a whole contract on
a few very long lines) is split at inline clause starts after a sentence end,
then between whole sentences, so later stages get clause-sized elements.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from itertools import pairwise
from pathlib import Path
from typing import ClassVar

from docsieve.errors import InputError
from docsieve.settings import Settings
from docsieve.text import (
    INLINE_CLAUSE,
    ends_sentence,
    heading_title_ok,
    is_all_caps_heading,
    is_bullet,
    match_number,
    sentence_ends,
)
from docsieve.types import Element, ElementKind, ParsedDocument, TableRow

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


_LINE = re.compile(r"[^\n]*\n|[^\n]+$")


def _lines(text: str) -> list[tuple[int, int]]:
    """(start, end) of each line, end excluding the newline (and a trailing \\r)."""
    out = []
    for m in _LINE.finditer(text):
        s, e = m.start(), m.end()
        if text[e - 1 : e] == "\n":
            e -= 1
        if text[e - 1 : e] == "\r":
            e -= 1
        out.append((s, e))
    return out


def _strip_span(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return s, e


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


# -- a paragraph longer than this is split into clause- or sentence-sized elements: some
# -- CUAD text files hold a whole contract in a few very long lines --
LONG_PARAGRAPH = 1500


def _clause_starts(text: str, s: int, e: int) -> list[int]:
    """Offsets in ``text[s:e]`` where an inline clause begins after a sentence end."""
    out = []
    for m in INLINE_CLAUSE.finditer(text, s, e):
        if m.start("start") > s and ends_sentence(text, m.start()):
            out.append(m.start("start"))
    return out


def _sentence_cuts(text: str, s: int, e: int, max_chars: int) -> list[int]:
    """Cut points packing whole sentences of ``text[s:e]`` into pieces of <= max_chars.

    A single sentence longer than ``max_chars`` stays whole: a sentence is never cut.
    """
    ends = sentence_ends(text, s, e)
    cuts: list[int] = []
    piece = s
    last: int | None = None  # -- the latest sentence end inside the current piece --
    for b in ends:
        if b - piece > max_chars and last is not None:
            cuts.append(last)
            piece = last
        last = b
        if b - piece > max_chars:  # -- one sentence longer than max_chars: on its own --
            cuts.append(b)
            piece, last = b, None
    if e - piece > max_chars and last is not None and last > piece:
        cuts.append(last)
    return cuts


def split_long(
    text: str, el: Element, max_chars: int, classify: Callable[[str, int, int], Element]
) -> list[Element]:
    """``el`` itself, or clause- and sentence-sized elements covering its span.

    A long paragraph is split first before each inline clause number that follows a
    sentence end ("... hereunder. 2.4 No Setoff. ...", "; (b) ..."), then any piece
    still over ``max_chars`` between whole sentences. Clause pieces are classified
    by ``classify``; sentence pieces are paragraphs. Spans stay exact.
    """
    if el.end - el.start <= max_chars or el.rows or el.meta.get("code"):
        return [el]
    starts = [el.start, *_clause_starts(text, el.start, el.end)]
    bounds = [*starts, el.end]
    out: list[Element] = []
    for k, (ps, pe) in enumerate(pairwise(bounds)):
        cuts = _sentence_cuts(text, ps, pe, max_chars)
        for j, (cs, ce) in enumerate(zip([ps, *cuts], [*cuts, pe], strict=True)):
            cs, ce = _strip_span(text, cs, ce)
            if cs >= ce:
                continue
            if j == 0 and k == 0:  # -- the opening keeps the paragraph's own kind and number --
                piece = el.model_copy(
                    update={"text": text[cs:ce], "start": cs, "end": ce, "meta": dict(el.meta)}
                )
            elif j == 0:
                piece = classify(text, cs, ce)
            else:
                piece = Element(kind=ElementKind.PARAGRAPH, text=text[cs:ce], start=cs, end=ce)
            piece.meta["split"] = (
                "clause" if j == 0 and k > 0 else ("sentence" if j > 0 else "first")
            )
            out.append(piece)
    return out


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
            s, e = _strip_span(text, g[0][0], g[-1][1])
            if s >= e:
                continue
            for el in split_long(text, _classify_block(text, s, e), max_chars, _classify_block):
                el.page = _page_of(ff, el.start)
                end_page = _page_of(ff, el.end)
                el.page_end = end_page if end_page != el.page else None
                elements.append(el)
        block.clear()

    for ls, le in _lines(text):
        if text[ls:le].strip():
            block.append((ls, le))
        else:
            flush()
    flush()
    return elements


_ATX = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)[ \t]*#*[ \t]*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")
_MD_LIST = re.compile(r"^ {0,12}(?:[-*+]|\d{1,3}[.)])[ \t]+\S")
_TABLE_SEP = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_EMPH = re.compile(r"^[*_]{1,3}")


def _md_number(line: str) -> tuple[str | None, int | None]:
    n = match_number(_EMPH.sub("", line.strip()))
    return (n.number, n.level) if n else (None, None)


def _table_cells(row: str) -> list[str]:
    r = row.strip()
    if r.startswith("|"):
        r = r[1:]
    if r.endswith("|") and not r.endswith("\\|"):
        r = r[:-1]
    return [c.strip() for c in re.split(r"(?<!\\)\|", r)]


def _md_piece(text: str, s: int, e: int) -> Element:
    """A piece of a long Markdown paragraph that opens with a clause number."""
    n = match_number(_EMPH.sub("", text[s:e]))
    kind = ElementKind.LIST_ITEM if n is not None and n.list_like else ElementKind.PARAGRAPH
    return Element(
        kind=kind,
        text=text[s:e],
        start=s,
        end=e,
        number=n.number if n else None,
        level=n.level if n else None,
    )


def parse_markdown(text: str, max_chars: int = LONG_PARAGRAPH) -> list[Element]:
    """Elements of Markdown, each a span of ``text`` (heading spans exclude the #s);
    paragraphs and list items over ``max_chars`` are split like plain text's."""
    lines = _lines(text)
    elements: list[Element] = []
    i = 0
    n = len(lines)

    def line(k: int) -> str:
        s, e = lines[k]
        return text[s:e]

    def add(kind: ElementKind, s: int, e: int, **kw: object) -> None:
        s, e = _strip_span(text, s, e)
        if s < e:
            el = Element(kind=kind, text=text[s:e], start=s, end=e, **kw)
            if kind in (ElementKind.PARAGRAPH, ElementKind.LIST_ITEM):
                elements.extend(split_long(text, el, max_chars, _md_piece))
            else:
                elements.append(el)

    while i < n:
        cur = line(i)
        if not cur.strip() or (_SETEXT.match(cur) and cur.strip()[0] == "="):
            i += 1
            continue
        m = _ATX.match(cur)
        if m:
            s = lines[i][0] + m.start(2)
            e = lines[i][0] + m.end(2)
            number, nlevel = _md_number(m.group(2))
            add(
                ElementKind.HEADING,
                s,
                e,
                level=len(m.group(1)),
                number=number,
                meta={"number_level": nlevel} if nlevel else {},
            )
            i += 1
            continue
        if _FENCE.match(cur):
            j = i + 1
            while j < n and not _FENCE.match(line(j)):
                j += 1
            end = lines[min(j, n - 1)][1]
            add(ElementKind.PARAGRAPH, lines[i][0], end, meta={"code": True})
            i = j + 1
            continue
        if "|" in cur and i + 1 < n and _TABLE_SEP.match(line(i + 1)) and "|" in line(i + 1):
            rows: list[TableRow] = []
            j = i
            while j < n and "|" in line(j) and line(j).strip():
                if not _TABLE_SEP.match(line(j)):
                    rs, re_ = _strip_span(text, *lines[j])
                    rows.append(TableRow(cells=_table_cells(text[rs:re_]), start=rs, end=re_))
                j += 1
            add(ElementKind.TABLE, lines[i][0], lines[j - 1][1], rows=rows)
            i = j
            continue
        if _MD_LIST.match(cur):
            j = i + 1
            # -- continuation lines: non-blank, not a new item, not a heading or table --
            while (
                j < n
                and line(j).strip()
                and not _MD_LIST.match(line(j))
                and not _ATX.match(line(j))
                and not _FENCE.match(line(j))
            ):
                j += 1
            number, nlevel = _md_number(re.sub(r"^\s*[-*+]\s+", "", cur))
            indent = len(cur) - len(cur.lstrip())
            add(
                ElementKind.LIST_ITEM,
                lines[i][0],
                lines[j - 1][1],
                number=number,
                level=nlevel,
                meta={"indent": indent},
            )
            i = j
            continue
        # -- a paragraph: up to a blank line or a line that opens another construct --
        j = i + 1
        setext_level = None
        while j < n:
            nxt = line(j)
            if not nxt.strip() or _ATX.match(nxt) or _FENCE.match(nxt) or _MD_LIST.match(nxt):
                break
            if _SETEXT.match(nxt):
                setext_level = 1 if nxt.strip()[0] == "=" else 2
                break
            if "|" in nxt and j + 1 < n and _TABLE_SEP.match(line(j + 1)):
                break
            j += 1
        s, e = lines[i][0], lines[j - 1][1]
        body = text[s:e].strip()
        number, nlevel = _md_number(body)
        if setext_level is not None:
            add(ElementKind.HEADING, s, e, level=setext_level, number=number)
            j += 1
        elif (
            "\n" not in body
            and len(body) <= 150
            and re.fullmatch(r"[*_]{2}[^*_].*[*_]{2}:?", body)
            and not body.rstrip("*_:").endswith(".")
        ):
            # -- a standalone bold line is a heading in converted documents --
            add(ElementKind.HEADING, s, e, level=nlevel or 3, number=number)
        else:
            add(ElementKind.PARAGRAPH, s, e, number=number, level=nlevel)
        i = j
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
