"""`/hours`: every form it takes, and errors that name the problem and show what to type."""

from __future__ import annotations

from datetime import date, time

import pytest

from hours.command import (
    HELP_TEXT,
    AddTimeOff,
    CancelTimeOff,
    ClearTimeOff,
    HoursCommand,
    HoursHelp,
    HoursInputError,
    ResetHours,
    SetHours,
    SetZone,
    ShowHours,
    parse_hours_command,
)
from hours.schedule import TimeOff

MON_FRI = frozenset(range(5))
MON_THU = frozenset(range(4))


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("", ShowHours()),
        ("   ", ShowHours()),
        ("show", ShowHours()),
        ("Show", ShowHours()),
        ("help", HoursHelp()),
        ("reset", ResetHours()),
        ("RESET", ResetHours()),
    ],
)
def test_keywords(text: str, command: HoursCommand) -> None:
    assert parse_hours_command(text) == command


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("08:30-16:30 mon-thu Europe/Berlin", SetHours(time(8, 30), time(16, 30), MON_THU, "Europe/Berlin")),
        ("08:30-16:30 mon-thu", SetHours(time(8, 30), time(16, 30), MON_THU, None)),
        ("9-17", SetHours(time(9), time(17), MON_FRI, None)),
        ("9:00-17:00", SetHours(time(9), time(17), MON_FRI, None)),
        ("09:00\N{EN DASH}17:00", SetHours(time(9), time(17), MON_FRI, None)),
        ("9:00 - 17:00", SetHours(time(9), time(17), MON_FRI, None)),
        ("9 to 17", SetHours(time(9), time(17), MON_FRI, None)),
        ("0830-1630", SetHours(time(8, 30), time(16, 30), MON_FRI, None)),
        ("9-24", SetHours(time(9), time(0), MON_FRI, None)),
        ("22:00-06:00 sun-thu", SetHours(time(22), time(6), frozenset({6, 0, 1, 2, 3}), None)),
        ("17:00-09:00", SetHours(time(17), time(9), MON_FRI, None)),
        ("9-17 mon,wed,fri", SetHours(time(9), time(17), frozenset({0, 2, 4}), None)),
        ("9-17 mon, wed, fri", SetHours(time(9), time(17), frozenset({0, 2, 4}), None)),
        ("9-17 weekdays", SetHours(time(9), time(17), MON_FRI, None)),
        ("9-17 every day", SetHours(time(9), time(17), frozenset(range(7)), None)),
        ("9-17 daily", SetHours(time(9), time(17), frozenset(range(7)), None)),
        ("9-17 Monday-Thursday", SetHours(time(9), time(17), MON_THU, None)),
        ("9-17 MON-THU", SetHours(time(9), time(17), MON_THU, None)),
        ("9-17 sat-tue", SetHours(time(9), time(17), frozenset({5, 6, 0, 1}), None)),
        ("9-17 europe/berlin", SetHours(time(9), time(17), MON_FRI, "Europe/Berlin")),
        ("9-17 Europe/Berlin mon-thu", SetHours(time(9), time(17), MON_THU, "Europe/Berlin")),
        ("9-17 utc", SetHours(time(9), time(17), MON_FRI, "UTC")),
        ("9-17 America/Port-au-Prince", SetHours(time(9), time(17), MON_FRI, "America/Port-au-Prince")),
        ("9-17 etc/gmt-5", SetHours(time(9), time(17), MON_FRI, "Etc/GMT-5")),
        ("Europe/Berlin 9-17 mon-thu", SetHours(time(9), time(17), MON_THU, "Europe/Berlin")),
    ],
)
def test_set_hours(text: str, command: SetHours) -> None:
    assert parse_hours_command(text) == command


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("tz Europe/Berlin", SetZone("Europe/Berlin")),
        ("tz asia/kathmandu", SetZone("Asia/Kathmandu")),
        ("TZ UTC", SetZone("UTC")),
        ("tz auto", SetZone(None)),
        ("tz slack", SetZone(None)),
    ],
)
def test_set_zone(text: str, command: SetZone) -> None:
    assert parse_hours_command(text) == command


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("off 2026-12-24..2027-01-02", date(2026, 12, 24), date(2027, 1, 2)),
        ("off 2026-12-24 .. 2027-01-02", date(2026, 12, 24), date(2027, 1, 2)),
        ("off 2026-12-24 to 2027-01-02", date(2026, 12, 24), date(2027, 1, 2)),
        ("OFF 2026-12-24", date(2026, 12, 24), date(2026, 12, 24)),
        ("off 2026-01-01..2026-12-31", date(2026, 1, 1), date(2026, 12, 31)),
        ("off 2028-01-01..2028-12-31", date(2028, 1, 1), date(2028, 12, 31)),  # a leap year: 366 days
    ],
)
def test_add_time_off(text: str, first: date, last: date) -> None:
    assert parse_hours_command(text) == AddTimeOff(TimeOff(first, last))


def test_clear_and_cancel_time_off() -> None:
    assert parse_hours_command("off clear") == ClearTimeOff()
    assert parse_hours_command("off cancel 2026-12-24") == CancelTimeOff(date(2026, 12, 24))


def test_help_text_shows_every_form() -> None:
    for form in ("/hours 08:30-16:30", "/hours tz", "tz auto", "/hours off", "off cancel", "off clear", "reset"):
        assert form in HELP_TEXT


def _error(text: str) -> str:
    with pytest.raises(HoursInputError) as raised:
        parse_hours_command(text)
    assert isinstance(raised.value, ValueError)
    return raised.value.message


def test_an_hour_past_23_is_named_with_an_example() -> None:
    assert _error("25:00") == "I couldn't read “25:00” as hours. Try `/hours 09:00-17:00 mon-fri`."
    assert _error("25:00-99") == "I couldn't read “25:00-99” as hours. Try `/hours 09:00-17:00 mon-fri`."


@pytest.mark.parametrize("text", ["9:60-17", "9-17:5", "930-1700", "24-8", "9-25"])
def test_times_that_cannot_be_are_named(text: str) -> None:
    message = _error(text)
    assert f"“{text}”" in message
    assert "`/hours 09:00-17:00 mon-fri`" in message


def test_an_unknown_word_after_the_hours_is_named_with_a_zone_suggestion() -> None:
    message = _error("17:00-09:00 xyz")
    assert "“xyz”" in message
    assert "Europe/Berlin" in message
    assert "`/hours 09:00-17:00 mon-fri Europe/Berlin`" in message


@pytest.mark.parametrize("text", ["9-17 Mars/Base", "9-17 mon-fri Mars/Base"])
def test_an_unknown_zone_is_named_with_real_ones(text: str) -> None:
    assert _error(text) == "I don't know the time zone “Mars/Base”. Use a name like Europe/Berlin or America/New_York."


def test_the_same_start_and_end_is_refused() -> None:
    message = _error("9-9")
    assert "same time (09:00)" in message
    assert "`/hours 09:00-17:00 mon-fri`" in message


def test_an_empty_day_set_is_refused() -> None:
    with pytest.raises(HoursInputError, match="at least one working day"):
        SetHours(time(9), time(17), frozenset(), None)


def test_two_different_zones_are_refused() -> None:
    message = _error("9-17 Europe/Berlin America/New_York")
    assert "Europe/Berlin" in message
    assert "America/New_York" in message


def test_days_without_hours_ask_for_the_hours() -> None:
    assert _error("mon-fri") == "Give the hours too, e.g. `/hours 09:00-17:00 mon-fri`."


def test_a_zone_alone_points_to_the_tz_form() -> None:
    assert _error("europe/berlin") == "To set only your time zone, use `/hours tz Europe/Berlin`."


def test_an_unknown_zone_alone_is_named() -> None:
    assert "“Mars/Base”" in _error("Mars/Base")


def test_an_unknown_subcommand_lists_the_forms() -> None:
    message = _error("vacation")
    assert "“/hours vacation”" in message
    assert "`/hours 09:00-17:00 mon-fri`" in message
    assert "`/hours help`" in message


@pytest.mark.parametrize("text", ["show me", "help please", "reset now"])
def test_keywords_take_nothing_after_them(text: str) -> None:
    keyword, rest = text.split()
    message = _error(text)
    assert f"`/hours {keyword}`" in message
    assert f"“{rest}”" in message


def test_tz_without_a_zone_shows_how() -> None:
    assert "`/hours tz Europe/Berlin`" in _error("tz")
    assert "`/hours tz auto`" in _error("tz Europe/Berlin America/New_York")


def test_tz_with_an_unknown_zone_names_it() -> None:
    message = _error("tz Mars/Base")
    assert "“Mars/Base”" in message
    assert "Europe/Berlin" in message
    assert "`/hours tz auto`" in message


def test_off_without_dates_shows_how() -> None:
    assert "`/hours off 2026-12-24..2027-01-02`" in _error("off")


@pytest.mark.parametrize("bad", ["2026-13-01", "24.12.2026", "2026-02-30", "tomorrow", "20261224"])
def test_a_date_that_cannot_be_read_is_named(bad: str) -> None:
    message = _error(f"off {bad}")
    assert f"“{bad}”" in message
    assert "YYYY-MM-DD" in message
    assert "`/hours off 2026-12-24..2027-01-02`" in message


def test_time_off_that_ends_before_it_starts_says_so() -> None:
    assert _error("off 2026-12-24..2026-12-20") == (
        "Your time off ends (2026-12-20) before it starts (2026-12-24). Try `/hours off 2026-12-20..2026-12-24`."
    )


def test_more_than_366_days_off_is_refused() -> None:
    message = _error("off 2026-01-01..2027-01-02")
    assert "367 days" in message
    assert "`/hours off 2026-01-01..2027-01-01`" in message  # the longest that fits: 366 days


def test_two_dates_without_a_separator_are_named() -> None:
    message = _error("off 2026-12-24 2026-12-25")
    assert "“2026-12-24 2026-12-25”" in message
    assert "`/hours off 2026-12-24..2027-01-02`" in message


def test_off_cancel_needs_a_date() -> None:
    assert "`/hours off cancel 2026-12-24`" in _error("off cancel")
    assert "“soon”" in _error("off cancel soon")


def test_off_clear_takes_nothing_after_it() -> None:
    assert "`/hours off clear`" in _error("off clear all")
