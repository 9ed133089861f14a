"""Properties of next_start and is_working over every IANA zone, any hours, any days, any time off, 2000-2037."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from hours.schedule import (
    TimeOff,
    WorkingHours,
    current_shift_end,
    is_workday,
    is_working,
    next_start,
    shift_on,
)
from hours.wallclock import local_wall, to_instant
from tests.hours.switches import ZONES, switch_days

TICK = timedelta(microseconds=1)
PROPERTY_SETTINGS = settings(max_examples=300, deadline=None)


@dataclass(frozen=True)
class Case:
    hours: WorkingHours
    time_off: list[TimeOff]
    now: datetime


# Strategies are built once: building them inside the composite costs more than the tests themselves.
MINUTES_OF_DAY = st.integers(0, 24 * 60 - 1)
LATER_BY = st.integers(1, 24 * 60 - 1)
DAY_SETS = st.frozensets(st.integers(0, 6), min_size=1)
ZONE_NAMES = st.sampled_from(ZONES)
# Hypothesis takes naive bounds and attaches the zone itself.
INSTANTS = st.datetimes(datetime(2000, 1, 1), datetime(2037, 12, 31), timezones=st.just(UTC))  # noqa: DTZ001
# Time off near `now` (days from now, length), up to the 366 days /hours accepts, so that it matters.
TIME_OFF_SPANS = st.lists(st.tuples(st.integers(-20, 60), st.integers(0, 365)), max_size=2)


def _minute(minute: int) -> time:
    return time(*divmod(minute % (24 * 60), 60))


@st.composite
def cases(draw: st.DrawFn) -> Case:
    start = draw(MINUTES_OF_DAY)
    end = start + draw(LATER_BY)
    now = draw(INSTANTS)
    time_off = [
        TimeOff(now.date() + timedelta(days=offset), now.date() + timedelta(days=offset + length))
        for offset, length in draw(TIME_OFF_SPANS)
    ]
    hours = WorkingHours(start=_minute(start), end=_minute(end), days=draw(DAY_SETS), tz=draw(ZONE_NAMES))
    return Case(hours, time_off, now)


def _shift_day(case: Case, instant: datetime) -> date:
    """The local day whose start wall time the clock first reaches at `instant`."""
    zone = ZoneInfo(case.hours.tz)
    before, at = local_wall(instant - TICK, zone), local_wall(instant, zone)
    days = [
        day
        for day in (at.date() - timedelta(days=1), at.date())
        if before < datetime.combine(day, case.hours.start) <= at
    ]
    assert len(days) == 1, (before, at)
    return days[0]


@PROPERTY_SETTINGS
@given(cases())
def test_next_start_is_the_first_worked_start_at_or_after_now(case: Case) -> None:
    zone = ZoneInfo(case.hours.tz)
    start = next_start(case.hours, case.time_off, case.now)
    assert start >= case.now
    assert start.utcoffset() == timedelta(0)
    # It starts a worked shift...
    assert is_working(case.hours, case.time_off, start)
    end = current_shift_end(case.hours, case.time_off, start)
    assert end is not None
    assert end > start
    # ...on a working weekday that is not a day off, at the start time on that day's clock...
    day = _shift_day(case, start)
    assert day.weekday() in case.hours.days
    assert not any(off.first <= day <= off.last for off in case.time_off)
    wall = local_wall(start, zone)
    if wall != datetime.combine(day, case.hours.start):
        # ...unless the clock jumped over the start (DST gap, skipped day): then right after the jump.
        assert wall > datetime.combine(day, case.hours.start)
        assert (start - TICK).astimezone(zone).utcoffset() != start.astimezone(zone).utcoffset()
    # ...and no worked shift starts between now and then.
    candidate = local_wall(case.now, zone).date() - timedelta(days=2)
    while candidate <= wall.date() + timedelta(days=1):
        if is_workday(case.hours, case.time_off, candidate):
            shift_start, shift_end = shift_on(case.hours, candidate)
            assert not (case.now <= shift_start < start and shift_start < shift_end), candidate
        candidate += timedelta(days=1)


@PROPERTY_SETTINGS
@given(cases(), st.floats(0, 1, exclude_max=True))
def test_off_duty_lasts_until_next_start_and_a_shift_until_its_end(case: Case, fraction: float) -> None:
    start = next_start(case.hours, case.time_off, case.now)
    end = current_shift_end(case.hours, case.time_off, case.now)
    assert is_working(case.hours, case.time_off, case.now) == (end is not None)
    if end is None:
        # Float rounding can land on `start` itself, which is working time: stay strictly before it.
        between = min(case.now + (start - case.now) * fraction, start - TICK)
        assert not is_working(case.hours, case.time_off, max(between, case.now))
    else:
        assert end > case.now
        assert is_working(case.hours, case.time_off, min(case.now + (end - case.now) * fraction, end - TICK))
        # Unless this shift starts right now, the next start is a later shift's: at or after this one's end.
        assert start == case.now or start >= end


@settings(max_examples=60, deadline=None)
@given(
    zone_name=ZONE_NAMES,
    year=st.integers(2000, 2037),
    start=st.integers(0, 24 * 4 - 1).map(lambda quarter: quarter * 15),
    length=st.integers(1, 24 * 4 - 1).map(lambda quarters: quarters * 15),
)
def test_on_switch_days_a_shift_starts_when_the_clock_first_reaches_its_start(
    zone_name: str, year: int, start: int, length: int
) -> None:
    zone = ZoneInfo(zone_name)
    hours = WorkingHours(start=_minute(start), end=_minute(start + length), days=frozenset(range(7)), tz=zone_name)
    for day in switch_days(zone, year):
        shift_start, shift_end = shift_on(hours, day)
        now = to_instant(day - timedelta(days=1), hours.start, zone) + TICK
        found = next_start(hours, [], now)
        if shift_start < shift_end:
            assert found == shift_start
            assert is_working(hours, [], found)
            assert current_shift_end(hours, [], found) == shift_end
        else:
            # The whole shift lies in the gap: nobody can work it, so the next day's shift is next.
            assert found > shift_start
        target = datetime.combine(day, hours.start)
        assert local_wall(shift_start - TICK, zone) < target <= local_wall(shift_start, zone)
