"""Cost of a model call, from the provider's usage and ``data/prices.toml``.

Prices are USD per million tokens for input, output, cache writes and cache
reads, plus a batch discount. Token counts always come from the provider's
own usage; nothing here converts between tokenizers.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, Field

from docsieve.analysis import Usage
from docsieve.errors import ConfigError

DEFAULT_MIN_CACHE_TOKENS = 1024


class ModelPrice(BaseModel):
    provider: str = ""
    input: float = Field(..., ge=0)
    output: float = Field(..., ge=0)
    cache_write: float = Field(..., ge=0)
    cache_read: float = Field(..., ge=0)
    batch_discount: float = Field(0.0, ge=0, le=1)
    min_cache_tokens: int = DEFAULT_MIN_CACHE_TOKENS


class PriceTable(BaseModel):
    read_on: str
    currency: str = "USD"
    models: dict[str, ModelPrice]

    @classmethod
    def load(cls, data_dir: Path) -> PriceTable:
        return _load(str(Path(data_dir) / "prices.toml"))

    def price(self, model: str) -> ModelPrice | None:
        """Exact name, else the longest configured prefix of it."""
        if model in self.models:
            return self.models[model]
        best = max((k for k in self.models if model.startswith(k)), key=len, default=None)
        return self.models[best] if best else None

    def min_cache_tokens(self, model: str) -> int:
        p = self.price(model)
        return p.min_cache_tokens if p else DEFAULT_MIN_CACHE_TOKENS

    def cost(self, usage: Usage, model: str, *, batch: bool = False) -> float | None:
        """USD for one call; ``None`` when the model has no price on file."""
        p = self.price(model)
        if p is None:
            return None
        usd = (
            usage.input_tokens * p.input
            + usage.output_tokens * p.output
            + usage.cache_write_tokens * p.cache_write
            + usage.cache_read_tokens * p.cache_read
        ) / 1_000_000
        # -- the batch discount applies to every token category --
        if batch:
            usd *= 1.0 - p.batch_discount
        return round(usd, 10)


@lru_cache(maxsize=8)
def _load(path: str) -> PriceTable:
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"price table not found: {p}", path=str(p))
    try:
        return PriceTable.model_validate(tomllib.loads(p.read_text(encoding="utf-8")))
    except (tomllib.TOMLDecodeError, ValueError) as exc:
        raise ConfigError(f"invalid price table {p}: {exc}", path=str(p)) from exc
