"""What a worker has lately seen stored, so it need not look again for every event."""

from __future__ import annotations

from datetime import datetime, timedelta

# Short enough that a channel or person removed behind the worker's back is looked up again soon.
DEFAULT_TTL = timedelta(minutes=5)


class KnownCache:
    """Remembers (kind, team, id) keys for a while: a channel whose members are synced, a person, a team.

    Only an optimization: every entry was true when added, and forgetting one merely costs a
    database read (or a Slack read, for a channel or person that really is gone).
    """

    def __init__(self, ttl: timedelta = DEFAULT_TTL, max_entries: int = 100_000) -> None:
        self._ttl = ttl
        self._max_entries = max_entries
        self._seen: dict[tuple[str, str, str], datetime] = {}

    def knows(self, kind: str, team_id: str, key: str, now: datetime) -> bool:
        """True when the key was remembered less than the TTL ago."""
        seen = self._seen.get((kind, team_id, key))
        return seen is not None and now - seen < self._ttl

    def remember(self, kind: str, team_id: str, key: str, now: datetime) -> None:
        """Remember a key as true at `now`."""
        if len(self._seen) >= self._max_entries:
            self._seen.clear()
        self._seen[(kind, team_id, key)] = now
