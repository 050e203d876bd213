"""What each document's task writes to the Prefect run log, which the UI shows and keeps.

One INFO line per document (type, chunks, selected tokens, the provider and
model that answered), one line per fallback step, and a WARNING with the reason
when stage 2 degraded or failed. Keys never reach the log: every configured
secret is masked in each line, so a provider message that echoed one stays safe.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from docsieve.settings import Settings
from flows.states import BAD_ANALYSIS as BAD

if TYPE_CHECKING:
    from flows.run import DocumentResult


def _secrets(settings: Settings) -> list[str]:
    keys = (settings.anthropic_api_key, settings.openai_api_key)
    return [k.get_secret_value() for k in keys if k is not None and k.get_secret_value()]


def mask(text: str, secrets: list[str]) -> str:
    """``text`` with each secret replaced by ``****`` and its last four characters."""
    for secret in secrets:
        text = text.replace(secret, "****" + secret[-4:])
    return text


def document_lines(res: DocumentResult) -> list[tuple[str, str]]:
    """(level, message) pairs describing one processed document."""
    name = res.path.rsplit("/", 1)[-1]
    answered = f"{res.provider}/{res.model}" if res.provider else "no provider"
    lines = [
        (
            "INFO",
            f"{name}: type {res.doc_type or 'unknown'}, {res.chunks} chunks, "
            f"{res.selected_tokens:,} of {res.document_tokens:,} tokens selected; "
            f"{res.status} by {answered}",
        )
    ]
    lines += [("INFO", f"{name}: fallback: {step}") for step in res.fallbacks]
    lines += [("INFO", f"{name}: budget: {step}") for step in res.degraded]
    if res.status in BAD:
        lines.append(("WARNING", f"{name}: {res.status}: {res.reason or 'no reason recorded'}"))
    elif res.status in ("deferred", "skipped"):
        lines.append(("WARNING", f"{name}: {res.status}: {res.reason or ''}"))
    elif res.reason:
        lines.append(("INFO", f"{name}: note: {res.reason}"))
    return lines


def log_document(res: DocumentResult, settings: Settings) -> None:
    """Write :func:`document_lines` to the current task's Prefect run logger."""
    import logging

    from prefect import get_run_logger

    log = get_run_logger()
    secrets = _secrets(settings)
    for level, message in document_lines(res):
        log.log(getattr(logging, level), "%s", mask(message, secrets))
