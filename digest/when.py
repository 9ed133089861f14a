"""When a person's next catch-up is due: their working-hours start, or their chosen time, daily or weekly."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

from hours.schedule import TimeOff, WorkingHours, is_workday, next_start, shift_on, zone_for
from hours.wallclock import local_wall, to_instant

_MINUTE = timedelta(minutes=1)
_DAY = timedelta(days=1)
# How far the next catch-up is looked for (weekly cadence across long time off, say).
_SEARCH = 60
# A catch-up this late still goes out, marked late; later than that, only if no newer one is due.
LATE_AFTER = timedelta(hours=3)
# The first weekly catch-up covers the week before it; none covers more than two weeks.
FIRST_SPAN = {"weekly": timedelta(days=7)}
LONGEST_SPAN = timedelta(days=14)


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


def window_start(
    hours: WorkingHours, time_off: Sequence[TimeOff], *, end: datetime, previous: datetime | None, weekly: bool
) -> datetime:
    """Where a catch-up ending at `end` starts: the time the person was away, at most two weeks.

    Daily, that is since the end of their last working day or their last catch-up, whichever is
    later: the day they worked they saw in Slack. Weekly, since the last catch-up (the week's
    overview is what a weekly reader asked for); the first weekly one covers the week before.
    """
    if weekly:
        start = previous if previous is not None else end - FIRST_SPAN["weekly"]
    else:
        away = away_since(hours, time_off, before=end, within=LONGEST_SPAN)
        start = away if previous is None else max(previous, away)
    return max(start, end - LONGEST_SPAN)


def away_since(hours: WorkingHours, time_off: Sequence[TimeOff], *, before: datetime, within: timedelta) -> datetime:
    """When the person left work last before `before`: the end of their last worked shift.

    What happened while they worked they saw in Slack themselves; a catch-up covers the time since.
    Looked for no further back than `within` (time off that long): then `before - within`.
    """
    zone = zone_for(hours.tz)
    earliest = before - within
    day = local_wall(before, zone).date()
    last_day = local_wall(earliest, zone).date() - _DAY
    while day >= last_day:
        if is_workday(hours, time_off, day):
            start, end = shift_on(hours, day)
            # A shift wholly inside a daylight-saving gap was never worked.
            if start < end <= before:
                return max(end, earliest)
        day -= _DAY
    return earliest


def local_date(instant: datetime, tz: str) -> date:
    """The reader's calendar date at an instant: a catch-up is unique per person and local date."""
    return local_wall(instant, zone_for(tz)).date()


def _on_or_after(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7)
