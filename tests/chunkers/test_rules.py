"""The chunking rules, one test each, on hand-built documents."""

from __future__ import annotations

import pytest

from chunkers import available_chunkers, chunk_document, get_chunker, options_hash
from docsieve.errors import UnknownNameError
from docsieve.settings import ChunkSettings, load_settings
from docsieve.text import sentence_starts
from docsieve.tokens import count_tokens
from docsieve.types import DocType

from .helpers import make_doc, sentences

OPTS = ChunkSettings(max_tokens=200, min_tokens=30)


def _contract(doc):
    return get_chunker("contract", OPTS).chunk(doc)


# -- registry and selection ----------------------------------------------------------------


def test_registry_lists_the_four_chunkers() -> None:
    assert available_chunkers() == ["contract", "generic", "rfp", "spec"]


def test_unknown_chunker_lists_valid_names() -> None:
    with pytest.raises(UnknownNameError) as err:
        get_chunker("semantic", OPTS)
    assert "contract, generic, rfp, spec" in str(err.value)
    assert err.value.context["valid"] == ["contract", "generic", "rfp", "spec"]


@pytest.mark.parametrize(
    ("doc_type", "expected"),
    [
        (DocType.CONTRACT, "contract"),
        (DocType.RFP, "rfp"),
        (DocType.SPEC, "spec"),
        (DocType.OTHER, "generic"),
        (None, "generic"),
    ],
)
def test_doc_type_picks_the_chunker(doc_type: DocType | None, expected: str) -> None:
    doc = make_doc([("paragraph", "Some text here.")], doc_type=doc_type)
    name, chunks = chunk_document(doc, load_settings())
    assert name == expected
    assert chunks and chunks[0].chunker == expected


def test_setting_and_argument_override_the_doc_type() -> None:
    doc = make_doc([("paragraph", "Some text here.")], doc_type=DocType.CONTRACT)
    assert chunk_document(doc, load_settings(chunk={"chunker": "spec"}))[0] == "spec"
    assert chunk_document(doc, load_settings(chunk={"chunker": "spec"}), "rfp")[0] == "rfp"
    with pytest.raises(UnknownNameError):
        chunk_document(doc, load_settings(), "nope")


def test_options_hash_is_stable_and_keyed_on_options() -> None:
    a = options_hash("contract", ChunkSettings(max_tokens=300, min_tokens=20))
    assert a == options_hash("contract", ChunkSettings(max_tokens=300, min_tokens=20))
    assert a != options_hash("contract", ChunkSettings(max_tokens=301, min_tokens=20))
    assert a != options_hash("spec", ChunkSettings(max_tokens=300, min_tokens=20))
    # -- the override only names the chunker, it is not an option of it --
    assert a == options_hash(
        "contract", ChunkSettings(max_tokens=300, min_tokens=20, chunker="contract")
    )


def test_chunk_ids_are_stable_and_spans_are_slices() -> None:
    doc = make_doc(
        [
            ("heading", "1. Term"),
            ("paragraph", sentences(6)),
            ("heading", "2. Fees"),
            ("paragraph", sentences(2, tag="F")),
        ]
    )
    first, second = _contract(doc), _contract(doc)
    assert [c.id for c in first] == [c.id for c in second]
    assert len({c.id for c in first}) == len(first)
    for i, c in enumerate(first):
        assert c.index == i
        assert c.text == doc.text[c.start : c.end]
        assert c.tokens == count_tokens(c.text)
        assert c.chunker == "contract"


# -- the rules ---------------------------------------------------------------------------


def test_heading_stays_with_its_body() -> None:
    doc = make_doc(
        [
            ("paragraph", sentences(3, tag="A")),
            ("heading", "ARTICLE 5 TERM AND TERMINATION"),
            ("paragraph", "5.1 Term. " + sentences(2, tag="T")),
            ("paragraph", "5.2 Termination. " + sentences(2, tag="X")),
        ]
    )
    chunks = _contract(doc)
    holder = [c for c in chunks if "ARTICLE 5" in c.text]
    assert len(holder) == 1
    assert "5.1 Term." in holder[0].text  # -- never a heading alone --
    assert holder[0].heading_path[0].startswith("ARTICLE 5")
    assert any(c.heading_path and c.heading_path[-1].startswith("5.2 Termination") for c in chunks)


def test_clause_numbers_inside_one_element_make_the_hierarchy() -> None:
    # -- a parser that returns a whole page as one paragraph: re-derived from the text --
    body = (
        '1. Definitions.\n"Affiliate" means any entity controlling a party. '
        + sentences(1, tag="D")
        + "\n"
        "2. Services.\n2.1 Scope. " + sentences(3, tag="P") + "\n"
        "2.2 Standards. " + sentences(3, tag="Q") + "\n"
        "3. Fees. " + sentences(1, tag="R")
    )
    chunks = _contract(make_doc([("paragraph", body)]))
    paths = [c.heading_path for c in chunks]
    assert ["2 Services", "2.1 Scope"] in paths
    assert ["2 Services", "2.2 Standards"] in paths
    assert any(c.text.startswith("2.2 Standards.") for c in chunks)


def test_sub_clauses_stay_with_their_clause_when_they_fit() -> None:
    doc = make_doc(
        [
            ("paragraph", "7.1 Warranties. Each party warrants that:"),
            ("list_item", "(a) it is duly organised; and"),
            ("list_item", "(b) it has full power to sign this Agreement; and"),
            ("list_item", "(c) signing breaches no other agreement."),
            ("paragraph", "7.2 Disclaimer. " + sentences(3, tag="D")),
        ]
    )
    chunks = _contract(doc)
    first = chunks[0]
    assert first.text.startswith("7.1 Warranties.")
    assert first.text.endswith("breaches no other agreement.")


def test_no_chunk_exceeds_max_tokens_and_splits_fall_on_sentences() -> None:
    para = sentences(14, tag="L")  # -- about 700 tokens in one block --
    doc = make_doc([("paragraph", "9.1 Indemnity. " + para)])
    chunks = _contract(doc)
    assert len(chunks) >= 4
    assert all(c.tokens <= OPTS.max_tokens for c in chunks)
    starts = sentence_starts(doc.text)
    for c in chunks:
        assert c.start in starts  # -- each chunk opens a sentence --
        assert c.text.rstrip().endswith(".")
    # -- the parts are balanced, not one full chunk and a crumb --
    sizes = [c.tokens for c in chunks]
    assert min(sizes) > max(sizes) / 2


def test_one_sentence_over_the_maximum_is_the_only_exception() -> None:
    long_sentence = "Whereas " + " ".join(f"item{i}" for i in range(400)) + "."
    chunks = _contract(make_doc([("paragraph", long_sentence)]))
    assert len(chunks) > 1
    assert all(c.tokens <= OPTS.max_tokens for c in chunks)


def test_small_siblings_are_merged() -> None:
    parts = [("paragraph", f"4.{i} Clause {i}. Short rule number {i}.") for i in range(1, 9)]
    doc = make_doc(parts)
    chunks = _contract(doc)
    assert len(chunks) < 8
    assert all(c.tokens <= OPTS.max_tokens for c in chunks)
    assert sum(c.tokens >= OPTS.min_tokens for c in chunks) >= len(chunks) - 1


def test_unrelated_clauses_are_not_merged_past_min_size() -> None:
    parts = [("paragraph", f"6.{i} Topic {i}. " + sentences(1, tag=f"T{i}x")) for i in range(4)]
    chunks = _contract(make_doc(parts))
    assert len(chunks) == 4  # -- each clause is over min_tokens: one chunk each --


def _table(rows: int) -> str:
    head = "Item | Description | Price | Notes"
    body = [
        f"R{i} | widget number {i} with a long description | {i * 10}.00 | note {i}"
        for i in range(rows)
    ]
    return "\n".join([head, *body])


def test_table_is_kept_whole_when_it_fits() -> None:
    doc = make_doc([("heading", "4.1 Price Table"), ("table", _table(4))], doc_type=DocType.SPEC)
    chunks = get_chunker("spec", OPTS).chunk(doc)
    assert len(chunks) == 1
    assert "R3 |" in chunks[0].text and chunks[0].text.startswith("4.1 Price Table")


def test_table_split_on_rows_repeats_the_header() -> None:
    doc = make_doc([("heading", "4.1 Price Table"), ("table", _table(40))], doc_type=DocType.SPEC)
    chunks = [c for c in get_chunker("spec", OPTS).chunk(doc) if c.kind == "table"]
    assert len(chunks) >= 3
    table = doc.elements[1]
    assert table.rows is not None
    header = doc.text[table.rows[0].start : table.rows[0].end]
    for c in chunks:
        assert c.tokens <= OPTS.max_tokens
        assert c.text.startswith(header) or c.text.startswith("4.1 Price Table")
        assert header in c.text
    # -- every row lies whole in exactly one chunk; chunk spans cover their rows --
    for row in table.rows[1:]:
        row_text = doc.text[row.start : row.end]
        holders = [c for c in chunks if c.start <= row.start and row.end <= c.end]
        assert len(holders) == 1
        assert row_text in holders[0].text
    assert chunks[1].text == header + "\n" + doc.text[chunks[1].start : chunks[1].end]


def test_running_headers_and_footers_stay_out_of_chunks() -> None:
    doc = make_doc(
        [
            ("paragraph", "3.1 Payment. The buyer shall pay the", {"page": 1}),
            ("footer", "Confidential - Page 1", {"page": 1}),
            ("header", "ACME SUPPLY AGREEMENT", {"page": 2}),
            ("paragraph", "price within thirty days of invoice.", {"page": 2}),
        ]
    )
    chunks = _contract(doc)
    assert len(chunks) == 1
    c = chunks[0]
    assert "Confidential" not in c.text and "ACME SUPPLY" not in c.text
    assert c.text == "3.1 Payment. The buyer shall pay the\nprice within thirty days of invoice."
    assert (c.start, c.end) == (doc.elements[0].start, doc.elements[-1].end)
    assert (c.page_start, c.page_end) == (1, 2)


def test_text_repeated_on_every_page_is_dropped() -> None:
    parts: list = []
    for page in range(1, 6):
        parts.append(
            ("paragraph", f"{page}.1 Clause. " + sentences(1, tag=f"P{page}x"), {"page": page})
        )
        parts.append(
            ("paragraph", "[***] Confidential treatment requested by the company.", {"page": page})
        )
    chunks = _contract(make_doc(parts))
    assert not any("Confidential treatment" in c.text for c in chunks)


# -- contract, rfp and spec specifics ----------------------------------------------------


def test_contract_recognises_recitals_definitions_signature_and_exhibits() -> None:
    doc = make_doc(
        [
            ("title", "SUPPLY AGREEMENT"),
            ("paragraph", "WHEREAS, the Seller makes widgets. " + sentences(1, tag="A")),
            ("paragraph", "WHEREAS, the Buyer wishes to buy them. " + sentences(1, tag="B")),
            ("heading", "ARTICLE I DEFINITIONS"),
            ("paragraph", '"Affiliate" means any entity that controls a party. ' + sentences(1)),
            ("paragraph", '"Product" means the widgets listed in Exhibit A. ' + sentences(1)),
            ("heading", "ARTICLE II SUPPLY"),
            ("paragraph", "2.1 Orders. " + sentences(2, tag="O")),
            ("paragraph", "IN WITNESS WHEREOF, the parties have signed this Agreement."),
            ("paragraph", "SELLER INC.\nBy: ______\nName: Jane Roe"),
            ("heading", "EXHIBIT A"),
            ("paragraph", "Widget list: " + sentences(2, tag="W")),
        ]
    )
    chunks = _contract(doc)
    kinds = {c.kind for c in chunks}
    assert {"recitals", "definitions", "signature", "exhibit"} <= kinds
    sig = next(c for c in chunks if c.kind == "signature")
    assert "Jane Roe" in sig.text
    ex = next(c for c in chunks if c.kind == "exhibit")
    assert ex.heading_path[0] == "EXHIBIT A"


def test_rfp_keeps_deadlines_and_instructions_intact() -> None:
    doc = make_doc(
        [
            ("heading", "SECTION L - INSTRUCTIONS TO OFFERORS", {"level": 1}),
            (
                "paragraph",
                "L.1 Submission. Proposals are due no later than 2:00 PM ET on "
                "March 3, 2025. Late proposals will not be considered.",
            ),
            ("paragraph", "L.2 Format. The offeror shall submit:"),
            ("list_item", "(a) a technical volume of at most 10 pages;"),
            ("list_item", "(b) a price volume."),
            ("heading", "SECTION M - EVALUATION FACTORS FOR AWARD", {"level": 1}),
            ("paragraph", "M.1 Basis of award. " + sentences(2, tag="M")),
        ],
        doc_type=DocType.RFP,
    )
    chunks = get_chunker("rfp", OPTS).chunk(doc)
    instr = [c for c in chunks if "L.1 Submission" in c.text]
    assert len(instr) == 1
    assert "March 3, 2025" in instr[0].text and "(b) a price volume." in instr[0].text
    assert instr[0].kind == "instructions"
    assert any(
        c.kind == "requirement"
        for c in get_chunker("rfp", OPTS).chunk(
            make_doc(
                [
                    (
                        "paragraph",
                        "C.3 Hosting. The contractor shall host the system in FedRAMP clouds.",
                    )
                ],
                doc_type=DocType.RFP,
            )
        )
    )
    evals = [c for c in chunks if "M.1" in c.text]
    assert evals and evals[0].kind == "evaluation"
    assert evals[0].heading_path[0].startswith("SECTION M")


def test_spec_follows_markdown_heading_levels() -> None:
    doc = make_doc(
        [
            ("heading", "3.0 Requirements", {"level": 1}),
            ("heading", "3.1 Security", {"level": 2}),
            ("paragraph", sentences(2, tag="S")),
            ("list_item", "1. The system shall encrypt data at rest."),
            ("heading", "3.2 Availability", {"level": 2}),
            ("paragraph", sentences(2, tag="A")),
        ],
        doc_type=DocType.SPEC,
        media_type="text/markdown",
    )
    chunks = get_chunker("spec", OPTS).chunk(doc)
    paths = [c.heading_path for c in chunks]
    assert ["3.0 Requirements", "3.1 Security"] in paths
    assert ["3.0 Requirements", "3.2 Availability"] in paths
    sec = next(c for c in chunks if c.heading_path[-1:] == ["3.1 Security"])
    assert "encrypt data at rest" in sec.text


def test_contextualized_form_leads_with_the_heading_path() -> None:
    doc = make_doc([("heading", "ARTICLE 5 TERM"), ("paragraph", "5.1 Term. " + sentences(1))])
    c = _contract(doc)[0]
    assert c.contextualized.startswith("ARTICLE 5 TERM")
    assert c.contextualized.endswith(c.text)
