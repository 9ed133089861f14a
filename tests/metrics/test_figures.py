"""Medians, how each value reads, and how a week's change reads."""

from __future__ import annotations

import statistics
from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from metrics.catalogue import METRICS, change, duration, shown
from metrics.figures import median, median_of_counts

BY_KEY = {metric.key: metric for metric in METRICS}


def test_the_median_of_an_even_count_is_the_mean_of_the_middle_two() -> None:
    assert median([3600.0, 86400.0]) == 45000.0
    assert median([1800.0, 7200.0, 7200.0]) == 7200.0
    assert median([]) is None
    assert median_of_counts(Counter({2: 1, 4: 1, 10: 1})) == 4
    assert median_of_counts(Counter({200: 1, 600: 1})) == 400
    assert median_of_counts(Counter()) is None


@given(st.lists(st.integers(min_value=0, max_value=60), min_size=1, max_size=200))
def test_the_median_from_counts_is_the_median_of_the_values(values: list[int]) -> None:
    assert median_of_counts(Counter(values)) == statistics.median(values)


def test_values_read_as_people_read_them() -> None:
    assert duration(45000) == "12 h 30 min"
    assert duration(7200) == "2 h"
    assert duration(1500) == "25 min"
    assert duration(3 * 86400 + 4 * 3600) == "3 d 4 h"
    assert shown(BY_KEY["median_catchup_minutes"], 1.5) == "about 1.5 min"
    assert shown(BY_KEY["median_catchup_minutes"], 0.4) == "under a minute"
    assert shown(BY_KEY["median_catchup_entries"], 4.5) == "4.5"
    assert shown(BY_KEY["decisions_logged"], 1234.0) == "1,234"
    assert shown(BY_KEY["median_to_decision"], None) == "\N{EM DASH}"


def test_a_change_reads_as_a_signed_count_or_what_a_median_was() -> None:
    logged = BY_KEY["decisions_logged"]
    assert change(logged, 5, 3) == "+2"
    assert change(logged, 0, 1) == "\N{MINUS SIGN}1"
    assert change(logged, 2, 2) == "same"
    took = BY_KEY["median_to_decision"]
    assert change(took, 45000, 7200) == "was 2 h"
    assert change(took, 7200, 7210) == "same"
    assert change(took, 7200, None) == ""
