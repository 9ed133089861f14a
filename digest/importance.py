"""What a line of a channel is worth to someone back from the night: cues, chatter, facts, informativeness.

A line's *cues* say what it is — a decision stated in prose, a blocker, an incident or its
resolution, a question or request to the team, a change of plan or date — and each is a few
phrases a reader would recognise, so every score can be explained by the words that earned it.
*Chatter* (greetings, thanks, laughter, emoji, "+1", food, a line of one or two words) costs a
line more than any cue earns it, so "lol" and "coffee time ☕" never reach a catch-up. *Facts*
(times, figures with units, versions, dates, links, code) and the line's *informativeness* against
its own channel (the BM25 weight of its word stems: "deploy" says little in #deploys) add to it.

Everything here but `informativeness` depends on the text alone, so it is worked out once per
distinct text (`TextCues`) and the per-window cost is a sum over a few stems.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import islice

import snowballstemmer

from digest.cues import (
    ASKS,
    BROADCAST,
    CHATTER_WORDS,
    CUES,
    EVASIVE,
    FOOD,
    FOOD_EMOJI,
    LAUGHTER,
    POLITE_WORDS,
    REQUEST,
    SMALL_TALK,
    STOP_WORDS,
    YES_NO,
    Hints,
    hinted_by,
    word_set,
)
from digest.model import BLOCKED, CHANGE, DECIDED, INCIDENT, QUESTION
from digest.text import mentioned_users, unescape

# What each cue is worth. A line with a cue and a few words of substance clears THRESHOLD; a line
# without one needs facts and informative words together, or a lively thread, to get there.
CUE_WEIGHTS = {DECIDED: 4.0, BLOCKED: 4.0, INCIDENT: 4.0, CHANGE: 3.5, QUESTION: 3.0}
# When a line carries several cues, the category it is shown under (a question deciding nothing is a question).
CUE_ORDER = (INCIDENT, BLOCKED, DECIDED, CHANGE, QUESTION)
EXTRA_CUE = 0.5
ANSWERED = 2.0
# Each fact a line carries, up to three: a result with its figures says more than one with a date.
FACT = 0.75
MOST_FACTS = 3
# Informativeness: the BM25 weights of the line's stems, summed and scaled so that a line of a dozen
# words rare in its channel reaches the cap.
INFORMATIVE_SCALE = 24.0
INFORMATIVE_CAP = 2.0
# Chatter: laughter, food and small talk topics are social whatever else the line says; a line that is
# only greetings, thanks, agreement or emoji is nothing but chatter.
SOCIAL = 5.0
ONLY_CHATTER = 8.0
# Greetings or thanks inside a longer line: a little, since "thanks! the fix is out" still reports.
POLITE = 1.0
# A line of fewer content words than this, with no cue, says too little to quote.
FEW_WORDS = 3
FEW_WORDS_PENALTY = 2.0
SHORT_CUE = 2.0
THRESHOLD = 3.0
# Content words a reply needs to answer a question.
ANSWER_WORDS = 3

_WORD = re.compile(r"\w+(?:['\u2019]\w+)?")
_TOKEN = re.compile(r"<[^<>\n]*>")
_SHORTCODE = re.compile(r":[a-z0-9_+'-]+:")
_CODE = re.compile(r"```.*?```|`[^`\n]+`", re.DOTALL)


_STEMMER = snowballstemmer.stemmer("english")


@lru_cache(maxsize=65_536)
def stem(word: str) -> str:
    """A word's Snowball (Porter 2) stem, interned: "blocked" and "blocking" are one word to the ranking."""
    return sys.intern(_STEMMER.stemWord(word))


# Facts a line can carry: a clock time, a figure with a unit or a currency, a version, a date, a ticket
# (all with a digit, so only texts with one are searched), or a day or time zone named.
_FACT_NUMBER = re.compile(
    r"\b\d{1,2}:\d{2}\b|\b\d{1,2} ?(?:am|pm)\b|\b\d+(?:[.,]\d+)?\s?(?:%|ms|s|sec|secs|seconds|min|mins|minutes|h|hrs?"
    r"|hours?|days?|weeks?|gb|mb|kb|tb|k|m|x|rps|qps|req/s|users|customers|tenants|orders|errors|nodes|pods|eur|usd)(?!\w)"
    r"|[$€£¥]\s?\d|\bv?\d+\.\d+(?:\.\d+)+\b|\bv\d+(?:\.\d+)?\b|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov"
    r"|dec)[a-z]* \d{1,2}\b|\b\d{1,2}(?:st|nd|rd|th)\b|\b\d{4}-\d{2}-\d{2}\b|\bq[1-4]\b|\b[A-Z][A-Z0-9]+-\d+\b",
    re.IGNORECASE,
)
_FACT_WORDS = word_set("utc monday tuesday wednesday thursday friday saturday sunday tomorrow tonight eod eow")
_DIGIT = re.compile(r"\d")
_LINK = re.compile(r"<(?:https?|mailto):[^<>]*>|https?://\S+")


@dataclass(frozen=True, slots=True)
class TextCues:
    """What a text says about itself, whatever channel it was written in."""

    # Categories whose cues the text carries, in CUE_ORDER.
    cues: tuple[str, ...]
    # The interned stems of its content words (no stop words), each once.
    stems: frozenset[str]
    content_words: int
    # How many facts it carries (times, figures, versions, dates, tickets, links, code), counted up to MOST_FACTS.
    facts: int
    # How much chatter costs it (0.0 for none).
    chatter: float
    # It opens with "no idea", "not sure", "not me": as a reply, it answers nothing.
    evasive: bool = False
    # Its score before informativeness and engagement: cues and facts less chatter (`weight`, worked out once).
    base: float = field(init=False)

    def __post_init__(self) -> None:
        # Frozen: the one assignment goes through object's own setter. Ranking reads `base` for every line of
        # every window, so it is worked out here, once per distinct text.
        object.__setattr__(self, "base", self.weight(answered=False))

    @property
    def answers(self) -> bool:
        """Whether, as a reply, it answers a question: it says something, and is not "no idea" or "not me"."""
        return not self.chatter and not self.evasive and self.content_words >= ANSWER_WORDS

    @property
    def category(self) -> str | None:
        """The category the line is shown under: its first cue in CUE_ORDER, if any."""
        return self.cues[0] if self.cues else None

    def weight(self, *, answered: bool) -> float:
        """Its score before informativeness and engagement; a question someone `answered` asks nothing now."""
        cues = [cue for cue in self.cues if not (answered and cue == QUESTION)]
        # What an answered question was about is in its answers now: they are the lines to quote.
        value = -ANSWERED if answered and QUESTION in self.cues else 0.0
        if cues:
            value += max(CUE_WEIGHTS[cue] for cue in cues) + EXTRA_CUE * (len(cues) - 1)
            if self.content_words < FEW_WORDS:
                # "rolling back", "on hold": a cue in a line of a word or two is a status, not the news.
                value -= SHORT_CUE
        elif self.content_words < FEW_WORDS:
            value -= FEW_WORDS_PENALTY
        value += FACT * min(self.facts, MOST_FACTS)
        return value - self.chatter


def text_cues(text: str) -> TextCues:
    """Read a message's text (Slack's format) for its cues, content words, facts and chatter."""
    plain = unescape(_TOKEN.sub(" ", text)).replace("\u2019", "'")
    prose = _CODE.sub(" ", plain) if "`" in plain else plain
    lowered = prose.lower()
    # Every word, shortcodes' included, for the cues' prefilter; ":tada:" and ":+1:" are emoji, not words, to the rest.
    every = _WORD.findall(lowered)
    words = _WORD.findall(_SHORTCODE.sub(" ", lowered)) if ":" in lowered else every
    content = [word for word in words if word not in STOP_WORDS and not word.isdigit()]
    digits = _DIGIT.search(plain) is not None
    hinted = hinted_by(every)
    found = {category for category, cue in CUES.items() if cue.search(prose, hinted, digits)}
    mentions = mentioned_users(text) if "<@" in text else frozenset()
    asks = "?" in prose and (
        mentions
        or BROADCAST.search(text)
        or ASKS.search(prose, hinted, digits)
        or (YES_NO.match(prose) and len(content) >= 3)
    )
    if asks or (mentions and REQUEST.search(prose, hinted, digits)):
        found.add(QUESTION)
    facts = sum(1 for word in every if word in _FACT_WORDS)
    if digits:
        facts += sum(1 for _ in islice(_FACT_NUMBER.finditer(plain), MOST_FACTS))
    if "http" in text or "mailto:" in text:
        facts += len(_LINK.findall(text))
    if "`" in plain:
        facts += len(_CODE.findall(plain))
    return TextCues(
        cues=tuple(cue for cue in CUE_ORDER if cue in found),
        stems=frozenset(stem(word) for word in content),
        content_words=len(content),
        facts=min(facts, MOST_FACTS),
        chatter=_chatter(plain, words, content, hinted, digits, whole=prose is not plain),
        evasive=EVASIVE.match(prose) is not None,
    )


def _chatter(plain: str, words: list[str], content: list[str], hinted: Hints, digits: bool, *, whole: bool) -> float:
    """What chatter costs a line: laughter, food and small talk, or nothing but greetings, thanks and emoji.

    `hinted` was read from the words outside code spans: with `whole`, `plain` has code spans too, so a
    hinted cue is tried with all its phrases, as the words in code may be what one of them needs.
    """
    if not words:
        # Emoji, "+1" as a shortcode, punctuation: nothing to read.
        return ONLY_CHATTER
    if CHATTER_WORDS.issuperset(words):
        return ONLY_CHATTER
    social = (LAUGHTER, FOOD, SMALL_TALK)
    if any(cue.search_whole(plain, hinted, digits) if whole else cue.search(plain, hinted, digits) for cue in social):
        return SOCIAL
    if _has_emoji_food(plain):
        return SOCIAL
    polite = sum(1 for word in words if word in POLITE_WORDS)
    return POLITE if polite and polite * 2 >= len(content) else 0.0


def _has_emoji_food(plain: str) -> bool:
    return not FOOD_EMOJI.isdisjoint(plain)


def idf_weights(document_frequency: Mapping[str, int], documents: int) -> dict[str, float]:
    """Each stem's BM25 inverse document frequency in a channel's window of `documents` lines."""
    return {word: math.log(1.0 + (documents - seen + 0.5) / (seen + 0.5)) for word, seen in document_frequency.items()}


def informativeness(stems: frozenset[str], idf: Mapping[str, float]) -> float:
    """How much a line's words say against its channel's own vocabulary (their BM25 weights, summed, capped).

    Every stem of the line is in `idf`: its window's lines, the line included, are what it was counted over.
    """
    return min(INFORMATIVE_CAP, sum(map(idf.__getitem__, stems)) / INFORMATIVE_SCALE)
