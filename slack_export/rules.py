"""What every channel of one import shares: the workspace, its emoji, its people, its URL, its retention."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class ImportRules:
    """What every channel of one import shares."""

    team_id: str
    # The workspace's decision emoji (its own choice, else HANDOFF_DECISION_EMOJI).
    decision_emoji: tuple[str, ...]
    # People of the workspace itself; in a channel shared with another organization only they file decisions.
    members: frozenset[str]
    # "https://acme.slack.com/" when Handoff knows it; else permalinks wait until it does.
    team_url: str | None
    # Traffic posted before this is not kept (the workspace's retention, counted from now).
    keep_after: datetime
    now: datetime
    # Day files that are not valid JSON: left out.
    unreadable: frozenset[str] = frozenset()
