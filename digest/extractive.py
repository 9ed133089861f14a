"""The built-in summarizer: a channel's important lines, quoted and grouped — no model, no network.

Each person's line is weighed by `digest.importance` (what it is: a decision, a blocker, an incident,
a question, a change; its facts; how much its words say against the channel's own vocabulary; less
any chatter), plus, for a thread's first line, how lively the thread was. Lines that clear the
threshold are the points, best first, a few per thread; chatter only ever counts. A channel where
nothing clears it shows its single most substantial line that is not chatter, if it has one.

A morning's window buckets overlap (each time zone's catch-up covers the day before its own
start), so the same message is ranked for many buckets. What ranking needs of a message's text
(its words, cues and stems, whom it mentions) is worked out once and kept in a bounded cache keyed
by the text itself (they depend on nothing else): an edited message has new text, so a new entry,
and the many identical "+1"s share one. Per window, only the document frequencies of the stems are
counted, and only lines that could clear the threshold are weighed against them.
"""

from __future__ import annotations

import math
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import NamedTuple

from digest.best_first import Candidate, Weighed, WindowRanking
from digest.collector import collector_paused
from digest.importance import (
    CUE_WEIGHTS,
    INFORMATIVE_CAP,
    THRESHOLD,
    TextCues,
    text_cues,
)
from digest.model import DECIDED, QUESTION, ChannelSummary, ChannelWindow, Line, SummaryPoint
from digest.text import mentioned_users, one_line, unescape

_WORD = re.compile(r"\w+")
_ANY_TOKEN = re.compile(r"<[^<>\n]*>")

# A filed decision beats everything: someone said so with :memo: or /decision.
FILED_DECISION = 10.0
# Engagement: half of log2 of replies plus log2 of repliers plus half the log2 of reactions (a thread
# of a dozen replies from five people earns about 3: enough, with a few informative words, without a cue).
ENGAGEMENT = 0.5
REACTIONS = 0.5
# How much of the question an answer's point quotes before the answer.
QUESTION_CHARS = 100
# What the answer to a thread's question earns: the question's own weight.
ANSWER = CUE_WEIGHTS[QUESTION]
# Points quoted from one thread: its opening, and the turns that matter (a cause, a resolution).
PER_THREAD = 3
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
    # The ids of the well-formed <@U…> mentions, sorted.
    mentions: tuple[str, ...]
    cues: TextCues


FeaturesOf = Callable[[str], Features]


def features(text: str) -> Features:
    """Work out a text's features (interned words: a day of messages repeats the same few thousand)."""
    return Features(
        words=tuple(sys.intern(word) for word in normalized_words(text)),
        blank=not text.strip(),
        mentions=tuple(sorted(mentioned_users(text))),
        cues=text_cues(text),
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


class ExtractiveSummarizer:
    """Quotes the important lines of a channel's window, ranked; deterministic and offline."""

    def __init__(self, *, max_points: int = 12, excerpt_chars: int = 200) -> None:
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
        """Up to `max_points` points, most important first, each quoting one person's line."""
        with collector_paused():
            return self._summarize(window)

    def _summarize(self, window: ChannelWindow) -> ChannelSummary:
        threads, people = self._threads(window)
        stems, hopeful = self._weighed(threads, window.decision_ts)
        ranking = WindowRanking(start=window.start, end=window.end, stems=stems)
        points = self._pick(ranking.best_first(hopeful, THRESHOLD), threads, window.decision_ts) if hopeful else []
        if not points:
            # A quiet channel's one most substantial line that is not chatter (none when all of it is).
            best = next(ranking.best_first(self._substantial(threads, window.decision_ts), -math.inf), None)
            if best is not None:
                points = [self._point(threads[best.thread], best.line, -best.rank, filed=False, quoted=set())[0]]
        return ChannelSummary(
            channel_id=window.channel_id, message_count=people, points=tuple(points), source=self.name
        )

    def _weighed(
        self, threads: dict[str, list[Line]], decision_ts: frozenset[str], *, floor: float = THRESHOLD - INFORMATIVE_CAP
    ) -> tuple[list[frozenset[str]], list[Weighed]]:
        """Every line's stems, and the lines that weigh at least `floor` before informativeness (what their cues,
        place in their thread and reactions give them): most lines of a busy day cannot clear the threshold."""
        features_of, known = self._features_of, self._features
        stems: list[frozenset[str]] = []
        weighed: list[Weighed] = []
        for ts, kept in threads.items():
            lively, answer = self._engagement(kept) if len(kept) > 1 else (0.0, None)
            first = True
            for line in kept:
                cues = (known.get(line.text) or features_of(line.text)).cues
                stems.append(cues.stems)
                if first:
                    # An answered question's talk was about its answer: the answer gets the weight.
                    weight = cues.weight(answered=True) if answer is not None else cues.base + lively
                    first = False
                else:
                    weight = cues.base + ANSWER if line is answer else cues.base
                if line.reactions:
                    weight += REACTIONS * _log2_1p(line.reactions)
                if decision_ts and line.ts in decision_ts:
                    weight += FILED_DECISION
                if weight >= floor:
                    weighed.append(Weighed(line, ts, cues, weight))
        return stems, weighed

    def _substantial(self, threads: dict[str, list[Line]], decision_ts: frozenset[str]) -> list[Weighed]:
        """Every line that is not chatter and has a couple of content words, weighed as `_weighed` weighs."""
        return [
            each
            for each in self._weighed(threads, decision_ts, floor=-math.inf)[1]
            if not each.cues.chatter and each.cues.content_words >= 2
        ]

    def _pick(
        self, ranked: Iterator[Candidate], threads: dict[str, list[Line]], decision_ts: frozenset[str]
    ) -> list[SummaryPoint]:
        """The best candidates (`ranked` is best first), a few per thread, each paste or "+1" once."""
        points: list[SummaryPoint] = []
        shown: list[tuple[str, ...]] = []
        # Lines a point shows, its own or the question it answers: none is shown twice.
        quoted: set[str] = set()
        per_thread: Counter[str] = Counter()
        for found in ranked:
            if len(points) >= self.max_points:
                break
            if per_thread[found.thread] >= PER_THREAD or found.ts in quoted:
                continue
            line = found.line
            words = self._features_of(line.text).words
            if any(near_duplicates(words, seen) for seen in shown):
                continue
            shown.append(words)
            per_thread[found.thread] += 1
            point, question = self._point(
                threads[found.thread], line, -found.rank, filed=found.ts in decision_ts, quoted=quoted
            )
            quoted.update(ts for ts in (line.ts, question) if ts is not None)
            points.append(point)
        return points

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

    def _engagement(self, kept: list[Line]) -> tuple[float, Line | None]:
        """What a thread's replies, repliers and reactions add to its first line, and, when that line asked a
        question, the reply that answered it (its first that says something: not "+1", "not me" or "no idea")."""
        if len(kept) == 1:
            return 0.0, None
        replies = len(kept) - 1
        repliers = len({line.user_id for line in kept[1:]})
        reactions = sum(line.reactions for line in kept[1:])
        lively = ENGAGEMENT * (_log2_1p(replies) + _log2_1p(repliers) + REACTIONS * _log2_1p(reactions))
        if QUESTION not in self._features_of(kept[0].text).cues.cues:
            return lively, None
        # The asker's own "nvm, found it: …" answers too.
        answer = next((line for line in kept[1:] if self._features_of(line.text).cues.answers), None)
        return lively, answer

    def _features_of(self, text: str) -> Features:
        found = self._features.get(text)
        if found is None:
            if len(self._features) >= FEATURE_CACHE_SIZE:
                del self._features[next(iter(self._features))]
            found = self._features[text] = features(text)
        return found

    def _point(
        self, kept: list[Line], line: Line, value: float, *, filed: bool, quoted: set[str]
    ) -> tuple[SummaryPoint, str | None]:
        """A point quoting `line`, and the ts of the question it quotes too, if any.

        A thread's first line notes its replies and carries the thread's mentions; the answer to a
        thread's question quotes the question first, unless a point already shows it (`quoted`).
        """
        excerpt = one_line(line.text, limit=self.excerpt_chars)
        opens = line is kept[0]
        cues = self._features_of(line.text).cues
        if opens:
            thread = Thread(kept[0].thread_ts or kept[0].ts, tuple(kept))
            mentions = frozenset(m for each in kept for m in self._features_of(each.text).mentions)
            note = reply_note(thread)
        else:
            mentions = frozenset(self._features_of(line.text).mentions)
            note = ""
        category = DECIDED if filed else cues.category
        asked, question_ts = "", None
        if not opens and self._engagement(kept)[1] is line:
            # An answer reads with its question, which is not shown on its own once answered.
            question = kept[0]
            category = category or QUESTION
            if question.ts not in quoted:
                asked = f"<@{question.user_id}> asked: {one_line(question.text, limit=QUESTION_CHARS)} → "
                question_ts = question.ts
        # A reply links into its thread; a thread's first line (its parent, or the first reply in the window) to itself.
        thread_ts = line.thread_ts if line.thread_ts and line.thread_ts != line.ts else None
        point = SummaryPoint(
            text=f"{asked}<@{line.user_id}>: {excerpt}{note}",
            ts=line.ts,
            mentions=mentions,
            score=value,
            category=category,
            thread_ts=thread_ts,
        )
        return point, question_ts


def _log2_1p(count: int) -> float:
    # The same value as math.log2(1 + count), looked up: most threads have few replies and reactions.
    return _LOG2_1P[count] if count < len(_LOG2_1P) else math.log2(1 + count)
