"""The weeks team metrics are counted in: seven local days each, from midnight to midnight in the reader's zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from hours.phrases import EN_DASH, MONTH_NAMES
from hours.schedule import zone_for
from hours.wallclock import local_wall, to_instant

DAYS_IN_WEEK = 7
MIN_WEEKS, MAX_WEEKS, DEFAULT_WEEKS = 1, 52, 8


@dataclass(frozen=True)
class Week:
    """Seven local days: the instants (UTC) from the first day's midnight to the midnight after the last."""

    first_day: date
    last_day: date
    start: datetime
    end: datetime

    @property
    def label(self) -> str:
        """The days with an en dash: "2-8 Mar", or "23 Feb-1 Mar" across a month."""
        first, last = self.first_day, self.last_day
        if first.month == last.month:
            return f"{first.day}{EN_DASH}{last.day} {MONTH_NAMES[last.month - 1]}"
        return f"{first.day} {MONTH_NAMES[first.month - 1]}{EN_DASH}{last.day} {MONTH_NAMES[last.month - 1]}"


def weeks_ending(last_day: date, *, count: int, tz: str) -> tuple[Week, ...]:
    """`count` consecutive weeks, oldest first, the newest ending with `last_day` (local midnights in `tz`).

    A week is seven calendar days, so one with a daylight-saving change is an hour shorter or longer.
    """
    if count < 1:
        raise ValueError("at least one week")
    zone = zone_for(tz)
    first = last_day - timedelta(days=count * DAYS_IN_WEEK - 1)
    midnights = [to_instant(first + timedelta(days=n * DAYS_IN_WEEK), time(0), zone) for n in range(count + 1)]
    return tuple(
        Week(
            first_day=first + timedelta(days=n * DAYS_IN_WEEK),
            last_day=first + timedelta(days=n * DAYS_IN_WEEK + DAYS_IN_WEEK - 1),
            start=midnights[n],
            end=midnights[n + 1],
        )
        for n in range(count)
    )


def today_in(now: datetime, tz: str) -> date:
    """The reader's calendar date at `now`."""
    return local_wall(now, zone_for(tz)).date()


def previous_sunday(day: date) -> date:
    """The Sunday before `day` (a Monday's report covers the weeks up to the day before)."""
    return day - timedelta(days=day.weekday() + 1)
