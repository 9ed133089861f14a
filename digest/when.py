"""When a person's next catch-up is due: their working-hours start, or their chosen time, daily or weekly."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

from hours.schedule import TimeOff, WorkingHours, next_start, zone_for
from hours.wallclock import local_wall, to_instant

_MINUTE = timedelta(minutes=1)
_DAY = timedelta(days=1)
# How far the next catch-up is looked for (weekly cadence across long time off, say).
_SEARCH = 60
# A catch-up this late still goes out, marked late; later than that, only if no newer one is due.
LATE_AFTER = timedelta(hours=3)


def next_catchup(
    hours: WorkingHours,
    time_off: Sequence[TimeOff],
    *,
    after: datetime,
    weekly_on: int | None = None,
    at_minute: int | None = None,
) -> datetime:
    """The first catch-up instant strictly after `after` (UTC).

    It comes on a worked day (not on time off): at the start of the shift, or at `at_minute` local
    time that day. Weekly (`weekly_on` a weekday, 0 = Monday), it comes on that weekday, or on the
    first worked day after it when that day is not worked.
    """
    zone = zone_for(hours.tz)
    probe = after + _MINUTE
    for _ in range(_SEARCH):
        start = next_start(hours, time_off, probe)
        day = local_wall(start, zone).date()
        if weekly_on is not None:
            wanted = _on_or_after(local_wall(probe, zone).date(), weekly_on)
            if day < wanted:
                probe = to_instant(wanted, time(0), zone)
                continue
        due = start if at_minute is None else to_instant(day, time(at_minute // 60, at_minute % 60), zone)
        if due > after:
            return due
        probe = to_instant(day + _DAY, time(0), zone)
    raise ValueError("no catch-up could be planned within the search horizon")


def local_date(instant: datetime, tz: str) -> date:
    """The reader's calendar date at an instant: a catch-up is unique per person and local date."""
    return local_wall(instant, zone_for(tz)).date()


def _on_or_after(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7)
