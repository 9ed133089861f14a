"""One reader's catch-up from what the batch gathered: waiting on you, decided or changed, channels.

Pure: the reader, the gathered values and the shared summaries in, a CatchUp out. Everything a
reader sees comes from channels they are a member of when the catch-up is made.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache

from digest.gather import ChannelInfo, DecisionEvent, Gathered, Reader
from digest.importance import text_cues
from digest.links import channel_link, message_link
from digest.model import CatchUp, ChannelDigest, ChannelSummary, Item, Line
from digest.summaries import bucket_of, speakers, theirs_alone, wanted_channels
from digest.text import inert, one_line
from store.channel_summaries import Bucket

EXCERPT = 160
# A night's incident channel can hold a dozen things to know; the DM's budget still bounds the whole.
POINTS_PER_CHANNEL = 12
# The source a model's summary carries (digest.llm), and how its label names a model it does not know.
LLM_SOURCE = "llm"
GENERATED_BY_DEFAULT = "a language model"


@dataclass(frozen=True)
class PingForCatchUp:
    """A held ping the catch-up carries."""

    ping_id: int
    sender_id: str
    text: str
    permalink: str | None


def compose(
    reader: Reader,
    gathered: Gathered,
    summaries: Mapping[tuple[str, Bucket], ChannelSummary],
    *,
    pings: Sequence[PingForCatchUp] = (),
    late: bool = False,
    model: str | None = None,
) -> CatchUp:
    """The reader's catch-up; `model` names the model that wrote the "llm" summaries, for their label."""
    mine = {c for c in gathered.memberships.get(reader.user_id, ()) if c in gathered.channels}
    return CatchUp(
        team_id=reader.team_id,
        user_id=reader.user_id,
        tz=reader.tz,
        window_start=reader.window_start,
        window_end=reader.window_end,
        waiting=tuple(_waiting(reader, gathered, mine, pings)),
        decisions=tuple(_decisions(reader, gathered, mine)),
        channels=tuple(_channels(reader, gathered, summaries, model)),
        late=late,
        ping_ids=tuple(ping.ping_id for ping in pings),
    )


def _in_window(reader: Reader, line: Line) -> bool:
    return reader.window_start <= line.posted_at < reader.window_end


def _waiting(reader: Reader, gathered: Gathered, mine: set[str], pings: Sequence[PingForCatchUp]) -> list[Item]:
    items = [
        Item(text=f"<@{ping.sender_id}> sent you: {one_line(ping.text, limit=EXCERPT)}", link=ping.permalink)
        for ping in pings
    ]
    by_ts = gathered.traffic.by_ts
    seen: set[tuple[str, str]] = set()
    for mention in gathered.mentions.get(reader.user_id, ()):
        key = (mention.channel_id, mention.ts)
        line = by_ts.get(mention.channel_id, {}).get(mention.ts) if mention.channel_id in mine else None
        # Left the channel since, or the message is gone: nothing to show.
        if line is None or key in seen or not _in_window(reader, line):
            continue
        seen.add(key)
        verb = "asked you" if "?" in line.text else "mentioned you"
        name = _name(gathered, mention.channel_id)
        items.append(
            Item(
                text=f"<@{mention.sender_id}> {verb} in #{name}: {one_line(line.text, limit=EXCERPT)}",
                link=message_link(gathered.url, gathered.team_id, mention.channel_id, line.ts, line.thread_ts),
            )
        )
    items.extend(_threads(reader, gathered, mine))
    return items


def _threads(reader: Reader, gathered: Gathered, mine: set[str]) -> list[Item]:
    """Threads the reader started or replied in that others replied to during the window."""
    traffic = gathered.traffic
    found: list[tuple[tuple[str, datetime, str], Item]] = []
    # Only the threads the reader is in (gathered once for everyone), not every message of their channels.
    for channel_id, parent in traffic.threads_of.get(reader.user_id, ()):
        if channel_id not in mine:
            continue
        lines = [
            line
            for line in traffic.replies.get(channel_id, {}).get(parent, ())
            if line.user_id != reader.user_id and _in_window(reader, line)
        ]
        if not lines:
            continue
        people = len({line.user_id for line in lines})
        count = f"{len(lines)} new repl{'y' if len(lines) == 1 else 'ies'}"
        who = f"from {people} people" if people > 1 else f"from <@{lines[-1].user_id}>"
        name = _name(gathered, channel_id)
        # The latest reply that says something: "thanks!" or "lol" after the answer is not what the thread said.
        said = next((line for line in reversed(lines) if not _is_chatter(line.text)), lines[-1])
        item = Item(
            text=f"{count} {who} in your thread in #{name}: {one_line(said.text, limit=EXCERPT)}",
            link=message_link(gathered.url, gathered.team_id, channel_id, said.ts, parent),
        )
        # By channel, then by the thread's first new reply: the order the channel's messages came in.
        found.append(((channel_id, lines[0].posted_at, lines[0].ts), item))
    return [item for _, item in sorted(found, key=lambda pair: pair[0])]


def _decisions(reader: Reader, gathered: Gathered, mine: set[str]) -> list[Item]:
    """Each decision story of the window once: filed, replaced (old → new, along the chain), retracted, reworded."""
    positions = sorted(position for channel_id in mine for position in gathered.decisions_in.get(channel_id, ()))
    events = [
        event
        for event in (gathered.decision_events[position] for position in positions)
        if reader.window_start <= event.at < reader.window_end
    ]
    by_id: dict[int, list[DecisionEvent]] = defaultdict(list)
    for event in events:
        by_id[event.decision_id].append(event)
    replaced_by = {
        event.supersedes_id: event.decision_id
        for event in events
        if event.action == "supersedes" and event.supersedes_id is not None
    }
    items: list[Item] = []
    told: set[int] = set()
    for event in events:
        decision_id = event.decision_id
        if decision_id in told:
            continue
        actions = {e.action for e in by_id[decision_id]}
        name = _name(gathered, event.channel_id)
        if "created" in actions or "supersedes" in actions:
            # Follow the chain to its newest link; tell the story once, from where the window starts it.
            chain = [decision_id]
            while chain[-1] in replaced_by and replaced_by[chain[-1]] in by_id:
                chain.append(replaced_by[chain[-1]])
            told.update(chain)
            latest = by_id[chain[-1]][-1]
            texts = [_decision_text(by_id[link][-1].text) for link in chain]
            first = by_id[chain[0]][-1]
            if first.supersedes_id is not None and "supersedes" in {e.action for e in by_id[chain[0]]}:
                texts.insert(0, _decision_text(gathered.decision_texts.get(first.supersedes_id, "an earlier decision")))
            state = " (now retracted)" if latest.status == "retracted" else ""
            if len(texts) == 1:
                text = f"Decided in #{name}: *{texts[0]}*{state}"
            else:
                story = " → ".join(f"~{t}~" for t in texts[:-1])
                changes = "Changed" if len(texts) == 2 else f"Changed {len(texts) - 1} times"
                text = f"{changes} in #{name}: {story} → *{texts[-1]}*{state}"
            items.append(Item(text=text, link=latest.permalink))
        elif "status:retracted" in actions:
            told.add(decision_id)
            items.append(Item(text=f"Retracted in #{name}: ~{_decision_text(event.text)}~", link=event.permalink))
        elif "text" in actions:
            told.add(decision_id)
            edit = next(e for e in by_id[decision_id] if e.action == "text")
            old = _decision_text(edit.old or "")
            items.append(
                Item(text=f"Reworded in #{name}: ~{old}~ → *{_decision_text(event.text)}*", link=event.permalink)
            )
    return items


def _name(gathered: Gathered, channel_id: str) -> str:
    """A channel's name for an entry's text (mrkdwn): inert, like anything Slack lets people choose."""
    return inert(gathered.channels[channel_id].name)


@lru_cache(maxsize=16_384)
def _is_chatter(text: str) -> bool:
    # Every reader's threads are looked at; the same replies' texts come up again and again.
    return text_cues(text).chatter > 0


@lru_cache(maxsize=4_096)
def _decision_text(text: str) -> str:
    # Strike-through and bold markers inside the text would break the formatting around it.
    return one_line(text, limit=120).replace("~", "").replace("*", "")


def _channels(
    reader: Reader, gathered: Gathered, summaries: Mapping[tuple[str, Bucket], ChannelSummary], model: str | None
) -> list[ChannelDigest]:
    bucket = bucket_of(reader)
    ranked: list[tuple[tuple[int, int, str], ChannelDigest]] = []
    for channel_id in wanted_channels(reader, gathered):
        summary = summaries.get((channel_id, bucket))
        if summary is None:
            continue
        summary = _news_to(reader.user_id, gathered, bucket, summary)
        if summary.message_count <= 0:
            # Nobody spoke, or only the reader: nothing they missed.
            continue
        addressed = sum(1 for point in summary.points if reader.user_id in point.mentions)
        info = gathered.channels[channel_id]
        # Most readers are named in none of a channel's points: they all get the same digest.
        addressee = reader.user_id if addressed else None
        generated_by = (model or GENERATED_BY_DEFAULT) if summary.source == LLM_SOURCE else None
        digest = _digest(gathered.url, gathered.team_id, info, summary, addressee, generated_by=generated_by)
        ranked.append(((-addressed, -summary.message_count, info.name), digest))
    return [digest for _, digest in sorted(ranked, key=lambda pair: pair[0])]


def _news_to(user_id: str, gathered: Gathered, bucket: Bucket, summary: ChannelSummary) -> ChannelSummary:
    """The shared summary as news to one reader: their own messages not counted, their own threads left out.

    Summaries are made once per channel and bucket for everyone whose window falls in it, so this
    takes the reader's part out of that one summary instead of making one per reader: the cache
    stays shared, and nothing of anyone else's is added. A model's combined points name no thread,
    so they stay.
    """
    own = speakers(gathered, summary.channel_id, bucket)[user_id]
    points = tuple(
        point
        for point in summary.points
        if point.ts is None or not theirs_alone(gathered, summary.channel_id, bucket, point.ts, user_id)
    )
    if not own and len(points) == len(summary.points):
        # Most readers said nothing there: they share the very same value (and its cached digest).
        return summary
    return replace(summary, message_count=summary.message_count - own, points=points)


@lru_cache(maxsize=4_096)
def _digest(
    url: str | None,
    team_id: str,
    info: ChannelInfo,
    summary: ChannelSummary,
    addressee: str | None,
    *,
    generated_by: str | None,
) -> ChannelDigest:
    """A channel's part of a catch-up: the points naming `addressee` first, then the channel's own ranking."""
    points = sorted(summary.points, key=lambda p: (addressee not in p.mentions, -p.score))
    channel_id = info.channel_id
    return ChannelDigest(
        channel_id=channel_id,
        name=info.name,
        message_count=summary.message_count,
        points=tuple(
            Item(
                text=point.text,
                link=message_link(url, team_id, channel_id, point.ts, point.thread_ts) if point.ts else None,
                group=point.category,
            )
            for point in points[:POINTS_PER_CHANNEL]
        ),
        link=channel_link(url, team_id, channel_id),
        generated_by=generated_by,
    )
