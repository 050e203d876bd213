"""Budgets in stage 2: admission before a call, settlement after, degradation by copy."""

from __future__ import annotations

import pytest

from analyzers.base import Estimate
from analyzers.budget import Limits, admit, drop_lowest
from docsieve.analysis import Usage
from docsieve.errors import BudgetExceededError
from tests.analyzers.conftest import make_selection


def test_limits_reserve_settle_and_refuse() -> None:
    limits = Limits(tokens=1000, usd=0.10)
    first = admit(Estimate(400, 200, 0.05, "tiktoken-estimate"), limits)
    with pytest.raises(BudgetExceededError, match="document budget"):
        admit(Estimate(300, 200, 0.01, "tiktoken-estimate"), limits)  # -- 1,100 tokens --
    first.settle(Usage(input_tokens=350, output_tokens=50), 0.02)
    assert (limits.tokens, limits.usd) == (400, pytest.approx(0.02))
    with pytest.raises(BudgetExceededError, match=r"\$"):
        admit(Estimate(10, 10, 0.09, "tiktoken-estimate"), limits)  # -- $0.11 --
    second = admit(Estimate(300, 200, None, "count_tokens"), limits)  # -- unpriced: $0 held --
    second.release()
    assert (limits.tokens, limits.usd) == (400, pytest.approx(0.02))


def test_drop_lowest_copies_and_keeps_one_section_per_question() -> None:
    sel = make_selection(0)
    q = sel.questions[0]  # -- payment: d0c1 (scored 0.4 here), then d0c0 --
    low = q.chunks[0].model_copy(update={"score": 0.4})
    q = q.model_copy(update={"chunks": [low, *q.chunks[1:]]})
    sel = sel.model_copy(update={"questions": [q, *sel.questions[1:]]})
    smaller = drop_lowest(sel)
    assert smaller is not None
    assert [c.chunk_id for c in smaller.questions[0].chunks] == ["d0c0"]
    assert [len(x.chunks) for x in sel.questions] == [2, 1]  # -- the original is untouched --
    assert smaller.selected_tokens < sel.selected_tokens
    assert drop_lowest(smaller) is None  # -- every question keeps its best section --
