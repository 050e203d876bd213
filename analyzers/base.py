"""The stage 2 contract: one provider takes a typed request and returns a typed response.

Providers register by name (``anthropic``, ``openai``, ``local``,
``extractive``); :func:`get_provider` builds one from settings and a
``provider:model`` spec. Errors are :class:`docsieve.errors.ProviderError`
(``retryable`` and ``kind`` tell the fallback chain what to do) and
:class:`docsieve.errors.InvalidOutputError` for answers of the wrong shape.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from docsieve.analysis import AnalysisRequest, DocumentAnalysis, ProviderResponse, Usage
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
    def log_call(self, *, call_id: int | None = None, **fields: Any) -> int: ...
    def open_batch_call(self, request_hash: str) -> tuple[int, str] | None: ...
    def set_batch_id(self, call_ids: list[int], batch_id: str) -> None: ...
    def reusable_response(
        self, request_hash: str, repair_note: str | None
    ) -> tuple[dict[str, Any], dict[str, Any] | None] | None: ...
    def logged_call(self, request_hash: str) -> LoggedCall | None: ...
    def cache_get(self, request_hash: str) -> ProviderResponse | None: ...
    def cache_get_content(self, content_hash: str) -> ProviderResponse | None: ...
    def cache_put(
        self, request_hash: str, content_hash: str, response: ProviderResponse, call_id: int | None
    ) -> None: ...
    def save_analysis(self, analysis: DocumentAnalysis) -> int: ...
    def analyses(self, run_id: int) -> list[DocumentAnalysis]: ...


@dataclass(frozen=True)
class Estimate:
    """The worst case of one request before it is sent: every budget check uses this."""

    input_tokens: int
    output_tokens: int  # -- the request's max_tokens: the most it can answer --
    usd: float | None  # -- None: the model has no price on file --
    source: str  # -- where input_tokens comes from: count_tokens, tiktoken-estimate --

    @property
    def tokens(self) -> int:
        return self.input_tokens + self.output_tokens


BatchResults = dict[str, ProviderResponse | ProviderError]


class Provider(ABC):
    """A model provider. Subclasses set the class attributes and implement ``execute``."""

    name: ClassVar[str]
    # -- run_batch sends many requests as one asynchronous batch (Message Batches) --
    supports_batch: ClassVar[bool] = False
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

    def estimate(self, request: AnalysisRequest) -> Estimate:
        """Tokens and dollars this request may cost at most: its input and ``max_tokens``."""
        from analyzers.pricing import PriceTable

        n, source = self.count_input_tokens(request)
        usd = PriceTable.load(self.settings.data_dir).cost(
            Usage(input_tokens=n, output_tokens=request.max_tokens), request.model
        )
        return Estimate(n, request.max_tokens, usd, source)

    def count_input_tokens(self, request: AnalysisRequest) -> tuple[int, str]:
        """Input tokens of the request and where the number comes from.

        The default counts locally; providers that can ask their API do so.
        """
        from analyzers.prompt import local_token_count

        return local_token_count(request, self.settings.encoding), "tiktoken-estimate"

    def run_batch(
        self,
        items: list[tuple[str, AnalysisRequest]],
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> BatchResults:
        """Send (custom id, request) pairs as one batch; only if ``supports_batch``."""
        raise ProviderError(
            f"provider {self.name!r} has no batch API",
            provider=self.name,
            model=self.model,
            kind="unsupported",
        )

    def submit_batch(self, items: list[tuple[str, AnalysisRequest]]) -> str:
        """Create a batch of (custom id, request) pairs; its id. Only if ``supports_batch``."""
        raise ProviderError(
            f"provider {self.name!r} has no batch API",
            provider=self.name,
            model=self.model,
            kind="unsupported",
        )

    def collect_batch(
        self,
        batch_id: str,
        items: list[tuple[str, AnalysisRequest]],
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> BatchResults:
        """Wait for batch ``batch_id`` and return the result of each of ``items``."""
        return self.run_batch(items, sleep=sleep)

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


def require_key(settings: Settings, key: str, provider: str) -> str:
    secret = getattr(settings, key)
    if secret is None:
        raise ConfigError(
            f"provider {provider!r} needs an API key ({key.upper()})", provider=provider
        )
    return str(secret.get_secret_value())
