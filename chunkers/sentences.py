"""Sentence boundaries with spaCy, for text that must be split.

A blank English pipeline with the rule-based ``sentencizer`` is used: it needs
no model download and runs at well over a million characters a second, which
keeps chunking cheap next to parsing. It is only ever run on a block that is
larger than the token budget.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def _nlp() -> Any:
    try:
        import spacy
    except ImportError as exc:  # pragma: no cover - spacy is a core dependency
        raise ImportError("spaCy is needed to split sentences: pip install 'spacy>=3.8'") from exc
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    # -- long contracts: a single oversized block can be a few hundred kB --
    nlp.max_length = 10_000_000
    return nlp


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` offsets of the sentences of ``text``, covering it without gaps.

    Each sentence keeps its trailing whitespace, so the spans tile ``text``.
    """
    if not text.strip():
        return [(0, len(text))] if text else []
    doc = _nlp()(text)
    starts = [s.start_char for s in doc.sents]
    if not starts or starts[0] != 0:
        starts = [0, *starts]
    ends = [*starts[1:], len(text)]
    return [(s, e) for s, e in zip(starts, ends, strict=True) if e > s]


def sentence_starts(text: str) -> set[int]:
    """Offsets in ``text`` where spaCy starts a sentence."""
    return {s for s, _ in sentence_spans(text)}
