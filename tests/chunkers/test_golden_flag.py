"""Guard: golden-file regeneration must be off in a normal run (and in CI).

``DOCSIEVE_REGEN_GOLDEN=1`` makes :mod:`tests.chunkers.test_golden` rewrite its
golden files instead of comparing with them, so a run with the flag on proves
nothing. This test fails whenever the flag is on: the regenerating run is red
on purpose, and a flag left set in a shell or a CI job cannot pass unnoticed.
"""

from __future__ import annotations

import os

from pydantic import TypeAdapter

REGEN = TypeAdapter(bool).validate_python(os.getenv("DOCSIEVE_REGEN_GOLDEN", "0"))


def test_golden_regeneration_is_off() -> None:
    assert not REGEN, "DOCSIEVE_REGEN_GOLDEN is on: golden files were rewritten, not checked"
