"""Prefect states that tell the truth about a document and a run.

A file that failed to parse, or a document whose stage 2 gave no usable answer,
used to end as a green ``Completed`` task in a ``Completed`` run. Here a task
returns a ``Failed`` state that still carries its result (the batch goes on and
the flow reads the result), and a flow ends ``Failed``, named ``Degraded`` when
stage 2 failed for a document (exit 4) or ``Failed`` when a file did (exit 3).

Callers run flows and tasks with ``return_state=True`` and :func:`unwrap` the
state: the result comes back whatever the state's type, and an exception the
flow or task raised is raised again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

DEGRADED = "Degraded"
# -- document statuses whose stage 2 gave no usable answer (every provider failed) --
BAD_ANALYSIS = frozenset({"degraded", "failed"})


def task_result(result: Any, problem: str | None, name: str = "Failed") -> Any:
    """``result`` as is, or a Failed state (named ``name``) carrying it when ``problem``."""
    if problem is None:
        return result
    from prefect.states import Failed

    return Failed(message=problem, data=result, name=name)


def run_result(result: Any, *, degraded: list[str], failed: list[str]) -> Any:
    """The flow's final state: Completed, or Failed named Degraded/Failed, carrying ``result``."""
    if degraded:
        from prefect.states import Failed

        names = ", ".join(degraded[:3]) + (" ..." if len(degraded) > 3 else "")
        return Failed(
            name=DEGRADED,
            message=f"{len(degraded)} document(s) degraded: {names}",
            data=result,
        )
    if failed:
        from prefect.states import Failed

        names = ", ".join(failed[:3]) + (" ..." if len(failed) > 3 else "")
        return Failed(message=f"{len(failed)} file(s) failed: {names}", data=result)
    return result


def unwrap(state: Any) -> Any:
    """The result a state carries; an exception raised in the flow or task is re-raised."""
    data = state.result(raise_on_failure=False)
    if isinstance(data, BaseException):
        raise data
    return data


def call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run a flow or task and return its result, even when its state is Failed."""
    return unwrap(fn(*args, return_state=True, **kwargs))
