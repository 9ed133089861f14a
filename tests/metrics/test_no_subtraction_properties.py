"""No figure of a group smaller than the minimum can be worked out from the figures shown (hypothesis).

Random workspaces (people, public and private channels, direct messages, conversations Handoff has
no record of) and random activity over a run of weeks. Everything every reader could see is
gathered: each person's `/handoff stats`, the admins' report (the weekly DM and `handoff stats
--format json` render the same report), for every window of weeks, so consecutive reports and
their week-over-week changes are in it too. Each figure shown is a sum of (conversation, week)
cells; the figures are checked to be those sums. Then, by exact linear algebra over the rationals:
no sum over a set of conversations holding fewer than `min_group` people, in any week, lies in the
span of what was shown, even for readers who pool everything they see. A conversation quiet in a
week is taken as known to be zero then (the rules decide each week's pools on its activity).

Counts only: medians are not sums, and catch-ups belong to no conversation (no row shows any).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from itertools import combinations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metrics.figures import DIRECT_MESSAGES, HELD, Figures, Tallies
from metrics.scopes import CHANNEL, DIRECT, PRIVATE, PUBLIC, Conversation, Report, admin_report, member_report
from metrics.weeks import weeks_ending

# A conversation Handoff has no record of (no members known).
UNKNOWN = "G404"
Cell = tuple[str, int]


@dataclass(frozen=True)
class World:
    people: tuple[str, ...]
    conversations: tuple[Conversation, ...]
    members: dict[str, frozenset[str]]
    min_group: int
    total_weeks: int
    window: int
    # (conversation, absolute week) → counts of three figures: decisions logged, pings held, mentions.
    logged: dict[Cell, int]
    pings: dict[Cell, int]
    mentions: dict[Cell, int]

    def people_in(self, channel_ids: Iterable[str]) -> int:
        return len(frozenset().union(*(self.members.get(c, frozenset()) for c in channel_ids)))


@st.composite
def worlds(draw: st.DrawFn) -> World:
    people = tuple(f"U{n}" for n in range(draw(st.integers(min_value=3, max_value=9))))
    conversations: list[Conversation] = []
    members: dict[str, frozenset[str]] = {}
    for number in range(draw(st.integers(min_value=1, max_value=6))):
        kind = draw(st.sampled_from([PUBLIC, PUBLIC, PRIVATE, PRIVATE, DIRECT]))
        channel_id = {PUBLIC: "C", PRIVATE: "G", DIRECT: "D"}[kind] + str(number)
        chosen = frozenset(draw(st.sets(st.sampled_from(people), min_size=1, max_size=len(people))))
        members[channel_id] = chosen
        conversations.append(Conversation(channel_id, f"c{number}", kind, len(chosen)))
    keys = [c.channel_id for c in conversations] + [DIRECT_MESSAGES, UNKNOWN]
    total_weeks = draw(st.integers(min_value=1, max_value=4))
    cells = st.tuples(st.sampled_from(keys), st.integers(min_value=0, max_value=total_weeks - 1))
    counts = st.dictionaries(cells, st.integers(min_value=1, max_value=3), max_size=8)
    return World(
        people=people,
        conversations=tuple(conversations),
        members=members,
        min_group=draw(st.integers(min_value=3, max_value=5)),
        total_weeks=total_weeks,
        window=draw(st.integers(min_value=1, max_value=total_weeks)),
        logged=draw(counts),
        pings=draw(counts),
        mentions=draw(counts),
    )


def _tallies(world: World, first: int) -> Tallies:
    """The tallies a report of `world.window` weeks starting at absolute week `first` reads."""
    weeks = weeks_ending(date(2026, 3, 1), count=world.total_weeks, tz="UTC")[first : first + world.window]
    tallies = Tallies(weeks=tuple(weeks))
    for source, target in ((world.logged, tallies.logged), (world.pings, tallies.pings[HELD])):
        for (channel, week), count in source.items():
            if first <= week < first + world.window:
                target[(channel, week - first)] += count
    for (channel, week), count in world.mentions.items():
        if first <= week < first + world.window:
            tallies.mentions[(channel, week - first)] += count
    return tallies


def _reports(world: World, first: int) -> list[Report]:
    tallies, size, at_least = _tallies(world, first), len(world.people), world.min_group
    seen = [
        admin_report(
            tallies,
            world.conversations,
            workspace_people=size,
            workspace_name="Acme",
            min_group=at_least,
            people_in=world.people_in,
        )
    ]
    for person in world.people:
        mine = {channel for channel, inside in world.members.items() if person in inside}
        seen.append(
            member_report(
                tallies,
                world.conversations,
                member_of=mine,
                workspace_people=size,
                workspace_name="Acme",
                min_group=at_least,
                people_in=world.people_in,
            )
        )
    return seen


def _sum(source: dict[Cell, int], counted: Iterable[str], week: int) -> int:
    return sum(source.get((channel, week), 0) for channel in counted)


class Span:
    """The vectors added, in reduced row echelon form over the rationals: `contains` is exact."""

    def __init__(self) -> None:
        # Pivot cell → its row: 1 at the pivot, 0 at every other pivot.
        self.rows: dict[Cell, dict[Cell, Fraction]] = {}

    def _reduce(self, vector: dict[Cell, Fraction]) -> dict[Cell, Fraction]:
        vector = dict(vector)
        for pivot, row in self.rows.items():
            factor = vector.get(pivot)
            if factor:
                _subtract(vector, row, factor)
        return vector

    def add(self, vector: dict[Cell, Fraction]) -> None:
        reduced = self._reduce(vector)
        if not reduced:
            return
        pivot = min(reduced)
        normal = {cell: value / reduced[pivot] for cell, value in reduced.items()}
        for row in self.rows.values():
            factor = row.get(pivot)
            if factor:
                _subtract(row, normal, factor)
        self.rows[pivot] = normal

    def contains(self, vector: dict[Cell, Fraction]) -> bool:
        return not self._reduce(vector)


def _subtract(target: dict[Cell, Fraction], row: dict[Cell, Fraction], factor: Fraction) -> None:
    for cell, value in row.items():
        left = target.get(cell, Fraction(0)) - factor * value
        if left:
            target[cell] = left
        else:
            target.pop(cell, None)


def _vector(counted: Iterable[str], week: int, known_zero: set[Cell]) -> dict[Cell, Fraction]:
    return {(channel, week): Fraction(1) for channel in counted if (channel, week) not in known_zero}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds())
def test_no_figure_of_a_group_below_the_minimum_can_be_computed_from_what_is_shown(world: World) -> None:
    published: list[tuple[frozenset[str], int]] = []
    shown_alone: set[str] = set()
    keys = sorted({c.channel_id for c in world.conversations} | {DIRECT_MESSAGES, UNKNOWN})
    # The rules tell, week by week, which conversations had any activity: the others are known to be zero.
    busy = {cell for source in (world.logged, world.pings, world.mentions) for cell in source}
    known_zero = {(key, week) for key in keys for week in range(world.total_weeks)} - busy
    for first in range(world.total_weeks - world.window + 1):
        for report in _reports(world, first):
            for group in (report.total, *report.rows):
                if group.weeks is None:
                    continue
                if group.kind == CHANNEL:
                    shown_alone |= group.counted[0]
                for week, figures in enumerate(group.weeks):
                    absolute, counted = first + week, group.counted[week]
                    # What is shown is the sum over the conversations the group counts, pings included.
                    assert isinstance(figures, Figures)
                    assert figures.decisions_logged == _sum(world.logged, counted, absolute)
                    assert figures.pings_held == _sum(world.pings, counted, absolute)
                    assert figures.mentions_off_hours == _sum(world.mentions, counted, absolute)
                    published.append((counted, absolute))
            # Every total adds up its rows: nothing in it is hidden from the reader.
            for week in range(world.window):
                assert report.total.weeks is None or report.total.counted[week] == frozenset().union(
                    *(row.counted[week] for row in report.rows)
                )
    span = Span()
    for counted, week in set(published):
        span.add(_vector(counted, week, known_zero))
    hidden = [key for key in keys if key not in shown_alone]
    for size in range(1, len(hidden) + 1):
        for together in combinations(hidden, size):
            if world.people_in(together) >= world.min_group:
                continue
            for week in range(world.total_weeks):
                secret = _vector(together, week, known_zero)
                if secret:
                    assert not span.contains(secret), f"{together} in week {week} can be worked out"


def test_the_span_finds_a_subtraction() -> None:
    # The check itself: total minus a row shown gives the row hidden.
    span = Span()
    span.add(_vector(["C1", "C2"], 0, set()))
    span.add(_vector(["C1"], 0, set()))
    assert span.contains(_vector(["C2"], 0, set()))
    assert not span.contains(_vector(["C3"], 0, set()))
    assert sorted(span.rows) == [("C1", 0), ("C2", 0)]
