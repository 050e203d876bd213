"""The shared text primitives: clause markers, sentences, page ranges, token counts."""

from __future__ import annotations

import pytest

from docsieve.text import (
    CLAUSE_OPENER,
    LEADING_MARKER,
    format_pages,
    is_all_caps_heading,
    is_mostly_caps_heading,
    match_number,
    punctuation_pieces,
    sentence_ends,
    sentence_spans,
)
from docsieve.tokens import count_many, count_tokens


@pytest.mark.parametrize(
    ("line", "number", "level", "list_like"),
    [
        ("ARTICLE IV TERM", "ARTICLE IV", 1, False),
        ("Section 5.2 Fees", "Section 5.2", 2, False),
        ("L.3.1 Proposal format", "L.3.1", 3, False),
        ("5.2.1. Notices", "5.2.1", 3, False),
        ("5) the buyer", "5", 1, True),
        ("(a) the seller", "(a)", 3, True),
        ("(iv) any claim", "(iv)", 4, True),
        ("a. the first", "a.", 3, True),
    ],
)
def test_match_number_reads_the_opening_marker(
    line: str, number: str, level: int, list_like: bool
) -> None:
    n = match_number(line)
    assert n is not None
    assert (n.number, n.level, n.list_like) == (number, level, list_like)


@pytest.mark.parametrize("line", ["The buyer shall pay.", "Company agrees", "2024 was a year", ""])
def test_match_number_ignores_running_text(line: str) -> None:
    assert match_number(line) is None


def test_block_markers_tell_openers_from_text() -> None:
    assert CLAUSE_OPENER.match("5.2 Payment terms")
    assert CLAUSE_OPENER.match("(b) the licensee")
    assert not CLAUSE_OPENER.match("thirty days after")
    assert LEADING_MARKER.match("  (iv) any other")
    assert not LEADING_MARKER.match("payment is due")


def test_caps_headings_strict_and_loose() -> None:
    assert is_all_caps_heading("TERM AND TERMINATION")
    assert not is_all_caps_heading("TERM AND TERMINATiON")
    assert is_mostly_caps_heading("TERM AND TERMINATION OF THIS AGREEMENt")
    assert not is_mostly_caps_heading("Term and termination")


def test_sentence_spans_tile_the_text() -> None:
    text = "The term is one year. It renews each year!  Either party may end it."
    spans = sentence_spans(text)
    assert len(spans) == 3
    assert "".join(text[s:e] for s, e in spans) == text
    assert text[spans[1][0] :].startswith("It renews")


def test_sentence_ends_skip_abbreviations_and_initials() -> None:
    text = "Acme Inc. shall pay J. Smith in the U.S. market. Payment is due. 3 copies follow."
    cuts = sentence_ends(text, 0, len(text))
    assert [text[c:].split()[0] for c in cuts] == ["Payment", "3"]


def test_punctuation_pieces_cut_after_semicolons_and_blank_lines() -> None:
    text = "The seller shall deliver; the buyer shall pay.\n\nNotices go by mail:  in writing."
    assert punctuation_pieces(text) == [
        "The seller shall deliver;",
        "the buyer shall pay.",
        "Notices go by mail:",
        "in writing.",
    ]


def test_format_pages() -> None:
    assert format_pages(4, 4) == "4"
    assert format_pages(4, 6) == "4-6"


def test_count_many_agrees_with_count_tokens() -> None:
    texts = ["hello world", "", "<|endoftext|> is plain text", "a " * 300]
    assert count_many(texts) == [count_tokens(t) for t in texts]
    assert count_many(texts)[1] == 0
