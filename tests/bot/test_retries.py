"""When failed work is tried again: Retry-After first, then exponential backoff, spread, capped."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.retries import LONGEST_WAIT, MAX_ATTEMPTS, SPREAD, WorkspaceWaits, backoff, exhausted, wait_before_retry
from tests.conftest import START


def test_backoff_doubles_from_a_minute_up_to_an_hour() -> None:
    assert [backoff(n) // timedelta(minutes=1) for n in range(1, 10)] == [1, 2, 4, 8, 16, 32, 60, 60, 60]


def test_the_tries_stop_at_the_cap_after_about_four_hours_of_failing() -> None:
    assert not exhausted(MAX_ATTEMPTS - 1) and exhausted(MAX_ATTEMPTS)
    total = sum((backoff(n) for n in range(1, MAX_ATTEMPTS)), timedelta())
    assert timedelta(hours=3) < total < timedelta(hours=5)


@given(
    attempts=st.integers(min_value=1, max_value=MAX_ATTEMPTS),
    retry_after=st.none() | st.integers(min_value=1, max_value=3_600).map(lambda s: timedelta(seconds=s)),
    key=st.integers(min_value=1, max_value=10**12),
)
def test_a_retry_is_never_before_retry_after_nor_the_backoff_and_spread_at_most_a_fifth(
    attempts: int, retry_after: timedelta | None, key: int
) -> None:
    wait = wait_before_retry(attempts=attempts, retry_after=retry_after, key=key)
    floor = backoff(attempts) if retry_after is None else retry_after
    if retry_after is not None and attempts > 1:
        floor = max(retry_after, backoff(attempts - 1))
    assert floor <= wait <= floor * (1 + SPREAD) + timedelta(milliseconds=1)
    assert wait == wait_before_retry(attempts=attempts, retry_after=retry_after, key=key)  # reproducible
    assert wait <= max(LONGEST_WAIT, retry_after or timedelta()) * (1 + SPREAD) + timedelta(milliseconds=1)


def test_a_first_429_waits_exactly_retry_after_give_or_take_the_spread_and_items_spread_out() -> None:
    waits = {wait_before_retry(attempts=1, retry_after=timedelta(seconds=30), key=key) for key in range(1, 101)}
    assert min(waits) >= timedelta(seconds=30) and max(waits) <= timedelta(seconds=36)
    assert len(waits) > 50


def test_a_workspace_told_to_wait_or_paused_makes_the_runs_other_items_wait() -> None:
    waits = WorkspaceWaits()
    assert waits.waiting("T1", START) is None
    waits.note("T1", START + timedelta(seconds=30))
    assert waits.waiting("T1", START) == START + timedelta(seconds=30)
    assert waits.waiting("T1", START + timedelta(seconds=30)) is None
    assert waits.waiting("T2", START) is None
    waits.pause("T2")
    assert waits.waiting("T2", START) == START
