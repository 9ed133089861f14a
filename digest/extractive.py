"""The built-in summarizer: a channel's busiest, most decisive threads, quoted — no model, no network.

A morning's window buckets overlap (each time zone's catch-up covers the day before its own
start), so the same message is ranked for many buckets. What ranking needs of a message's text
(its words, whether it decides or asks something, whom it mentions) is worked out once and kept
in a bounded cache keyed by the text itself (they depend on nothing else): an edited message has
new text, so a new entry, and the many identical "+1"s share one.
"""

from __future__ import annotations

import heapq
import math
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import NamedTuple

from digest.collector import collector_paused
from digest.model import ChannelSummary, ChannelWindow, Line, SummaryPoint
from digest.text import mentioned_users, one_line, unescape

# Phrases that say a thread settled something. Deliberately few: "we'll" alone is mostly small talk.
_DECISION_PHRASE = re.compile(r"\b(?:decided|agreed|going with|we will|let'?s go with)\b", re.IGNORECASE)
_WORD = re.compile(r"\w+")
_ANY_TOKEN = re.compile(r"<[^<>\n]*>")

# Weights of the rank score. A filed decision beats everything; a decision phrase beats a lively
# chat of a dozen replies (engagement grows with the log of replies, people and reactions).
FILED_DECISION = 10.0
DECISION_WORDS = 5.0
REQUEST = 3.0
RECENCY = 1.0
# Token-set overlap above which two texts are the same paste with a word changed.
NEAR_DUPLICATE = 0.85
NEAR_DUPLICATE_MIN_WORDS = 6
# Messages whose text features are kept: a busy workspace's day, a few hundred bytes each.
FEATURE_CACHE_SIZE = 200_000
_LOG2_1P = tuple(math.log2(1 + count) for count in range(256))


@dataclass(frozen=True)
class Thread:
    """A top-level message and its replies in the window: people only, oldest first."""

    ts: str
    messages: tuple[Line, ...]

    @property
    def replies(self) -> tuple[Line, ...]:
        """Every message after the first, which leads the thread's point."""
        # When the parent is a bot's or older than the window, a person's reply leads: not a reply to count.
        return self.messages[1:]


class Features(NamedTuple):
    """What ranking reads in one message's text."""

    words: tuple[str, ...]
    blank: bool
    decisive: bool
    request: bool
    # The ids of the well-formed <@U…> mentions, sorted.
    mentions: tuple[str, ...]


FeaturesOf = Callable[[str], Features]


def features(text: str) -> Features:
    """Work out a text's features (interned words: a day of messages repeats the same few thousand)."""
    mentions = tuple(sorted(mentioned_users(text)))
    return Features(
        words=tuple(sys.intern(word) for word in normalized_words(text)),
        blank=not text.strip(),
        decisive=_is_decision_phrase(text),
        request=bool(mentions) and "?" in text,
        mentions=mentions,
    )


def is_human(line: Line) -> bool:
    """Said by a person: not a bot, not Slack narrating (joins, topic changes), not authorless."""
    return not (line.is_bot or line.is_system) and line.user_id is not None


def human_messages(window: ChannelWindow) -> tuple[Line, ...]:
    """The window's messages written by people, oldest first."""
    return tuple(line for line in window.messages if is_human(line))


def group_threads(messages: Iterable[Line]) -> list[Thread]:
    """Messages grouped by thread (a parent's own `thread_ts` may be None or its ts), in first-seen order."""
    grouped: dict[str, list[Line]] = {}
    known: dict[str, Features] = {}

    def features_of(text: str) -> Features:
        return known.get(text) or known.setdefault(text, features(text))

    for message in messages:
        kept = grouped.setdefault(message.thread_ts or message.ts, [])
        if message.text.strip() and not (kept and _repeats(kept, message, features_of)):
            kept.append(message)
    return [Thread(ts, tuple(kept)) for ts, kept in grouped.items()]


def normalized_words(text: str) -> tuple[str, ...]:
    """The words of a message for comparison: lower case, no markup or punctuation ("+1" is "1")."""
    return tuple(_WORD.findall(_ANY_TOKEN.sub(" ", unescape(text)).lower()))


def near_duplicates(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """The same words, or long texts that share nearly all of their words (a paste with an edit)."""
    if a == b:
        return True
    if min(len(a), len(b)) < NEAR_DUPLICATE_MIN_WORDS:
        return False
    left, right = set(a), set(b)
    return len(left & right) / len(left | right) >= NEAR_DUPLICATE


def reply_note(thread: Thread) -> str:
    """The reply count, e.g. " (4 replies from 3 people)"; empty for a message nobody answered."""
    replies = thread.replies
    if not replies:
        return ""
    if len(replies) == 1:
        return " (1 reply)"
    people = len({message.user_id for message in replies})
    return f" ({len(replies)} replies from {people} {'person' if people == 1 else 'people'})"


def _repeats(kept: list[Line], line: Line, features_of: FeaturesOf) -> bool:
    """A person's repeat of what they already said in the thread; another's "+1" still counts."""
    for other in kept:
        if other.user_id == line.user_id and near_duplicates(
            features_of(other.text).words, features_of(line.text).words
        ):
            return True
    return False


def _is_decision_phrase(text: str) -> bool:
    # Phones type a curly apostrophe (U+2019) in "let's".
    return bool(_DECISION_PHRASE.search(unescape(text).replace("\u2019", "'")))


def _score(kept: list[Line], features_of: FeaturesOf, decision_ts: frozenset[str], recency: float) -> float:
    """How much a thread deserves a reader's morning: decisions, requests, engagement, recency.

    `recency` is 0 for a thread last active at the window's start, 1 at its end.
    """
    if len(kept) == 1:
        # Most threads are one message: the same sum as below with no replies (log2(1) is 0.0).
        line = kept[0]
        found = features_of(line.text)
        value = FILED_DECISION if line.ts in decision_ts else DECISION_WORDS if found.decisive else 0.0
        if found.request:
            value += REQUEST
        return value + 0.5 * _log2_1p(line.reactions) + RECENCY * recency
    filed = decisive = request = False
    reactions = 0
    for line in kept:
        found = features_of(line.text)
        filed = filed or line.ts in decision_ts
        decisive = decisive or found.decisive
        request = request or found.request
        reactions += line.reactions
    value = 0.0
    if filed:
        value += FILED_DECISION
    elif decisive:
        value += DECISION_WORDS
    if request:
        value += REQUEST
    replies = len(kept) - 1
    repliers = len({line.user_id for line in kept[1:]}) if replies else 0
    value += _log2_1p(replies) + _log2_1p(repliers) + 0.5 * _log2_1p(reactions)
    return value + RECENCY * recency


def _log2_1p(count: int) -> float:
    # The same value as math.log2(1 + count), looked up: most threads have few replies and reactions.
    return _LOG2_1P[count] if count < len(_LOG2_1P) else math.log2(1 + count)


def _headline(kept: list[Line], features_of: FeaturesOf, decision_ts: frozenset[str]) -> Line:
    """The message a thread's point quotes: the filed decision, else the last decisive line, else the parent."""
    for line in kept:
        if line.ts in decision_ts:
            return line
    decisive = [line for line in kept if features_of(line.text).decisive]
    return decisive[-1] if decisive else kept[0]


class ExtractiveSummarizer:
    """Quotes the top threads of a channel's window, ranked; deterministic and offline."""

    def __init__(self, *, max_points: int = 5, excerpt_chars: int = 200) -> None:
        if max_points < 1 or excerpt_chars < 20:
            raise ValueError("max_points must be at least 1 and excerpt_chars at least 20")
        self.max_points = max_points
        self.excerpt_chars = excerpt_chars
        # Text → features; oldest out first, as a morning moves forward in time.
        self._features: dict[str, Features] = {}

    @property
    def name(self) -> str:
        """The summary source this summarizer writes: "extractive"."""
        return "extractive"

    def summarize(self, window: ChannelWindow) -> ChannelSummary:
        """Up to `max_points` points, best thread first, each quoting one person's line of it."""
        with collector_paused():
            return self._summarize(window)

    def _summarize(self, window: ChannelWindow) -> ChannelSummary:
        features_of = self._features_of
        threads, people = self._threads(window)
        start, decision_ts = window.start, window.decision_ts
        span = (window.end - start).total_seconds()

        def ranking(ts: str, kept: list[Line]) -> tuple[float, float, str]:
            latest = max(line.posted_at for line in kept) if len(kept) > 1 else kept[0].posted_at
            # Seconds into the window: the recency, and (as the thread's last activity) the tie-break.
            seconds = (latest - start).total_seconds()
            share = seconds / span if span > 0 else 1.0
            recency = 1.0 if share >= 1.0 else share if share > 0.0 else 0.0
            return -_score(kept, features_of, decision_ts, recency), -seconds, ts

        # A lone message that decides nothing, asks nothing and got no reactions scores its recency
        # alone, at most 1: such threads (most of a busy day) are ranked only if the others run out.
        ranked, plain = [], []
        for ts, kept in threads.items():
            line = kept[0]
            if len(kept) == 1 and not line.reactions and line.ts not in decision_ts:
                found = features_of(line.text)
                if not (found.decisive or found.request):
                    plain.append(ts)
                    continue
            ranked.append(ranking(ts, kept))
        # Only the first few are wanted: a heap gives them without sorting every thread of the day.
        heapq.heapify(ranked)
        points: list[SummaryPoint] = []
        shown: list[tuple[str, ...]] = []
        while len(points) < self.max_points:
            if plain and (not ranked or -ranked[0][0] <= 1.0):
                for ts in plain:
                    heapq.heappush(ranked, ranking(ts, threads[ts]))
                plain = []
            if not ranked:
                break
            negative, _, ts = heapq.heappop(ranked)
            kept = threads[ts]
            lead = _headline(kept, features_of, decision_ts)
            words = features_of(lead.text).words
            # The same paste in two threads, or three top-level "+1"s, make one point (the best-ranked).
            if any(near_duplicates(words, seen) for seen in shown):
                continue
            shown.append(words)
            points.append(self._point(Thread(ts, tuple(kept)), lead, -negative))
        return ChannelSummary(
            channel_id=window.channel_id, message_count=people, points=tuple(points), source=self.name
        )

    def _threads(self, window: ChannelWindow) -> tuple[dict[str, list[Line]], int]:
        """The window's threads as `group_threads` makes them (empty ones left out), and its people's messages."""
        # One pass with everything local: a busy channel's day is tens of thousands of lines,
        # gone over once for each bucket of the morning.
        known, features_of = self._features, self._features_of
        threads: dict[str, list[Line]] = {}
        people = 0
        for line in window.messages:
            if line.is_bot or line.is_system or line.user_id is None:
                continue
            people += 1
            if (known.get(line.text) or features_of(line.text)).blank:
                continue
            key = line.thread_ts or line.ts
            kept = threads.get(key)
            if kept is None:
                threads[key] = [line]
            elif not _repeats(kept, line, features_of):
                kept.append(line)
        return threads, people

    def _features_of(self, text: str) -> Features:
        found = self._features.get(text)
        if found is None:
            if len(self._features) >= FEATURE_CACHE_SIZE:
                del self._features[next(iter(self._features))]
            found = self._features[text] = features(text)
        return found

    def _point(self, thread: Thread, lead: Line, value: float) -> SummaryPoint:
        excerpt = one_line(lead.text, limit=self.excerpt_chars)
        return SummaryPoint(
            text=f"<@{lead.user_id}>: {excerpt}{reply_note(thread)}",
            ts=thread.ts,
            mentions=frozenset(
                mention for line in thread.messages for mention in self._features_of(line.text).mentions
            ),
            score=value,
        )
