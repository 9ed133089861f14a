"""`/hours`: the text after the command, read into a typed command or a calm error that says what to type."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time, timedelta

from digest.text import escape, readable
from hours.days import UnknownDayWord, parse_days
from hours.schedule import WORKWEEK, TimeOff
from hours.zones import find_zone

EXAMPLE = "`/hours 09:00-17:00 mon-fri`"
ZONED_EXAMPLE = "`/hours 09:00-17:00 mon-fri Europe/Berlin`"
OFF_EXAMPLE = "`/hours off 2026-12-24..2027-01-02`"
ZONE_EXAMPLE = "`/hours tz Europe/Berlin`"
MAX_TIME_OFF_DAYS = 366


HELP_TEXT = "\n".join(
    [
        "*`/hours`* tells Handoff when you work, so pings to you wait for your working hours.",
        "• `/hours` shows your hours and time off.",
        "• `/hours 08:30-16:30 mon-thu` sets your hours (days: mon-fri, mon,wed,fri, weekdays, every day).",
        "• `/hours 22:00-06:00 sun-thu Europe/Berlin` sets hours across midnight, in a time zone.",
        "• `/hours tz America/New_York` sets only your time zone; `/hours tz auto` follows your Slack profile.",
        "• `/hours off 2026-12-24..2027-01-02` adds time off; `/hours off 2026-12-24` is one day.",
        "• `/hours off cancel 2026-12-24` cancels that time off; `/hours off clear` cancels all of it.",
        "• `/hours reset` goes back to the workspace's default hours.",
    ]
)


class HoursInputError(ValueError):
    """Text after `/hours` that could not be read; the message tells the person what to type instead."""

    @property
    def message(self) -> str:
        """The text to show the person, as mrkdwn: what they typed is quoted in it, inert (no token, no ping)."""
        return escape(readable(str(self.args[0])))


@dataclass(frozen=True)
class ShowHours:
    """`/hours`: show my working hours."""


@dataclass(frozen=True)
class HoursHelp:
    """`/hours help`: explain the command."""


@dataclass(frozen=True)
class SetHours:
    """`/hours 08:30-16:30 mon-thu Europe/Berlin`: set my hours; no zone means keep the current one."""

    start: time
    end: time
    days: frozenset[int]
    tz: str | None = None

    def __post_init__(self) -> None:
        if self.start == self.end:
            raise HoursInputError(
                f"Your hours start and end at the same time ({self.start:%H:%M}). "
                f"Give an end that differs, e.g. {EXAMPLE}."
            )
        if not self.days:
            raise HoursInputError(f"Give at least one working day, e.g. {EXAMPLE}.")


@dataclass(frozen=True)
class SetZone:
    """`/hours tz Europe/Berlin`; `/hours tz auto` (tz None) follows the Slack profile's zone again."""

    tz: str | None


@dataclass(frozen=True)
class AddTimeOff:
    """`/hours off 2026-12-24..2027-01-02`: days off."""

    time_off: TimeOff


@dataclass(frozen=True)
class ClearTimeOff:
    """`/hours off clear`: forget all time off."""


@dataclass(frozen=True)
class CancelTimeOff:
    """`/hours off cancel 2026-12-24`: forget the time off that starts on that day."""

    first: date


@dataclass(frozen=True)
class ResetHours:
    """`/hours reset`: back to the workspace's default hours."""


HoursCommand = ShowHours | HoursHelp | SetHours | SetZone | AddTimeOff | ClearTimeOff | CancelTimeOff | ResetHours

# Hours are H, HH, H:MM, HH:MM or HHMM, joined by a hyphen, an en or em dash, or "to".
_RANGE = re.compile(
    r"(?<!\S)(?P<text>(?P<start>\d[\d:]*)\s*(?:[-\u2013\u2014]|\bto\b)\s*(?P<end>\d[\d:]*))(?=[\s,]|$)", re.I
)
_TIME = re.compile(r"(?P<hour>\d{1,2})(?::(?P<minute>\d{2}))?|(?P<hhmm_hour>\d{2})(?P<hhmm_minute>\d{2})")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATE_RANGE = re.compile(r"(?P<first>\S+?)\s*(?:\.\.|…|\s+to\s+)\s*(?P<last>\S+)", re.I)


# Every keyword `/hours` answers (besides hours themselves); a test checks `/hours help` lists each.
SUBCOMMANDS = frozenset({"show", "help", "reset", "tz", "off"})


def parse_hours_command(text: str) -> HoursCommand:
    """Read the text after `/hours`; HoursInputError says what to type instead."""
    words = text.split()
    if not words:
        return ShowHours()
    keyword, rest = words[0].lower(), words[1:]
    if keyword in {"show", "help", "reset"}:
        if rest:
            raise HoursInputError(f"`/hours {keyword}` takes nothing after it; I couldn't use “{' '.join(rest)}”.")
        simple: dict[str, HoursCommand] = {"show": ShowHours(), "help": HoursHelp(), "reset": ResetHours()}
        return simple[keyword]
    if keyword == "tz":
        return _parse_zone_command(rest)
    if keyword == "off":
        return _parse_time_off(" ".join(rest))
    if any(word[0].isdigit() for word in words):
        return _parse_set_hours(text)
    raise HoursInputError(_without_hours(text))


def _parse_set_hours(text: str) -> SetHours:
    found = _RANGE.search(text)
    if found is None:
        bad = next(word for word in text.split() if word[0].isdigit())
        raise HoursInputError(f"I couldn't read “{bad}” as hours. Try {EXAMPLE}.")
    start = _parse_time(found["start"], allow_24=False)
    end = _parse_time(found["end"], allow_24=True)
    if start is None or end is None:
        raise HoursInputError(f"I couldn't read “{found['text']}” as hours. Try {EXAMPLE}.")
    days, tz = _days_and_zone(text[: found.start()] + " " + text[found.end() :])
    return SetHours(start=start, end=end, days=days if days is not None else WORKWEEK, tz=tz)


def _days_and_zone(text: str) -> tuple[frozenset[int] | None, str | None]:
    """The days and the time zone named around the hours, each None when not given."""
    tz: str | None = None
    other: list[str] = []
    for word in re.split(r"[\s,]+", text.strip()):
        zone = find_zone(word) if word else None
        if zone is None:
            other.append(word)
        elif tz is not None and tz != zone:
            raise HoursInputError(f"Give one time zone, not both {tz} and {zone}, e.g. {ZONED_EXAMPLE}.")
        else:
            tz = zone
    try:
        return parse_days(" ".join(other)), tz
    except UnknownDayWord as error:
        raise HoursInputError(_unknown_word(error.word)) from error


def _without_hours(text: str) -> str:
    """What to say when the text starts with no keyword and holds no hours."""
    try:
        days, tz = _days_and_zone(text)
    except HoursInputError as error:
        if "/" in text:
            # The words, not the mrkdwn: they are raised again, and shown (escaped) once.
            return str(error)
        return f"I don't know “/hours {text.strip()}”. Try {EXAMPLE}, {ZONE_EXAMPLE}, {OFF_EXAMPLE} or `/hours help`."
    if days is None and tz is not None:
        return f"To set only your time zone, use `/hours tz {tz}`."
    return f"Give the hours too, e.g. {EXAMPLE}."


def _parse_time(text: str, *, allow_24: bool) -> time | None:
    """A wall-clock time from H, HH, H:MM, HH:MM or HHMM; "24:00" only as an end, meaning midnight."""
    found = _TIME.fullmatch(text)
    if found is None:
        return None
    hour = int(found["hour"] or found["hhmm_hour"])
    minute = int(found["minute"] or found["hhmm_minute"] or 0)
    if allow_24 and hour == 24 and minute == 0:
        return time(0, 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def _unknown_word(word: str) -> str:
    if "/" in word:
        return _unknown_zone(word)
    return (
        f"I couldn't read “{word}”. After the hours, give days (like mon-fri or mon,wed,fri) and, if you like, "
        f"a time zone (like Europe/Berlin), e.g. {ZONED_EXAMPLE}."
    )


def _unknown_zone(word: str) -> str:
    return f"I don't know the time zone “{word}”. Use a name like Europe/Berlin or America/New_York."


def _parse_zone_command(words: list[str]) -> SetZone:
    if len(words) != 1:
        raise HoursInputError(
            f"Give one time zone, e.g. {ZONE_EXAMPLE}, or `/hours tz auto` to follow your Slack profile."
        )
    word = words[0]
    if word.lower() in {"auto", "slack"}:
        return SetZone(None)
    zone = find_zone(word)
    if zone is None:
        raise HoursInputError(
            f"{_unknown_zone(word)} Or use `/hours tz auto` to follow your Slack profile's time zone."
        )
    return SetZone(zone)


def _parse_time_off(text: str) -> AddTimeOff | ClearTimeOff | CancelTimeOff:
    words = text.split()
    if not words:
        raise HoursInputError(f"Say which days you're off, e.g. {OFF_EXAMPLE}, or `/hours off 2026-12-24` for one day.")
    if words[0].lower() == "clear":
        if len(words) > 1:
            raise HoursInputError("`/hours off clear` takes nothing after it; it forgets all your time off.")
        return ClearTimeOff()
    if words[0].lower() == "cancel":
        if len(words) != 2:
            raise HoursInputError(
                "Say when the time off you want to cancel starts, e.g. `/hours off cancel 2026-12-24`."
            )
        return CancelTimeOff(_parse_date(words[1], example="`/hours off cancel 2026-12-24`"))
    found = _DATE_RANGE.fullmatch(text.strip())
    if found is None:
        if len(words) > 1:
            raise HoursInputError(f"I couldn't read “{text.strip()}” as days off. Try {OFF_EXAMPLE}.")
        first = last = _parse_date(words[0], example=OFF_EXAMPLE)
    else:
        first = _parse_date(found["first"], example=OFF_EXAMPLE)
        last = _parse_date(found["last"], example=OFF_EXAMPLE)
    if last < first:
        raise HoursInputError(
            f"Your time off ends ({last}) before it starts ({first}). Try `/hours off {last}..{first}`."
        )
    length = (last - first).days + 1
    if length > MAX_TIME_OFF_DAYS:
        raise HoursInputError(
            f"That's {length} days off; I can take at most {MAX_TIME_OFF_DAYS} at a time. "
            f"Add it in parts, e.g. `/hours off {first}..{first + timedelta(days=MAX_TIME_OFF_DAYS - 1)}`."
        )
    return AddTimeOff(TimeOff(first=first, last=last))


def _parse_date(text: str, *, example: str) -> date:
    if _DATE.fullmatch(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    raise HoursInputError(f"I couldn't read “{text}” as a date. Use YYYY-MM-DD, e.g. {example}.")
