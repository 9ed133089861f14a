"""The built-in summarizer: a channel's busiest, most decisive threads, quoted — no model, no network."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

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


def is_human(line: Line) -> bool:
    """Said by a person: not a bot, not Slack narrating (joins, topic changes), not authorless."""
    return not (line.is_bot or line.is_system) and line.user_id is not None


def human_messages(window: ChannelWindow) -> tuple[Line, ...]:
    """The window's messages written by people, oldest first."""
    return tuple(line for line in window.messages if is_human(line))


def group_threads(messages: Iterable[Line]) -> list[Thread]:
    """Messages grouped by thread (a parent's own `thread_ts` may be None or its ts), in first-seen order."""
    grouped: dict[str, list[Line]] = {}
    for message in messages:
        grouped.setdefault(message.thread_ts or message.ts, []).append(message)
    return [Thread(ts, tuple(_without_repeats(lines))) for ts, lines in grouped.items()]


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


def _without_repeats(lines: list[Line]) -> list[Line]:
    """Drop a person's repeats of what they already said in the thread; another's "+1" still counts."""
    kept: list[tuple[Line, tuple[str, ...]]] = []
    for line in lines:
        if not line.text.strip():
            continue
        words = normalized_words(line.text)
        if any(k.user_id == line.user_id and near_duplicates(k_words, words) for k, k_words in kept):
            continue
        kept.append((line, words))
    return [line for line, _ in kept]


def _is_decision_phrase(text: str) -> bool:
    # Phones type a curly apostrophe (U+2019) in "let's".
    return bool(_DECISION_PHRASE.search(unescape(text).replace("\u2019", "'")))


def _is_request(text: str) -> bool:
    return bool(mentioned_users(text)) and "?" in text


def headline(thread: Thread, decision_ts: frozenset[str]) -> Line:
    """The message a thread's point quotes: the filed decision, else the last decisive line, else the parent."""
    filed = [message for message in thread.messages if message.ts in decision_ts]
    if filed:
        return filed[0]
    decisive = [message for message in thread.messages if _is_decision_phrase(message.text)]
    return decisive[-1] if decisive else thread.messages[0]


def score(thread: Thread, window: ChannelWindow) -> float:
    """How much a thread deserves a reader's morning: decisions, requests, engagement, recency."""
    texts = [message.text for message in thread.messages]
    value = 0.0
    if any(message.ts in window.decision_ts for message in thread.messages):
        value += FILED_DECISION
    elif any(_is_decision_phrase(text) for text in texts):
        value += DECISION_WORDS
    if any(_is_request(text) for text in texts):
        value += REQUEST
    replies = thread.replies
    repliers = {message.user_id for message in replies}
    reactions = sum(message.reactions for message in thread.messages)
    value += math.log2(1 + len(replies)) + math.log2(1 + len(repliers)) + 0.5 * math.log2(1 + reactions)
    return value + RECENCY * _recency(thread, window)


def _recency(thread: Thread, window: ChannelWindow) -> float:
    """0 for a thread last active at the window's start, 1 at its end."""
    span = (window.end - window.start).total_seconds()
    if span <= 0:
        return 1.0
    latest = max(message.posted_at for message in thread.messages)
    return min(1.0, max(0.0, (latest - window.start).total_seconds() / span))


def reply_note(thread: Thread) -> str:
    """The reply count, e.g. " (4 replies from 3 people)"; empty for a message nobody answered."""
    replies = thread.replies
    if not replies:
        return ""
    if len(replies) == 1:
        return " (1 reply)"
    people = len({message.user_id for message in replies})
    return f" ({len(replies)} replies from {people} {'person' if people == 1 else 'people'})"


class ExtractiveSummarizer:
    """Quotes the top threads of a channel's window, ranked; deterministic and offline."""

    def __init__(self, *, max_points: int = 5, excerpt_chars: int = 200) -> None:
        if max_points < 1 or excerpt_chars < 20:
            raise ValueError("max_points must be at least 1 and excerpt_chars at least 20")
        self.max_points = max_points
        self.excerpt_chars = excerpt_chars

    @property
    def name(self) -> str:
        """The summary source this summarizer writes: "extractive"."""
        return "extractive"

    def summarize(self, window: ChannelWindow) -> ChannelSummary:
        """Up to `max_points` points, best thread first, each quoting one person's line of it."""
        people = human_messages(window)
        threads = [thread for thread in group_threads(people) if thread.messages]
        ranked = sorted(
            ((score(thread, window), thread) for thread in threads),
            key=lambda pair: (-pair[0], -max(m.posted_at for m in pair[1].messages).timestamp(), pair[1].ts),
        )
        points: list[SummaryPoint] = []
        shown: list[tuple[str, ...]] = []
        for value, thread in ranked:
            if len(points) == self.max_points:
                break
            lead = headline(thread, window.decision_ts)
            words = normalized_words(lead.text)
            # The same paste in two threads, or three top-level "+1"s, make one point (the best-ranked).
            if any(near_duplicates(words, seen) for seen in shown):
                continue
            shown.append(words)
            points.append(self._point(thread, lead, value))
        return ChannelSummary(
            channel_id=window.channel_id, message_count=len(people), points=tuple(points), source=self.name
        )

    def _point(self, thread: Thread, lead: Line, value: float) -> SummaryPoint:
        excerpt = one_line(lead.text, limit=self.excerpt_chars)
        return SummaryPoint(
            text=f"<@{lead.user_id}>: {excerpt}{reply_note(thread)}",
            ts=thread.ts,
            mentions=frozenset[str]().union(*(mentioned_users(message.text) for message in thread.messages)),
            score=value,
        )
