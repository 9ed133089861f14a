"""Timing faults for the fake Slack: calls held until the test lets them go, or answered late.

A test that must kill a process at an exact point (say, after Slack took a message but before
Handoff recorded it) holds that call: the fake does the call's work (or not yet, for a hold
*before*), signals `reached`, and keeps the HTTP answer back until the test calls `release()`
or the hold's timeout passes. The test SIGKILLs the client meanwhile; the answer then goes to a
closed socket. A delay is a hold that nobody releases: the answer comes after `seconds`, which,
past the client's timeout, is a timeout as Slack's clients see it.

Held calls wait outside the fake's lock, so every other call keeps being answered.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Params = dict[str, Any]
Match = Callable[[Params], bool]

BEFORE, AFTER = "before", "after"


@dataclass
class Hold:
    """Calls of one method held at one stage: `reached` once one is held, answered on `release()`."""

    method: str
    stage: str
    match: Match | None
    remaining: int
    timeout: float
    # Close the connection instead of answering, as when Slack (or a proxy) drops it mid-call.
    hang_up: bool = False
    reached: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)
    # The params of every call held so far.
    held: list[Params] = field(default_factory=list)

    def wait_reached(self, timeout: float = 60.0) -> bool:
        """Block until a call is held (True), or `timeout` seconds (False)."""
        return self.reached.wait(timeout)

    def release(self) -> None:
        """Answer the held calls now (and let later matching calls through without waiting)."""
        self.released.set()


class Holds:
    """The holds a fake has armed; `take` gives a call its hold (using one of its turns) or None."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._holds: list[Hold] = []

    def add(self, hold: Hold) -> Hold:
        with self._lock:
            self._holds.append(hold)
        return hold

    def take(self, method: str, params: Params, stage: str) -> Hold | None:
        with self._lock:
            for hold in self._holds:
                if hold.method not in (method, "*") or hold.stage != stage or hold.remaining <= 0:
                    continue
                if hold.match is not None and not hold.match(params):
                    continue
                hold.remaining -= 1
                hold.held.append(params)
                return hold
        return None

    def clear(self) -> None:
        """Let every held call go and forget the holds."""
        with self._lock:
            holds, self._holds = self._holds, []
        for hold in holds:
            hold.release()


class HangUp(Exception):
    """Raised by the fake's app: the handler closes the connection without an answer."""


def pause(hold: Hold) -> None:
    """Signal that the call is held, then wait for the release (or the hold's timeout)."""
    hold.reached.set()
    hold.released.wait(hold.timeout)
    if hold.hang_up:
        raise HangUp(hold.method)
