"""Sentence units: exact, stripped, ordered offsets; short pieces joined, long ones cut."""

from __future__ import annotations

import itertools

from extractors.units import MAX_CHARS, MIN_CHARS, sentence_units


def test_units_are_exact_stripped_and_ordered() -> None:
    text = (
        "  12.1 Governing Law.\n\nThis Agreement is governed by the laws of New York. "
        "Notices shall be sent by courier to the addresses below.\n\n"
        "(a) Short.\n\nThe Supplier shall maintain insurance of at least one million dollars."
    )
    units = sentence_units(text)
    assert units == sorted(units)
    assert all(b <= c for (_, b), (c, _) in itertools.pairwise(units))
    for s, e in units:
        piece = text[s:e]
        assert piece == piece.strip() and piece
    pieces = [text[s:e] for s, e in units]
    # -- a heading or list marker alone joins the next sentence --
    assert pieces[0].startswith("12.1 Governing Law.") and "New York" in pieces[0]
    assert any(p.startswith("Notices shall be sent") for p in pieces)
    assert all(len(p) >= MIN_CHARS for p in pieces)


def test_long_sentences_are_cut_and_empty_text_has_no_units() -> None:
    clause = "the Licensee shall pay the royalties set out in Schedule B; " * 40
    units = sentence_units(clause)
    assert len(units) > 1
    assert all(e - s <= MAX_CHARS for s, e in units)
    assert sentence_units("") == [] and sentence_units("  \n ") == []
    assert sentence_units("Short.") == [(0, 6)]
