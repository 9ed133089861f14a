"""A window's weighed lines, best first, each ranked exactly only when it could still lead.

A line's rank is its weight before informativeness (what its cues, place in its thread and reactions
give it), plus its informativeness against the window (at most `INFORMATIVE_CAP`), plus recency (at
most `RECENCY`). A busy channel's day has tens of thousands of lines that could clear the threshold,
and a summary quotes a dozen of them: so lines are taken in order of their weight, and one is ranked
exactly only while the best rank it could reach is at least the best rank found so far. What comes
out is exactly the order that ranking every line and sorting gives, ties included (`ranked_all` is
that direct way, kept for the tests that say so); most lines of a busy day are never ranked.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import datetime
from itertools import chain
from operator import attrgetter
from typing import NamedTuple

from digest.importance import INFORMATIVE_CAP, TextCues, idf_weights, informativeness
from digest.model import Line

# Recency orders lines of equal weight (the latest first); it never makes a line important.
RECENCY = 0.25


class Weighed(NamedTuple):
    """A line of the window with its thread, its cues and what it weighs before informativeness."""

    line: Line
    thread: str
    cues: TextCues
    weight: float


class Candidate(NamedTuple):
    """A ranked line: its rank key first (lower is better), so candidates order best first."""

    rank: float
    seconds: float
    ts: str
    thread: str
    line: Line


_WEIGHT = attrgetter("weight")


class WindowRanking:
    """Ranks the lines of one window against its vocabulary (`stems`: every line's stems, once per line)."""

    def __init__(self, *, start: datetime, end: datetime, stems: list[frozenset[str]]) -> None:
        self.start = start
        self.span = (end - start).total_seconds()
        self._stems = stems
        self._idf: dict[str, float] | None = None

    def best_first(self, eligible: Iterable[Weighed], floor: float) -> Iterator[Candidate]:
        """The eligible lines weighing at least `floor` with their informativeness, best first."""
        waiting = sorted(eligible, key=_WEIGHT, reverse=True)
        found: list[Candidate] = []
        taken = 0
        while True:
            # Rank the lines whose best possible rank reaches the best found (on a tie, the next key decides):
            # the same additions in the same order as `rank`, so the bound is never below the rank in floats.
            while taken < len(waiting) and (
                not found or -((waiting[taken].weight + INFORMATIVE_CAP) + RECENCY) <= found[0].rank
            ):
                candidate = self.rank(waiting[taken], floor)
                taken += 1
                if candidate is not None:
                    heapq.heappush(found, candidate)
            if not found:
                return
            yield heapq.heappop(found)

    def ranked_all(self, eligible: Iterable[Weighed], floor: float) -> list[Candidate]:
        """Every eligible line weighing at least `floor`, ranked and sorted: `best_first` the direct way."""
        return sorted(found for each in eligible if (found := self.rank(each, floor)) is not None)

    def rank(self, weighed: Weighed, floor: float) -> Candidate | None:
        """The line ranked, or None when its weight with its informativeness is under `floor`."""
        line, thread, cues, before = weighed
        weight = before + informativeness(cues.stems, self.idf)
        if weight < floor:
            return None
        seconds = (line.posted_at - self.start).total_seconds()
        share = seconds / self.span if self.span > 0 else 1.0
        recency = 1.0 if share >= 1.0 else share if share > 0.0 else 0.0
        return Candidate(-(weight + RECENCY * recency), -seconds, line.ts, thread, line)

    @property
    def idf(self) -> dict[str, float]:
        """The stems' BM25 weights in this window, counted the first time a line is ranked."""
        if self._idf is None:
            self._idf = idf_weights(Counter(chain.from_iterable(self._stems)), len(self._stems))
        return self._idf
