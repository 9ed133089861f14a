"""Working hours in words: time until a start, local labels, schedules at a glance."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from hours.phrases import describe_days, describe_hours, local_label, until_phrase
from hours.schedule import WorkingHours, default_hours

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # Monday


def dashed(text: str) -> str:
    """The text with its hyphens as en dashes, which is how ranges are shown."""
    return text.replace("-", "\N{EN DASH}")


@pytest.mark.parametrize(
    ("delta", "phrase"),
    [
        (timedelta(0), "now"),
        (timedelta(minutes=-5), "now"),
        (timedelta(seconds=1), "in 1 min"),
        (timedelta(minutes=45), "in 45 min"),
        (timedelta(minutes=44, seconds=10), "in 45 min"),
        (timedelta(minutes=59, seconds=1), "in 1 h"),
        (timedelta(hours=1), "in 1 h"),
        (timedelta(hours=6, minutes=12), "in 6 h 12 min"),
        (timedelta(hours=6, minutes=11, seconds=30), "in 6 h 12 min"),
        (timedelta(hours=23, minutes=59), "in 23 h 59 min"),
        (timedelta(days=1), "in 1 d"),
        (timedelta(days=2, hours=3), "in 2 d 3 h"),
        (timedelta(days=2, hours=2, minutes=1), "in 2 d 3 h"),
        (timedelta(days=12), "in 12 d"),
    ],
)
def test_until_phrase_rounds_up_to_the_minute(delta: timedelta, phrase: str) -> None:
    assert until_phrase(NOW + delta, NOW) == phrase


def test_until_phrase_compares_instants_not_wall_clocks() -> None:
    tokyo_now = NOW.astimezone(ZoneInfo("Asia/Tokyo"))
    assert until_phrase(NOW + timedelta(minutes=30), tokyo_now) == "in 30 min"


def test_local_label_this_week_is_weekday_time_and_zone() -> None:
    assert local_label(datetime(2026, 3, 2, 8, tzinfo=UTC), "Europe/Berlin", NOW) == "Mon 09:00 Europe/Berlin"
    assert local_label(datetime(2026, 3, 8, 3, 15, tzinfo=UTC), "Asia/Kathmandu", NOW) == "Sun 09:00 Asia/Kathmandu"


def test_local_label_uses_the_zone_in_force_on_that_day() -> None:
    # 2026-03-30 is after Berlin's switch to CEST: 07:00 UTC is 09:00 local.
    label = local_label(datetime(2026, 3, 30, 7, tzinfo=UTC), "Europe/Berlin", datetime(2026, 3, 28, tzinfo=UTC))
    assert label == "Mon 09:00 Europe/Berlin"


def test_local_label_on_another_local_day_than_utc() -> None:
    # Sunday 19:00 UTC is already Monday 09:00 on Kiritimati (+14).
    assert (
        local_label(datetime(2026, 3, 1, 19, tzinfo=UTC), "Pacific/Kiritimati", NOW) == "Mon 09:00 Pacific/Kiritimati"
    )


def test_local_label_a_week_or_more_away_names_the_date() -> None:
    later = datetime(2026, 3, 9, 8, tzinfo=UTC)
    assert local_label(later, "Europe/Berlin", NOW) == "Mon 9 Mar 09:00 Europe/Berlin"


def test_local_label_in_another_year_names_the_year() -> None:
    after_new_year = datetime(2027, 1, 4, 8, tzinfo=UTC)
    assert local_label(after_new_year, "Europe/Berlin", datetime(2026, 12, 23, tzinfo=UTC)) == (
        "Mon 4 Jan 2027 09:00 Europe/Berlin"
    )


def test_local_label_in_the_past_names_the_date() -> None:
    assert local_label(NOW - timedelta(days=1), "UTC", NOW) == "Sun 1 Mar 08:00 UTC"


def test_describe_the_default_hours() -> None:
    assert describe_hours(default_hours("Europe/Berlin")) == dashed("09:00-17:00, Mon-Fri")


def test_describe_four_day_week() -> None:
    hours = WorkingHours(start=time(8, 30), end=time(16, 30), days=frozenset({0, 1, 2, 3}), tz="UTC")
    assert describe_hours(hours) == dashed("08:30-16:30, Mon-Thu")


def test_describe_overnight_hours_on_scattered_days() -> None:
    hours = WorkingHours(start=time(22), end=time(6), days=frozenset({6, 1, 3}), tz="UTC")
    assert describe_hours(hours) == dashed("22:00-06:00 (overnight), Sun, Tue, Thu")


@pytest.mark.parametrize(
    ("days", "text"),
    [
        ({0, 1, 2, 3, 4}, dashed("Mon-Fri")),
        ({5, 6, 0, 1}, dashed("Sat-Tue")),
        ({4, 5, 6, 0}, dashed("Fri-Mon")),
        ({6, 0, 1, 2, 3}, dashed("Sun-Thu")),
        ({5, 6}, "Sat, Sun"),
        ({0, 1}, "Mon, Tue"),
        ({0, 2, 4}, "Mon, Wed, Fri"),
        ({0, 2, 4, 6}, "Sun, Mon, Wed, Fri"),
        ({0, 1, 2, 4, 5}, dashed("Mon-Wed, Fri, Sat")),
        ({3}, "Thu"),
        (set(range(7)), "every day"),
    ],
)
def test_describe_days_collapses_runs_of_three_or_more_around_the_week(days: set[int], text: str) -> None:
    assert describe_days(frozenset(days)) == text
