"""Slack timestamps (`ts`, "1700000000.000100") as instants."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation

# What Slack writes: seconds, a dot, six digits of microseconds.
_USUAL = re.compile(r"(\d{1,11})\.(\d{6})")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def ts_to_datetime(ts: str) -> datetime:
    """The instant a Slack `ts` names; ValueError when `ts` is not one."""
    usual = _USUAL.fullmatch(ts)
    if usual is not None:
        # The common case without Decimal: imports read a million of them.
        return _EPOCH + timedelta(seconds=int(usual[1]), microseconds=int(usual[2]))
    try:
        seconds = Decimal(ts)
    except InvalidOperation:
        raise ValueError(f"not a Slack ts: {ts!r}") from None
    if not seconds.is_finite() or seconds < 0:
        raise ValueError(f"not a Slack ts: {ts!r}")
    whole = int(seconds)
    # Decimal arithmetic keeps the microseconds exact, where a float would round them.
    micros = int(((seconds - whole) * 1_000_000).to_integral_value())
    return datetime.fromtimestamp(whole, UTC) + timedelta(microseconds=micros)


def datetime_to_ts(instant: datetime) -> str:
    """A Slack-style `ts` for an instant (microsecond precision)."""
    return f"{instant.timestamp():.6f}"
