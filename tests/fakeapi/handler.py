"""The HTTP side of the fake server: routes, auth check, HTTP-level faults.

Every request is recorded on the :class:`~tests.fakeapi.server.FakeAPI`; the
auth header is checked against the expected key but only a yes/no is kept.
"""

from __future__ import annotations

import json
import re
import select
import socket
import struct
import time
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any

from tests.fakeapi.wire import Recorded, tokens_of

if TYPE_CHECKING:
    from tests.fakeapi.server import FakeAPI


class Handler(BaseHTTPRequestHandler):
    """Routes one request to the fake's state; subclassed per server with ``fake`` set."""

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

    def _client_gone(self) -> bool:
        """True when the client closed its end (a killed process): EOF is readable."""
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            if not readable:
                return False
            return self.connection.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True

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
            batch = self.fake.batches.get(m.group(1))
            if batch is None:
                self._error(404, "not_found_error", "no such batch")
                return
            batch["polls"] = 10**6
            rec.status = 200
            self._send(200, self.fake.batch_view(batch))
            return
        if path in ("/v1/messages", "/v1/chat/completions"):
            if self.fake.latency_s:  # -- a slow API: kills land while calls are in flight --
                time.sleep(self.fake.latency_s)
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
            rec.usage = payload.get("usage") or {}
            if self._client_gone():
                # -- the caller died while we worked (kill -9): nobody received this answer --
                rec.abandoned = True
                return
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
        batch = self.fake.batches.get(m.group(1)) if m else None
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
