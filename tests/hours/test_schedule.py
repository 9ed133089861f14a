"""Working hours on the clock: zones with odd offsets, DST switch days, overnight shifts, time off."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from hours.schedule import (
    SEARCH_DAYS,
    TimeOff,
    WorkingHours,
    current_shift_end,
    default_hours,
    is_working,
    next_start,
)

EVERY_DAY = frozenset(range(7))
MON_FRI = frozenset(range(5))
MINUTE = timedelta(minutes=1)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def hours(start: str, end: str, tz: str, days: frozenset[int] = MON_FRI) -> WorkingHours:
    return WorkingHours(start=time.fromisoformat(start), end=time.fromisoformat(end), days=days, tz=tz)


# --- Europe/Berlin: CET (+1) to CEST (+2) on Sun 2026-03-29 at 02:00, back on Sun 2026-10-25 at 03:00.


def test_berlin_start_the_day_before_spring_forward_is_0900_cet() -> None:
    assert next_start(hours("09:00", "17:00", "Europe/Berlin", EVERY_DAY), [], utc(2026, 3, 28, 0)) == utc(
        2026, 3, 28, 8
    )


def test_berlin_start_on_spring_forward_day_is_0900_cest() -> None:
    # 00:30 UTC is 01:30 CET, before the switch; 09:00 that day is already summer time.
    assert next_start(hours("09:00", "17:00", "Europe/Berlin", EVERY_DAY), [], utc(2026, 3, 29, 0, 30)) == utc(
        2026, 3, 29, 7
    )


def test_berlin_start_in_the_spring_gap_is_0300_cest() -> None:
    # 02:30 does not exist on 2026-03-29: the clocks go from 01:59:59 CET to 03:00 CEST (01:00 UTC).
    shift = hours("02:30", "10:00", "Europe/Berlin", EVERY_DAY)
    assert next_start(shift, [], utc(2026, 3, 28, 23)) == utc(2026, 3, 29, 1)
    assert not is_working(shift, [], utc(2026, 3, 29, 0, 59))
    assert is_working(shift, [], utc(2026, 3, 29, 1))
    assert current_shift_end(shift, [], utc(2026, 3, 29, 1)) == utc(2026, 3, 29, 8)


def test_berlin_start_the_day_after_spring_forward_is_0230_cest() -> None:
    shift = hours("02:30", "10:00", "Europe/Berlin", EVERY_DAY)
    assert next_start(shift, [], utc(2026, 3, 29, 2)) == utc(2026, 3, 30, 0, 30)


def test_berlin_overnight_shift_into_spring_forward_is_an_hour_shorter() -> None:
    shift = hours("22:00", "06:00", "Europe/Berlin", frozenset({5}))  # Saturday nights
    assert next_start(shift, [], utc(2026, 3, 28, 12)) == utc(2026, 3, 28, 21)
    assert current_shift_end(shift, [], utc(2026, 3, 28, 21)) == utc(2026, 3, 29, 4)


def test_berlin_start_on_fall_back_day_is_0900_cet() -> None:
    every_day = hours("09:00", "17:00", "Europe/Berlin", EVERY_DAY)
    assert next_start(every_day, [], utc(2026, 10, 24, 12)) == utc(2026, 10, 25, 8)
    assert next_start(every_day, [], utc(2026, 10, 24, 0)) == utc(2026, 10, 24, 7)  # still CEST


def test_berlin_ambiguous_start_on_fall_back_day_is_the_first_0230_cest() -> None:
    # 02:30 happens twice on 2026-10-25: 00:30 UTC (CEST) and 01:30 UTC (CET).
    shift = hours("02:30", "04:00", "Europe/Berlin", EVERY_DAY)
    assert next_start(shift, [], utc(2026, 10, 24, 23)) == utc(2026, 10, 25, 0, 30)
    assert current_shift_end(shift, [], utc(2026, 10, 25, 0, 30)) == utc(2026, 10, 25, 3)


def test_berlin_overnight_shift_into_fall_back_is_an_hour_longer() -> None:
    shift = hours("22:00", "06:00", "Europe/Berlin", frozenset({5}))
    assert next_start(shift, [], utc(2026, 10, 24, 12)) == utc(2026, 10, 24, 20)
    assert current_shift_end(shift, [], utc(2026, 10, 25, 4, 30)) == utc(2026, 10, 25, 5)


# --- America/Los_Angeles: PST (-8) to PDT (-7) on Sun 2026-03-08 at 02:00, back on Sun 2026-11-01 at 02:00.


def test_los_angeles_start_around_spring_forward() -> None:
    every_day = hours("09:00", "17:00", "America/Los_Angeles", EVERY_DAY)
    assert next_start(every_day, [], utc(2026, 3, 7, 12)) == utc(2026, 3, 7, 17)  # PST
    assert next_start(every_day, [], utc(2026, 3, 7, 18)) == utc(2026, 3, 8, 16)  # PDT


def test_los_angeles_start_in_the_spring_gap_is_0300_pdt() -> None:
    shift = hours("02:30", "05:00", "America/Los_Angeles", EVERY_DAY)
    assert next_start(shift, [], utc(2026, 3, 8, 9)) == utc(2026, 3, 8, 10)


def test_los_angeles_start_around_fall_back() -> None:
    every_day = hours("09:00", "17:00", "America/Los_Angeles", EVERY_DAY)
    assert next_start(every_day, [], utc(2026, 10, 31, 12)) == utc(2026, 10, 31, 16)  # PDT
    assert next_start(every_day, [], utc(2026, 10, 31, 17)) == utc(2026, 11, 1, 17)  # PST


def test_los_angeles_ambiguous_start_on_fall_back_day_is_the_first_0130_pdt() -> None:
    # 01:30 happens at 08:30 UTC (PDT) and again at 09:30 UTC (PST).
    shift = hours("01:30", "06:00", "America/Los_Angeles", EVERY_DAY)
    assert next_start(shift, [], utc(2026, 11, 1, 7)) == utc(2026, 11, 1, 8, 30)
    assert is_working(shift, [], utc(2026, 11, 1, 9, 0))
    assert current_shift_end(shift, [], utc(2026, 11, 1, 9)) == utc(2026, 11, 1, 14)


# --- Zones far from whole hours and far from UTC.


def test_kolkata_0900_is_0330_utc() -> None:
    shift = hours("09:00", "17:00", "Asia/Kolkata")
    assert next_start(shift, [], utc(2026, 3, 2, 3, 29)) == utc(2026, 3, 2, 3, 30)
    assert current_shift_end(shift, [], utc(2026, 3, 2, 3, 30)) == utc(2026, 3, 2, 11, 30)


def test_kathmandu_0900_is_0315_utc() -> None:
    shift = hours("09:00", "17:00", "Asia/Kathmandu")
    assert next_start(shift, [], utc(2026, 3, 2, 0)) == utc(2026, 3, 2, 3, 15)
    assert not is_working(shift, [], utc(2026, 3, 2, 3, 14))
    assert is_working(shift, [], utc(2026, 3, 2, 3, 15))


def test_kiritimati_monday_starts_on_sunday_utc() -> None:
    # +14: Monday 09:00 local is Sunday 19:00 UTC, and Friday 17:00 local is Friday 03:00 UTC.
    shift = hours("09:00", "17:00", "Pacific/Kiritimati")
    assert next_start(shift, [], utc(2026, 3, 1, 12)) == utc(2026, 3, 1, 19)
    assert is_working(shift, [], utc(2026, 3, 1, 20))
    assert not is_working(shift, [], utc(2026, 3, 6, 3))
    assert next_start(shift, [], utc(2026, 3, 6, 3)) == utc(2026, 3, 8, 19)


def test_pago_pago_friday_shift_ends_on_saturday_utc() -> None:
    # -11: Friday 09:00 local is Friday 20:00 UTC; Friday 17:00 local is Saturday 04:00 UTC.
    shift = hours("09:00", "17:00", "Pacific/Pago_Pago")
    assert is_working(shift, [], utc(2026, 3, 7, 3))
    assert current_shift_end(shift, [], utc(2026, 3, 7, 3)) == utc(2026, 3, 7, 4)
    assert next_start(shift, [], utc(2026, 3, 7, 4)) == utc(2026, 3, 9, 20)


def test_a_shift_inside_a_skipped_day_is_not_worked() -> None:
    # Samoa skipped Friday 2011-12-30 (-10 to +14): 09:00-17:00 that day has no instant.
    shift = hours("09:00", "17:00", "Pacific/Apia", EVERY_DAY)
    assert next_start(shift, [], utc(2011, 12, 29, 20)) == utc(2011, 12, 30, 19)


# --- Overnight shifts belong to the day they start.


def test_saturday_0300_is_inside_a_friday_overnight_shift() -> None:
    night = hours("22:00", "06:00", "Europe/Berlin", frozenset({4}))
    assert is_working(night, [], utc(2026, 3, 7, 2))  # Sat 03:00 CET
    assert current_shift_end(night, [], utc(2026, 3, 7, 2)) == utc(2026, 3, 7, 5)


def test_saturday_0700_is_after_a_friday_overnight_shift() -> None:
    night = hours("22:00", "06:00", "Europe/Berlin", frozenset({4}))
    assert not is_working(night, [], utc(2026, 3, 7, 6))
    assert current_shift_end(night, [], utc(2026, 3, 7, 6)) is None


def test_after_a_friday_night_the_next_start_is_sunday_night_when_sunday_is_worked() -> None:
    night = hours("22:00", "06:00", "Europe/Berlin", frozenset({6, 0, 1, 2, 3, 4}))
    assert next_start(night, [], utc(2026, 3, 7, 6)) == utc(2026, 3, 8, 21)


def test_after_a_friday_night_the_next_start_is_monday_night_on_mon_fri() -> None:
    night = hours("22:00", "06:00", "Europe/Berlin", MON_FRI)
    assert next_start(night, [], utc(2026, 3, 7, 6)) == utc(2026, 3, 9, 21)


def test_a_friday_night_is_worked_even_when_saturday_is_off() -> None:
    night = hours("22:00", "06:00", "Europe/Berlin", MON_FRI)
    saturday_off = [TimeOff(date(2026, 3, 7), date(2026, 3, 7))]
    assert is_working(night, saturday_off, utc(2026, 3, 7, 2))


def test_a_friday_night_off_is_not_worked_on_saturday_morning() -> None:
    night = hours("22:00", "06:00", "Europe/Berlin", MON_FRI)
    friday_off = [TimeOff(date(2026, 3, 6), date(2026, 3, 6))]
    assert not is_working(night, friday_off, utc(2026, 3, 7, 2))


# --- Weekends, time off, and the edges of a shift.


def test_on_the_weekend_the_next_start_is_monday_morning() -> None:
    office = default_hours("UTC")
    assert not is_working(office, [], utc(2026, 3, 7, 12))
    assert next_start(office, [], utc(2026, 3, 7, 12)) == utc(2026, 3, 9, 9)


def test_friday_at_the_end_of_the_shift_is_off_until_monday() -> None:
    office = default_hours("UTC")
    assert is_working(office, [], utc(2026, 3, 6, 16, 59))
    assert not is_working(office, [], utc(2026, 3, 6, 17))
    assert next_start(office, [], utc(2026, 3, 6, 17)) == utc(2026, 3, 9, 9)


def test_time_off_over_new_year_holds_until_the_first_monday_back() -> None:
    office = default_hours("Europe/Berlin")
    holidays = [TimeOff(date(2026, 12, 24), date(2027, 1, 2))]
    assert next_start(office, holidays, utc(2026, 12, 23, 16, 30)) == utc(2027, 1, 4, 8)
    assert not is_working(office, holidays, utc(2026, 12, 28, 9))
    assert not is_working(office, holidays, utc(2027, 1, 1, 9))
    assert is_working(office, holidays, utc(2027, 1, 4, 8))


def test_a_year_of_time_off_is_skipped() -> None:
    office = default_hours("UTC")
    sabbatical = [TimeOff(date(2026, 3, 2), date(2027, 3, 1)), TimeOff(date(2027, 3, 2), date(2027, 3, 3))]
    assert next_start(office, sabbatical, utc(2026, 3, 1)) == utc(2027, 3, 4, 9)


def test_now_exactly_at_the_start_is_the_next_start() -> None:
    office = default_hours("Asia/Kolkata")
    start = utc(2026, 3, 2, 3, 30)
    assert is_working(office, [], start)
    assert next_start(office, [], start) == start


def test_now_given_in_another_zone_still_gives_utc() -> None:
    office = default_hours("Asia/Kolkata")
    start_in_tokyo = datetime(2026, 3, 2, 12, 30, tzinfo=ZoneInfo("Asia/Tokyo"))
    result = next_start(office, [], start_in_tokyo)
    assert result == start_in_tokyo
    assert result.tzinfo is UTC


def test_one_minute_before_the_start_waits_a_minute() -> None:
    office = default_hours("Asia/Kolkata")
    start = utc(2026, 3, 2, 3, 30)
    assert not is_working(office, [], start - MINUTE)
    assert current_shift_end(office, [], start - MINUTE) is None
    assert next_start(office, [], start - MINUTE) == start


def test_one_minute_after_the_start_the_next_start_is_tomorrow() -> None:
    office = default_hours("Asia/Kolkata")
    start = utc(2026, 3, 2, 3, 30)
    assert is_working(office, [], start + MINUTE)
    assert next_start(office, [], start + MINUTE) == start + timedelta(days=1)


# --- Values that cannot be.


@pytest.mark.parametrize(
    ("start", "end", "days", "tz"),
    [
        (time(9), time(9), MON_FRI, "UTC"),
        (time(9), time(17), frozenset(), "UTC"),
        (time(9), time(17), frozenset({7}), "UTC"),
        (time(9), time(17), MON_FRI, "Mars/Base"),
        (time(9), time(17), MON_FRI, "../etc/passwd"),
        (time(9, tzinfo=UTC), time(17), MON_FRI, "UTC"),
    ],
)
def test_impossible_working_hours_are_refused(start: time, end: time, days: frozenset[int], tz: str) -> None:
    with pytest.raises(ValueError):
        WorkingHours(start=start, end=end, days=days, tz=tz)


def test_a_plain_set_of_days_is_kept_as_a_frozenset() -> None:
    shift = WorkingHours(start=time(9), end=time(17), days={0, 1}, tz="UTC")  # type: ignore[arg-type]
    assert shift.days == frozenset({0, 1})
    assert hash(shift)


def test_time_off_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(ValueError, match="before it starts"):
        TimeOff(date(2026, 12, 24), date(2026, 12, 23))


def test_a_naive_now_is_refused() -> None:
    office = default_hours("UTC")
    with pytest.raises(ValueError, match="timezone-aware"):
        next_start(office, [], datetime(2026, 3, 2, 9))  # noqa: DTZ001
    with pytest.raises(ValueError, match="timezone-aware"):
        is_working(office, [], datetime(2026, 3, 2, 9))  # noqa: DTZ001


def test_time_off_for_longer_than_the_search_ends_with_value_error() -> None:
    office = default_hours("UTC")
    forever = [TimeOff(date(2026, 1, 1), date(2026, 1, 1) + timedelta(days=SEARCH_DAYS + 10))]
    with pytest.raises(ValueError, match="time off"):
        next_start(office, forever, utc(2026, 1, 1))


def test_no_start_at_the_end_of_the_calendar_ends_with_value_error() -> None:
    with pytest.raises(ValueError):
        next_start(default_hours("Pacific/Kiritimati"), [], datetime.max.replace(tzinfo=UTC))
