"""Team metrics as values: one group's figures for one week, computed from the store's tallies.

Nothing here names or counts a person: the tallies are per conversation and week, and every
figure is a count, a sum or a median over a group.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from metrics.weeks import Week

HELD, IN_HOURS, URGENT = "held", "in_hours", "urgent"
PING_KINDS = (HELD, IN_HOURS, URGENT)

# (conversation id or None, week index): None is a ping sent from nowhere Handoff knows of.
Key = tuple[str | None, int]
# Pings sent from any direct message, counted together (no Slack conversation id looks like this).
DIRECT_MESSAGES = "D*"


@dataclass
class Tallies:
    """A workspace's activity over a run of weeks, per conversation and week (week = index into `weeks`)."""

    weeks: tuple[Week, ...]
    logged: Counter[Key] = field(default_factory=Counter)
    churned: Counter[Key] = field(default_factory=Counter)
    # Seconds from each thread's first message to the decision logged in it.
    to_decision: dict[Key, list[float]] = field(default_factory=dict)
    past_review_by: Counter[Key] = field(default_factory=Counter)
    mentions: Counter[Key] = field(default_factory=Counter)
    pings: dict[str, Counter[Key]] = field(default_factory=lambda: {kind: Counter() for kind in PING_KINDS})
    catchups: Counter[int] = field(default_factory=Counter)
    # Per week: how many catch-ups had each number of entries / minutes of reading (small integers).
    catchup_entries: dict[int, Counter[int]] = field(default_factory=dict)
    catchup_minutes: dict[int, Counter[int]] = field(default_factory=dict)

    def conversations(self) -> set[str]:
        """Every conversation that has any figure."""
        keys: set[Key] = set()
        for counter in (self.logged, self.churned, self.past_review_by, self.mentions, *self.pings.values()):
            keys.update(counter)
        keys.update(self.to_decision)
        return {channel for channel, _ in keys if channel is not None}


@dataclass(frozen=True)
class Figures:
    """One group's figures for one week. Catch-ups are per person, so a channel has none (None)."""

    decisions_logged: int = 0
    decisions_churned: int = 0
    # Median seconds from a thread's first message to the decision logged in it; None: none logged in a thread.
    median_to_decision: float | None = None
    pings_held: int = 0
    pings_in_hours: int = 0
    pings_urgent: int = 0
    mentions_off_hours: int = 0
    past_review_by: int = 0
    catchups: int | None = None
    median_catchup_entries: float | None = None
    median_catchup_minutes: float | None = None


def median(values: Sequence[float]) -> float | None:
    """The middle value (the mean of the two middle ones for an even count); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[middle])
    return (ordered[middle - 1] + ordered[middle]) / 2


def median_of_counts(counts: Counter[int]) -> float | None:
    """The median of values given as {value: how many times}, without expanding them."""
    total = sum(count for count in counts.values() if count > 0)
    if total == 0:
        return None
    # 1-based positions of the middle value(s): one for an odd total, two for an even one.
    wanted = sorted({(total + 1) // 2, (total + 2) // 2})
    found: list[int] = []
    seen = 0
    for value in sorted(counts):
        seen += counts[value]
        while wanted and wanted[0] <= seen:
            found.append(value)
            wanted.pop(0)
    return sum(found) / len(found)


# The counts of `Figures` kept per conversation and week, in this order.
_COUNTS = (
    "decisions_logged",
    "decisions_churned",
    "pings_held",
    "pings_in_hours",
    "pings_urgent",
    "mentions_off_hours",
    "past_review_by",
)


_EMPTY = Figures()


class Index:
    """The tallies arranged by conversation, so that any group's weeks cost only what its conversations hold.

    A report asks for the weeks of the workspace, of every channel and of the private conversations
    together: each conversation's tallies are visited once per group it is in, never once per week.
    """

    def __init__(self, tallies: Tallies) -> None:
        self.tallies = tallies
        self.counts: dict[str | None, dict[int, list[int]]] = {}
        sources = (
            tallies.logged,
            tallies.churned,
            tallies.pings[HELD],
            tallies.pings[IN_HOURS],
            tallies.pings[URGENT],
            tallies.mentions,
            tallies.past_review_by,
        )
        for position, counter in enumerate(sources):
            for (channel, week), count in counter.items():
                self.counts.setdefault(channel, {}).setdefault(week, [0] * len(_COUNTS))[position] += count
        self.durations: dict[str | None, dict[int, list[float]]] = {}
        for (channel, week), seconds in tallies.to_decision.items():
            self.durations.setdefault(channel, {})[week] = seconds
        # Per week, the conversations with any figure in it.
        self.active: list[set[str]] = [set() for _ in tallies.weeks]
        for source in (self.counts, self.durations):
            for channel, weeks in source.items():
                if channel is not None:
                    for week in weeks:
                        self.active[week].add(channel)

    def weeks_of(self, conversations: Iterable[str], *, workspace: bool = False) -> tuple[Figures, ...]:
        """The figures of a group of conversations, week by week (pings: those sent from them).

        `workspace`: also the catch-ups, which belong to people rather than to a conversation.
        """
        size = len(self.tallies.weeks)
        chosen = list(conversations)
        if len(chosen) == 1 and not workspace:
            # One channel (a row of the report): its own tallies are the figures; a quiet week is empty.
            own, took = self.counts.get(chosen[0], {}), self.durations.get(chosen[0], {})
            return tuple(
                self._figures(week, own.get(week), took.get(week, []), workspace=False)
                if week in own or week in took
                else _EMPTY
                for week in range(size)
            )
        totals = [[0] * len(_COUNTS) for _ in range(size)]
        durations: list[list[float]] = [[] for _ in range(size)]
        for channel in chosen:
            for week, counts in self.counts.get(channel, {}).items():
                total = totals[week]
                for position, count in enumerate(counts):
                    total[position] += count
            for week, seconds in self.durations.get(channel, {}).items():
                durations[week].extend(seconds)
        return tuple(self._figures(week, totals[week], durations[week], workspace=workspace) for week in range(size))

    def weeks_of_each(self, counted: Sequence[Collection[str]], *, workspace: bool = False) -> tuple[Figures, ...]:
        """The figures of a group whose conversations change from week to week: `counted[week]` in each."""
        figures = []
        for week, chosen in enumerate(counted):
            total = [0] * len(_COUNTS)
            durations: list[float] = []
            for channel in chosen:
                counts = self.counts.get(channel, {}).get(week)
                if counts is not None:
                    for position, count in enumerate(counts):
                        total[position] += count
                durations.extend(self.durations.get(channel, {}).get(week, ()))
            figures.append(self._figures(week, total, durations, workspace=workspace))
        return tuple(figures)

    def _figures(self, week: int, counts: list[int] | None, durations: list[float], *, workspace: bool) -> Figures:
        values: dict[str, Any] = dict(zip(_COUNTS, counts or [0] * len(_COUNTS), strict=True))
        values["median_to_decision"] = median(durations)
        if not workspace:
            return Figures(**values)
        return Figures(
            **values,
            catchups=self.tallies.catchups[week],
            median_catchup_entries=median_of_counts(self.tallies.catchup_entries.get(week, Counter())),
            median_catchup_minutes=median_of_counts(self.tallies.catchup_minutes.get(week, Counter())),
        )
