"""Local wall-clock times as instants, including on the days the clocks jump (DST gaps and folds)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# Zone transitions happen on whole seconds; searching in microseconds also covers odd historical offsets.
_STEP = timedelta(microseconds=1)


def local_wall(instant: datetime, zone: ZoneInfo) -> datetime:
    """What a clock in `zone` reads at `instant`, as a naive datetime."""
    return instant.astimezone(zone).replace(tzinfo=None)


def to_instant(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """The first UTC instant at which the clock in `zone` reads `wall` on `day`, or the first one after a gap."""
    target = datetime.combine(day, wall.replace(tzinfo=None, fold=0))
    # fold=0 is the first of two readings when the clocks fall back, which is the one we want.
    first = target.replace(tzinfo=zone).astimezone(UTC)
    if local_wall(first, zone) == target:
        return first
    # The wall time does not exist (the clocks sprang forward over it). fold=0 reads it with the offset
    # before the jump and lands after the jump; fold=1 uses the offset after it and lands before the jump.
    other = target.replace(tzinfo=zone, fold=1).astimezone(UTC)
    low, high = sorted((first, other))
    if local_wall(low, zone) >= target:
        return low
    return _first_reaching(target, zone, low, high)


def _first_reaching(target: datetime, zone: ZoneInfo, low: datetime, high: datetime) -> datetime:
    """The first instant in (low, high] at which the clock reads `target` or later; the clock reads less at low."""
    below, above = 0, (high - low) // _STEP
    while above - below > 1:
        middle = (below + above) // 2
        if local_wall(low + middle * _STEP, zone) >= target:
            above = middle
        else:
            below = middle
    return low + above * _STEP
