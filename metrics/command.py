"""`/handoff stats …` parsed: which figures someone asks for, or which setting they change."""

from __future__ import annotations

import re
from dataclasses import dataclass

from metrics.weeks import DEFAULT_WEEKS, MAX_WEEKS, MIN_WEEKS

# A channel as typed (#general) or as Slack escapes it (<#C123|general>, <#C123>).
_ESCAPED_CHANNEL = re.compile(r"^<#([CGD][A-Z0-9]+)(?:\|([^>]*))?>$")
_TYPED_CHANNEL = re.compile(r"^#([^\s#<>]{1,80})$")
_WEEKS = re.compile(r"^(\d{1,3})\s*(?:w|wk|wks|week|weeks)?$", re.IGNORECASE)

USAGE = (
    "`/handoff stats` shows your team's outcomes by week; `/handoff stats #channel` one channel; "
    "`/handoff stats 12` (or `/handoff stats #channel 12`) another number of weeks, 1 to 52. "
    "`/handoff stats help` says how each figure is counted."
)


class StatsInputError(ValueError):
    """What was typed is not a `/handoff stats` request; the message says what to type instead."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Figures:
    """Show figures: of the workspace (no channel), or of one channel by id or by name."""

    weeks: int = DEFAULT_WEEKS
    channel_id: str | None = None
    channel_name: str | None = None


@dataclass(frozen=True)
class Help:
    """Explain the command and how each figure is counted."""


@dataclass(frozen=True)
class GroupSize:
    """Show or change the workspace's smallest group shown (admins change it). `raw` is what followed."""

    raw: str


@dataclass(frozen=True)
class WeeklyReport:
    """Turn one's own weekly report on or off (None: say whether it is on)."""

    on: bool | None


StatsRequest = Figures | Help | GroupSize | WeeklyReport


def parse_stats(text: str) -> StatsRequest:
    """What follows `/handoff stats`; StatsInputError names the mistake and what to type."""
    words = text.split()
    if not words:
        return Figures()
    first = words[0].lower()
    if first in {"help", "?", "-h", "--help"}:
        return Help()
    if first in {"group-size", "group", "groupsize"}:
        return GroupSize(" ".join(words[1:]))
    if first in {"report", "reports", "weekly"}:
        return _weekly_report(words[1:])
    channel_id = channel_name = None
    weeks: int | None = None
    for word in _joined_weeks(words):
        if (escaped := _ESCAPED_CHANNEL.match(word)) is not None and channel_id is None and channel_name is None:
            channel_id = escaped.group(1)
            channel_name = escaped.group(2) or None
        elif (typed := _TYPED_CHANNEL.match(word)) is not None and channel_id is None and channel_name is None:
            channel_name = typed.group(1)
        elif (count := _WEEKS.match(word)) is not None and weeks is None:
            weeks = int(count.group(1))
            if not MIN_WEEKS <= weeks <= MAX_WEEKS:
                raise StatsInputError(f"I can show {MIN_WEEKS} to {MAX_WEEKS} weeks, not {weeks}. {USAGE}")
        else:
            raise StatsInputError(f"I didn't understand `{_quoted(word)}`. {USAGE}")
    return Figures(weeks=weeks or DEFAULT_WEEKS, channel_id=channel_id, channel_name=channel_name)


def _joined_weeks(words: list[str]) -> list[str]:
    """`12 weeks` is one value, like `12w`."""
    joined: list[str] = []
    for word in words:
        if joined and word.lower() in {"w", "wk", "wks", "week", "weeks"} and joined[-1].isdigit():
            joined[-1] += word
        else:
            joined.append(word)
    return joined


def _weekly_report(args: list[str]) -> WeeklyReport:
    if not args:
        return WeeklyReport(on=None)
    choice = args[0].lower()
    if choice in {"on", "off"} and len(args) == 1:
        return WeeklyReport(on=choice == "on")
    raise StatsInputError("`/handoff stats report off` stops your weekly team report; `on` brings it back.")


def _quoted(word: str) -> str:
    return word.replace("`", "'")[:80]
