"""Chunk pages over page breaks, and chunk boundaries that must not cut a sentence.

Hand-built documents shaped like the PyMuPDF output that went wrong on CUAD:
a paragraph running over a page break, a parser "heading" that finishes the
sentence above, a parties preamble ending in a comma.
"""

from __future__ import annotations

from chunkers import get_chunker
from docsieve.settings import ChunkSettings
from docsieve.tokens import count_tokens
from docsieve.types import Chunk

from .helpers import make_doc, sentences

OPTS = ChunkSettings(max_tokens=120, min_tokens=10)


def _contract(doc, opts: ChunkSettings = OPTS) -> list[Chunk]:
    return get_chunker("contract", opts).chunk(doc)


def _pages_of(doc, c: Chunk) -> tuple[int, int]:
    """The pages of the elements whose text the chunk's first and last characters lie in."""

    def page(off: int) -> int:
        for e in doc.elements:
            if e.start <= off < e.end:
                return int(e.page)
        raise AssertionError(off)

    body = doc.text[c.start : c.end]
    first = c.start + len(body) - len(body.lstrip())
    last = c.start + len(body.rstrip()) - 1
    return page(first), page(last)


# -- pages -----------------------------------------------------------------------------------


def test_chunk_spanning_a_page_break_records_both_pages() -> None:
    doc = make_doc(
        [
            ("paragraph", "4.1 Delivery. " + sentences(1, tag="A"), {"page": 3}),
            ("paragraph", sentences(1, tag="B"), {"page": 4}),
        ]
    )
    chunks = _contract(doc)
    assert len(chunks) == 1
    assert (chunks[0].page_start, chunks[0].page_end) == (3, 4)


def test_split_block_over_a_page_break_takes_pages_from_its_elements() -> None:
    # -- one clause whose text runs over pages 2-3 in two elements, joined back into one
    #    block (the first ends mid-sentence) and then split on sentences: each part gets
    #    the pages of its own text, not a share of the block by position --
    first = "7.2 Notices. " + sentences(3, tag="P") + " and the notice shall be sent to the"
    second = "address given in writing. " + sentences(2, tag="Q")
    doc = make_doc([("paragraph", first, {"page": 2}), ("paragraph", second, {"page": 3})])
    chunks = _contract(doc)
    assert len(chunks) >= 2
    for c in chunks:
        assert (c.page_start, c.page_end) == _pages_of(doc, c), c.text[:40]
    assert chunks[0].page_start == 2 and chunks[-1].page_end == 3
    assert any(c.page_start < c.page_end for c in chunks)  # -- the part over the break --


def test_pages_inside_one_element_use_the_parsers_page_breaks() -> None:
    # -- a paragraph the parser joined over a page break, with the break recorded --
    a, b = sentences(2, tag="A"), sentences(2, tag="B")
    text = "9.1 Audit. " + a + " " + b
    doc = make_doc(
        [
            (
                "paragraph",
                text,
                {"page": 5, "page_end": 6, "meta": {"page_breaks": [len("9.1 Audit. " + a) + 1]}},
            )
        ]
    )
    chunks = _contract(doc)
    assert len(chunks) == 2
    assert [(c.page_start, c.page_end) for c in chunks] == [(5, 5), (6, 6)]
    assert chunks[1].text.startswith("B0 ")


def test_pages_inside_one_element_without_breaks_are_interpolated() -> None:
    a, b = sentences(2, tag="A"), sentences(2, tag="B")
    doc = make_doc([("paragraph", "9.1 Audit. " + a + " " + b, {"page": 5, "page_end": 6})])
    chunks = _contract(doc)
    pages = [(c.page_start, c.page_end) for c in chunks]
    # -- by character position: approximate, but in order and within the element's pages --
    assert len(pages) == 2 and pages[0][0] == 5 and pages[-1][1] == 6
    assert all(5 <= a <= b <= 6 for a, b in pages) and pages == sorted(pages)


def test_text_file_pages_are_all_one() -> None:
    doc = make_doc([("paragraph", sentences(30, tag="T"))], media_type="text/plain")
    chunks = _contract(doc)
    assert len(chunks) > 1
    assert {(c.page_start, c.page_end) for c in chunks} == {(1, 1)}


# -- sentences --------------------------------------------------------------------------------


def test_parser_heading_that_ends_the_sentence_above_is_body_text() -> None:
    # -- CUAD: "... would govern its validity," then a "heading" "construction, or
    #    interpretation." taken into the next ARTICLE's chunk --
    doc = make_doc(
        [
            ("heading", "ARTICLE XII GOVERNING LAW"),
            (
                "paragraph",
                "12.2 This Agreement shall be governed by the laws of "
                "Louisiana, except where another state's laws would govern its validity,",
            ),
            ("heading", "construction, or interpretation."),
            ("heading", "ARTICLE XIII DISCLAIMERS"),
            ("paragraph", "13.1 " + sentences(3, tag="D")),
        ]
    )
    chunks = _contract(doc)
    holder = next(c for c in chunks if "its validity," in c.text)
    assert "construction, or interpretation." in holder.text
    assert "ARTICLE XIII" not in holder.text


def test_all_caps_line_continuing_a_sentence_is_not_a_heading() -> None:
    doc = make_doc(
        [
            ("list_item", "(a) Disclaimer. THE EQUIPMENT IS PROVIDED AS IS AND WITH ALL"),
            ("heading", "FAULTS AND THE COMPANY DISCLAIMS ALL WARRANTIES,"),
            ("paragraph", "WHETHER EXPRESS OR IMPLIED, INCLUDING ANY WARRANTY OF MERCHANTABILITY."),
            ("list_item", "(b) Services. " + sentences(2, tag="S")),
        ]
    )
    chunks = _contract(doc, ChunkSettings(max_tokens=120, min_tokens=1))
    holder = next(c for c in chunks if "WITH ALL" in c.text)
    assert "FAULTS AND" in holder.text and "MERCHANTABILITY." in holder.text


def test_preamble_ending_in_a_comma_is_not_cut_before_between() -> None:
    doc = make_doc(
        [
            (
                "paragraph",
                "This Manufacturing Agreement (the “Agreement”) is effective "
                "February 1, 2017 (the “Effective Date”),",
            ),
            ("heading", "BETWEEN:"),
            ("paragraph", "ACME CORP., a company incorporated under the laws of Ontario (“ACME”);"),
            ("heading", "1. DEFINITIONS"),
            ("paragraph", "1.1 " + sentences(3, tag="D")),
        ]
    )
    chunks = _contract(doc, ChunkSettings(max_tokens=120, min_tokens=1))
    holder = next(c for c in chunks if "Effective Date”)," in c.text)
    assert "BETWEEN:" in holder.text
    assert not holder.text.rstrip().endswith(",")


def test_unfinished_sentence_moves_to_the_next_chunk_when_it_cannot_join() -> None:
    # -- a full piece that ends in "Very truly yours," cannot take the signature block
    #    whole; the open line moves down to the block it introduces --
    body = "3.1 Terms. " + sentences(7, tag="L")
    sig = "ACME BANCORP, INC.\n\nBy: ____________ John Smith, President " + sentences(4, tag="G")
    doc = make_doc([("paragraph", body), ("paragraph", "Very truly yours,"), ("paragraph", sig)])
    opts = ChunkSettings(max_tokens=120, min_tokens=1)
    assert count_tokens(body) + count_tokens(sig) > 120
    chunks = _contract(doc, opts)
    holder = next(c for c in chunks if "Very truly yours," in c.text)
    assert "ACME BANCORP" in holder.text


def test_sentence_within_the_maximum_is_never_cut() -> None:
    # -- a sentence between the planning budget (max - 2) and the maximum stays whole --
    long_sentence = "The supplier shall deliver"
    while count_tokens(long_sentence + " today.") < 120:
        long_sentence += " item, more"
        if count_tokens(long_sentence + " today.") > 120:
            long_sentence = long_sentence[: -len(" item, more")] + " more"
    long_sentence += " today."
    n = count_tokens(long_sentence)
    assert 118 < n <= 120, n
    doc = make_doc(
        [("paragraph", sentences(4, tag="A") + " " + long_sentence + " " + sentences(4, tag="B"))]
    )
    chunks = _contract(doc)
    assert any(long_sentence in c.text for c in chunks)
    assert all(c.tokens <= 120 for c in chunks)
