"""What a catch-up is made of: a channel's window of traffic, its summary, and the composed catch-up.

Plain frozen values, so ranking, summarizing and rendering are pure functions that tests can
drive without a database or Slack.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

# What an important point of a channel is, in the order a catch-up groups them: decisions people stated,
# what is blocked, incidents and their resolution, questions and requests to the team, changes of plan.
DECIDED = "decided"
BLOCKED = "blocked"
INCIDENT = "incident"
QUESTION = "question"
CHANGE = "change"
CATEGORIES = (DECIDED, BLOCKED, INCIDENT, QUESTION, CHANGE)


@dataclass(frozen=True)
class Line:
    """One message of a channel's window, as a summarizer sees it."""

    ts: str
    user_id: str | None
    text: str
    posted_at: datetime
    # The parent's ts for a thread reply; None for a top-level message (or a thread's parent).
    thread_ts: str | None = None
    reactions: int = 0
    is_bot: bool = False
    is_system: bool = False


@dataclass(frozen=True)
class ChannelWindow:
    """A channel's traffic over one window: what one shared summary covers."""

    team_id: str
    channel_id: str
    channel_name: str
    start: datetime
    end: datetime
    # Oldest first; bot and system messages included (summarizers leave them out).
    messages: tuple[Line, ...]
    # The ts of messages filed as decisions in the log (a strong signal for the extractive ranker).
    decision_ts: frozenset[str] = frozenset()
    # The workspace's URL, for the messages' permalinks (the only links a model's summary may keep).
    url: str | None = None


@dataclass(frozen=True)
class SummaryPoint:
    """One line of a channel summary, pointing back at the message or thread it came from."""

    text: str
    # The message (or thread parent) it summarizes, for a permalink; None for an LLM's combined point.
    ts: str | None = None
    # Who the underlying thread addresses (<@U…> mentions), so each reader's copy can put theirs first.
    mentions: frozenset[str] = frozenset()
    score: float = 0.0
    # One of CATEGORIES, or None for a point that matters without being one of them (a lively thread, a result).
    category: str | None = None
    # The thread of a reply quoted on its own, so its permalink opens in the thread.
    thread_ts: str | None = None


@dataclass(frozen=True)
class ChannelSummary:
    """A channel's summary for one window, shared by every member whose window falls in the same bucket."""

    channel_id: str
    message_count: int
    points: tuple[SummaryPoint, ...]
    # "llm" or "extractive": which summarizer wrote it (an LLM failure falls back to extractive).
    source: str


class Summarizer(Protocol):
    """Turns a channel's window into a few points; never raises for a bad or slow backend."""

    @property
    def name(self) -> str: ...

    def summarize(self, window: ChannelWindow) -> ChannelSummary: ...


@dataclass(frozen=True)
class Item:
    """One entry of a catch-up section: mrkdwn text (already escaped) and a link back to its source."""

    text: str
    link: str | None = None
    # A channel point's category (one of CATEGORIES), under which the catch-up groups it.
    group: str | None = None


@dataclass(frozen=True)
class ChannelDigest:
    """A channel's part of one person's catch-up."""

    channel_id: str
    name: str
    message_count: int
    points: tuple[Item, ...]
    link: str | None = None
    # The model that wrote the points, when one did: the heading says the summary is generated.
    generated_by: str | None = None


@dataclass(frozen=True)
class CatchUp:
    """One person's catch-up: what waits on them, what was decided, what their channels said."""

    team_id: str
    user_id: str
    tz: str
    window_start: datetime
    window_end: datetime
    waiting: tuple[Item, ...] = ()
    decisions: tuple[Item, ...] = ()
    channels: tuple[ChannelDigest, ...] = ()
    # More than three hours after the person's start: said so at the top.
    late: bool = False
    # Ids of the held pings it carries, so their own morning delivery does not send them again.
    ping_ids: tuple[int, ...] = field(default=(), compare=False)

    @property
    def is_empty(self) -> bool:
        """Nothing happened: the catch-up says "all caught up"."""
        return not (self.waiting or self.decisions or self.channels)
