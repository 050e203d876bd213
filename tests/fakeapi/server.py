"""A local HTTP server that speaks the Anthropic and OpenAI wire formats, with faults.

Endpoints: ``POST /v1/messages``, ``POST /v1/messages/count_tokens``, Message
Batches (``POST /v1/messages/batches``, ``GET /v1/messages/batches/{id}``,
``GET .../results`` as JSONL, ``POST .../cancel``) and OpenAI's
``POST /v1/chat/completions``. Answers are built from the request's tool
schema, citing the first ``<section id=...>`` of the user message, so the
real SDKs and our validation see realistic, deterministic responses.

Faults are scripted per test: a queue (:attr:`FakeAPI.faults`) consumed one per
model call, or a seeded random rate (:meth:`FakeAPI.set_fault_rate`). Kinds:
``429`` (with retry-after), ``529``, ``500``, ``timeout`` (sleeps past the
client timeout), ``reset`` (TCP reset), ``malformed`` (tool input of the wrong
shape / invalid JSON arguments), ``bad_cite`` (unknown section id),
``refusal``, ``no_tool`` (prose, no tool call), ``max_tokens``, ``spend`` (400
credit balance too low). Batch items: :attr:`FakeAPI.batch_item_faults` (``errored``,
``expired``, ``canceled``, ``malformed``). Every request is recorded; the auth header is
checked against the expected key but only a yes/no is kept.

This module holds the server's state and scripting; the response bodies are built in
:mod:`tests.fakeapi.wire` and the HTTP routes live in :mod:`tests.fakeapi.handler`.
"""

from __future__ import annotations

import random
import socket
import threading
from collections import Counter, deque
from http.server import ThreadingHTTPServer
from typing import Any

from tests.fakeapi.handler import Handler
from tests.fakeapi.wire import (
    Recorded,
    anthropic_message,
    batch_view,
    body_key,
    generate,
    openai_completion,
    tokens_of,
)

ANTHROPIC_KEY = "sk-ant-test-Sup3rSecretKey-0123456789"
OPENAI_KEY = "sk-openai-test-An0therSecret-9876543210"
MODEL_FAULTS = ("429", "529", "500", "timeout", "reset", "malformed", "refusal", "max_tokens")
__all__ = ["Recorded", "generate", "tokens_of"]


class FakeAPI:
    """Start with ``with FakeAPI() as api:``; point the SDKs at ``api.url``."""

    def __init__(
        self,
        *,
        anthropic_key: str = ANTHROPIC_KEY,
        openai_key: str = OPENAI_KEY,
        timeout_sleep_s: float = 1.5,
        retry_after: str = "1",
        latency_s: float = 0.0,
    ) -> None:
        self.anthropic_key = anthropic_key
        self.openai_key = openai_key
        self.timeout_sleep_s = timeout_sleep_s
        self.retry_after = retry_after
        self.latency_s = latency_s
        self.faults: deque[str] = deque()
        self.batch_item_faults: deque[str] = deque()
        self.count_tokens_fault: str | None = None
        self.batch_polls_before_end = 1
        self.records: list[Recorded] = []
        self.successes: Counter[str] = Counter()
        self._rate = 0.0
        self._rate_kinds: tuple[str, ...] = MODEL_FAULTS
        self._rng = random.Random(0)
        self._seen_prefixes: set[str] = set()
        self.batches: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle --
    def start(self) -> FakeAPI:
        api = self

        class Bound(Handler):
            fake = api

        httpd = ThreadingHTTPServer(("127.0.0.1", 0), Bound)
        httpd.daemon_threads = True
        httpd.block_on_close = False
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> FakeAPI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._httpd is not None
        port = self._httpd.server_address[1]
        return f"http://127.0.0.1:{port}"

    # -- scripting --
    def set_fault_rate(
        self, rate: float, *, seed: int = 0, kinds: tuple[str, ...] = MODEL_FAULTS
    ) -> None:
        self._rate, self._rate_kinds, self._rng = rate, kinds, random.Random(seed)

    def next_fault(self) -> str | None:
        with self._lock:
            if self.faults:
                return self.faults.popleft()
            if self._rate and self._rng.random() < self._rate:
                return self._rng.choice(self._rate_kinds)
            return None

    # -- what tests read --
    def calls(self, path: str) -> list[Recorded]:
        return [r for r in self.records if r.path == path]

    def success_repeats(self) -> int:
        """Successful model calls whose exact request body had succeeded before."""
        return sum(n - 1 for n in self.successes.values() if n > 1)

    def record(self, rec: Recorded) -> None:
        with self._lock:
            self.records.append(rec)

    def note_success(self, body: Any) -> None:
        with self._lock:
            self.successes[body_key(body)] += 1

    # -- Anthropic responses --
    def usage_for(self, body: dict[str, Any]) -> dict[str, int]:
        total = tokens_of({k: body.get(k) for k in ("system", "tools", "messages")})
        cached = any("cache_control" in b for b in body.get("system") or [] if isinstance(b, dict))
        cw = cr = 0
        if cached:
            prefix = {"system": body.get("system"), "tools": body.get("tools")}
            n = tokens_of(prefix)
            key = body_key(prefix)
            with self._lock:
                if key in self._seen_prefixes:
                    cr = n
                else:
                    cw = n
                    self._seen_prefixes.add(key)
        return {
            "input_tokens": max(1, total - cw - cr),
            "cache_creation_input_tokens": cw,
            "cache_read_input_tokens": cr,
        }

    def message_for(self, body: dict[str, Any], fault: str | None) -> dict[str, Any]:
        return anthropic_message(body, fault, self.usage_for(body))

    def completion_for(self, body: dict[str, Any], fault: str | None) -> dict[str, Any]:
        return openai_completion(body, fault)

    # -- batches --
    def create_batch(self, body: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            bid = f"msgbatch_fake{len(self.batches) + 1:04d}"
        results = []
        for item in body.get("requests") or []:
            with self._lock:
                fault = self.batch_item_faults.popleft() if self.batch_item_faults else None
            cid = item["custom_id"]
            if fault == "errored":
                res: dict[str, Any] = {
                    "type": "errored",
                    "error": {
                        "type": "error",
                        "error": {
                            "type": "invalid_request_error",
                            "message": "bad request in batch item",
                        },
                    },
                }
            elif fault in ("expired", "canceled"):
                res = {"type": fault}
            else:
                params = item["params"]
                fault = None if fault == "ok" else fault
                res = {"type": "succeeded", "message": self.message_for(params, fault)}
                if fault is None:
                    self.note_success(params)
            results.append({"custom_id": cid, "result": res})
        batch = {"id": bid, "results": results, "polls": 0, "n": len(results)}
        with self._lock:
            self.batches[bid] = batch
        return self.batch_view(batch)

    def batch_view(self, batch: dict[str, Any]) -> dict[str, Any]:
        return batch_view(batch, batch["polls"] >= self.batch_polls_before_end, self.url)


def closed_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens (an unreachable provider)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return f"http://127.0.0.1:{port}"
