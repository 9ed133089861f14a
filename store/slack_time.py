"""Slack timestamps (`ts`, "1700000000.000100") as instants."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation


def ts_to_datetime(ts: str) -> datetime:
    """The instant a Slack `ts` names; ValueError when `ts` is not one."""
    try:
        seconds = Decimal(ts)
    except InvalidOperation:
        raise ValueError(f"not a Slack ts: {ts!r}") from None
    if not seconds.is_finite() or seconds < 0:
        raise ValueError(f"not a Slack ts: {ts!r}")
    return datetime.fromtimestamp(float(seconds), UTC)


def datetime_to_ts(instant: datetime) -> str:
    """A Slack-style `ts` for an instant (microsecond precision)."""
    return f"{instant.timestamp():.6f}"
