"""Weeks are seven local days from midnight to midnight in the reader's zone, daylight saving included."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from metrics.weeks import previous_sunday, today_in, weeks_ending


def test_weeks_end_with_the_day_asked_for_oldest_first_at_local_midnights() -> None:
    first, second = weeks_ending(date(2026, 3, 1), count=2, tz="Europe/Berlin")
    assert (first.first_day, first.last_day, second.first_day, second.last_day) == (
        date(2026, 2, 16),
        date(2026, 2, 22),
        date(2026, 2, 23),
        date(2026, 3, 1),
    )
    # Berlin is UTC+1 in winter: its midnight is 23:00 UTC the day before.
    assert first.start == datetime(2026, 2, 15, 23, 0, tzinfo=UTC)
    assert first.end == second.start == datetime(2026, 2, 22, 23, 0, tzinfo=UTC)
    assert second.end == datetime(2026, 3, 1, 23, 0, tzinfo=UTC)
    assert (first.label, second.label) == ("16\N{EN DASH}22 Feb", "23 Feb\N{EN DASH}1 Mar")


def test_the_week_the_clocks_go_forward_is_an_hour_short() -> None:
    # Berlin springs forward on Sunday 29 March 2026.
    (week,) = weeks_ending(date(2026, 3, 29), count=1, tz="Europe/Berlin")
    assert week.end - week.start == timedelta(days=7, hours=-1)
    (after,) = weeks_ending(date(2026, 4, 5), count=1, tz="Europe/Berlin")
    assert after.start == datetime(2026, 3, 29, 22, 0, tzinfo=UTC)


def test_a_zone_half_an_hour_off_utc_keeps_its_own_midnights() -> None:
    (week,) = weeks_ending(date(2026, 3, 1), count=1, tz="Asia/Kolkata")
    assert week.start == datetime(2026, 2, 22, 18, 30, tzinfo=UTC)


def test_today_and_the_sunday_before_are_the_readers() -> None:
    # 23:30 UTC on Sunday is already Monday in Berlin.
    assert today_in(datetime(2026, 3, 1, 23, 30, tzinfo=UTC), "Europe/Berlin") == date(2026, 3, 2)
    assert previous_sunday(date(2026, 3, 2)) == date(2026, 3, 1)
    assert previous_sunday(date(2026, 3, 4)) == date(2026, 3, 1)
    assert previous_sunday(date(2026, 3, 1)) == date(2026, 2, 22)


def test_no_weeks_is_a_mistake() -> None:
    with pytest.raises(ValueError, match="at least one week"):
        weeks_ending(date(2026, 3, 1), count=0, tz="UTC")
