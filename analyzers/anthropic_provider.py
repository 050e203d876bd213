"""The Anthropic provider, on the ``anthropic`` SDK.

Structured output through one forced tool whose input schema comes from the
profile's answer fields. Sections go in the user message as data. The shared
prefix (tool schema + system instructions) carries ``cache_control`` when it
is long enough for the model to cache. Input tokens are counted with
``messages.count_tokens`` before sending (tiktoken estimate as fallback).
Scheduled runs use Message Batches (:meth:`AnthropicProvider.run_batch`).
The SDK's own retries are off: the fallback chain retries and records.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

from analyzers.base import BatchResults, Provider, register, require_key
from analyzers.pricing import PriceTable
from analyzers.prompt import (
    TOOL_DESCRIPTION,
    TOOL_NAME,
    local_token_count,
    render_user_message,
    validate_answers,
)
from analyzers.sdk_errors import sdk_errors
from docsieve.analysis import AnalysisRequest, ProviderResponse, Usage
from docsieve.errors import InvalidOutputError, ProviderError
from docsieve.settings import Settings

BATCH_ITEM_FAILURES = ("errored", "expired", "canceled")
# -- "Forced tool use returns an error" on these models (platform.claude.com, What's new in
#    Claude Sonnet 5.5): they get tool_choice auto, and a missing tool call is repaired --
NO_FORCED_TOOL_CHOICE = ("claude-sonnet-5-5",)


@register
class AnthropicProvider(Provider):
    name = "anthropic"
    supports_batch = True

    def __init__(self, settings: Settings, model: str) -> None:
        super().__init__(settings, model)
        self._client: Any = None
        self._lock = threading.Lock()
        self.prices = PriceTable.load(settings.data_dir)

    @property
    def client(self) -> Any:
        with self._lock:
            return self._make_client()

    def _make_client(self) -> Any:
        if self._client is None:
            try:
                import anthropic
            except ImportError as exc:  # pragma: no cover - a declared dependency
                raise ProviderError(
                    "the anthropic SDK is not installed: pip install anthropic", provider=self.name
                ) from exc
            key = require_key(self.settings, "anthropic_api_key", self.name)
            # -- max_retries=0: our chain retries, so every attempt is seen and logged --
            self._client = anthropic.Anthropic(
                api_key=key,
                base_url=self.settings.anthropic_base_url,
                max_retries=0,
                timeout=self.settings.analyze.timeout_s,
            )
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    # -- request building --
    def caching_pays(self, request: AnalysisRequest) -> bool:
        """The cacheable prefix (tool schema + instructions) reaches the model's minimum."""
        if not self.settings.analyze.prompt_caching:
            return False
        prefix = local_token_count(request, self.settings.encoding, prefix_only=True)
        return prefix >= self.prices.min_cache_tokens(request.model)

    def build_params(self, request: AnalysisRequest) -> dict[str, Any]:
        system: dict[str, Any] = {"type": "text", "text": request.instructions}
        if self.caching_pays(request):
            # -- the prefix order is tools, system, messages: this breakpoint caches both --
            system["cache_control"] = {"type": "ephemeral"}
        return {
            "model": request.model,
            "max_tokens": request.max_tokens,
            "system": [system],
            "tools": [
                {
                    "name": TOOL_NAME,
                    "description": TOOL_DESCRIPTION,
                    "input_schema": request.answer_schema,
                }
            ],
            "tool_choice": (
                {"type": "auto"}
                if request.model.startswith(NO_FORCED_TOOL_CHOICE)
                else {"type": "tool", "name": TOOL_NAME}
            ),
            "messages": [{"role": "user", "content": render_user_message(request)}],
        }

    # -- token counting: Claude's own count, the local one if that fails --
    def count_input_tokens(self, request: AnalysisRequest) -> tuple[int, str]:
        params = self.build_params(request)
        try:
            res = self.client.messages.count_tokens(
                model=params["model"],
                system=params["system"],
                tools=params["tools"],
                tool_choice=params["tool_choice"],
                messages=params["messages"],
            )
            return int(res.input_tokens), "count_tokens"
        except Exception:  # -- any failure of the count: fall back to the estimate --
            return super().count_input_tokens(request)

    def wire_request(self, request: AnalysisRequest) -> dict[str, Any]:
        return self.build_params(request)

    # -- one call --
    def execute(self, request: AnalysisRequest) -> ProviderResponse:
        params = self.build_params(request)
        start = time.perf_counter()
        with sdk_errors("anthropic", provider=self.name, model=request.model):
            message = self.client.messages.create(**params)
        latency = time.perf_counter() - start
        raw = message.model_dump(mode="json", exclude_none=False)
        return self.parse_raw(request, params, raw).model_copy(update={"latency_s": latency})

    def parse_raw(
        self,
        request: AnalysisRequest,
        raw_request: dict[str, Any],
        raw_response: dict[str, Any],
        *,
        batch: bool = False,
    ) -> ProviderResponse:
        usage = usage_from(raw_response.get("usage") or {})
        stop = raw_response.get("stop_reason")
        ctx: dict[str, Any] = {
            "usage": usage.model_dump(),
            "stop_reason": stop,
            "raw_response": raw_response,
        }
        if stop == "refusal":
            raise InvalidOutputError(
                "the model refused to answer",
                provider=self.name,
                model=request.model,
                kind="refusal",
                **ctx,
            )
        if stop == "max_tokens":
            raise InvalidOutputError(
                f"output truncated at max_tokens={request.max_tokens}",
                provider=self.name,
                model=request.model,
                kind="truncated",
                **ctx,
            )
        tool = next(
            (
                b
                for b in raw_response.get("content") or []
                if b.get("type") == "tool_use" and b.get("name") == TOOL_NAME
            ),
            None,
        )
        if tool is None:
            raise InvalidOutputError(
                "the model did not call record_answers",
                provider=self.name,
                model=request.model,
                kind="no_tool_call",
                **ctx,
            )
        try:
            answers = validate_answers(tool.get("input"), request, provider=self.name)
        except InvalidOutputError as exc:
            exc.context.update(ctx)
            raise
        return ProviderResponse(
            provider=self.name,
            model=request.model,
            answers=answers,
            usage=usage,
            stop_reason=stop,
            batch=batch,
            raw_request=raw_request,
            raw_response=raw_response,
        )

    # -- Message Batches --
    def run_batch(
        self,
        items: list[tuple[str, AnalysisRequest]],
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> BatchResults:
        """Send the requests as one batch, wait for it, and collect every item.

        Items that errored, expired or were canceled, and items whose answer is
        invalid, come back as errors so the caller can fall back for them.
        """
        return self.collect_batch(self.submit_batch(items), items, sleep=sleep)

    def submit_batch(self, items: list[tuple[str, AnalysisRequest]]) -> str:
        """Create the batch; its id (kept by the caller, so a resumed run collects it)."""
        with sdk_errors("anthropic", provider=self.name, model=self.model):
            batch = self.client.messages.batches.create(
                requests=[
                    {"custom_id": cid, "params": self.build_params(req)} for cid, req in items
                ]
            )
        return str(batch.id)

    def collect_batch(
        self,
        batch_id: str,
        items: list[tuple[str, AnalysisRequest]],
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> BatchResults:
        """Wait for batch ``batch_id`` to end and judge each of ``items`` in it."""
        params = {cid: self.build_params(req) for cid, req in items}
        by_id = dict(items)
        with sdk_errors("anthropic", provider=self.name, model=self.model):
            batch = self.client.messages.batches.retrieve(batch_id)
            waited = 0.0
            poll = self.settings.analyze.batch_poll_s
            while batch.processing_status != "ended":
                if waited >= self.settings.analyze.batch_max_wait_s:
                    self.client.messages.batches.cancel(batch.id)
                    raise ProviderError(
                        f"batch {batch.id} not finished after {waited:.0f}s; canceled",
                        provider=self.name,
                        model=self.model,
                        retryable=False,
                        kind="batch_timeout",
                        batch_id=batch.id,
                    )
                sleep(poll)
                waited += poll
                batch = self.client.messages.batches.retrieve(batch.id)
            results = list(self.client.messages.batches.results(batch.id))
        out: BatchResults = {}
        for item in results:
            cid = item.custom_id
            if cid not in by_id:
                continue
            rtype = item.result.type
            if rtype == "succeeded":
                raw = item.result.message.model_dump(mode="json", exclude_none=False)
                try:
                    out[cid] = self.parse_raw(by_id[cid], params[cid], raw, batch=True)
                except InvalidOutputError as exc:
                    out[cid] = exc
            else:
                detail = ""
                if rtype == "errored":
                    err = getattr(item.result, "error", None)
                    detail = json.dumps(err.model_dump(mode="json")) if err is not None else ""
                retryable = (
                    rtype in ("expired", "canceled")
                    or "overloaded" in detail
                    or "api_error" in detail
                )
                out[cid] = ProviderError(
                    f"batch item {rtype} {detail}".strip(),
                    provider=self.name,
                    model=self.model,
                    retryable=retryable,
                    kind=f"batch_{rtype}",
                    batch_id=batch.id,
                )
        for cid in by_id:
            out.setdefault(
                cid,
                ProviderError(
                    "batch returned no result for the item",
                    provider=self.name,
                    model=self.model,
                    retryable=True,
                    kind="batch_missing",
                    batch_id=batch.id,
                ),
            )
        return out


def usage_from(u: dict[str, Any]) -> Usage:
    return Usage(
        input_tokens=int(u.get("input_tokens") or 0),
        output_tokens=int(u.get("output_tokens") or 0),
        cache_write_tokens=int(u.get("cache_creation_input_tokens") or 0),
        cache_read_tokens=int(u.get("cache_read_input_tokens") or 0),
    )
