"""`/handoff stats …` as typed: channels escaped or not, weeks in a few spellings, and mistakes explained."""

from __future__ import annotations

import pytest

from metrics.command import Figures, GroupSize, Help, StatsInputError, WeeklyReport, parse_stats


@pytest.mark.parametrize(
    ("typed", "parsed"),
    [
        ("", Figures()),
        ("help", Help()),
        ("12", Figures(weeks=12)),
        ("12w", Figures(weeks=12)),
        ("12 weeks", Figures(weeks=12)),
        ("#general", Figures(channel_name="general")),
        ("<#C123|general> 4", Figures(weeks=4, channel_id="C123", channel_name="general")),
        ("4 <#G9>", Figures(weeks=4, channel_id="G9")),
        ("group-size 6", GroupSize("6")),
        ("group-size", GroupSize("")),
        ("report off", WeeklyReport(on=False)),
        ("report", WeeklyReport(on=None)),
    ],
)
def test_what_people_type_is_understood(typed: str, parsed: object) -> None:
    assert parse_stats(typed) == parsed


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("0", "I can show 1 to 52 weeks, not 0."),
        ("53 weeks", "I can show 1 to 52 weeks, not 53."),
        ("#a #b", "I didn't understand `#b`."),
        ("4 8", "I didn't understand `8`."),
        ("everything", "I didn't understand `everything`."),
        ("report loudly", "`/handoff stats report off` stops your weekly team report"),
    ],
)
def test_a_mistake_says_what_to_type_instead(typed: str, said: str) -> None:
    with pytest.raises(StatsInputError) as raised:
        parse_stats(typed)
    assert said in raised.value.message
