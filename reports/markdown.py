"""Markdown in answers, made safe: rendered to HTML for the report, escaped for Markdown files.

Answers and quotes are text from the documents (and from a model that read
them): they may hold Markdown (``**``, links), inline HTML from a DOCX
(``<span class="underline">``), or something hostile (``<script>``, a remote
image that would call home when the report opens, a file name with a newline
that forges a heading).

- :func:`to_html` renders with markdown-it-py, raw HTML off (a tag is shown as
  text, never run), images off (nothing is fetched), and markdown-it's own link
  check (no ``javascript:``). Formatting-only tags (span, u, b, i...) are dropped
  first, so a DOCX underline does not show as ``<span ...>``.
- :func:`md_inline` and :func:`md_cell` make a value safe inside a Markdown line
  or table cell: HTML escaped, newlines folded, table bars and image marks
  escaped, so it cannot start a heading, a row or an image.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from typing import Any

from markupsafe import Markup

_FORMAT_TAGS = re.compile(
    r"</?(?:span|u|b|i|em|strong|sup|sub|font|mark|small)(?:\s[^<>]{0,200})?/?>", re.I
)
_BR = re.compile(r"<br\s*/?>", re.I)


@lru_cache(maxsize=1)
def _md() -> Any:
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    # -- no images (nothing fetched), no headings (an answer cannot restructure the page) --
    md.disable(["image", "heading", "lheading"])
    return md


def to_html(text: str) -> Markup:
    """``text`` (Markdown from a document or a model) as safe HTML."""
    cleaned = _BR.sub("\n", _FORMAT_TAGS.sub("", text or ""))
    # -- markdown-it escapes every raw tag and attribute it does not render (html=False) --
    return Markup(_md().render(cleaned))


def md_inline(value: Any) -> str:
    """``value`` safe inside one line of Markdown: no HTML, no new line, no image."""
    text = html.escape(" ".join(str(value if value is not None else "").split()), quote=False)
    # -- "![x](https://...)" would fetch when the Markdown is rendered --
    return text.replace("![", "!\\[")


def md_cell(value: Any) -> str:
    """``value`` safe inside a Markdown table cell (a bar would open a column)."""
    return md_inline(value).replace("|", "\\|")


def md_heading(value: Any) -> str:
    """``value`` safe as the text of a Markdown heading (a leading '#' or '>' is escaped)."""
    text = md_inline(value)
    return "\\" + text if text[:1] in "#>-+*=" and text else text
