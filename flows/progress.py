"""A process-wide progress hook, so the CLI can draw a bar while a flow runs.

Flow parameters must be serialisable, so a callback can't be passed in; the
CLI installs a reporter here and the flows call :func:`advance`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

Reporter = Callable[[str, int | None, str | None], None]
"""Called as reporter(event, total, label): event is 'start' or 'advance'."""

_reporter: Reporter | None = None


@contextmanager
def reporting(reporter: Reporter) -> Iterator[None]:
    global _reporter
    previous, _reporter = _reporter, reporter
    try:
        yield
    finally:
        _reporter = previous


def start(total: int, label: str) -> None:
    if _reporter is not None:
        _reporter("start", total, label)


def advance(label: str | None = None) -> None:
    if _reporter is not None:
        _reporter("advance", None, label)
