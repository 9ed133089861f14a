"""When the next catch-up comes: at the start of the day, on the reader's clock, daily or weekly."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from digest.when import away_since, local_date, next_catchup, window_start
from hours.schedule import WORKWEEK, TimeOff, WorkingHours, is_working

BERLIN = WorkingHours(start=time(9), end=time(17), days=WORKWEEK, tz="Europe/Berlin")


def test_daily_it_comes_at_the_next_start_and_never_twice_for_the_same_one() -> None:
    # Monday 2026-03-02 06:00 UTC is 07:00 in Berlin: today's 09:00 (08:00 UTC) is next.
    first = next_catchup(BERLIN, (), after=datetime(2026, 3, 2, 6, 0, tzinfo=UTC))
    assert first == datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    # Planned again right after it went out: tomorrow, not the same instant again.
    assert next_catchup(BERLIN, (), after=first) == datetime(2026, 3, 3, 8, 0, tzinfo=UTC)


def test_after_friday_it_comes_on_monday_and_time_off_is_skipped() -> None:
    friday_nine = datetime(2026, 3, 6, 8, 0, tzinfo=UTC)
    assert next_catchup(BERLIN, (), after=friday_nine) == datetime(2026, 3, 9, 8, 0, tzinfo=UTC)
    off = (TimeOff(first=date(2026, 3, 9), last=date(2026, 3, 13)),)
    assert next_catchup(BERLIN, off, after=friday_nine) == datetime(2026, 3, 16, 8, 0, tzinfo=UTC)


def test_a_chosen_time_is_used_on_worked_days_and_follows_daylight_saving() -> None:
    # 07:30 local; Berlin moves to summer time on Sunday 29 March 2026.
    friday = datetime(2026, 3, 27, 12, 0, tzinfo=UTC)
    due = next_catchup(BERLIN, (), after=friday, at_minute=7 * 60 + 30)
    assert due == datetime(2026, 3, 30, 5, 30, tzinfo=UTC)
    assert local_date(due, "Europe/Berlin") == date(2026, 3, 30)


def test_weekly_it_comes_on_the_chosen_day_or_the_first_worked_day_after() -> None:
    tuesday = datetime(2026, 3, 3, 12, 0, tzinfo=UTC)
    assert next_catchup(BERLIN, (), after=tuesday, weekly_on=0) == datetime(2026, 3, 9, 8, 0, tzinfo=UTC)
    # Sunday is not worked in Berlin: the weekly catch-up comes on Monday.
    assert next_catchup(BERLIN, (), after=tuesday, weekly_on=6) == datetime(2026, 3, 9, 8, 0, tzinfo=UTC)


def test_an_overnight_shift_gets_its_catch_up_at_the_start_of_the_shift() -> None:
    night = WorkingHours(start=time(22), end=time(6), days=WORKWEEK, tz="Asia/Kolkata")
    due = next_catchup(night, (), after=datetime(2026, 3, 2, 12, 0, tzinfo=UTC))
    assert due == datetime(2026, 3, 2, 16, 30, tzinfo=UTC)


ZONES = st.sampled_from(
    [
        "Europe/Berlin",
        "America/Los_Angeles",
        "Asia/Kolkata",
        "Asia/Kathmandu",
        "Pacific/Kiritimati",
        "Pacific/Pago_Pago",
    ]
)
# Hypothesis takes naive bounds and attaches the zone itself.
INSTANTS = st.datetimes(datetime(2026, 1, 1), datetime(2027, 12, 31), timezones=st.just(UTC))  # noqa: DTZ001


@settings(max_examples=200, deadline=None)
@given(
    tz=ZONES,
    start_minute=st.integers(0, 24 * 60 - 1),
    length=st.integers(30, 12 * 60),
    days=st.frozensets(st.integers(0, 6), min_size=1),
    after=INSTANTS,
    weekly_on=st.none() | st.integers(0, 6),
)
def test_the_next_catch_up_is_after_the_last_and_at_a_worked_start(
    tz: str, start_minute: int, length: int, days: frozenset[int], after: datetime, weekly_on: int | None
) -> None:
    end_minute = (start_minute + length) % (24 * 60)
    hours = WorkingHours(
        start=time(start_minute // 60, start_minute % 60), end=time(end_minute // 60, end_minute % 60), days=days, tz=tz
    )
    due = next_catchup(hours, (), after=after, weekly_on=weekly_on)
    assert due > after
    assert is_working(hours, (), due) or is_working(hours, (), due + timedelta(seconds=1))
    if weekly_on is not None:
        assert due - after <= timedelta(days=14)


def test_a_daily_catch_up_starts_when_the_person_left_work_not_at_their_last_catch_up() -> None:
    tuesday_nine = datetime(2026, 3, 3, 8, 0, tzinfo=UTC)
    monday_nine = tuesday_nine - timedelta(days=1)
    # They worked Monday 09:00-17:00 in Berlin (16:00 UTC): what was said then, they saw.
    start = window_start(BERLIN, (), end=tuesday_nine, previous=monday_nine, weekly=False)
    assert start == datetime(2026, 3, 2, 16, 0, tzinfo=UTC)
    # A /catchup asked for at 20:00 is later than that: the next one starts there.
    asked = datetime(2026, 3, 2, 19, 0, tzinfo=UTC)
    assert window_start(BERLIN, (), end=tuesday_nine, previous=asked, weekly=False) == asked


def test_after_a_weekend_or_time_off_the_catch_up_covers_all_of_it_up_to_two_weeks() -> None:
    monday_nine = datetime(2026, 3, 9, 8, 0, tzinfo=UTC)
    assert window_start(BERLIN, (), end=monday_nine, previous=None, weekly=False) == datetime(
        2026, 3, 6, 16, 0, tzinfo=UTC
    )
    # Off Thursday and Friday: from Wednesday's end.
    off = (TimeOff(first=date(2026, 3, 5), last=date(2026, 3, 6)),)
    start = window_start(BERLIN, off, end=monday_nine, previous=datetime(2026, 3, 4, 8, 0, tzinfo=UTC), weekly=False)
    assert start == datetime(2026, 3, 4, 16, 0, tzinfo=UTC)
    # A month off: two weeks at most.
    month = (TimeOff(first=date(2026, 2, 9), last=date(2026, 3, 6)),)
    assert window_start(BERLIN, month, end=monday_nine, previous=None, weekly=False) == monday_nine - timedelta(days=14)


def test_a_weekly_catch_up_covers_the_week_since_the_last_one() -> None:
    monday_nine = datetime(2026, 3, 9, 8, 0, tzinfo=UTC)
    previous = monday_nine - timedelta(days=7)
    assert window_start(BERLIN, (), end=monday_nine, previous=previous, weekly=True) == previous


def test_an_overnight_worker_is_away_from_the_end_of_their_shift() -> None:
    night = WorkingHours(start=time(22), end=time(6), days=WORKWEEK, tz="Asia/Kolkata")
    # Tuesday's shift starts 22:00 in Kolkata (16:30 UTC); Monday's ended Tuesday 06:00 there (00:30 UTC).
    due = datetime(2026, 3, 3, 16, 30, tzinfo=UTC)
    assert away_since(night, (), before=due, within=timedelta(days=14)) == datetime(2026, 3, 3, 0, 30, tzinfo=UTC)


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(["Europe/Berlin", "America/Los_Angeles", "Asia/Kathmandu", "Pacific/Kiritimati"]),
    st.integers(min_value=0, max_value=23),
    st.integers(min_value=1, max_value=12),
    st.integers(min_value=0, max_value=60 * 24 * 30),
)
def test_the_time_away_is_never_inside_a_worked_shift_and_never_longer_than_asked(
    tz: str, start_hour: int, length: int, minutes: int
) -> None:
    hours = WorkingHours(start=time(start_hour), end=time((start_hour + length) % 24), days=WORKWEEK, tz=tz)
    before = datetime(2026, 3, 1, tzinfo=UTC) + timedelta(minutes=minutes)
    since = away_since(hours, (), before=before, within=timedelta(days=14))
    assert before - timedelta(days=14) <= since <= before
    # The minute after they left, they were not at work.
    if since < before:
        assert not is_working(hours, (), since)
