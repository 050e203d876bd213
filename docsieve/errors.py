"""The one error hierarchy of docsieve.

Every error we raise on purpose derives from :class:`DocsieveError` and carries
enough context (path, stage, provider...) to be recorded and shown to a user.
Callers catch only what they can handle; everything else propagates.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path
from typing import Any


class DocsieveError(Exception):
    """Root of all docsieve errors. ``context`` is stored with the record."""

    def __init__(self, message: str, **context: Any) -> None:
        super().__init__(message)
        self.message = message
        self.context: dict[str, Any] = context

    def __str__(self) -> str:
        return self.message


class ConfigError(DocsieveError):
    """A setting, profile or registry name is invalid."""


class UnknownNameError(ConfigError):
    """A registry lookup failed; the message lists the valid names."""

    def __init__(self, kind: str, name: str, valid: list[str]) -> None:
        super().__init__(
            f"unknown {kind} {name!r}; valid: {', '.join(sorted(valid)) or '(none)'}",
            kind=kind,
            name=name,
            valid=sorted(valid),
        )


def nearest(name: str, valid: Iterable[str]) -> str | None:
    """The valid name most like ``name`` (difflib), or None when none is close."""
    found = difflib.get_close_matches(name.lower(), list(valid), n=1, cutoff=0.6)
    return found[0] if found else None


class UnknownKeyError(ConfigError):
    """A settings or profile key that does not exist: a typo is an error, never ignored.

    ``key`` and ``suggestion`` are shown as the user writes them (``chunk.max_token``,
    ``DOCSIEVE_CHUNK__MAX_TOKEN``); ``valid`` are the names allowed where the key is.
    """

    def __init__(
        self, key: str, where: str, suggestion: str | None, valid: list[str], kind: str = "setting"
    ) -> None:
        shown = ", ".join(valid) or "(none)"
        hint = f"did you mean {suggestion}?" if suggestion else f"valid: {shown}"
        super().__init__(
            f"unknown {kind} {key} in {where}; {hint}",
            key=key,
            where=where,
            suggestion=suggestion,
            valid=valid,
        )


class InputError(DocsieveError):
    """A document cannot be processed. ``status`` is what the batch records.

    ``status`` is one of ``failed`` or ``needs_ocr``; ``reason`` is a short,
    human-readable sentence. ``kind`` says whether trying again can help:
    ``content`` (the file itself is bad: tried again only once it changes),
    ``limit`` (a setting refused it: tried again when the settings change) or
    ``transient`` (reading failed: tried again on the next run).
    """

    def __init__(
        self,
        reason: str,
        *,
        path: Path | str | None = None,
        status: str = "failed",
        kind: str = "content",
        **context: Any,
    ) -> None:
        super().__init__(
            reason,
            path=str(path) if path is not None else None,
            status=status,
            kind=kind,
            **context,
        )
        self.reason = reason
        self.path = path
        self.status = status
        self.kind = kind


class StorageError(DocsieveError):
    """The database is unreachable, or its schema is newer than this code."""


class ProviderError(DocsieveError):
    """A model provider call failed.

    ``retryable`` tells the fallback chain whether another attempt at the same
    provider may succeed (rate limits, overload, timeouts) or not (spend limit,
    authentication, invalid request).
    """

    def __init__(
        self,
        message: str,
        *,
        provider: str,
        model: str | None = None,
        retryable: bool = False,
        retry_after: float | None = None,
        kind: str = "error",
        **context: Any,
    ) -> None:
        super().__init__(
            message,
            provider=provider,
            model=model,
            retryable=retryable,
            retry_after=retry_after,
            kind=kind,
            **context,
        )
        self.provider = provider
        self.model = model
        self.retryable = retryable
        self.retry_after = retry_after
        self.kind = kind


class InvalidOutputError(ProviderError):
    """The model answered, but not in the required shape (schema, refusal, truncation)."""


class BudgetExceededError(DocsieveError):
    """A token or dollar budget would be exceeded by the next step."""
