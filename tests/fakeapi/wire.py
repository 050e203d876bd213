"""The wire formats the fake server speaks: Anthropic messages and batches, OpenAI completions.

Pure functions of the request body (and the scripted fault): answers are
built from the request's tool schema, citing the first ``<section id=...>``
of the user message, so the real SDKs and our validation see realistic,
deterministic responses. Token counts are the server's own (:func:`tokens_of`).
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

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
    # -- the usage of the answer sent (model calls only): what the call was billed --
    usage: dict[str, int] = field(default_factory=dict)
    # -- answered after the client had gone (killed in flight): billed, never received --
    abandoned: bool = False


def body_key(body: Any) -> str:
    return json.dumps(body, sort_keys=True)


def tokens_of(obj: Any) -> int:
    """The server's own token count: deterministic, and unlike tiktoken's on purpose."""
    text = obj if isinstance(obj, str) else json.dumps(obj, sort_keys=True)
    return max(1, len(text) // 3)


def sections_of(body: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(id, pages, text) of each <section> in the user messages of ``body``."""
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


def anthropic_message(
    body: dict[str, Any], fault: str | None, usage: dict[str, int]
) -> dict[str, Any]:
    """A Messages API response to ``body``, with ``fault`` in its content, if any."""
    tool = (body.get("tools") or [{}])[0]
    sections = sections_of(body)
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
    usage = {**usage, "output_tokens": tokens_of(content)}
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


def openai_completion(body: dict[str, Any], fault: str | None) -> dict[str, Any]:
    """A chat completion answering ``body``, with ``fault`` in its content, if any."""
    tool = ((body.get("tools") or [{}])[0]).get("function") or {}
    sections = sections_of(body)
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
        "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": tokens_of(args),
            "total_tokens": prompt + tokens_of(args),
        },
    }


def batch_view(batch: dict[str, Any], ended: bool, base_url: str) -> dict[str, Any]:
    """A Message Batch object as the API shows it."""
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
        "results_url": (f"{base_url}/v1/messages/batches/{batch['id']}/results" if ended else None),
    }
