"""Channel summaries for a batch of readers: one per channel and window bucket, cached in the database.

Readers whose windows fall in the same bucket (start to the hour, end to the quarter hour) share
one summary, so five people in two channels waking at the same hour cost two summarizer calls.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from digest.extractive import is_human
from digest.gather import Gathered, Reader
from digest.model import ChannelSummary, ChannelWindow, Summarizer
from store import channel_summaries
from store.channel_summaries import Bucket

_HOUR = timedelta(hours=1)
_QUARTER = timedelta(minutes=15)


def bucket_of(reader: Reader) -> Bucket:
    """The shared window a reader's channel summaries cover."""
    return _floor(reader.window_start, _HOUR), _floor(reader.window_end, _QUARTER)


def wanted_channels(reader: Reader, gathered: Gathered) -> list[str]:
    """The channels summarized for a reader: theirs, not left out by them or by an admin."""
    return sorted(
        channel_id
        for channel_id in gathered.memberships.get(reader.user_id, ())
        if (info := gathered.channels.get(channel_id)) is not None
        and not info.excluded
        and channel_id not in reader.excluded
    )


def summaries_for(
    *,
    session: Session,
    readers: Sequence[Reader],
    gathered: Gathered,
    summarizer: Summarizer,
    now: datetime,
) -> dict[tuple[str, Bucket], ChannelSummary]:
    """Every (channel, bucket) summary these readers need: from the cache, else made once and cached."""
    wanted = {(channel_id, bucket_of(reader)) for reader in readers for channel_id in wanted_channels(reader, gathered)}
    found = channel_summaries.cached(session=session, team_id=gathered.team_id, wanted=wanted)
    for channel_id, bucket in sorted(wanted - set(found)):
        window = channel_window(gathered, channel_id, bucket)
        if not any(is_human(line) for line in window.messages):
            continue
        summary = summarizer.summarize(window)
        channel_summaries.save(session=session, team_id=gathered.team_id, bucket=bucket, summary=summary, now=now)
        found[(channel_id, bucket)] = summary
    return found


def channel_window(gathered: Gathered, channel_id: str, bucket: Bucket) -> ChannelWindow:
    """A channel's messages within a bucket (the input to one summarizer call)."""
    start, end = bucket
    info = gathered.channels[channel_id]
    messages = tuple(line for line in gathered.messages.get(channel_id, ()) if start <= line.posted_at < end)
    return ChannelWindow(
        team_id=gathered.team_id,
        channel_id=channel_id,
        channel_name=info.name,
        start=start,
        end=end,
        messages=messages,
        decision_ts=frozenset(
            event.message_ts
            for event in gathered.decision_events
            if event.channel_id == channel_id and event.message_ts is not None
        ),
    )


def _floor(instant: datetime, step: timedelta) -> datetime:
    epoch = datetime(1970, 1, 1, tzinfo=instant.tzinfo)
    return instant - (instant - epoch) % step
