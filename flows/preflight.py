"""Checks that run before any work, so a bad configuration costs nothing.

A typo in a profile or provider name, a primary provider without its key, a
negative budget or a cron that does not parse used to surface minutes later, as
"degraded" documents in a run recorded as completed. Each check here raises
:class:`~docsieve.errors.ConfigError` with one line that says how to fix it; the
CLI turns that into exit 2 before the first file is read. The checks are cheap:
no SDK client is built, no model is loaded and nothing is sent.
"""

from __future__ import annotations

from docsieve.errors import ConfigError, UnknownNameError, nearest
from docsieve.profiles import load_profile
from docsieve.settings import Settings


def check_profile(name: str | None, settings: Settings) -> None:
    """An explicit profile must load (a shipped name or a .toml path)."""
    if name:
        load_profile(name, settings.data_dir)


def check_providers(settings: Settings) -> None:
    """``analyze.primary``/``secondary`` name known providers; the primary has what it needs."""
    from analyzers.base import parse_spec, primary_spec

    for key in ("primary", "secondary"):
        spec = getattr(settings.analyze, key)
        if not spec:
            continue
        try:
            parse_spec(spec, settings)
        except UnknownNameError as exc:
            name = exc.context["name"]
            guess = nearest(name, exc.context["valid"])
            hint = f"did you mean {guess!r}? " if guess else ""
            raise ConfigError(
                f"analyze.{key} = {spec!r}: unknown provider {name!r}; {hint}"
                f"valid: {', '.join(exc.context['valid'])}",
                key=f"analyze.{key}",
            ) from exc
    name, model = parse_spec(primary_spec(settings), settings)
    if name == "anthropic" and settings.anthropic_api_key is None:
        raise ConfigError(
            "the primary provider is anthropic but no API key is set: export "
            "ANTHROPIC_API_KEY (or DOCSIEVE_ANTHROPIC_API_KEY), or set analyze.primary = "
            '"extractive" to run offline',
            provider=name,
        )
    if name == "openai" and settings.openai_api_key is None and not settings.openai_base_url:
        raise ConfigError(
            "the primary provider is openai but neither OPENAI_API_KEY nor OPENAI_BASE_URL "
            "(a self-hosted server) is set",
            provider=name,
        )
    if name == "local" and not model:
        raise ConfigError(
            "the primary provider is local but analyze.local_model_path is not set "
            "(DOCSIEVE_ANALYZE__LOCAL_MODEL_PATH=/path/to/model)",
            provider=name,
        )


def check_budget(tokens: int | None, option: str = "--budget") -> None:
    """A token budget is a positive number of tokens."""
    if tokens is not None and tokens <= 0:
        raise ConfigError(
            f"{option} must be a positive number of tokens (got {tokens}); "
            f"leave it out for the profile's own budget",
            option=option,
        )


def check_cron(cron: str) -> None:
    """Five cron fields, as Prefect's scheduler reads them (its own validator)."""
    from prefect.client.schemas.schedules import CronSchedule
    from pydantic import ValidationError

    try:
        CronSchedule(cron=cron)
    except ValidationError as exc:
        raise ConfigError(
            f"--cron {cron!r} is not a cron expression; use five fields, minute hour "
            'day-of-month month day-of-week, e.g. "0 6 * * 1-5" (06:00 on weekdays)',
            option="--cron",
        ) from exc


def check_timezone(tz: str | None) -> None:
    """An IANA time zone name (Europe/Paris, America/New_York, UTC)."""
    if tz is None:
        return
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(
            f"--timezone {tz!r} is not a time zone; use an IANA name such as "
            '"Europe/Paris", "America/New_York" or "UTC"',
            option="--timezone",
        ) from exc


def check_run(settings: Settings, profile: str | None = None) -> None:
    """Everything a command that reaches stage 2 needs, checked before any work."""
    check_profile(profile, settings)
    check_providers(settings)
