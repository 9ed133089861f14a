"""An event's required fields, read or refused: an event without a usable one is invalid for good.

Slack's own tooling ships payloads with placeholder values (`"ts": ""`, `"channel": ""`), and a
leaked signing secret lets anyone send anything. Retrying such an event cannot help, so a
processor reads what it needs through these functions, and `InvalidEvent` tells the runner to
record the event once, with the field that was wrong, and never try it again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from store.slack_time import ts_to_datetime

# Longer than any Slack id or ts: a value this long was not written by Slack.
MAX_ID = 64


class InvalidEvent(ValueError):
    """An event whose required field is missing or unusable; `field` names it (`item.ts`, say)."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"`{field}` {problem}")
        self.field = field


def required_id(container: Mapping[str, Any], name: str, *, within: str = "") -> str:
    """A Slack id (channel, user…) the event cannot do without."""
    value = container.get(name)
    if value is None:
        raise InvalidEvent(within + name, "is missing")
    if not isinstance(value, str):
        raise InvalidEvent(within + name, f"is a {type(value).__name__}, not an id")
    if not value.strip():
        raise InvalidEvent(within + name, "is empty")
    if len(value) > MAX_ID or any(ch.isspace() for ch in value):
        raise InvalidEvent(within + name, "is not a Slack id")
    return value


def optional_id(container: Mapping[str, Any], name: str, *, within: str = "") -> str | None:
    """An id the event may leave out; when given, it must be one."""
    if container.get(name) is None:
        return None
    return required_id(container, name, within=within)


def required_ts(container: Mapping[str, Any], name: str, *, within: str = "") -> str:
    """A Slack timestamp ("1700000000.000100") the event cannot do without."""
    value = container.get(name)
    if value is None:
        raise InvalidEvent(within + name, "is missing")
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise InvalidEvent(within + name, f"is a {type(value).__name__}, not a Slack timestamp")
    text = str(value)
    if not text.strip():
        raise InvalidEvent(within + name, "is empty")
    if len(text) > MAX_ID:
        raise InvalidEvent(within + name, "is not a Slack timestamp")
    try:
        ts_to_datetime(text)
    except (ValueError, OverflowError, OSError):
        raise InvalidEvent(within + name, f"is {text!r}, not a Slack timestamp") from None
    return text


def required_object(container: Mapping[str, Any], name: str, *, within: str = "") -> dict[str, Any]:
    """A nested object (a reaction's `item`, an edit's `message`) the event cannot do without."""
    value = container.get(name)
    if not isinstance(value, dict):
        raise InvalidEvent(within + name, "is missing" if value is None else "is not an object")
    return value
