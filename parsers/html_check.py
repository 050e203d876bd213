"""Did the HTML parser keep the text? A count of the visible words, to compare.

unstructured reads HTML through lxml, whose parser stops descending at 256 levels
of nesting: everything deeper, and often everything after it, is dropped without
an error (50,000 nested ``<div>`` gave a document of its first two paragraphs,
status ok). The standard library's ``html.parser`` is a flat tokenizer with no
depth limit, so it counts every word a browser would show; when the parsed
document lacks a good share of them, the document gets a warning saying so.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_WORD = re.compile(r"\w+")
# -- content a browser does not show as text --
_HIDDEN = {"script", "style", "head", "template", "noscript", "title"}
# -- elements without an end tag do not nest --
_VOID = {
    "area", "base", "br", "col", "embed", "hr", "img", "input",
    "link", "meta", "param", "source", "track", "wbr",
}  # fmt: skip
# -- lxml's default nesting limit (libxml2 without XML_PARSE_HUGE) --
LXML_MAX_DEPTH = 255
# -- a document may lack this share of the visible words (navigation, page furniture) --
MISSING_SHARE = 0.1
MISSING_WORDS = 20


class _Visible(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.words = 0
        self.depth = 0
        self.max_depth = 0
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            return
        self.depth += 1
        self.max_depth = max(self.max_depth, self.depth)
        if tag in _HIDDEN:
            self._hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:
            return
        self.depth = max(0, self.depth - 1)
        if tag in _HIDDEN and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.words += len(_WORD.findall(data))


def visible_words(html: str) -> tuple[int, int]:
    """(words a browser would show, deepest nesting of elements) in ``html``."""
    v = _Visible()
    v.feed(html)
    v.close()
    return v.words, v.max_depth


def dropped_text_warning(html: str, text: str) -> str | None:
    """A warning when ``text`` (what the parser kept) lacks much of ``html``'s visible text."""
    shown, depth = visible_words(html)
    kept = len(_WORD.findall(text))
    missing = shown - kept
    if missing <= max(MISSING_WORDS, shown * MISSING_SHARE):
        return None
    why = (
        f"; elements nest {depth} levels deep and the HTML parser stops at {LXML_MAX_DEPTH}"
        if depth > LXML_MAX_DEPTH
        else ""
    )
    return (
        f"HTML parser dropped text: {missing} of {shown} visible words are not in the document{why}"
    )
