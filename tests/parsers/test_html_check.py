"""Counting an HTML file's visible words, without a nesting limit."""

from __future__ import annotations

from parsers.html_check import dropped_text_warning, visible_words


def test_visible_words_skip_hidden_content_and_measure_depth() -> None:
    html = (
        "<html><head><title>not shown</title><style>p {color: red}</style></head>"
        "<body><p>one two<br>three</p><script>var x = 1;</script>"
        + "<div>" * 1000
        + "four five"
        + "</div>" * 1000
        + "</body></html>"
    )
    assert visible_words(html) == (5, 1002)


def test_a_warning_only_when_much_text_is_missing() -> None:
    html = "<p>" + " ".join(f"word{i}" for i in range(100)) + "</p>"
    full = " ".join(f"word{i}" for i in range(100))
    assert dropped_text_warning(html, full) is None
    assert dropped_text_warning(html, " ".join(full.split()[:95])) is None
    warning = dropped_text_warning(html, " ".join(full.split()[:30]))
    assert warning is not None and "70 of 100 visible words" in warning
