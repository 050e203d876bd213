"""Golden-file tests: each chunker on a small real document.

The samples in ``samples/`` (see ``samples/ATTRIBUTION.md``) are parsed with
``parsers.parse_file`` and chunked with fixed options; each chunk's heading
path, pages, span, tokens, kind and first 60 characters must match
``golden/<sample>.json``.

Regenerate after an intended change (parser or chunker) and review the diff:

    DOCSIEVE_REGEN_GOLDEN=1 .venv/bin/pytest tests/chunkers

That run fails on purpose (:mod:`tests.chunkers.test_golden_flag`): with the
flag on nothing is checked, so it must never be left on.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from chunkers import get_chunker
from docsieve.settings import ChunkSettings, load_settings
from docsieve.tokens import count_tokens
from parsers import parse_file

from .test_golden_flag import REGEN

HERE = Path(__file__).parent
OPTIONS = ChunkSettings(max_tokens=320, min_tokens=16)
CASES = [
    ("tickets_sponsorship_agreement.txt", "contract"),
    ("talentmap_rfq.md", "rfp"),
    ("tts_design_research_pws.md", "spec"),
]


def _summary(sample: str, chunker: str) -> list[dict[str, Any]]:
    doc = parse_file(HERE / "samples" / sample, load_settings())
    chunks = get_chunker(chunker, OPTIONS).chunk(doc)
    # -- the invariants hold whatever the golden file says --
    last_end = 0
    for c in chunks:
        assert c.tokens == count_tokens(c.text)
        assert c.tokens <= OPTIONS.max_tokens
        assert c.start >= last_end - 1 or c.kind == "table"
        last_end = c.end
        if c.kind != "table":
            assert c.text == doc.text[c.start : c.end]
    return [
        {
            "heading_path": c.heading_path,
            "pages": [c.page_start, c.page_end],
            "span": [c.start, c.end],
            "tokens": c.tokens,
            "kind": c.kind,
            "head": c.text[:60],
        }
        for c in chunks
    ]


@pytest.mark.parametrize(("sample", "chunker"), CASES)
def test_golden(sample: str, chunker: str) -> None:
    got = _summary(sample, chunker)
    golden = HERE / "golden" / (Path(sample).stem + f".{chunker}.json")
    if REGEN or not golden.exists():
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(json.dumps(got, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        if not REGEN:
            pytest.fail(f"golden file {golden.name} was missing; written, review it")
    want = json.loads(golden.read_text(encoding="utf-8"))
    assert got == want
