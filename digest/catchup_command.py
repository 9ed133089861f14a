"""`/catchup`: the text after the command, read into a typed request or a calm error saying what to type."""

from __future__ import annotations

import re
from dataclasses import dataclass

from digest.text import escape, readable
from hours.days import day_number

HELP_TEXT = "\n".join(
    [
        "*`/catchup`* is your morning summary: what waits on you, what was decided, what your channels said.",
        "• `/catchup` shows it now, for the time since your last one.",
        "• `/catchup settings` shows how and when it comes.",
        "• `/catchup on` or `/catchup off` starts or stops the morning DM.",
        "• `/catchup at 08:00` sends it at a time of your choosing; `/catchup at start` at the start of your hours.",
        "• `/catchup weekly mon` once a week (on the first day you work from Monday); `/catchup daily` every day.",
        "• `/catchup exclude #random` leaves a channel out; `/catchup include #random` brings it back.",
    ]
)
_TIME = re.compile(r"^(?P<hour>\d{1,2})(?::(?P<minute>\d{2}))?$")
# Slack escapes channel mentions in command text as <#C123|name> (and <#C123> without a name).
_CHANNEL = re.compile(r"^<#([CG][A-Z0-9]+)(?:\|[^>]*)?>$")


class CatchUpInputError(ValueError):
    """Text after `/catchup` that could not be read; the message tells the person what to type instead."""

    @property
    def message(self) -> str:
        """The text to show the person, as mrkdwn: what they typed is quoted in it, inert (no token, no ping)."""
        return escape(readable(str(self.args[0])))


@dataclass(frozen=True)
class ShowNow:
    """`/catchup`: the catch-up now."""


@dataclass(frozen=True)
class Help:
    """`/catchup help`."""


@dataclass(frozen=True)
class ShowSettings:
    """`/catchup settings`."""


@dataclass(frozen=True)
class Switch:
    """`/catchup on` / `off`."""

    on: bool


@dataclass(frozen=True)
class At:
    """`/catchup at 08:00` (minute after midnight), or `at start` (None)."""

    minute: int | None


@dataclass(frozen=True)
class Cadence:
    """`/catchup daily` or `/catchup weekly [day]` (weekday 0 = Monday)."""

    weekly: bool
    weekday: int | None = None


@dataclass(frozen=True)
class Channels:
    """`/catchup exclude #a #b` or `include`: channel ids (names that were not links are in `unknown`)."""

    exclude: bool
    channel_ids: tuple[str, ...]
    names: tuple[str, ...] = ()


CatchUpCommand = ShowNow | Help | ShowSettings | Switch | At | Cadence | Channels


# Every keyword `/catchup` answers; a test checks `/handoff help` lists each.
SUBCOMMANDS = frozenset(
    {"help", "?", "settings", "setting", "prefs", "on", "off", "daily", "weekly", "at", "exclude", "include"}
)


def parse_catchup_command(text: str) -> CatchUpCommand:
    """Read the text after `/catchup`."""
    words = text.split()
    if not words:
        return ShowNow()
    keyword, rest = words[0].lower(), words[1:]
    if keyword in {"help", "?"}:
        return Help()
    if keyword in {"settings", "setting", "prefs"}:
        return ShowSettings()
    if keyword in {"on", "off"}:
        return Switch(on=keyword == "on")
    if keyword == "daily":
        return Cadence(weekly=False)
    if keyword == "weekly":
        return Cadence(weekly=True, weekday=_weekday(rest))
    if keyword == "at":
        return At(minute=_minute(rest))
    if keyword in {"exclude", "include"}:
        return _channels(keyword == "exclude", rest)
    raise CatchUpInputError(f"I don't know `/catchup {words[0]}`. Try `/catchup help` to see what I can do.")


def _weekday(words: list[str]) -> int | None:
    if not words:
        return None
    number = day_number(words[0].lower()) if len(words) == 1 else None
    if number is None:
        raise CatchUpInputError(f"“{' '.join(words)}” is not a day of the week. Try `/catchup weekly mon`.")
    return number


def _minute(words: list[str]) -> int | None:
    if len(words) == 1 and words[0].lower() in {"start", "default"}:
        return None
    match = _TIME.match(words[0]) if len(words) == 1 else None
    if match is None:
        raise CatchUpInputError(
            "Give a time like `/catchup at 08:00`, or `/catchup at start` for the start of your hours."
        )
    hour, minute = int(match["hour"]), int(match["minute"] or 0)
    if hour > 23 or minute > 59:
        raise CatchUpInputError(f"{words[0]} is not a time of day. Try `/catchup at 08:00`.")
    return hour * 60 + minute


def _channels(exclude: bool, words: list[str]) -> Channels:
    verb = "exclude" if exclude else "include"
    if not words:
        raise CatchUpInputError(f"Which channel? Try `/catchup {verb} #random`.")
    ids: list[str] = []
    names: list[str] = []
    for word in words:
        match = _CHANNEL.match(word)
        if match:
            ids.append(match.group(1))
        else:
            names.append(word.lstrip("#"))
    return Channels(exclude=exclude, channel_ids=tuple(dict.fromkeys(ids)), names=tuple(dict.fromkeys(names)))
