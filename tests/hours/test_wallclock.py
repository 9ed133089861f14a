"""Wall-clock times as instants: gaps go to the first instant after the jump, folds to the first reading."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from hours.wallclock import local_wall, to_instant
from tests.hours.switches import ZONES, quarter_hours, switch_days

TICK = timedelta(microseconds=1)


def test_a_time_in_the_berlin_spring_gap_is_the_first_instant_of_summer_time() -> None:
    instant = to_instant(date(2026, 3, 29), time(2, 30), ZoneInfo("Europe/Berlin"))
    assert instant == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    assert local_wall(instant, ZoneInfo("Europe/Berlin")) == datetime.combine(date(2026, 3, 29), time(3, 0))


def test_a_time_in_the_lord_howe_half_hour_gap_is_0230() -> None:
    # Lord Howe Island moves its clocks by 30 minutes: 02:00 (+10:30) becomes 02:30 (+11).
    instant = to_instant(date(2026, 10, 4), time(2, 15), ZoneInfo("Australia/Lord_Howe"))
    assert instant == datetime(2026, 10, 3, 15, 30, tzinfo=UTC)


def test_a_time_repeated_at_fall_back_is_its_first_reading() -> None:
    zone = ZoneInfo("America/Los_Angeles")
    assert to_instant(date(2026, 11, 1), time(1, 30), zone) == datetime(2026, 11, 1, 8, 30, tzinfo=UTC)
    lord_howe = ZoneInfo("Australia/Lord_Howe")
    assert to_instant(date(2026, 4, 5), time(1, 45), lord_howe) == datetime(2026, 4, 4, 14, 45, tzinfo=UTC)


def test_a_time_on_a_skipped_day_is_the_first_instant_of_the_next_day() -> None:
    instant = to_instant(date(2011, 12, 30), time(9), ZoneInfo("Pacific/Apia"))
    assert local_wall(instant, ZoneInfo("Pacific/Apia")) == datetime.combine(date(2011, 12, 31), time(0, 0))


def test_a_time_with_fold_one_still_means_the_first_reading() -> None:
    zone = ZoneInfo("America/Los_Angeles")
    assert to_instant(date(2026, 11, 1), time(1, 30, fold=1), zone) == datetime(2026, 11, 1, 8, 30, tzinfo=UTC)


@settings(max_examples=300, deadline=None)
@given(
    zone_name=st.sampled_from(ZONES),
    day=st.dates(date(2000, 1, 1), date(2037, 12, 31)),
    minute=st.integers(0, 24 * 60 - 1),
)
def test_the_instant_is_the_first_at_which_the_clock_reaches_the_wall_time(
    zone_name: str, day: date, minute: int
) -> None:
    zone = ZoneInfo(zone_name)
    target = datetime.combine(day, time(*divmod(minute, 60)))
    instant = to_instant(day, target.time(), zone)
    assert instant.tzinfo is UTC
    assert local_wall(instant - TICK, zone) < target <= local_wall(instant, zone)
    if local_wall(instant, zone) != target:
        # Only a jump forward over the target moves it, and the jump is right here.
        assert (instant - TICK).astimezone(zone).utcoffset() != instant.astimezone(zone).utcoffset()


@settings(max_examples=60, deadline=None)
@given(zone_name=st.sampled_from(ZONES), year=st.integers(2000, 2037))
def test_every_quarter_hour_of_a_switch_day_is_the_first_instant_reaching_it(zone_name: str, year: int) -> None:
    zone = ZoneInfo(zone_name)
    for day in switch_days(zone, year):
        for wall in quarter_hours():
            target = datetime.combine(day, wall)
            instant = to_instant(day, wall, zone)
            assert local_wall(instant - TICK, zone) < target <= local_wall(instant, zone)
