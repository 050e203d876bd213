"""The OpenAI-compatible provider, on the ``openai`` SDK (OpenAI, vLLM, Ollama...).

Chat completions with one forced function tool whose parameters are the
answer schema. Chosen by ``openai_base_url`` and the model name; servers that
need no key get a placeholder one. SDK retries are off (the chain retries).
"""

from __future__ import annotations

import json
import time
from typing import Any

from analyzers.base import Provider, register
from analyzers.prompt import TOOL_DESCRIPTION, TOOL_NAME, render_user_message, validate_answers
from analyzers.sdk_errors import sdk_errors
from docsieve.analysis import AnalysisRequest, ProviderResponse, Usage
from docsieve.errors import InvalidOutputError, ProviderError
from docsieve.settings import Settings


@register
class OpenAIProvider(Provider):
    name = "openai"

    def __init__(self, settings: Settings, model: str) -> None:
        super().__init__(settings, model)
        key = settings.openai_api_key
        # -- self-hosted OpenAI-compatible servers often need no key --
        self._key = key.get_secret_value() if key is not None else "not-needed"
        self._client: Any = None

    @property
    def client(self) -> Any:
        if self._client is None:
            try:
                import openai
            except ImportError as exc:  # pragma: no cover - a declared dependency
                raise ProviderError(
                    "the openai SDK is not installed: pip install openai", provider=self.name
                ) from exc
            self._client = openai.OpenAI(
                api_key=self._key,
                base_url=self.settings.openai_base_url,
                max_retries=0,
                timeout=self.settings.analyze.timeout_s,
            )
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def build_params(self, request: AnalysisRequest) -> dict[str, Any]:
        return {
            "model": request.model,
            "max_tokens": request.max_tokens,
            "messages": [
                {"role": "system", "content": request.instructions},
                {"role": "user", "content": render_user_message(request)},
            ],
            "tools": [
                {
                    "type": "function",
                    "function": {
                        "name": TOOL_NAME,
                        "description": TOOL_DESCRIPTION,
                        "parameters": request.answer_schema,
                    },
                }
            ],
            "tool_choice": {"type": "function", "function": {"name": TOOL_NAME}},
        }

    def wire_request(self, request: AnalysisRequest) -> dict[str, Any]:
        return self.build_params(request)

    def execute(self, request: AnalysisRequest) -> ProviderResponse:
        params = self.build_params(request)
        start = time.perf_counter()
        with sdk_errors("openai", provider=self.name, model=request.model):
            completion = self.client.chat.completions.create(**params)
        latency = time.perf_counter() - start
        raw = completion.model_dump(mode="json")
        return self.parse_raw(request, params, raw).model_copy(update={"latency_s": latency})

    def parse_raw(
        self, request: AnalysisRequest, raw_request: dict[str, Any], raw_response: dict[str, Any]
    ) -> ProviderResponse:
        u = raw_response.get("usage") or {}
        cached = int(((u.get("prompt_tokens_details") or {}).get("cached_tokens")) or 0)
        usage = Usage(
            input_tokens=int(u.get("prompt_tokens") or 0) - cached,
            output_tokens=int(u.get("completion_tokens") or 0),
            cache_read_tokens=cached,
        )
        choices = raw_response.get("choices") or [{}]
        choice = choices[0]
        finish = choice.get("finish_reason")
        message = choice.get("message") or {}
        ctx: dict[str, Any] = {
            "usage": usage.model_dump(),
            "stop_reason": finish,
            "raw_response": raw_response,
        }
        if message.get("refusal") or finish == "content_filter":
            raise InvalidOutputError(
                f"the model refused: {message.get('refusal') or finish}",
                provider=self.name,
                model=request.model,
                kind="refusal",
                **ctx,
            )
        if finish == "length":
            raise InvalidOutputError(
                f"output truncated at max_tokens={request.max_tokens}",
                provider=self.name,
                model=request.model,
                kind="truncated",
                **ctx,
            )
        calls = [
            c
            for c in message.get("tool_calls") or []
            if (c.get("function") or {}).get("name") == TOOL_NAME
        ]
        if not calls:
            raise InvalidOutputError(
                "the model did not call record_answers",
                provider=self.name,
                model=request.model,
                kind="no_tool_call",
                **ctx,
            )
        try:
            data = json.loads(calls[0]["function"].get("arguments") or "")
        except json.JSONDecodeError as exc:
            raise InvalidOutputError(
                f"tool arguments are not valid JSON: {exc}",
                provider=self.name,
                model=request.model,
                kind="malformed_json",
                **ctx,
            ) from exc
        try:
            answers = validate_answers(data, request, provider=self.name)
        except InvalidOutputError as exc:
            exc.context.update(ctx)
            raise
        return ProviderResponse(
            provider=self.name,
            model=request.model,
            answers=answers,
            usage=usage,
            stop_reason=finish,
            raw_request=raw_request,
            raw_response=raw_response,
        )
