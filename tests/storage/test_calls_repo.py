"""The stage 2 repository: call log, response cache and analyses, on SQLite and PostgreSQL."""

from __future__ import annotations

from docsieve.analysis import (
    AnalysisRequest,
    Answer,
    Citation,
    DocumentAnalysis,
    ProviderResponse,
    Section,
    Usage,
)
from storage.calls_repo import REDACTED, CallStore, redact
from storage.db import open_database

SECRET = "sk-ant-very-secret-value-123"


def _request() -> AnalysisRequest:
    return AnalysisRequest(
        model="claude-sonnet-4-5",
        instructions="i",
        sections=[Section(chunk_id="c1", page_start=1, page_end=2, text="t")],
        questions=[],
        answer_schema={"type": "object"},
        max_tokens=10,
    )


def _response() -> ProviderResponse:
    return ProviderResponse(
        provider="anthropic",
        model="claude-sonnet-4-5",
        answers=[
            Answer(
                question_id="q",
                found=True,
                answer="a",
                fields={"x": 1},
                citations=[Citation(chunk_id="c1", page_start=1, page_end=2)],
            )
        ],
        usage=Usage(input_tokens=5, output_tokens=2),
        raw_request={"model": "m"},
        raw_response={"echo": f"key was {SECRET}"},
    )


def test_redact_drops_auth_keys_and_secret_values() -> None:
    data = {
        "headers": {"Authorization": f"Bearer {SECRET}", "X-Api-Key": SECRET, "ok": 1},
        "body": [f"prefix {SECRET} suffix"],
        "api_key": "x",
    }
    assert redact(data, [SECRET]) == {"headers": {"ok": 1}, "body": [f"prefix {REDACTED} suffix"]}


def test_calls_cache_and_analyses_roundtrip(database_url: str) -> None:
    db = open_database(database_url)
    store = CallStore(db, secrets=[SECRET])
    req = _request()
    h, ch = req.request_hash("anthropic"), req.content_hash()
    assert (
        h != req.request_hash("openai")
        and ch == req.model_copy(update={"model": "other"}).content_hash()
    )
    call_id = store.log_call(
        run_id=1,
        document_id=2,
        provider="anthropic",
        model="claude-sonnet-4-5",
        status="ok",
        request_hash=h,
        request_json=req.model_dump(mode="json"),
        wire_request_json={"headers": {"x-api-key": SECRET}},
        response_json={"text": SECRET},
        input_tokens=5,
        output_tokens=2,
        cost_usd=0.001,
        latency_s=0.5,
    )
    [row] = store.calls(run_id=1)
    assert row.id == call_id and row.wire_request_json == {"headers": {}}
    assert row.response_json == {"text": REDACTED}
    assert store.logged_call(h) is not None and store.logged_call("nope") is None
    assert store.cache_get(h) is None
    store.cache_put(h, ch, _response(), call_id)
    store.cache_put(h, ch, _response(), call_id)  # -- idempotent --
    got = store.cache_get(h)
    assert got is not None and got.answers == _response().answers
    assert got.raw_response == {"echo": f"key was {REDACTED}"}
    assert store.cache_get_content(ch) is not None
    analysis = DocumentAnalysis(
        run_id=1,
        document_id=2,
        document_sha="s",
        profile="p",
        status="analysed",
        provider="anthropic",
        model="m",
        answers=_response().answers,
        usage=Usage(input_tokens=5),
        cost_usd=0.001,
        request=req,
        request_hash=h,
    )
    store.save_analysis(analysis)
    assert store.analyses(1) == [analysis]
    assert store.analyses(2) == []
    db.dispose()
