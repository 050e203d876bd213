"""Markdown, parsed here for exact spans into the unchanged file text.

ATX and setext headings (heading spans exclude the #s), fenced code, list
items, pipe tables (one ``TableRow`` per row) and paragraphs; a standalone bold
line is a heading. Paragraphs and list items over ``LONG_PARAGRAPH`` characters
are split like plain text's (:func:`parsers.spans.split_long`).
"""

from __future__ import annotations

import re

from docsieve.text import match_number
from docsieve.types import Element, ElementKind, TableRow
from parsers.spans import LONG_PARAGRAPH, line_spans, split_long, strip_span

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
    lines = line_spans(text)
    elements: list[Element] = []
    i = 0
    n = len(lines)

    def line(k: int) -> str:
        s, e = lines[k]
        return text[s:e]

    def add(kind: ElementKind, s: int, e: int, **kw: object) -> None:
        s, e = strip_span(text, s, e)
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
                    rs, re_ = strip_span(text, *lines[j])
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
