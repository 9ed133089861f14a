"""Channel summaries for a batch of readers: one per channel and window bucket, cached in the database.

Readers whose windows fall in the same bucket (start to the hour, end to the quarter hour) share
one summary, so five people in two channels waking at the same hour cost two summarizer calls.
Which are wanted and how they are made are plain functions; the cache is read in a read session
and written in a short transaction after the summarizing, never around it.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from bot.deps import Deps
from digest.extractive import is_human
from digest.gather import Gathered, Reader
from digest.model import ChannelSummary, ChannelWindow, Line, Summarizer
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


def wanted_summaries(readers: Sequence[Reader], gathered: Gathered) -> set[tuple[str, Bucket]]:
    """Every (channel, bucket) summary these readers' catch-ups show."""
    wanted: set[tuple[str, Bucket]] = set()
    for reader in readers:
        bucket = bucket_of(reader)
        wanted.update((channel_id, bucket) for channel_id in wanted_channels(reader, gathered))
    return wanted


def summaries_for(
    deps: Deps,
    *,
    readers: Sequence[Reader],
    gathered: Gathered,
    now: datetime,
    known: dict[tuple[str, Bucket], ChannelSummary],
) -> dict[tuple[str, Bucket], ChannelSummary]:
    """Every summary these readers need: made earlier in the round (`known`), cached, else made once and cached.

    What is found or made is added to `known`, for the round's later batches.
    """
    wanted = wanted_summaries(readers, gathered)
    found = {key: known[key] for key in wanted if key in known}
    with deps.read_session_factory() as session:
        found |= channel_summaries.cached(session=session, team_id=gathered.team_id, wanted=wanted - found.keys())
    # Made outside any transaction (a model may take seconds, and a writer holds SQLite's lock), saved in a short one.
    made = make_summaries(wanted=wanted - found.keys(), gathered=gathered, summarizer=deps.summarizer)
    if made:
        with deps.session_factory.begin() as session:
            channel_summaries.save_many(session=session, team_id=gathered.team_id, summaries=made, now=now)
    found |= made
    known |= found
    return found


def make_summaries(
    *, wanted: Iterable[tuple[str, Bucket]], gathered: Gathered, summarizer: Summarizer
) -> dict[tuple[str, Bucket], ChannelSummary]:
    """Summarize each (channel, bucket) that had people talking; called outside any transaction (a model is slow)."""
    made: dict[tuple[str, Bucket], ChannelSummary] = {}
    for channel_id, bucket in sorted(wanted):
        window = channel_window(gathered, channel_id, bucket)
        if not any(is_human(line) for line in window.messages):
            continue
        made[(channel_id, bucket)] = summarizer.summarize(window)
    return made


def channel_window(gathered: Gathered, channel_id: str, bucket: Bucket) -> ChannelWindow:
    """A channel's messages within a bucket (the input to one summarizer call)."""
    start, end = bucket
    info = gathered.channels[channel_id]
    lines = gathered.messages.get(channel_id, [])
    # Oldest first: the bucket is one slice of the channel's list, found by bisection.
    first = bisect_left(lines, start, key=_posted)
    last = bisect_left(lines, end, lo=first, key=_posted)
    return ChannelWindow(
        team_id=gathered.team_id,
        channel_id=channel_id,
        channel_name=info.name,
        start=start,
        end=end,
        messages=tuple(lines[first:last]),
        decision_ts=gathered.decision_ts(channel_id),
        url=gathered.url,
    )


def speakers(gathered: Gathered, channel_id: str, bucket: Bucket) -> Counter[str | None]:
    """How many of the messages a (channel, bucket) summary counts each person wrote; worked out once per batch."""
    key = (channel_id, bucket)
    found = gathered.speakers.get(key)
    if found is None:
        window = channel_window(gathered, channel_id, bucket)
        found = gathered.speakers[key] = Counter(line.user_id for line in window.messages if is_human(line))
    return found


def theirs_alone(gathered: Gathered, channel_id: str, bucket: Bucket, ts: str, user_id: str) -> bool:
    """Whether everything people said in the thread at `ts` within the bucket is `user_id`'s own."""
    start, end = bucket
    parent = gathered.traffic.by_ts.get(channel_id, {}).get(ts)
    lines = [*([parent] if parent is not None else []), *gathered.traffic.replies.get(channel_id, {}).get(ts, ())]
    said = [line for line in lines if start <= line.posted_at < end and is_human(line)]
    return bool(said) and all(line.user_id == user_id for line in said)


def _posted(line: Line) -> datetime:
    return line.posted_at


def _floor(instant: datetime, step: timedelta) -> datetime:
    epoch = datetime(1970, 1, 1, tzinfo=instant.tzinfo)
    return instant - (instant - epoch) % step
