"""Providers that need no API: a local transformers model, and the extractive analyzer.

``local`` runs a text-generation model from ``settings.analyze.local_model_path``
and asks for JSON matching the answer schema. ``extractive`` needs no model
server at all; it lives in :mod:`analyzers.extractive` and is registered when
this module is imported.
"""

from __future__ import annotations

import json
import time
from functools import lru_cache
from typing import Any

from analyzers.base import Provider, register
from analyzers.prompt import render_user_message, validate_answers
from docsieve.analysis import (
    AnalysisRequest,
    ProviderResponse,
    Usage,
)
from docsieve.errors import ConfigError, InvalidOutputError, ProviderError
from docsieve.settings import Settings


@register
class LocalTransformersProvider(Provider):
    """A self-hosted text-generation model, loaded from a local path (never downloaded)."""

    name = "local"
    offline = True

    def __init__(self, settings: Settings, model: str) -> None:
        super().__init__(settings, model or (settings.analyze.local_model_path or ""))
        if not self.model:
            raise ConfigError("provider 'local' needs analyze.local_model_path", provider="local")

    def execute(self, request: AnalysisRequest) -> ProviderResponse:
        tok, mdl = _load_causal_lm(self.model)
        prompt = (
            f"{request.instructions}\nAnswer with one JSON object matching this JSON "
            f"schema, and nothing else:\n{json.dumps(request.answer_schema)}\n\n"
            f"{render_user_message(request)}\nJSON:\n"
        )
        start = time.perf_counter()
        inputs = tok(prompt, return_tensors="pt")
        n_in = int(inputs["input_ids"].shape[-1])
        out = mdl.generate(**inputs, max_new_tokens=request.max_tokens, do_sample=False)
        gen = out[0][n_in:]
        text = tok.decode(gen, skip_special_tokens=True)
        latency = time.perf_counter() - start
        usage = Usage(input_tokens=n_in, output_tokens=int(gen.shape[-1]))
        raw_req = {"model": self.model, "prompt": prompt, "max_new_tokens": request.max_tokens}
        raw_resp = {"text": text, "usage": usage.model_dump()}
        return self.parse_raw(request, raw_req, raw_resp).model_copy(update={"latency_s": latency})

    def parse_raw(
        self, request: AnalysisRequest, raw_request: dict[str, Any], raw_response: dict[str, Any]
    ) -> ProviderResponse:
        text = str(raw_response.get("text", ""))
        start, end = text.find("{"), text.rfind("}")
        if start < 0 or end <= start:
            raise InvalidOutputError(
                "the local model produced no JSON object",
                provider=self.name,
                model=self.model,
                kind="malformed_json",
            )
        try:
            data = json.loads(text[start : end + 1])
        except json.JSONDecodeError as exc:
            raise InvalidOutputError(
                f"the local model produced invalid JSON: {exc}",
                provider=self.name,
                model=self.model,
                kind="malformed_json",
            ) from exc
        answers = validate_answers(data, request, provider=self.name)
        return ProviderResponse(
            provider=self.name,
            model=self.model,
            answers=answers,
            usage=Usage(**raw_response.get("usage", {})),
            raw_request=raw_request,
            raw_response=raw_response,
        )


@lru_cache(maxsize=2)
def _load_causal_lm(path: str) -> tuple[Any, Any]:
    try:
        from transformers import AutoModelForCausalLM, AutoTokenizer
    except ImportError as exc:
        raise ProviderError(
            "the local provider needs transformers: pip install transformers", provider="local"
        ) from exc
    try:
        tok = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
        mdl = AutoModelForCausalLM.from_pretrained(str(path), local_files_only=True)
    except OSError as exc:
        raise ProviderError(
            f"cannot load local model from {path}: {exc}",
            provider="local",
            model=path,
            kind="config",
        ) from exc
    return tok, mdl


# -- the extractive analyzer lives in its own module; importing it registers it --
from analyzers.extractive import ExtractiveProvider  # noqa: E402

__all__ = ["ExtractiveProvider", "LocalTransformersProvider"]
