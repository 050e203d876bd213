"""A local server speaking the Anthropic and OpenAI wire formats, for tests of stage 2."""

from tests.fakeapi.server import (
    ANTHROPIC_KEY,
    MODEL_FAULTS,
    OPENAI_KEY,
    FakeAPI,
    Recorded,
    closed_port_url,
    generate,
    tokens_of,
)

__all__ = [
    "ANTHROPIC_KEY",
    "MODEL_FAULTS",
    "OPENAI_KEY",
    "FakeAPI",
    "Recorded",
    "closed_port_url",
    "generate",
    "tokens_of",
]
