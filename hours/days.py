"""Weekdays as people type them: "mon-thu", "mon,wed,fri", "weekdays", "every day", "sat-tue", "Monday"."""

from __future__ import annotations

import re

from hours.schedule import WORKWEEK

FULL_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
EVERY_DAY = frozenset(range(7))
WEEKEND = frozenset({5, 6})
_NAMED_SETS = {
    "weekdays": WORKWEEK,
    "weekday": WORKWEEK,
    "workdays": WORKWEEK,
    "daily": EVERY_DAY,
    "everyday": EVERY_DAY,
    "weekend": WEEKEND,
    "weekends": WEEKEND,
}
_ALIASES = {"weds": 2, "thur": 3, "thurs": 3}


class UnknownDayWord(ValueError):
    """A word where days were expected that names no day; `word` is as the person typed it."""

    def __init__(self, word: str) -> None:
        super().__init__(f"not a day: {word!r}")
        self.word = word


def day_number(word: str) -> int | None:
    """0 (Monday) to 6 (Sunday) for a day's name, abbreviation ("tu", "thurs") or plural ("mondays")."""
    word = word.lower()
    if word in _ALIASES:
        return _ALIASES[word]
    if word.endswith("days"):
        word = word[:-1]
    # Two letters already tell the days apart (mo tu we th fr sa su).
    matches = [number for number, name in enumerate(FULL_NAMES) if len(word) >= 2 and name.startswith(word)]
    return matches[0] if len(matches) == 1 else None


def parse_days(text: str) -> frozenset[int] | None:
    """The days named in `text`, or None when it names none; UnknownDayWord for a word that is no day."""
    text = re.sub(r"[\u2013\u2014]", "-", text)
    text = re.sub(r"\bevery\s+day\b", "everyday", text, flags=re.I)
    # "mon - thu" and "mon to thu" are ranges too.
    text = re.sub(r"\s*-\s*", "-", text)
    text = re.sub(r"(?<=[a-z])\s+to\s+(?=[a-z])", "-", text, flags=re.I)
    words = [word for word in re.split(r"[\s,]+", text) if word]
    if not words:
        return None
    days: set[int] = set()
    for word in words:
        days |= _parse_day_word(word)
    return frozenset(days)


def _parse_day_word(word: str) -> frozenset[int]:
    if "/" in word:
        # "mon/wed/fri" is a list; anything else with a slash is named whole (it may be a mistyped zone).
        try:
            return frozenset().union(*(_parse_day_word(part) for part in word.split("/")))
        except UnknownDayWord:
            raise UnknownDayWord(word) from None
    named = _NAMED_SETS.get(word.lower())
    if named is not None:
        return named
    first_word, dash, last_word = word.partition("-")
    first = day_number(first_word)
    last = day_number(last_word) if dash else first
    if first is None or last is None:
        raise UnknownDayWord(word)
    # Ranges may wrap around the week: sat-tue is Sat, Sun, Mon, Tue.
    return frozenset((first + step) % 7 for step in range((last - first) % 7 + 1))
