"""App Home's hours modal: valid Block Kit, filled in with the hours that apply, read back or refused per input."""

from __future__ import annotations

from datetime import date, time
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from hours.form import (
    DAYS_BLOCK,
    END_BLOCK,
    OFF_FIRST_BLOCK,
    OFF_LAST_BLOCK,
    START_BLOCK,
    VALUE,
    ZONE_BLOCK,
    FormErrors,
    HoursForm,
    form_view,
    read_form,
)
from hours.schedule import TimeOff, WorkingHours
from tests.blockkit import assert_valid_view, submitted_state

TODAY = date(2026, 3, 2)
MON_FRI = frozenset(range(5))
NINE_TO_FIVE = WorkingHours(start=time(9), end=time(17), days=MON_FRI, tz="America/Los_Angeles")


def _inputs(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {block["block_id"]: block["element"] for block in view["blocks"] if block["type"] == "input"}


def _values(
    start: str | None = "09:00",
    end: str | None = "17:00",
    days: tuple[int, ...] = (0, 1, 2, 3, 4),
    zone: str | None = None,
    first: str | None = None,
    last: str | None = None,
) -> dict[str, Any]:
    return {
        START_BLOCK: {VALUE: {"type": "timepicker", "selected_time": start}},
        END_BLOCK: {VALUE: {"type": "timepicker", "selected_time": end}},
        DAYS_BLOCK: {VALUE: {"type": "checkboxes", "selected_options": [{"value": str(day)} for day in days]}},
        ZONE_BLOCK: {VALUE: {"type": "plain_text_input", "value": zone}},
        OFF_FIRST_BLOCK: {VALUE: {"type": "datepicker", "selected_date": first}},
        OFF_LAST_BLOCK: {VALUE: {"type": "datepicker", "selected_date": last}},
    }


def _errors(**fields: Any) -> dict[str, str]:
    with pytest.raises(FormErrors) as caught:
        read_form(_values(**fields), today=TODAY)
    return caught.value.errors


def test_the_modal_is_filled_in_with_the_hours_that_apply_and_follows_the_profile_zone_when_empty() -> None:
    view = form_view(hours=NINE_TO_FIVE, zone_override=None, metadata='{"status": "current"}')
    assert_valid_view(view)
    inputs = _inputs(view)
    assert inputs[START_BLOCK]["initial_time"] == "09:00" and inputs[END_BLOCK]["initial_time"] == "17:00"
    assert [o["text"]["text"] for o in inputs[DAYS_BLOCK]["initial_options"]] == [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
    ]
    assert len(inputs[DAYS_BLOCK]["options"]) == 7
    assert "initial_value" not in inputs[ZONE_BLOCK]
    assert "America/Los_Angeles" in inputs[ZONE_BLOCK]["placeholder"]["text"]
    assert view["private_metadata"] == '{"status": "current"}'
    # Saved untouched, it says the same hours and still follows the Slack profile.
    assert read_form(submitted_state(view), today=TODAY) == HoursForm(
        start=time(9), end=time(17), days=MON_FRI, tz=None, time_off=None
    )


def test_a_zone_of_ones_own_is_filled_in() -> None:
    hours = WorkingHours(start=time(22), end=time(6), days=frozenset({6, 0, 1, 2, 3}), tz="Europe/Berlin")
    view = form_view(hours=hours, zone_override="Europe/Berlin")
    assert_valid_view(view)
    assert _inputs(view)[ZONE_BLOCK]["initial_value"] == "Europe/Berlin"
    assert read_form(submitted_state(view), today=TODAY).tz == "Europe/Berlin"


def test_metadata_too_long_for_slack_is_dropped() -> None:
    assert form_view(hours=NINE_TO_FIVE, zone_override=None, metadata="x" * 3_001)["private_metadata"] == ""


@given(
    start=st.times().map(lambda t: t.replace(second=0, microsecond=0)),
    end=st.times().map(lambda t: t.replace(second=0, microsecond=0)),
    days=st.frozensets(st.integers(0, 6), min_size=1),
    zone=st.sampled_from([None, "UTC", "Asia/Kolkata", "America/St_Johns"]),
)
def test_any_hours_round_trip_through_the_modal(start: time, end: time, days: frozenset[int], zone: str | None) -> None:
    assume(start != end)
    hours = WorkingHours(start=start, end=end, days=days, tz=zone or "Europe/Berlin")
    view = form_view(hours=hours, zone_override=zone)
    assert_valid_view(view)
    assert read_form(submitted_state(view), today=TODAY) == HoursForm(
        start=start, end=end, days=days, tz=zone, time_off=None
    )


def test_zones_are_found_in_any_letter_case_and_time_off_may_be_one_day() -> None:
    form = read_form(_values(zone=" europe/berlin ", first="2026-03-10"), today=TODAY)
    assert form.tz == "Europe/Berlin"
    assert form.time_off == TimeOff(first=date(2026, 3, 10), last=date(2026, 3, 10))
    span = read_form(_values(first="2026-03-10", last="2026-03-13", end="06:00"), today=TODAY)
    assert span.time_off == TimeOff(first=date(2026, 3, 10), last=date(2026, 3, 13))
    assert span.end == time(6)


@pytest.mark.parametrize(
    ("fields", "block", "says"),
    [
        ({"zone": "Mars/Base"}, ZONE_BLOCK, "I don't know the time zone “Mars/Base”"),
        ({"start": "09:00", "end": "09:00"}, END_BLOCK, "can't start and end at 09:00"),
        ({"days": ()}, DAYS_BLOCK, "Tick at least one working day"),
        ({"start": None}, START_BLOCK, "Pick the time your working day starts"),
        ({"end": "9am"}, END_BLOCK, "Pick the time your working day ends"),
        ({"first": "2026-03-10", "last": "2026-03-09"}, OFF_LAST_BLOCK, "on or after 2026-03-10"),
        ({"last": "2026-03-09"}, OFF_FIRST_BLOCK, "Pick the first day off too"),
        ({"first": "2026-02-20", "last": "2026-03-01"}, OFF_LAST_BLOCK, "over already: pick days from 2026-03-02"),
        ({"first": "2026-03-10", "last": "2027-06-01"}, OFF_LAST_BLOCK, "at most 366 at a time"),
    ],
)
def test_each_mistake_is_named_on_its_own_input(fields: dict[str, Any], block: str, says: str) -> None:
    errors = _errors(**fields)
    assert list(errors) == [block]
    assert says in errors[block]


def test_every_mistake_at_once_is_named_at_once() -> None:
    errors = _errors(start="08:00", end="08:00", days=(), zone="Nowhere", first="2026-03-05", last="2026-03-04")
    assert set(errors) == {END_BLOCK, DAYS_BLOCK, ZONE_BLOCK, OFF_LAST_BLOCK}
