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
credit balance too low). Batch items: :attr:`FakeAPI.batch_item_faults` (``errored``, ``expired``,
``canceled``, ``malformed``). Every request is recorded; the auth header is
checked against the expected key but only a yes/no is kept.
"""

from __future__ import annotations

import html
import json
import random
import re
import socket
import struct
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

ANTHROPIC_KEY = "sk-ant-test-Sup3rSecretKey-0123456789"
OPENAI_KEY = "sk-openai-test-An0therSecret-9876543210"
MODEL_FAULTS = ("429", "529", "500", "timeout", "reset", "malformed", "refusal", "max_tokens")
_SECTION_RE = re.compile(
    r'<section id="([^"]*)" pages="([^"]*)"[^>]*>\n(.*?)\n</section>', re.DOTALL
)


@dataclass
class Recorded:
    method: str
    path: str
    auth_ok: bool
    body: Any
    status: int = 0
    fault: str | None = None


def body_key(body: Any) -> str:
    return json.dumps(body, sort_keys=True)


def tokens_of(obj: Any) -> int:
    """The server's own token count: deterministic, and unlike tiktoken's on purpose."""
    text = obj if isinstance(obj, str) else json.dumps(obj, sort_keys=True)
    return max(1, len(text) // 3)


class FakeAPI:
    """Start with ``with FakeAPI() as api:``; point the SDKs at ``api.url``."""

    def __init__(
        self,
        *,
        anthropic_key: str = ANTHROPIC_KEY,
        openai_key: str = OPENAI_KEY,
        timeout_sleep_s: float = 1.5,
        retry_after: str = "1",
    ) -> None:
        self.anthropic_key = anthropic_key
        self.openai_key = openai_key
        self.timeout_sleep_s = timeout_sleep_s
        self.retry_after = retry_after
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
        self._batches: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle --
    def start(self) -> FakeAPI:
        api = self

        class Handler(_Handler):
            fake = api

        httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
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
        tool = (body.get("tools") or [{}])[0]
        sections = _sections(body)
        tool_input = generate(tool.get("input_schema") or {}, sections)
        stop = "tool_use"
        content: list[dict[str, Any]]
        if fault == "malformed":
            tool_input = {"answers": "not an object"}
        if fault == "bad_cite":
            tool_input = json.loads(
                json.dumps(tool_input).replace(
                    f'"{sections[0][0]}"' if sections else '"__none__"', '"c_does_not_exist"'
                )
            )
        content = [
            {
                "type": "tool_use",
                "id": "toolu_fake01",
                "name": tool.get("name", "tool"),
                "input": tool_input,
            }
        ]
        if fault == "refusal":
            stop, content = "refusal", [{"type": "text", "text": "I can't help with that."}]
        if fault == "no_tool":
            stop, content = "end_turn", [{"type": "text", "text": "Here is my answer in prose."}]
        if fault == "max_tokens":
            stop = "max_tokens"
            content = [
                {"type": "tool_use", "id": "toolu_fake01", "name": tool.get("name"), "input": {}}
            ]
        usage = self.usage_for(body)
        usage["output_tokens"] = tokens_of(content)
        return {
            "id": f"msg_{abs(hash(body_key(body))) % 10**12:012d}",
            "type": "message",
            "role": "assistant",
            "model": body.get("model"),
            "content": content,
            "stop_reason": stop,
            "stop_sequence": None,
            "usage": usage,
        }

    def completion_for(self, body: dict[str, Any], fault: str | None) -> dict[str, Any]:
        tool = ((body.get("tools") or [{}])[0]).get("function") or {}
        sections = _sections(body)
        args = json.dumps(generate(tool.get("parameters") or {}, sections))
        finish = "tool_calls"
        message: dict[str, Any] = {
            "role": "assistant",
            "content": None,
            "refusal": None,
            "tool_calls": [
                {
                    "id": "call_fake01",
                    "type": "function",
                    "function": {"name": tool.get("name"), "arguments": args},
                }
            ],
        }
        if fault == "malformed":
            message["tool_calls"][0]["function"]["arguments"] = '{"answers": {'
        if fault == "refusal":
            message = {
                "role": "assistant",
                "content": None,
                "refusal": "I can't help.",
                "tool_calls": None,
            }
            finish = "stop"
        if fault == "max_tokens":
            finish = "length"
        prompt = tokens_of(body.get("messages"))
        return {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": 1_700_000_000,
            "model": body.get("model"),
            "choices": [
                {"index": 0, "message": message, "finish_reason": finish, "logprobs": None}
            ],
            "usage": {
                "prompt_tokens": prompt,
                "completion_tokens": tokens_of(args),
                "total_tokens": prompt + tokens_of(args),
            },
        }

    # -- batches --
    def create_batch(self, body: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            bid = f"msgbatch_fake{len(self._batches) + 1:04d}"
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
            self._batches[bid] = batch
        return self.batch_view(batch)

    def batch_view(self, batch: dict[str, Any]) -> dict[str, Any]:
        ended = batch["polls"] >= self.batch_polls_before_end
        counts = Counter(r["result"]["type"] for r in batch["results"])
        return {
            "id": batch["id"],
            "type": "message_batch",
            "processing_status": "ended" if ended else "in_progress",
            "request_counts": {
                "processing": 0 if ended else batch["n"],
                "succeeded": counts["succeeded"] if ended else 0,
                "errored": counts["errored"] if ended else 0,
                "canceled": counts["canceled"] if ended else 0,
                "expired": counts["expired"] if ended else 0,
            },
            "created_at": "2026-11-27T00:00:00Z",
            "expires_at": "2026-11-28T00:00:00Z",
            "ended_at": "2026-11-27T00:01:00Z" if ended else None,
            "archived_at": None,
            "cancel_initiated_at": None,
            "results_url": (
                f"{self.url}/v1/messages/batches/{batch['id']}/results" if ended else None
            ),
        }


def _sections(body: dict[str, Any]) -> list[tuple[str, str, str]]:
    text = " ".join(
        m["content"] if isinstance(m.get("content"), str) else json.dumps(m.get("content"))
        for m in body.get("messages") or []
        if m.get("role") == "user"
    )
    return [(m.group(1), m.group(2), html.unescape(m.group(3))) for m in _SECTION_RE.finditer(text)]


def generate(schema: dict[str, Any], sections: list[tuple[str, str, str]], name: str = "") -> Any:
    """A value that satisfies ``schema``, citing the first section."""
    if "enum" in schema:
        return next((v for v in schema["enum"] if v is not None), None)
    t = schema.get("type")
    if isinstance(t, list):
        t = next((x for x in t if x != "null"), "null")
    if t == "object":
        return {k: generate(v, sections, k) for k, v in (schema.get("properties") or {}).items()}
    if t == "array":
        return [generate(schema.get("items") or {}, sections, name)]
    if t == "boolean":
        return True
    if t == "integer":
        return 3
    if t == "number":
        return 1250.5
    if t == "string":
        if name == "chunk_id":
            return sections[0][0] if sections else "c0"
        if name == "quote":
            return " ".join(sections[0][2].split()[:6]) if sections else ""
        if "date" in (schema.get("description") or "").lower():
            return "2026-03-31"
        return f"fake {name or 'value'}"
    return None


class _Handler(BaseHTTPRequestHandler):
    fake: FakeAPI
    protocol_version = "HTTP/1.0"

    def log_message(self, format: str, *args: Any) -> None:  # -- keep test output clean --
        return

    # -- plumbing --
    def _body(self) -> Any:
        n = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(n) if n else b""
        try:
            return json.loads(raw) if raw else None
        except json.JSONDecodeError:
            return None

    def _auth_ok(self, openai: bool) -> bool:
        key = self.fake.openai_key if openai else self.fake.anthropic_key
        auth = self.headers.get("authorization") or ""
        return auth == f"Bearer {key}" or self.headers.get("x-api-key") == key

    def _send(
        self,
        status: int,
        payload: Any,
        headers: dict[str, str] | None = None,
        *,
        raw: bytes | None = None,
        ctype: str = "application/json",
    ) -> None:
        data = raw if raw is not None else json.dumps(payload).encode()
        try:
            self.send_response(status)
            self.send_header("content-type", ctype)
            self.send_header("content-length", str(len(data)))
            self.send_header("request-id", "req_fake")
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _error(
        self,
        status: int,
        etype: str,
        message: str,
        headers: dict[str, str] | None = None,
        *,
        openai: bool = False,
    ) -> None:
        if openai:
            payload: dict[str, Any] = {"error": {"message": message, "type": etype, "code": etype}}
        else:
            payload = {"type": "error", "error": {"type": etype, "message": message}}
        self._send(status, payload, headers)

    def _reset(self) -> None:
        # -- SO_LINGER 0 makes close() send a TCP RST: a connection reset at the client --
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True

    def _fault_response(self, fault: str, rec: Recorded, *, openai: bool) -> bool:
        """Answer with an HTTP-level fault; False when the fault is in the body instead."""
        f = self.fake
        if fault == "429":
            rec.status = 429
            self._error(
                429,
                "rate_limit_error",
                "Number of requests has exceeded your rate limit",
                {"retry-after": f.retry_after},
                openai=openai,
            )
        elif fault == "529":
            rec.status = 529
            self._error(529, "overloaded_error", "Overloaded", openai=openai)
        elif fault == "500":
            rec.status = 500
            self._error(500, "api_error", "Internal server error", openai=openai)
        elif fault == "spend":
            rec.status = 400
            self._error(
                400,
                "invalid_request_error",
                "Your credit balance is too low to "
                "access the API. Please go to Plans & Billing to purchase credits.",
                openai=openai,
            )
        elif fault == "timeout":
            rec.status = -1
            time.sleep(f.timeout_sleep_s)
            self._error(500, "api_error", "too late", openai=openai)
        elif fault == "reset":
            rec.status = -2
            self._reset()
        else:
            return False
        return True

    # -- routes --
    def do_POST(self) -> None:
        path = self.path.split("?")[0]
        body = self._body()
        openai = path.endswith("/chat/completions")
        rec = Recorded("POST", path, self._auth_ok(openai), body)
        self.fake.record(rec)
        if not rec.auth_ok:
            rec.status = 401
            self._error(401, "authentication_error", "invalid x-api-key", openai=openai)
            return
        if path == "/v1/messages/count_tokens":
            if self.fake.count_tokens_fault:
                rec.status, rec.fault = 500, self.fake.count_tokens_fault
                self._error(500, "api_error", "count failed")
                return
            # -- counting creates no cache entry: the total, as usage would sum it --
            total = tokens_of({k: body.get(k) for k in ("system", "tools", "messages")})
            rec.status = 200
            self._send(200, {"input_tokens": total})
            return
        if path == "/v1/messages/batches":
            rec.status = 200
            self._send(200, self.fake.create_batch(body))
            return
        m = re.fullmatch(r"/v1/messages/batches/([^/]+)/cancel", path)
        if m:
            batch = self.fake._batches.get(m.group(1))
            if batch is None:
                self._error(404, "not_found_error", "no such batch")
                return
            batch["polls"] = 10**6
            rec.status = 200
            self._send(200, self.fake.batch_view(batch))
            return
        if path in ("/v1/messages", "/v1/chat/completions"):
            fault = self.fake.next_fault()
            rec.fault = fault
            if fault and self._fault_response(fault, rec, openai=openai):
                return
            payload = (
                self.fake.completion_for(body, fault)
                if openai
                else self.fake.message_for(body, fault)
            )
            rec.status = 200
            if fault is None:
                self.fake.note_success(body)
            self._send(200, payload)
            return
        self._error(404, "not_found_error", f"no route {path}")

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        rec = Recorded("GET", path, self._auth_ok(False), None)
        self.fake.record(rec)
        if not rec.auth_ok:
            rec.status = 401
            self._error(401, "authentication_error", "invalid x-api-key")
            return
        m = re.fullmatch(r"/v1/messages/batches/([^/]+)(/results)?", path)
        batch = self.fake._batches.get(m.group(1)) if m else None
        if m is None or batch is None:
            self._error(404, "not_found_error", f"no route {path}")
            return
        rec.status = 200
        if m.group(2):
            lines = "\n".join(json.dumps(r) for r in batch["results"]) + "\n"
            self._send(200, None, raw=lines.encode(), ctype="application/binary")
            return
        batch["polls"] += 1
        self._send(200, self.fake.batch_view(batch))


def closed_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens (an unreachable provider)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return f"http://127.0.0.1:{port}"
