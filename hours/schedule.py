"""A person's working hours and time off, and whether and until when they are at work at an instant."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hours.wallclock import local_wall, to_instant

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WORKWEEK = frozenset(range(5))
DEFAULT_START = time(9, 0)
DEFAULT_END = time(17, 0)
# Time off can run for a year or more; past this, only absurd time off leaves no start, and we say so.
SEARCH_DAYS = 3 * 366 + 8
_ONE_DAY = timedelta(days=1)


def zone_for(tz: str) -> ZoneInfo:
    """The zone for an IANA name; ValueError when there is no such zone."""
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"unknown time zone {tz!r}") from error


@dataclass(frozen=True)
class WorkingHours:
    """When a shift starts and ends on the local clock, on which weekdays it starts, and in which zone."""

    start: time
    end: time
    days: frozenset[int]
    tz: str

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("working hours are local wall-clock times: give times without tzinfo")
        if self.start == self.end:
            raise ValueError("working hours must start and end at different times")
        # A plain set would make the value unhashable; accept it, keep a frozenset.
        object.__setattr__(self, "days", frozenset(self.days))
        if not self.days:
            raise ValueError("working hours need at least one day")
        if not self.days <= frozenset(range(7)):
            raise ValueError(f"weekdays are 0 (Monday) to 6 (Sunday), not {sorted(self.days)}")
        zone_for(self.tz)

    @property
    def overnight(self) -> bool:
        """Whether a shift ends on the day after it starts (e.g. 22:00-06:00)."""
        return self.end < self.start


def default_hours(tz: str) -> WorkingHours:
    """The workspace default: 09:00-17:00, Monday to Friday, in the given zone."""
    return WorkingHours(start=DEFAULT_START, end=DEFAULT_END, days=WORKWEEK, tz=tz)


@dataclass(frozen=True)
class TimeOff:
    """Days off, inclusive, as local dates in the person's zone."""

    first: date
    last: date

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError(f"time off ends ({self.last}) before it starts ({self.first})")

    def covers(self, day: date) -> bool:
        """Whether `day` is one of the days off."""
        return self.first <= day <= self.last


def shift_on(hours: WorkingHours, day: date) -> tuple[datetime, datetime]:
    """The start and end (UTC) of the shift that starts on local `day`, whether or not it is worked."""
    zone = zone_for(hours.tz)
    end_day = day + _ONE_DAY if hours.overnight else day
    return to_instant(day, hours.start, zone), to_instant(end_day, hours.end, zone)


def is_workday(hours: WorkingHours, time_off: Sequence[TimeOff], day: date) -> bool:
    """Whether the shift starting on local `day` is worked: a working weekday, not a day off."""
    return day.weekday() in hours.days and not any(off.covers(day) for off in time_off)


def is_working(hours: WorkingHours, time_off: Sequence[TimeOff], now: datetime) -> bool:
    """Whether `now` falls inside a worked shift."""
    return _current_shift(hours, time_off, now) is not None


def current_shift_end(hours: WorkingHours, time_off: Sequence[TimeOff], now: datetime) -> datetime | None:
    """When the worked shift around `now` ends (UTC), or None outside working hours."""
    shift = _current_shift(hours, time_off, now)
    return None if shift is None else shift[1]


def next_start(hours: WorkingHours, time_off: Sequence[TimeOff], now: datetime) -> datetime:
    """The first start of a worked shift at or after `now` (UTC); ValueError if none within ~3 years."""
    _require_aware(now)
    try:
        day = local_wall(now, zone_for(hours.tz)).date() - _ONE_DAY
        last_day = day + timedelta(days=SEARCH_DAYS)
        while day <= last_day:
            off = next((off for off in time_off if off.covers(day)), None)
            if off is not None:
                day = off.last + _ONE_DAY
                continue
            if day.weekday() in hours.days:
                start, end = shift_on(hours, day)
                # A shift that lies wholly inside a DST gap has no instant to be worked in.
                if start >= now and start < end:
                    return start
            day += _ONE_DAY
    except OverflowError as error:
        raise ValueError("no working-hours start can be represented after this instant") from error
    raise ValueError(f"no working-hours start within {SEARCH_DAYS} days; is the time off right?")


def _current_shift(hours: WorkingHours, time_off: Sequence[TimeOff], now: datetime) -> tuple[datetime, datetime] | None:
    """The worked shift containing `now`, as (start, end) in UTC."""
    _require_aware(now)
    today = local_wall(now, zone_for(hours.tz)).date()
    # A shift lasts under a day of wall-clock time; two days back also covers a whole skipped day
    # (Pacific/Apia skipped 2011-12-30), and a day ahead is cheap insurance against folds.
    for offset in (-2, -1, 0, 1):
        day = today + offset * _ONE_DAY
        if is_workday(hours, time_off, day):
            start, end = shift_on(hours, day)
            if start <= now < end:
                return start, end
    return None


def _require_aware(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("`now` must be timezone-aware")
