"""What a log line is about (workspace, event, job), set where the work starts and read by the JSON logs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_CONTEXT: ContextVar[dict[str, str]] = ContextVar("handoff_log_context")


@contextmanager
def about(**ids: str | int | None) -> Iterator[None]:
    """Log lines written inside carry these ids (team_id, event_id, job_id); None values are left out."""
    current = _CONTEXT.get({})
    token = _CONTEXT.set({**current, **{name: str(value) for name, value in ids.items() if value is not None}})
    try:
        yield
    finally:
        _CONTEXT.reset(token)


def current() -> dict[str, str]:
    """The ids of the work this thread is doing now."""
    return dict(_CONTEXT.get({}))
