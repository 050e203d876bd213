"""The stage 2 contract: one provider takes a typed request and returns a typed response.

Providers register by name (``anthropic``, ``openai``, ``local``,
``extractive``); :func:`get_provider` builds one from settings and a
``provider:model`` spec. Errors are :class:`docsieve.errors.ProviderError`
(``retryable`` and ``kind`` tell the fallback chain what to do) and
:class:`docsieve.errors.InvalidOutputError` for answers of the wrong shape.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, ClassVar, Protocol

from docsieve.analysis import AnalysisRequest, DocumentAnalysis, ProviderResponse
from docsieve.errors import ConfigError, ProviderError, UnknownNameError
from docsieve.settings import Settings


class LoggedCall(Protocol):
    """What replay needs of one logged call."""

    response_json: dict[str, Any] | None
    wire_request_json: dict[str, Any] | None


class CallLog(Protocol):
    """Where stage 2 logs calls, caches responses and keeps analyses.

    ``storage.calls_repo.CallStore`` implements it on the database; stage 2
    depends only on this contract, so it imports nothing from ``storage``.
    """

    def add_secrets(self, secrets: Iterable[str]) -> None: ...
    def log_call(self, **fields: Any) -> int: ...
    def logged_call(self, request_hash: str) -> LoggedCall | None: ...
    def cache_get(self, request_hash: str) -> ProviderResponse | None: ...
    def cache_get_content(self, content_hash: str) -> ProviderResponse | None: ...
    def cache_put(
        self, request_hash: str, content_hash: str, response: ProviderResponse, call_id: int | None
    ) -> None: ...
    def save_analysis(self, analysis: DocumentAnalysis) -> int: ...
    def analyses(self, run_id: int) -> list[DocumentAnalysis]: ...


class Provider(ABC):
    """A model provider. Subclasses set the class attributes and implement ``execute``."""

    name: ClassVar[str]
    supports_tools: ClassVar[bool] = False
    supports_batch: ClassVar[bool] = False
    supports_count_tokens: ClassVar[bool] = False
    supports_prompt_cache: ClassVar[bool] = False
    # -- extractive answers are not a model's: callers mark them --
    extractive: ClassVar[bool] = False
    # -- network providers are served from the log on replay; offline ones re-run --
    offline: ClassVar[bool] = False

    def __init__(self, settings: Settings, model: str) -> None:
        self.settings = settings
        self.model = model

    @abstractmethod
    def execute(self, request: AnalysisRequest) -> ProviderResponse:
        """Send one request; raise ProviderError / InvalidOutputError on failure."""

    def parse_raw(
        self, request: AnalysisRequest, raw_request: dict[str, Any], raw_response: dict[str, Any]
    ) -> ProviderResponse:
        """Rebuild a response from a logged raw response (replay, no network)."""
        raise ProviderError(
            f"provider {self.name!r} cannot replay raw responses",
            provider=self.name,
            model=self.model,
            kind="unsupported",
        )

    def wire_request(self, request: AnalysisRequest) -> dict[str, Any]:
        """What would be sent on the wire (for the log of failed calls)."""
        return {}

    def estimate_input_tokens(self, request: AnalysisRequest) -> tuple[int, str]:
        """Input tokens before sending and where the number comes from."""
        import json

        from analyzers.prompt import render_user_message
        from docsieve.tokens import count_tokens

        text = (
            request.instructions + json.dumps(request.answer_schema) + render_user_message(request)
        )
        return count_tokens(text, self.settings.encoding), "tiktoken-estimate"

    def close(self) -> None:  # noqa: B027 -- optional hook, most providers hold nothing
        """Release clients; the default holds none."""


ProviderFactory = Callable[[Settings, str], Provider]
_REGISTRY: dict[str, type[Provider]] = {}


def register(cls: type[Provider]) -> type[Provider]:
    _REGISTRY[cls.name] = cls
    return cls


def _load_builtin() -> None:
    # -- importing registers; kept lazy so `analyzers.base` stays light --
    import analyzers.anthropic_provider
    import analyzers.local
    import analyzers.openai_provider  # noqa: F401


def provider_names() -> list[str]:
    _load_builtin()
    return sorted(_REGISTRY)


def default_model(settings: Settings, provider: str) -> str:
    a = settings.analyze
    return {
        "anthropic": a.anthropic_model,
        "openai": a.openai_model,
        "local": a.local_model_path or "",
        "extractive": f"spacy:{a.spacy_model}",
    }.get(provider, "")


def parse_spec(spec: str, settings: Settings) -> tuple[str, str]:
    """``provider:model`` (or ``provider`` for its default model) as a pair."""
    name, _, model = spec.partition(":")
    name = name.strip().lower()
    if name not in provider_names():
        raise UnknownNameError("provider", name, provider_names())
    return name, (model.strip() or default_model(settings, name))


def primary_spec(settings: Settings) -> str:
    """The configured primary, else anthropic with a key, else the extractive analyzer."""
    if settings.analyze.primary:
        return settings.analyze.primary
    if settings.anthropic_api_key is not None:
        return f"anthropic:{settings.analyze.anthropic_model}"
    return "extractive"


def get_provider(spec: str, settings: Settings) -> Provider:
    name, model = parse_spec(spec, settings)
    return _REGISTRY[name](settings, model)


# -- errors of the Stainless-generated SDKs (anthropic, openai) share one shape --
_SPEND_RE = re.compile(
    r"credit|billing|balance|spend|quota|payment|insufficient_quota", re.IGNORECASE
)


def retry_after_seconds(headers: Any) -> float | None:
    if headers is None:
        return None
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            return float(ms) / 1000.0
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            import datetime as dt

            when = parsedate_to_datetime(value)
            return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())
        except (TypeError, ValueError):
            return None


@contextmanager
def sdk_errors(sdk: str, *, provider: str, model: str) -> Iterator[None]:
    """Map exceptions raised by the ``sdk`` package to ProviderError; others propagate."""
    try:
        yield
    except ProviderError:
        raise
    except Exception as exc:
        if type(exc).__module__.startswith(sdk):
            raise map_sdk_error(exc, provider=provider, model=model) from exc
        raise


def map_sdk_error(exc: Exception, *, provider: str, model: str) -> ProviderError:
    """Turn an SDK exception into a ProviderError with ``retryable`` and ``kind``.

    Works on the anthropic and openai SDKs by duck typing: both raise
    ``APITimeoutError``/``APIConnectionError`` and ``APIStatusError`` with
    ``status_code``, ``response`` and ``body``.
    """
    cls = type(exc).__name__
    if cls == "APITimeoutError":
        return ProviderError(
            f"{provider} request timed out",
            provider=provider,
            model=model,
            retryable=True,
            kind="timeout",
        )
    status = getattr(exc, "status_code", None)
    if status is None:
        return ProviderError(
            f"{provider} connection failed: {cls}",
            provider=provider,
            model=model,
            retryable=True,
            kind="connection",
        )
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    message = _body_message(getattr(exc, "body", None)) or str(exc)
    ctx: dict[str, Any] = {"status": status}
    if status in (400, 402, 403, 429) and _SPEND_RE.search(message):
        return ProviderError(
            f"{provider} spend limit: {message}",
            provider=provider,
            model=model,
            retryable=False,
            kind="spend_limit",
            **ctx,
        )
    if status == 429:
        return ProviderError(
            f"{provider} rate limited: {message}",
            provider=provider,
            model=model,
            retryable=True,
            kind="rate_limit",
            retry_after=retry_after_seconds(headers),
            **ctx,
        )
    if status == 529:
        return ProviderError(
            f"{provider} overloaded: {message}",
            provider=provider,
            model=model,
            retryable=True,
            kind="overloaded",
            retry_after=retry_after_seconds(headers),
            **ctx,
        )
    if status >= 500 or status == 408:
        return ProviderError(
            f"{provider} server error {status}: {message}",
            provider=provider,
            model=model,
            retryable=True,
            kind="server",
            retry_after=retry_after_seconds(headers),
            **ctx,
        )
    if status == 401:
        return ProviderError(
            f"{provider} authentication failed",
            provider=provider,
            model=model,
            retryable=False,
            kind="auth",
            **ctx,
        )
    return ProviderError(
        f"{provider} rejected the request ({status}): {message}",
        provider=provider,
        model=model,
        retryable=False,
        kind="invalid_request",
        **ctx,
    )


def _body_message(body: Any) -> str:
    if isinstance(body, dict):
        err = body.get("error", body)
        if isinstance(err, dict):
            return str(err.get("message") or err.get("type") or "")
        return str(err)
    return ""


def require_key(settings: Settings, key: str, provider: str) -> str:
    secret = getattr(settings, key)
    if secret is None:
        raise ConfigError(
            f"provider {provider!r} needs an API key ({key.upper()})", provider=provider
        )
    return str(secret.get_secret_value())
