"""A workspace's channel traffic over a span, read once for every batch of a delivery round.

A round (everyone whose catch-up is due at one instant) is claimed and sent in batches, and the
batches' windows are nearly the same: the first batch reads the traffic, later ones read only the
channels or hours it lacks. A message edited or removed while the round runs shows as it was when
first read; the windows end at the round's instant, so only such late changes are missed, and the
next round reads everything afresh (nothing here outlives a round).

It also keeps what composing looks up for every reader, built once per read instead of once per
reader: messages by ts, people's replies by thread, and the threads each person is in.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import DateTime, func, select, type_coerce
from sqlalchemy.orm import Session

from digest.collector import collector_paused
from digest.in_lists import chunks
from digest.model import Line
from digest.thread_people import Key, read_thread_people
from store.models import Message, Reaction


@dataclass
class Traffic:
    """The messages of some channels over [start, end), oldest first, with what composing looks up."""

    team_id: str
    start: datetime | None = None
    end: datetime | None = None
    # Channels read over the whole span (some had no messages).
    channel_ids: set[str] = field(default_factory=set)
    messages: dict[str, list[Line]] = field(default_factory=dict)
    # channel → ts → message.
    by_ts: dict[str, dict[str, Line]] = field(default_factory=dict)
    # channel → thread ts → people's replies, oldest first: bots and Slack's notices answer no one.
    replies: dict[str, dict[str, list[Line]]] = field(default_factory=dict)
    # Person → (channel, thread ts) of the threads with replies in the span they ever posted in.
    threads_of: dict[str, list[Key]] = field(default_factory=dict)
    # The threads whose people are read already.
    threads_read: set[Key] = field(default_factory=set)
    # Who wrote each thread row read (by id), so finding a thread's people reads only the others.
    authors: dict[int, str | None] = field(default_factory=dict)

    def covers(self, channel_ids: Iterable[str], start: datetime, end: datetime) -> bool:
        """Whether these channels over [start, end) are read already."""
        if self.start is None or self.end is None or start < self.start or end > self.end:
            return False
        return self.channel_ids.issuperset(channel_ids)


def read_traffic(
    *, session: Session, traffic: Traffic, channel_ids: Iterable[str], start: datetime, end: datetime
) -> None:
    """Read what `traffic` lacks of these channels over [start, end), widening its span to hold them."""
    wanted = set(channel_ids)
    if traffic.covers(wanted, start, end):
        return
    reads: list[tuple[list[str], datetime, datetime]] = []
    new_start, new_end = start, end
    prepends = False
    if traffic.start is not None and traffic.end is not None:
        new_start, new_end = min(start, traffic.start), max(end, traffic.end)
        known = sorted(traffic.channel_ids)
        if new_start < traffic.start:
            reads.append((known, new_start, traffic.start))
            prepends = True
        if traffic.end < new_end:
            reads.append((known, traffic.end, new_end))
    fresh = sorted(wanted - traffic.channel_ids)
    if fresh:
        reads.append((fresh, new_start, new_end))
    traffic.start, traffic.end = new_start, new_end
    traffic.channel_ids |= wanted
    active: set[Key] = set()
    with collector_paused():
        for ids, read_start, read_end in reads:
            for channel_id, lines in _read_lines(session, traffic, ids, read_start, read_end, active=active).items():
                traffic.messages.setdefault(channel_id, []).extend(lines)
        if prepends:
            # Hours before what was read went after it: put every list back oldest first.
            for lines in traffic.messages.values():
                lines.sort(key=_order)
            for by_thread in traffic.replies.values():
                for lines in by_thread.values():
                    lines.sort(key=_order)
        unread = sorted(active - traffic.threads_read)
        traffic.threads_read.update(unread)
        found = read_thread_people(
            session=session, team_id=traffic.team_id, threads=unread, read=traffic.by_ts, authors=traffic.authors
        )
        for key, people in found.items():
            for person in people:
                traffic.threads_of.setdefault(person, []).append(key)


def _read_lines(
    session: Session, traffic: Traffic, channel_ids: list[str], start: datetime, end: datetime, *, active: set[Key]
) -> dict[str, list[Line]]:
    """The channels' messages over [start, end), oldest first, indexed into `traffic` as they come.

    Plain rows of only the columns a Line needs. `active` gets the threads people replied in.
    """
    team_id, authors = traffic.team_id, traffic.authors
    connection = session.connection()
    reactions: dict[Key, int] = {}
    for chunk in chunks(channel_ids):
        for channel_id, ts, count in connection.execute(
            select(Reaction.channel_id, Reaction.ts, func.count())
            .where(
                Reaction.team_id == team_id,
                Reaction.channel_id.in_(chunk),
                Reaction.posted_at >= start,
                Reaction.posted_at < end,
            )
            .group_by(Reaction.channel_id, Reaction.ts)
        ):
            reactions[(channel_id, ts)] = count
    found: dict[str, list[Line]] = defaultdict(list)
    for chunk in chunks(channel_ids):
        rows = connection.execute(
            select(
                Message.id,
                Message.channel_id,
                Message.ts,
                Message.thread_ts,
                Message.user_id,
                Message.text,
                # The stored naive UTC value, made aware below: the column type's own conversion,
                # run for every row of every read, is a measurable share of composing a morning.
                type_coerce(Message.posted_at, DateTime()),
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
        ).all()
        channel_id = ""
        for row_id, row_channel, ts, thread_ts, user_id, text, posted_at, is_bot, is_system in rows:
            if row_channel != channel_id:
                # Rows come channel by channel: look its containers up once, not once per row.
                channel_id = row_channel
                lines = found[channel_id]
                by_ts = traffic.by_ts.setdefault(channel_id, {})
                replies = traffic.replies.setdefault(channel_id, {})
            if thread_ts:
                # Only rows in a thread are looked up by id, when finding who is in it.
                authors[row_id] = user_id
            # A thread's parent carries thread_ts == ts; only replies point at another message.
            parent = thread_ts if thread_ts and thread_ts != ts else None
            line = Line(
                ts,
                user_id,
                text or "",
                posted_at.replace(tzinfo=UTC),
                parent,
                reactions.get((channel_id, ts), 0) if reactions else 0,
                is_bot,
                is_system,
            )
            lines.append(line)
            by_ts[ts] = line
            if parent is None or is_bot:
                continue
            active.add((channel_id, parent))
            if not is_system:
                thread = replies.get(parent)
                if thread is None:
                    replies[parent] = [line]
                else:
                    thread.append(line)
    return found


def _order(line: Line) -> tuple[datetime, str]:
    return line.posted_at, line.ts
