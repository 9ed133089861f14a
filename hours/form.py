"""App Home's *Change hours* modal: built from the current hours, read back into a checked `HoursForm`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Any

from bot.block_kit import input_block, plain
from hours.command import MAX_TIME_OFF_DAYS
from hours.days import FULL_NAMES
from hours.schedule import TimeOff, WorkingHours
from hours.zones import find_zone

FORM_CALLBACK = "hours_form"
START_BLOCK, END_BLOCK, DAYS_BLOCK, ZONE_BLOCK = "hours_start", "hours_end", "hours_days", "hours_zone"
OFF_FIRST_BLOCK, OFF_LAST_BLOCK = "hours_off_first", "hours_off_last"
# Each input's element; the block tells the inputs apart.
VALUE = "value"
# Slack holds a modal's private_metadata to 3,000 characters.
METADATA_LIMIT = 3_000
# The longest IANA zone name is 32 characters; the store keeps 64.
ZONE_LIMIT = 64
_DAY_VALUES = frozenset(str(day) for day in range(7))
ZONE_HELP = "Use a name like Europe/Berlin or America/New_York, or leave it empty to follow your Slack profile."


class FormErrors(ValueError):
    """What is wrong with a submitted form, per input block, in words that say what to do."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


@dataclass(frozen=True)
class HoursForm:
    """A checked submission: hours, days, a zone (None: follow the Slack profile), and time off to add."""

    start: time
    end: time
    days: frozenset[int]
    tz: str | None
    time_off: TimeOff | None


def form_view(*, hours: WorkingHours, zone_override: str | None, metadata: str = "") -> dict[str, Any]:
    """The modal, filled in with the person's hours; `zone_override` is the zone they set themselves, if any."""
    days = [_day_option(day) for day in range(7)]
    zone: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": VALUE,
        "max_length": ZONE_LIMIT,
        # Without a zone of their own, the placeholder shows the one that applies now.
        "placeholder": plain(f"{hours.tz}, from your Slack profile" if zone_override is None else "Europe/Berlin"),
    }
    if zone_override is not None:
        zone["initial_value"] = zone_override
    return {
        "type": "modal",
        "callback_id": FORM_CALLBACK,
        "private_metadata": metadata if len(metadata) <= METADATA_LIMIT else "",
        "title": plain("Your working hours"),
        "submit": plain("Save"),
        "close": plain("Cancel"),
        "blocks": [
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": "Pings sent with Handoff wait for these hours. Times are on your own clock.",
                    }
                ],
            },
            input_block(START_BLOCK, "Start", _picker("timepicker", initial_time=f"{hours.start:%H:%M}")),
            input_block(
                END_BLOCK,
                "End",
                _picker("timepicker", initial_time=f"{hours.end:%H:%M}"),
                hint="An end before the start means you work overnight, e.g. 22:00 to 06:00.",
            ),
            input_block(
                DAYS_BLOCK,
                "Working days",
                {
                    "type": "checkboxes",
                    "action_id": VALUE,
                    "options": days,
                    "initial_options": [days[day] for day in sorted(hours.days)],
                },
            ),
            input_block(
                ZONE_BLOCK, "Time zone", zone, optional=True, hint="Leave it empty to follow your Slack profile."
            ),
            input_block(
                OFF_FIRST_BLOCK,
                "Time off: first day",
                _picker("datepicker"),
                optional=True,
                hint="Pings wait until you're back. Leave the last day empty for one day off.",
            ),
            input_block(OFF_LAST_BLOCK, "Time off: last day", _picker("datepicker"), optional=True),
        ],
    }


def read_form(values: dict[str, Any], *, today: date) -> HoursForm:
    """The submitted state as a checked form; FormErrors names each block that needs fixing, and how."""
    errors: dict[str, str] = {}
    start = _time(_element(values, START_BLOCK).get("selected_time"))
    end = _time(_element(values, END_BLOCK).get("selected_time"))
    if start is None:
        errors[START_BLOCK] = "Pick the time your working day starts."
    if end is None:
        errors[END_BLOCK] = "Pick the time your working day ends."
    elif start == end:
        errors[END_BLOCK] = (
            f"Your hours can't start and end at {end:%H:%M}. Pick another end; "
            "an end before the start means you work overnight."
        )
    chosen = _element(values, DAYS_BLOCK).get("selected_options") or []
    days = frozenset(int(option["value"]) for option in chosen if str(option.get("value")) in _DAY_VALUES)
    if not days:
        errors[DAYS_BLOCK] = "Tick at least one working day."
    typed = str(_element(values, ZONE_BLOCK).get("value") or "").strip()
    tz = find_zone(typed) if typed else None
    if typed and tz is None:
        errors[ZONE_BLOCK] = f"I don't know the time zone “{typed[:ZONE_LIMIT]}”. {ZONE_HELP}"
    time_off = _time_off(values, today=today, errors=errors)
    if errors:
        raise FormErrors(errors)
    assert start is not None and end is not None
    return HoursForm(start=start, end=end, days=days, tz=tz, time_off=time_off)


def _time_off(values: dict[str, Any], *, today: date, errors: dict[str, str]) -> TimeOff | None:
    """The time off to add (None when both days are empty); a mistake goes into `errors`."""
    first = _date(_element(values, OFF_FIRST_BLOCK).get("selected_date"))
    last = _date(_element(values, OFF_LAST_BLOCK).get("selected_date"))
    if first is None:
        if last is not None:
            errors[OFF_FIRST_BLOCK] = "Pick the first day off too, or clear the last day."
        return None
    last = last or first
    if last < first:
        errors[OFF_LAST_BLOCK] = f"Your time off ends before it starts: pick a last day on or after {first}."
        return None
    if last < today:
        errors[OFF_LAST_BLOCK] = f"That time off is over already: pick days from {today} on."
        return None
    length = (last - first).days + 1
    if length > MAX_TIME_OFF_DAYS:
        errors[OFF_LAST_BLOCK] = (
            f"That's {length} days off; I can take at most {MAX_TIME_OFF_DAYS} at a time. Add it in parts, "
            f"e.g. up to {first + timedelta(days=MAX_TIME_OFF_DAYS - 1)} now."
        )
        return None
    return TimeOff(first=first, last=last)


def _element(values: dict[str, Any], block_id: str) -> dict[str, Any]:
    element = (values.get(block_id) or {}).get(VALUE)
    return element if isinstance(element, dict) else {}


def _time(raw: object) -> time | None:
    # The timepicker sends "HH:mm".
    try:
        return time.fromisoformat(raw) if isinstance(raw, str) and len(raw) == 5 else None
    except ValueError:
        return None


def _date(raw: object) -> date | None:
    # The datepicker sends "YYYY-MM-DD".
    try:
        return date.fromisoformat(raw) if isinstance(raw, str) and len(raw) == 10 else None
    except ValueError:
        return None


def _day_option(day: int) -> dict[str, Any]:
    return {"text": plain(FULL_NAMES[day].capitalize()), "value": str(day)}


def _picker(kind: str, **initial: str) -> dict[str, Any]:
    return {"type": kind, "action_id": VALUE, **initial}
