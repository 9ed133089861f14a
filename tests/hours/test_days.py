"""Weekdays as people type them, and back again."""

from __future__ import annotations

from itertools import combinations

import pytest

from hours.days import UnknownDayWord, day_number, parse_days
from hours.phrases import describe_days


@pytest.mark.parametrize(
    ("word", "number"),
    [("mon", 0), ("Monday", 0), ("MONDAYS", 0), ("tu", 1), ("tues", 1), ("weds", 2), ("thurs", 3), ("su", 6)],
)
def test_day_names_abbreviations_and_plurals(word: str, number: int) -> None:
    assert day_number(word) == number


@pytest.mark.parametrize("word", ["m", "t", "s", "days", "xyz", "", "mondayy"])
def test_words_that_name_no_single_day(word: str) -> None:
    assert day_number(word) is None


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("", None),
        ("  ,  ", None),
        ("mon-thu", {0, 1, 2, 3}),
        ("Mon\N{EN DASH}Thu", {0, 1, 2, 3}),
        ("mon - thu", {0, 1, 2, 3}),
        ("monday to thursday", {0, 1, 2, 3}),
        ("mon,wed,fri", {0, 2, 4}),
        ("mon, wed fri", {0, 2, 4}),
        ("weekdays", {0, 1, 2, 3, 4}),
        ("every day", set(range(7))),
        ("Every Day", set(range(7))),
        ("daily", set(range(7))),
        ("weekends", {5, 6}),
        ("sat-tue", {5, 6, 0, 1}),
        ("sun-sun", {6}),
        ("mon-wed fri", {0, 1, 2, 4}),
        ("mon/wed/fri", {0, 2, 4}),
    ],
)
def test_parse_days(text: str, days: set[int] | None) -> None:
    assert parse_days(text) == (None if days is None else frozenset(days))


@pytest.mark.parametrize(
    ("text", "word"),
    [("mon-xyz", "mon-xyz"), ("mon Funday", "Funday"), ("every", "every"), ("mon/Base", "mon/Base")],
)
def test_a_word_that_is_no_day_is_named(text: str, word: str) -> None:
    with pytest.raises(UnknownDayWord) as raised:
        parse_days(text)
    assert raised.value.word == word


def test_every_day_set_reads_back_from_its_description() -> None:
    for size in range(1, 8):
        for days in combinations(range(7), size):
            assert parse_days(describe_days(frozenset(days))) == frozenset(days)
