"""The labels format of ``docsieve train``: good lines, bad lines with one-line errors, pairs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from docsieve.analysis import Section
from docsieve.errors import ConfigError
from docsieve.feedback import CitedQuestion
from docsieve.settings import Settings
from extractors.feedback import (
    feedback_pairs,
    find_quote,
    label_pairs,
    load_labels,
    read_document,
)

DOC = """SUPPLY AGREEMENT

1. TERM
This Agreement commences on January 1, 2025 and continues for two years.

2. PAYMENT
Customer shall pay Supplier the fee of $10,000 within thirty days of each invoice.

3. TERMINATION
Either party may terminate this Agreement for convenience on sixty days notice.

4. GOVERNING LAW
This Agreement is governed by the laws of the State of Delaware.
"""
QUOTE = "Either party may terminate this Agreement for convenience on sixty days notice."


def _write(tmp_path: Path, lines: list[object], doc: str = DOC, newline: str = "\n") -> Path:
    (tmp_path / "docs").mkdir(exist_ok=True)
    (tmp_path / "docs" / "supply.txt").write_bytes(doc.replace("\n", newline).encode())
    f = tmp_path / "labels.jsonl"
    f.write_text(
        "\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n",
        encoding="utf-8",
    )
    return f


def test_good_lines_quotes_and_spans(tmp_path: Path, settings: Settings) -> None:
    start = DOC.index("Customer shall pay")
    f = _write(
        tmp_path,
        [
            {"document": "docs/supply.txt", "question": "Can it be terminated?", "quotes": [QUOTE]},
            "",  # -- blank lines are allowed --
            {
                "document": str(tmp_path / "docs" / "supply.txt"),
                "question": "What is the fee?",
                "description": "price and payment terms",
                "spans": [[start, start + 60]],
            },
        ],
    )
    records = load_labels(f)
    assert [r.where for r in records] == [f"{f}:1", f"{f}:3"]
    assert records[0].document == tmp_path / "docs" / "supply.txt"
    assert records[1].description == "price and payment terms"

    pairs = label_pairs(records, settings, negatives=2)
    by_q = {p.query: p for p in pairs}
    term = by_q["Can it be terminated?"]
    # -- the evidence sentence is the positive; the negatives are other sentences --
    assert QUOTE in term.positive and len(term.positive) < len(QUOTE) + 20
    assert len(term.negatives) == 2
    assert all(n in DOC and QUOTE not in n for n in term.negatives)
    fee = by_q["What is the fee? price and payment terms"]
    assert "$10,000" in fee.positive and all("$10,000" not in n for n in fee.negatives)


def test_crlf_spans_count_newlines_once(tmp_path: Path, settings: Settings) -> None:
    f = _write(tmp_path, [], newline="\r\n")
    assert read_document(tmp_path / "docs" / "supply.txt", settings).text == DOC
    s = DOC.index(QUOTE)
    f.write_text(
        json.dumps(
            {"document": "docs/supply.txt", "question": "q", "spans": [[s, s + len(QUOTE)]]}
        ),
        encoding="utf-8",
    )
    (pair,) = label_pairs(load_labels(f), settings)
    assert QUOTE in pair.positive and "\r" not in pair.positive


def test_quote_found_across_whitespace() -> None:
    text = "Either party may\n   terminate this Agreement."
    s, e = find_quote(text, "party may terminate this") or (0, 0)
    assert text[s:e] == "party may\n   terminate this"
    assert find_quote(text, "no such words") is None


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "expected a JSON object, got list"),
        ({"document": "docs/supply.txt", "question": "q", "quote": ["x"]}, "did you mean 'quotes'"),
        ({"question": "q", "quotes": ["x"]}, '"document" must be a non-empty string'),
        ({"document": "docs/supply.txt", "quotes": ["x"]}, '"question" must be a non-empty'),
        ({"document": "docs/supply.txt", "question": "q"}, 'no evidence: give "quotes"'),
        ({"document": "docs/supply.txt", "question": "q", "quotes": [""]}, '"quotes" must be'),
        (
            {"document": "docs/supply.txt", "question": "q", "spans": [[5, 2]]},
            '"spans" item 1 must be [start, end]',
        ),
        ({"document": "docs/nope.txt", "question": "q", "quotes": ["x"]}, "document not found"),
    ],
)
def test_bad_lines_name_file_and_line(tmp_path: Path, line: object, message: str) -> None:
    good = {"document": "docs/supply.txt", "question": "q", "quotes": [QUOTE]}
    f = _write(tmp_path, [good, line])
    with pytest.raises(ConfigError) as exc:
        load_labels(f)
    text = str(exc.value)
    assert text.startswith(f"{f}:2: ") and message in text
    assert "\n" not in text


def test_evidence_that_does_not_fit_the_document(tmp_path: Path, settings: Settings) -> None:
    f = _write(
        tmp_path,
        [
            {"document": "docs/supply.txt", "question": "q", "quotes": ["not in the text"]},
            {"document": "docs/supply.txt", "question": "r", "spans": [[0, 10**6]]},
        ],
    )
    records = load_labels(f)
    with pytest.raises(ConfigError, match=rf"^{f}:1: quote not found in the document"):
        label_pairs(records[:1], settings)
    with pytest.raises(ConfigError, match=rf"^{f}:2: span \[0, 1000000\] is past the end"):
        label_pairs(records[1:], settings)


def test_empty_labels_file(tmp_path: Path) -> None:
    f = _write(tmp_path, [""])
    with pytest.raises(ConfigError, match="no labels"):
        load_labels(f)


def test_feedback_pairs_cited_against_uncited() -> None:
    def sec(i: int, text: str) -> Section:
        return Section(chunk_id=f"c{i}", page_start=1, page_end=1, heading_path=["H"], text=text)

    long = (
        "The term of this Agreement is two years from the Effective Date. "
        "\u2026 Either party may terminate this Agreement for convenience on notice. "
        "Notices must be in writing and sent to the addresses above."
    )
    item = CitedQuestion(
        document_sha="0" * 64,
        question_id="term",
        question="Can it be terminated?",
        description="for convenience",
        cited=[sec(1, long), sec(2, "Termination takes effect after sixty days of notice.")],
        quotes={"c1": ["terminate this Agreement for convenience"]},
        uncited=[
            sec(3, "The fee is payable within thirty days of each invoice."),
            sec(4, "This Agreement is governed by the laws of Delaware."),
            sec(5, "This Agreement cannot be terminated by the Supplier alone."),
        ],
    )
    pairs = feedback_pairs([item], negatives=2)
    # -- the quoted sentence of the long section; the short one (no quote) whole --
    assert [p.positive for p in pairs] == [
        "Either party may terminate this Agreement for convenience on notice.",
        "Termination takes effect after sixty days of notice.",
    ]
    # -- the uncited sentence sharing a word with the question comes first --
    assert pairs[0].negatives == (
        "This Agreement cannot be terminated by the Supplier alone.",
        "The fee is payable within thirty days of each invoice.",
    )
    assert pairs[0].query == "Can it be terminated? for convenience"
