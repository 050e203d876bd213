"""Without an API key, stage 2 runs offline on the extractive analyzer, with citations."""

from __future__ import annotations

from pathlib import Path

from analyzers import analyze_documents, primary_spec, replay
from docsieve.profiles import Profile
from storage.calls_repo import CallStore
from tests.analyzers.conftest import make_selection, make_settings


def test_no_key_means_extractive_with_citations(tmp_path: Path, store: CallStore,
                                                profile: Profile) -> None:
    settings = make_settings(tmp_path, None)
    assert primary_spec(settings) == "extractive"
    res = analyze_documents([make_selection(i) for i in range(3)], profile, settings,
                            store=store, run_id=1, document_ids=[1, 2, 3])
    for a in res:
        assert a.status == "analysed" and a.provider == "extractive" and a.extractive
        assert a.cost_usd == 0.0
        for ans in a.answers:
            assert ans.extractive and ans.found and ans.citations
            c = ans.citations[0]
            assert c.chunk_id.startswith(f"d{res.index(a)}c") and c.quote_verified
            assert c.page_start >= 1
    pay = res[0].answer("payment")
    assert pay is not None
    assert pay.citations[0].chunk_id == "d0c1" and pay.citations[0].page_start == 2
    assert pay.fields["amount"] == 125000.0
    assert pay.fields["due_date"] == "2026-03-31"
    parties = res[0].answer("parties")
    assert parties is not None
    assert {"Acme Corporation", "Globex Inc."} <= set(parties.fields["parties"])
    # -- logged like any call, and replayable offline --
    assert [c.provider for c in store.calls(run_id=1)] == ["extractive"] * 3
    assert replay(1, store, settings).identical
