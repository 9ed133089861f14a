"""Reading what a batch of catch-ups draws on, in a few queries for the whole batch of one workspace.

Each reader's catch-up is then composed from these plain values (`digest.compose`), so the cost
of a morning grows with channels and messages, not with the number of readers. The channels'
traffic is shared by the batches of one delivery round (`digest.traffic`); who is in which
channel, decisions and mentions are read for each batch.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from digest.in_lists import chunks
from digest.model import ChannelSummary, Line
from digest.traffic import Traffic, read_traffic
from store.channel_summaries import Bucket
from store.models import Channel, ChannelMember, ChannelSettings, Decision, DecisionRevision, Mention, Team
from store.visibility import shown


@dataclass(frozen=True)
class Reader:
    """One person whose catch-up is being composed, and the window it covers."""

    team_id: str
    user_id: str
    tz: str
    window_start: datetime
    window_end: datetime
    # Channels they left out of their catch-up.
    excluded: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ChannelInfo:
    """What the catch-up needs of a channel."""

    channel_id: str
    name: str
    is_private: bool
    # An admin left it out of every summary and prompt.
    excluded: bool


@dataclass(frozen=True)
class DecisionEvent:
    """A decision filed, replaced, retracted or reworded during the window."""

    decision_id: int
    channel_id: str
    action: str
    at: datetime
    text: str
    status: str
    supersedes_id: int | None
    permalink: str | None
    # The message it was filed from (None for one typed with /decision).
    message_ts: str | None = None
    old: str | None = None


@dataclass(frozen=True)
class MentionRow:
    """A mention of a reader kept while they were off."""

    recipient_id: str
    channel_id: str
    ts: str
    sender_id: str
    posted_at: datetime


@dataclass
class Round:
    """What one delivery round has read of a workspace, for its later batches: traffic and summaries."""

    team_id: str
    traffic: Traffic = field(init=False)
    summaries: dict[tuple[str, Bucket], ChannelSummary] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.traffic = Traffic(team_id=self.team_id)


@dataclass
class Gathered:
    """Everything one workspace's batch of catch-ups draws on."""

    team_id: str
    traffic: Traffic
    url: str | None = None
    bot_user_id: str | None = None
    memberships: dict[str, set[str]] = field(default_factory=dict)
    channels: dict[str, ChannelInfo] = field(default_factory=dict)
    # Oldest first; each channel's positions in it, so a reader's share keeps that order.
    decision_events: list[DecisionEvent] = field(default_factory=list)
    decisions_in: dict[str, list[int]] = field(default_factory=dict)
    # The earlier decisions those events replaced (id → text), for "old → new".
    decision_texts: dict[int, str] = field(default_factory=dict)
    mentions: dict[str, list[MentionRow]] = field(default_factory=dict)
    # (channel, bucket) → how many of the people's messages a summary of it counts each person wrote.
    speakers: dict[tuple[str, Bucket], Counter[str | None]] = field(default_factory=dict)

    @property
    def messages(self) -> dict[str, list[Line]]:
        """Every message in the batch's widest window (or wider), per channel, oldest first."""
        return self.traffic.messages

    def decision_ts(self, channel_id: str) -> frozenset[str]:
        """The ts of a channel's messages filed as decisions."""
        events = (self.decision_events[position] for position in self.decisions_in.get(channel_id, ()))
        return frozenset(event.message_ts for event in events if event.message_ts is not None)


def gather(*, session: Session, team_id: str, readers: Sequence[Reader], reuse: Round | None = None) -> Gathered:
    """Read the workspace's traffic, decisions and mentions for these readers' windows.

    With `reuse`, traffic an earlier batch of the round read is not read again (and what this
    batch reads is kept there for the next).
    """
    traffic = reuse.traffic if reuse is not None else Traffic(team_id=team_id)
    found = Gathered(team_id=team_id, traffic=traffic)
    if not readers:
        return found
    team = session.get(Team, team_id)
    if team is not None:
        found.url, found.bot_user_id = team.url, team.bot_user_id
    user_ids = sorted({reader.user_id for reader in readers})
    start = min(reader.window_start for reader in readers)
    end = max(reader.window_end for reader in readers)
    connection = session.connection()
    for chunk in chunks(user_ids):
        for channel_id, user_id in connection.execute(
            select(ChannelMember.channel_id, ChannelMember.user_id).where(
                ChannelMember.team_id == team_id, ChannelMember.user_id.in_(chunk)
            )
        ):
            found.memberships.setdefault(user_id, set()).add(channel_id)
    channel_ids = sorted(set().union(*found.memberships.values())) if found.memberships else []
    excluded = set(
        connection.scalars(
            select(ChannelSettings.channel_id).where(
                ChannelSettings.team_id == team_id, ChannelSettings.excluded.is_(True)
            )
        )
    )
    for chunk in chunks(channel_ids):
        # Only channels whose content may be shown at all (`store.visibility`): a reader's membership
        # of a private channel Handoff has left, or of one Slack no longer lets it read, counts for nothing.
        for channel in connection.execute(
            select(Channel.channel_id, Channel.name, Channel.is_private, Channel.is_im, Channel.is_mpim).where(
                Channel.team_id == team_id, Channel.channel_id.in_(chunk), shown()
            )
        ):
            # Direct messages are not channels to summarize (and Handoff only sees its own).
            if channel.is_im or channel.is_mpim:
                continue
            found.channels[channel.channel_id] = ChannelInfo(
                channel_id=channel.channel_id,
                name=str(channel.name or channel.channel_id),
                is_private=bool(channel.is_private),
                excluded=channel.channel_id in excluded,
            )
    wanted = sorted(found.channels)
    read_traffic(session=session, traffic=traffic, channel_ids=wanted, start=start, end=end)
    _read_decisions(session, found, wanted, start, end)
    for chunk in chunks(user_ids):
        for row in connection.execute(
            select(Mention.recipient_id, Mention.channel_id, Mention.ts, Mention.sender_id, Mention.posted_at)
            .where(
                Mention.team_id == team_id,
                Mention.recipient_id.in_(chunk),
                Mention.posted_at >= start,
                Mention.posted_at < end,
            )
            .order_by(Mention.posted_at)
        ):
            found.mentions.setdefault(row.recipient_id, []).append(
                MentionRow(row.recipient_id, row.channel_id, row.ts, row.sender_id, row.posted_at)
            )
    return found


def _read_decisions(session: Session, found: Gathered, channel_ids: list[str], start: datetime, end: datetime) -> None:
    for chunk in chunks(channel_ids):
        rows = session.connection().execute(
            select(
                DecisionRevision.decision_id,
                DecisionRevision.action,
                DecisionRevision.old_value,
                DecisionRevision.new_value,
                DecisionRevision.at,
                Decision.channel_id,
                Decision.text,
                Decision.status,
                Decision.supersedes_id,
                Decision.permalink,
                Decision.message_ts,
            )
            .join(Decision, Decision.id == DecisionRevision.decision_id)
            .where(
                DecisionRevision.team_id == found.team_id,
                Decision.team_id == found.team_id,
                Decision.channel_id.in_(chunk),
                DecisionRevision.at >= start,
                DecisionRevision.at < end,
                DecisionRevision.action.in_(("created", "supersedes", "status", "text")),
            )
            .order_by(DecisionRevision.at, DecisionRevision.id)
        )
        for row in rows:
            found.decision_events.append(
                DecisionEvent(
                    decision_id=int(row.decision_id),
                    channel_id=str(row.channel_id),
                    action=str(row.action) if row.action != "status" else f"status:{row.new_value}",
                    at=row.at,
                    text=str(row.text),
                    status=str(row.status),
                    supersedes_id=int(row.supersedes_id) if row.supersedes_id is not None else None,
                    permalink=row.permalink,
                    message_ts=row.message_ts,
                    old=row.old_value,
                )
            )
    replaced = {event.supersedes_id for event in found.decision_events if event.supersedes_id is not None}
    for ids in chunks(sorted(replaced)):
        for decision_id, text in session.connection().execute(
            select(Decision.id, Decision.text).where(Decision.team_id == found.team_id, Decision.id.in_(ids))
        ):
            found.decision_texts[int(decision_id)] = str(text)
    for position, event in enumerate(found.decision_events):
        found.decisions_in.setdefault(event.channel_id, []).append(position)
