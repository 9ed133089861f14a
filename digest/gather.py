"""Reading what a batch of catch-ups draws on, in a few queries for the whole batch of one workspace.

Each reader's catch-up is then composed from these plain values (`digest.compose`), so the cost
of a morning grows with channels and messages, not with the number of readers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from sqlalchemy import func, or_, select, tuple_
from sqlalchemy.orm import Session

from digest.model import Line
from store.models import (
    Channel,
    ChannelMember,
    ChannelSettings,
    Decision,
    DecisionRevision,
    Mention,
    Message,
    Reaction,
    Team,
)

T = TypeVar("T")

# Parameters per IN list: well under SQLite's limit of 32,766 bound variables.
_CHUNK = 5_000


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
class Gathered:
    """Everything one workspace's batch of catch-ups draws on."""

    team_id: str
    url: str | None = None
    bot_user_id: str | None = None
    memberships: dict[str, set[str]] = field(default_factory=dict)
    channels: dict[str, ChannelInfo] = field(default_factory=dict)
    # Every message in the batch's widest window, per channel, oldest first.
    messages: dict[str, list[Line]] = field(default_factory=dict)
    # Who has posted in each thread (parent or reply, any time): (channel, thread ts) → people.
    thread_people: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    decision_events: list[DecisionEvent] = field(default_factory=list)
    # The earlier decisions those events replaced (id → text), for "old → new".
    decision_texts: dict[int, str] = field(default_factory=dict)
    mentions: dict[str, list[MentionRow]] = field(default_factory=dict)


def gather(*, session: Session, team_id: str, readers: Sequence[Reader]) -> Gathered:
    """Read the workspace's traffic, decisions and mentions for these readers' windows."""
    found = Gathered(team_id=team_id)
    if not readers:
        return found
    team = session.get(Team, team_id)
    if team is not None:
        found.url, found.bot_user_id = team.url, team.bot_user_id
    user_ids = sorted({reader.user_id for reader in readers})
    start = min(reader.window_start for reader in readers)
    end = max(reader.window_end for reader in readers)
    for chunk in _chunks(user_ids):
        for channel_id, user_id in session.execute(
            select(ChannelMember.channel_id, ChannelMember.user_id).where(
                ChannelMember.team_id == team_id, ChannelMember.user_id.in_(chunk)
            )
        ):
            found.memberships.setdefault(str(user_id), set()).add(str(channel_id))
    channel_ids = sorted(set().union(*found.memberships.values())) if found.memberships else []
    excluded = set(
        session.scalars(
            select(ChannelSettings.channel_id).where(
                ChannelSettings.team_id == team_id, ChannelSettings.excluded.is_(True)
            )
        )
    )
    for chunk in _chunks(channel_ids):
        for channel in session.execute(
            select(Channel.channel_id, Channel.name, Channel.is_private, Channel.is_im, Channel.is_mpim).where(
                Channel.team_id == team_id, Channel.channel_id.in_(chunk)
            )
        ):
            # Direct messages are not channels to summarize (and Handoff only sees its own).
            if channel.is_im or channel.is_mpim:
                continue
            found.channels[str(channel.channel_id)] = ChannelInfo(
                channel_id=str(channel.channel_id),
                name=str(channel.name or channel.channel_id),
                is_private=bool(channel.is_private),
                excluded=str(channel.channel_id) in excluded,
            )
    wanted = sorted(found.channels)
    _read_messages(session, found, wanted, start, end)
    _read_decisions(session, found, wanted, start, end)
    for chunk in _chunks(user_ids):
        for row in session.execute(
            select(Mention.recipient_id, Mention.channel_id, Mention.ts, Mention.sender_id, Mention.posted_at)
            .where(
                Mention.team_id == team_id,
                Mention.recipient_id.in_(chunk),
                Mention.posted_at >= start,
                Mention.posted_at < end,
            )
            .order_by(Mention.posted_at)
        ):
            found.mentions.setdefault(str(row.recipient_id), []).append(
                MentionRow(str(row.recipient_id), str(row.channel_id), str(row.ts), str(row.sender_id), row.posted_at)
            )
    return found


def _read_messages(session: Session, found: Gathered, channel_ids: list[str], start: datetime, end: datetime) -> None:
    team_id = found.team_id
    reactions: dict[tuple[str, str], int] = {}
    for chunk in _chunks(channel_ids):
        for channel_id, ts, count in session.execute(
            select(Reaction.channel_id, Reaction.ts, func.count())
            .where(
                Reaction.team_id == team_id,
                Reaction.channel_id.in_(chunk),
                Reaction.posted_at >= start,
                Reaction.posted_at < end,
            )
            .group_by(Reaction.channel_id, Reaction.ts)
        ):
            reactions[(str(channel_id), str(ts))] = int(count)
    active_threads: set[tuple[str, str]] = set()
    for chunk in _chunks(channel_ids):
        rows = session.execute(
            select(
                Message.channel_id,
                Message.ts,
                Message.thread_ts,
                Message.user_id,
                Message.text,
                Message.posted_at,
                Message.is_bot,
                Message.is_system,
            )
            .where(
                Message.team_id == team_id,
                Message.channel_id.in_(chunk),
                Message.posted_at >= start,
                Message.posted_at < end,
                Message.deleted_at.is_(None),
            )
            .order_by(Message.channel_id, Message.posted_at, Message.ts)
        )
        for row in rows:
            channel_id, ts = str(row.channel_id), str(row.ts)
            # A thread's parent carries thread_ts == ts; only replies point at another message.
            parent = str(row.thread_ts) if row.thread_ts and row.thread_ts != row.ts else None
            found.messages.setdefault(channel_id, []).append(
                Line(
                    ts=ts,
                    user_id=row.user_id,
                    text=str(row.text or ""),
                    posted_at=row.posted_at,
                    thread_ts=parent,
                    reactions=reactions.get((channel_id, ts), 0),
                    is_bot=bool(row.is_bot),
                    is_system=bool(row.is_system),
                )
            )
            if parent is not None and not row.is_bot:
                active_threads.add((channel_id, parent))
    _read_thread_people(session, found, active_threads)


def _read_thread_people(session: Session, found: Gathered, threads: set[tuple[str, str]]) -> None:
    """Everyone who ever posted in the threads that had replies in the window (parents may be older)."""
    people: dict[tuple[str, str], set[str]] = defaultdict(set)
    for chunk in _chunks(sorted(threads)):
        for row in session.execute(
            select(Message.channel_id, Message.ts, Message.thread_ts, Message.user_id).where(
                Message.team_id == found.team_id,
                or_(
                    tuple_(Message.channel_id, Message.thread_ts).in_(chunk),
                    tuple_(Message.channel_id, Message.ts).in_(chunk),
                ),
            )
        ):
            if row.user_id is None:
                continue
            key = (str(row.channel_id), str(row.thread_ts or row.ts))
            people[key].add(str(row.user_id))
    found.thread_people = dict(people)


def _read_decisions(session: Session, found: Gathered, channel_ids: list[str], start: datetime, end: datetime) -> None:
    for chunk in _chunks(channel_ids):
        rows = session.execute(
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
    for ids in _chunks(sorted(replaced)):
        for decision_id, text in session.execute(
            select(Decision.id, Decision.text).where(Decision.team_id == found.team_id, Decision.id.in_(ids))
        ):
            found.decision_texts[int(decision_id)] = str(text)


def _chunks(items: Iterable[T]) -> Iterable[list[T]]:
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) == _CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch
