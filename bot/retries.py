"""When to try failed work again: Slack's Retry-After, else exponential backoff; spread, and capped.

Pure functions of the attempt count, so every kind of job backs off the same way and a test can
say exactly when the next try is due.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

# Tries (claims) before a job is given up and kept with its error: with the waits below, about
# four hours of Slack failing, long enough to ride out an incident, short enough to tell people.
MAX_ATTEMPTS = 10
FIRST_WAIT = timedelta(minutes=1)
LONGEST_WAIT = timedelta(hours=1)
# Up to this fraction is added to each wait, so that items which failed together (a 429 storm)
# do not all come back in the same second.
SPREAD = 0.2


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 … minutes after the `attempts`-th failed try, at most an hour."""
    wait: timedelta = FIRST_WAIT * 2 ** max(attempts - 1, 0)
    return min(wait, LONGEST_WAIT)


def spread(wait: timedelta, *, key: int, attempts: int) -> timedelta:
    """A share of `wait` (0 to SPREAD) fixed by the item and the attempt: spread, yet reproducible."""
    fraction = ((key * 2_654_435_761 + attempts * 40_503) % 1_000) / 1_000 * SPREAD
    return timedelta(milliseconds=round(wait.total_seconds() * fraction * 1000))


def wait_before_retry(*, attempts: int, retry_after: timedelta | None, key: int) -> timedelta:
    """How long after the `attempts`-th failed try the next one is due.

    A first 429 waits Slack's Retry-After; 429s in a row also wait at least the backoff, so a storm
    that lasts costs a few calls an hour rather than one a minute. Never earlier than Retry-After.
    """
    if retry_after is not None:
        wait = retry_after if attempts <= 1 else max(retry_after, backoff(attempts - 1))
    else:
        wait = backoff(attempts)
    return wait + spread(wait, key=key, attempts=attempts)


def exhausted(attempts: int) -> bool:
    """No more tries after this one."""
    return attempts >= MAX_ATTEMPTS


@dataclass
class WorkspaceWaits:
    """Within one run: the workspaces Slack told to wait (429) and until when, and those whose token it refused.

    The rest of the run's items for such a workspace wait too, without a call: a storm of 429s or a
    dead token costs one call per workspace and run, not one per item. Not durable on purpose: each
    item's own due time, and the workspace's pause, in the database, decide what happens next.
    """

    until: dict[str, datetime] = field(default_factory=dict)
    paused: set[str] = field(default_factory=set)

    def note(self, team_id: str, retry_at: datetime) -> None:
        self.until[team_id] = max(retry_at, self.until.get(team_id, retry_at))

    def pause(self, team_id: str) -> None:
        self.paused.add(team_id)

    def waiting(self, team_id: str, now: datetime) -> datetime | None:
        """When the workspace may be called again, if not yet at `now` (`now` itself: when its token works)."""
        if team_id in self.paused:
            return now
        retry_at = self.until.get(team_id)
        return retry_at if retry_at is not None and retry_at > now else None
