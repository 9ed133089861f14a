"""Test helper: the days on which a zone's clocks change, so properties can aim at DST gaps and folds."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, available_timezones

ZONES = sorted(available_timezones())


def switch_days(zone: ZoneInfo, year: int) -> list[date]:
    """The local dates in `year` on which the zone's UTC offset changes (seen from noon UTC to noon UTC)."""
    days: list[date] = []
    instant = datetime(year, 1, 1, 12, tzinfo=UTC)
    previous = instant.astimezone(zone).utcoffset()
    while instant.year == year:
        instant += timedelta(days=1)
        offset = instant.astimezone(zone).utcoffset()
        if offset != previous:
            days.extend(_local_days_around(zone, instant))
            previous = offset
    return sorted(set(days))


def _local_days_around(zone: ZoneInfo, instant: datetime) -> list[date]:
    """The local dates of the day before `instant` up to `instant`: a switch in that span falls on one of them."""
    first = (instant - timedelta(days=1)).astimezone(zone).date()
    last = instant.astimezone(zone).date()
    return [first + timedelta(days=step) for step in range((last - first).days + 1)]


def quarter_hours() -> list[time]:
    """Every quarter hour of a day."""
    return [time(hour, minute) for hour in range(24) for minute in range(0, 60, 15)]
